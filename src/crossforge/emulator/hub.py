"""The Hugging Face Hub's answers, rendered from a world.

The contract is what the official ``huggingface_hub`` client parses (``ModelInfo``,
``DatasetInfo``, ``SpaceInfo``, ``GitCommitInfo``, ``Discussion``, ``DiscussionWithDetails``,
``User``): the tests point ``HfApi(endpoint=...)`` at the emulator and read every endpoint
crossforge uses with it. Datasets and spaces are the world's Hub repositories of those kinds,
keyed ``datasets/OWNER/NAME`` and ``spaces/OWNER/NAME`` as in the records; a model's key is
its id. The emulator reads these keys and cards with its own code, not the collectors', so a
collector's mistake cannot hide in both.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import Any

import yaml

from crossforge.emulator.github import iso
from crossforge.emulator.world import World, changed_paths, stable_int
from crossforge.records import HUB_CREATED_AT_FLOOR, Repository, Thread

EXPANDABLE = ("author", "createdAt", "lastModified", "downloads", "likes", "cardData", "tags",
              "baseModels", "library_name", "pipeline_tag", "gated", "childrenModelCount",
              "siblings", "config", "safetensors", "usedStorage", "downloadsAllTime",
              "transformersInfo", "gguf", "spaces", "private", "disabled", "sha")
#: The library the Hub infers from a model's files when its card names none.
LIBRARIES = {"adapter": "peft", "quantized": "gguf"}
#: The files a model's weights come in, by its relation to its parent: what the Hub lists
#: as ``siblings`` (and ``infer_relation`` reads: adapter weights, GGUF files).
WEIGHTS = {"adapter": ("adapter_config.json", "adapter_model.safetensors"),
           "quantized": ("model.Q4_K_M.gguf",),
           "model": ("config.json", "generation_config.json", "model.safetensors",
                     "tokenizer.json", "tokenizer_config.json")}
#: A model whose weights are pickles only (no ``safetensors``): the Hub gives no parameter
#: count for it.
PICKLE_WEIGHTS = ("config.json", "pytorch_model.bin", "tokenizer.json")


#: A card's YAML front matter: between ``---`` lines at the very start of the text.
FRONT_MATTER = re.compile(r"\A\s*---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


def repo_type(key: str) -> tuple[str, str]:
    """``(type, OWNER/NAME)`` of a repository key: ``datasets/a/b`` is the dataset ``a/b``."""
    prefix, _, rest = key.partition("/")
    if prefix in ("datasets", "spaces") and rest and rest.count("/") <= 1:
        return prefix[:-1], rest
    return "model", key


def repo_key(kind: str, repo_id: str) -> str:
    """The key of the repository ``repo_id`` of type ``kind`` (inverse of ``repo_type``)."""
    return repo_id if kind == "model" else f"{kind}s/{repo_id}"


def owner(key: str) -> str:
    """The owning account of a repository key (the type's prefix skipped)."""
    return repo_type(key)[1].split("/", 1)[0]


def card_data(text: str | None) -> dict[str, Any]:
    """A card's front matter as a mapping: the Hub's ``cardData``; empty when there is none or
    it is not a valid YAML mapping, as the Hub then shows no card data either."""
    match = FRONT_MATTER.match(text or "")
    if not match:
        return {}
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def hex_id(text: str, length: int = 24) -> str:
    return f"{stable_int(text):x}".rjust(length, "0")[-length:]


def created_at(record: Repository) -> str | None:
    """The repository's ``createdAt`` as the Hub serves it: the Hub's floor, a second or so
    late for some (as real answers vary), for a repository created before the floor; the
    world's true date stays in its commits."""
    when: datetime | None = record.created_at
    if when is not None and when < HUB_CREATED_AT_FLOOR:
        when = HUB_CREATED_AT_FLOOR + timedelta(seconds=stable_int(record.repo) % 2)
    return iso(when)


def children(world: World, record: Repository) -> int:
    """The model's children as the Hub counts them: the world's own count when it gives one
    (children it does not hold as records), else the models in the world naming it a base."""
    return record.children_count if record.children_count is not None \
        else world.children(record.repo)


def model_info(world: World, repo: str, expand: list[str] | None = None) -> dict[str, Any]:
    """A model's, dataset's or space's answer (``repo`` is the key), with the fields of its
    type: datasets have no lineage, spaces no downloads but an SDK."""
    record = world.repositories[("huggingface", repo)]
    if record.kind != "model":
        return _other_info(world, repo, expand)
    links = world.parents.get(repo, [])
    parents = list(dict.fromkeys(d.parent for d in links))
    relation = links[0].relation if links else None
    # the card's front matter is its card data; the world's own fields take precedence
    card = card_data(world.document("huggingface", repo))
    if record.license:
        card["license"] = record.license
    if parents:
        card["base_model"] = parents[0] if len(parents) == 1 else parents
        if links[0].relation_source != "inferred":  # else the files and library tell it
            card["base_model_relation"] = relation
    tags = [f"base_model:{d.relation}:{d.parent}" for d in links if d.relation_source == "tag"]
    tags += [f"base_model:{p}" for p in parents]
    if relation == "merge":
        tags += ["merge", "mergekit"]
    if record.license:
        tags.append(f"license:{record.license}")
    # the card's library, else the one the Hub infers from the files
    library = card.get("library_name") or LIBRARIES.get(relation or "", "transformers")
    if isinstance(library, str) and library not in tags:
        tags.insert(0, library)
    full = {
        "_id": hex_id(repo), "id": repo, "modelId": repo, "author": record.owner,
        "createdAt": created_at(record),
        "lastModified": iso(record.last_modified) or created_at(record),
        "likes": record.popularity or 0, "downloads": record.downloads or 0,
        "private": False, "gated": False, "disabled": False, "tags": tags,
        "cardData": card, "sha": hex_id(repo + "@main", 40), "spaces": [],
        **_files(record, relation, library, card.get("pipeline_tag")),
    }
    if parents:
        full["baseModels"] = {"relation": relation, "models": [{"id": p} for p in parents]}
    if not expand:
        return full
    if "childrenModelCount" in expand:  # only when asked for, as on the Hub
        full["childrenModelCount"] = children(world, record)
    if "downloadsAllTime" in expand:  # the world holds the last 30 days: a lower bound
        full["downloadsAllTime"] = record.downloads or 0
    return {k: v for k, v in full.items() if k in ("_id", "id") or k in expand}


def _files(record: Repository, relation: str | None, library: Any, pipeline: Any
           ) -> dict[str, Any]:
    """What the Hub derives from a model's files: ``siblings``, ``config``, ``safetensors``,
    ``gguf``, ``usedStorage``, the library's ``transformersInfo`` and ``pipeline_tag``; the
    files are those of its relation's weights (``WEIGHTS``). Sizes are the world record's
    (``parameters``, ``storage_bytes``) when it gives them: a record with a storage but no
    parameter count has pickle weights only (``PICKLE_WEIGHTS``), so no ``safetensors``;
    a record giving neither has sizes fixed by its name."""
    weights = WEIGHTS.get(relation or "", WEIGHTS["model"])
    if (record.parameters is None and record.storage_bytes is not None
            and relation not in ("quantized", "adapter")):
        weights = PICKLE_WEIGHTS
    names = [".gitattributes", "README.md", *weights]
    parameters = (record.parameters if record.parameters is not None
                  else 1_000_000 + stable_int(record.repo) % 7_000_000_000)
    answer: dict[str, Any] = {
        "siblings": [{"rfilename": name} for name in names],
        "usedStorage": record.storage_bytes if record.storage_bytes is not None else
        1_519 + (parameters * (2 if relation != "quantized" else 1) // (
            100 if relation == "adapter" else 1))}
    adapter_share = 100 if relation == "adapter" and record.parameters is None else 1
    answer["config"] = {"architectures": ["LlamaForCausalLM"], "model_type": "llama"} \
        if "config.json" in names else {"model_type": "llama"}
    if relation == "adapter":
        answer["config"]["peft"] = {"task_type": "CAUSAL_LM"}
    if not isinstance(pipeline, str) and library in ("transformers", "peft", "gguf"):
        pipeline = "text-generation"  # what the Hub infers for a causal language model
    if any(name.endswith(".safetensors") for name in names):
        count = parameters // adapter_share
        answer["safetensors"] = {"parameters": {"BF16": count}, "total": count}
    if any(name.endswith(".gguf") for name in names):
        answer["gguf"] = {"total": parameters, "architecture": "llama", "context_length": 4096}
    if isinstance(pipeline, str):
        answer["pipeline_tag"] = pipeline
    if isinstance(library, str):
        answer["library_name"] = library
        if library == "transformers":
            answer["transformersInfo"] = {
                "auto_model": "AutoModelForCausalLM", "processor": "AutoTokenizer",
                **({"pipeline_tag": pipeline} if isinstance(pipeline, str) else {})}
    return answer


def _other_info(world: World, repo: str, expand: list[str] | None) -> dict[str, Any]:
    record = world.repositories[("huggingface", repo)]
    repo_id = repo_type(repo)[1]
    card = {"license": record.license} if record.license else {}
    full: dict[str, Any] = {
        "_id": hex_id(repo), "id": repo_id, "author": record.owner,
        "createdAt": created_at(record),
        "lastModified": iso(record.last_modified) or created_at(record),
        "likes": record.popularity or 0, "private": False, "disabled": False, "gated": False,
        "tags": [f"license:{record.license}"] if record.license else [], "cardData": card,
        "sha": hex_id(repo + "@main", 40)}
    if record.kind == "dataset":
        full |= {"downloads": record.downloads or 0, "description": ""}
    else:
        full |= {"sdk": "gradio", "subdomain": repo_id.replace("/", "-").lower(),
                 "models": [], "datasets": []}
    if not expand:
        return full
    return {k: v for k, v in full.items() if k in ("_id", "id") or k in expand}


def commits(world: World, repo: str) -> list[dict[str, Any]]:
    """The commit listing; an author that is an e-mail address links no Hub account, and the
    Hub lists such a commit with ``authors: []`` (no name, no e-mail)."""
    return [{"id": c.sha, "title": c.subject or "", "message": c.subject or "",
             "authors": [] if c.author is None or "@" in c.author
             else [{"user": c.author, "avatar": None}], "date": iso(c.authored_at)}
            for c in world.commits.get(("huggingface", repo), [])]


def author(world: World, login: str | None) -> dict[str, Any] | None:
    if login is None:
        return None
    kind = world.account_type("huggingface", login)
    return {"_id": hex_id(login), "name": login, "fullname": login,
            "type": "org" if kind == "organization" else "user",
            "isOwner": False, "isOrgMember": False}


def discussion(world: World, repo: str, item: Thread) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "num": item.number, "title": item.title or "", "status": item.state or "open",
        "isPullRequest": item.kind == "pull_request", "createdAt": iso(item.created_at),
        "repo": {"name": repo_type(repo)[1], "type": repo_type(repo)[0]},
        "numComments": 1 + len(world.thread_comments("huggingface", repo).get(item.number, [])),
        "pinned": False,
    }
    who = author(world, item.author)
    if who is not None:  # a deleted account comes without an author, as on the Hub
        answer["author"] = who
    return answer


def discussion_details(world: World, repo: str, item: Thread, *,
                       diff: bool = False) -> dict[str, Any]:
    """A discussion with its events, of the Hub's four types: comments, status changes,
    and for a pull request its commit and, for some (SYNTHETIC: one in four, fixed by the
    thread), a title change from the Hub's default upload title; a pull request's unified
    ``diff`` when asked (``?diff=1``, as ``huggingface_hub`` asks)."""
    answer = discussion(world, repo, item)
    key = f"{repo}#{item.number}"
    events: list[dict[str, Any]] = [_comment(world, key, item.author, item.created_at,
                                             item.body)]
    if item.kind == "pull_request" and item.created_at is not None:
        events.append(_event(world, f"{key}:commit", "commit", item.author, item.created_at,
                             {"subject": item.title or "Upload folder using huggingface_hub",
                              "oid": hex_id(f"{key}:head", 40)}))
        if stable_int(key) % 4 == 0 and item.title:
            events.append(_event(world, f"{key}:title", "title-change", item.author,
                                 item.created_at, {"from": "Upload folder using "
                                                   "huggingface_hub", "to": item.title}))
    for c in world.comments.get(("huggingface", repo), []):
        if c.thread_number == item.number:
            events.append(_comment(world, f"{key}/{c.comment_id}", c.author, c.created_at,
                                   c.body))
    change = item.merged_at or item.closed_at
    if change is not None:
        events.append({"id": hex_id(f"{repo}#{item.number}:status"), "type": "status-change",
                       "createdAt": iso(change), "author": author(world, repo.split("/")[-2]),
                       "data": {"status": "merged" if item.merged_at else "closed"}})
    events.sort(key=lambda e: e["createdAt"])
    answer["events"] = events
    if item.kind == "pull_request":
        answer["changes"] = {"base": "refs/heads/main"}
        if item.merged_at:
            answer["changes"]["mergeCommitId"] = hex_id(f"{repo}#{item.number}:merge", 40)
        answer["filesWithConflicts"] = []
        if diff and item.touched is not None:
            answer["diff"] = "".join(_file_diff(key, path) for path in changed_paths(item))
    return answer


def _file_diff(key: str, path: str) -> str:
    """One file's part of a pull request's unified diff: a weights file as the Hub shows it,
    a git-lfs pointer whose object changed; any other file one changed line."""
    if path.endswith(".safetensors"):
        old, new = (hashlib.sha256(f"{key}:{path}:{side}".encode()).hexdigest()
                    for side in ("old", "new"))
        body = (f" version https://git-lfs.github.com/spec/v1\n-oid sha256:{old}\n"
                f"+oid sha256:{new}\n size {stable_int(key) % 10**9}\n")
        hunk = "@@ -1,3 +1,3 @@\n"
    else:
        body, hunk = f"-\n+{hex_id(f'{key}:{path}', 8)}\n", "@@ -1 +1 @@\n"
    return (f"diff --git a/{path} b/{path}\nindex {hex_id(f'{key}:{path}:a', 7)}.."
            f"{hex_id(f'{key}:{path}:b', 7)} 100644\n--- a/{path}\n+++ b/{path}\n{hunk}{body}")


def _event(world: World, key: str, kind: str, login: str | None, when: Any,
           data: dict[str, Any]) -> dict[str, Any]:
    """A discussion event of ``kind`` (its id fixed by ``key``); a deleted account's comes
    without an author, as on the Hub."""
    event: dict[str, Any] = {"id": hex_id(key), "type": kind, "createdAt": iso(when),
                             "data": data}
    who = author(world, login)
    if who is not None:
        event["author"] = who
    return event


def _comment(world: World, key: str, login: str | None, when: Any,
             body: str | None) -> dict[str, Any]:
    return _event(world, key, "comment", login, when, {
        "edited": False, "hidden": False, "latest": {"raw": body or "", "html": ""}})


def user_overview(world: World, name: str) -> dict[str, Any]:
    """A user's overview as ``get_user_overview`` reads it: ``fullname`` from the world's
    profile (else the account's name, else the handle), ``orgs`` the organisations the world
    lists them in. The Hub serves no links to other platforms here."""
    _, profile = world.person("huggingface", name)
    account = world.accounts.get(("huggingface", name))
    fullname = (profile.display_name if profile else None) or (
        account.display_name if account else None) or name
    orgs = sorted(org for (platform, org), logins in world.members.items()
                  if platform == "huggingface" and name in logins)
    if profile and profile.organizations:
        orgs = sorted(set(orgs) | set(profile.organizations))
    owned = sum(1 for (platform, _), r in world.repositories.items()
                if platform == "huggingface" and r.owner == name and r.kind == "model")
    return {"_id": f"{stable_int(name):024x}"[-24:], "avatarUrl": "", "fullname": fullname,
            "user": name, "type": "user", "isPro": False, "numModels": owned,
            "numDatasets": 0, "numSpaces": 0, "numDiscussions": 0, "numPapers": 0,
            "numUpvotes": 0, "numLikes": 0, "numFollowers": 0, "numFollowing": 0,
            "isFollowing": False,
            "orgs": [{"name": org, "fullname": org, "avatarUrl": ""} for org in orgs]}


def members(world: World, org: str) -> list[dict[str, Any]]:
    return [{"user": login, "fullname": login, "avatarUrl": "", "type": "user",
             "isPro": False} for login in world.members.get(("huggingface", org), [])]
