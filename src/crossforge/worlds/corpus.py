"""Source ``corpus``: an emulator world built from a directory of real public data.

The directory holds the files of crossforge's shared test corpus (any of them may be absent):

- ``git_commits.csv.gz``: default-branch histories (platform, repo, sha, parents, author and
  committer names, e-mails and dates, subject);
- ``git_pull_heads.csv.gz``: the head commit of every pull request (number, head sha, its
  author and date, subject, whether it is on the default branch);
- ``hf_models.jsonl.gz``: Hub ``ModelInfo`` rows with tags and card data, and the model
  card text (served by the emulator's resolver);
- ``github_issues_*.jsonl.gz``: raw GitHub REST issue objects (``GET /repos/{o}/{r}/issues``).

The world answers what the corpus knows exactly as it is; what the APIs would show but the
corpus lacks (logins of commit authors, pull-request authors and states, repository creation
dates, owner types, Hub commits made on a GitHub mirror) is derived by the rules listed in
``docs/worlds.md`` and nowhere else, so a collection from this world can be checked against
the corpus files themselves.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crossforge.errors import ConfigError, writing_into
from crossforge.identity import identity_key
from crossforge.records import (
    PLATFORMS,
    Account,
    Commit,
    Derivation,
    DocumentText,
    Membership,
    ProjectLabel,
    Repository,
    Thread,
)
from crossforge.sources import github, hub_metadata
from crossforge.sources.raw import api_time
from crossforge.worlds.files import write_world

SOURCE = "corpus"
COMMITS_FILE = "git_commits.csv.gz"
PULL_HEADS_FILE = "git_pull_heads.csv.gz"
MODELS_FILE = "hf_models.jsonl.gz"
ISSUES_GLOB = "github_issues_*.jsonl.gz"
#: GitHub's web-flow committer: a commit it committed was made on GitHub, never on the Hub.
GITHUB_WEB_COMMITTER = "noreply@github.com"
COMMIT_COLUMNS = ("platform", "repo", "sha", "parents", "author_name", "author_email",
                  "authored_at", "committer_name", "committer_email", "committed_at", "subject")
HEAD_COLUMNS = ("platform", "repo", "number", "head_sha", "author_name", "author_email",
                "authored_at", "subject", "head_in_default_branch")
_MERGE_SUBJECT = re.compile(r"^Merge pull request #(\d+) ")
_SQUASH_SUBJECT = re.compile(r"\(#(\d+)\)$")
_WIDE_OFFSET = re.compile(r"([+-])(\d{3,}):(\d\d)$")

WorldRecord = (Repository | Account | Commit | Thread | Membership | Derivation | DocumentText
               | ProjectLabel)


@dataclass(frozen=True, slots=True)
class CorpusSelection:
    """Which part of the corpus becomes the world.

    Attributes:
        repos: repositories of the commit, pull-request and issue files (either platform);
            ``None`` takes them all.
        models: how many Hub models of the metadata file, drawn deterministically (by a hash
            of the id, so the draw spreads over the model families); ``None`` takes them all.
            Models named in ``repos`` are always included.
    """

    repos: tuple[str, ...] | None = None
    models: int | None = None


def _rows(path: Path, columns: Iterable[str] = ()) -> Iterator[dict[str, Any]]:
    """The rows of a gzip-compressed CSV (with at least ``columns``) or JSON-lines file."""
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            if path.name.endswith(".csv.gz"):
                reader = csv.DictReader(handle)
                missing = set(columns) - set(reader.fieldnames or ())
                if missing:
                    raise ConfigError(f"{path}: missing columns {', '.join(sorted(missing))}")
                for row in reader:
                    if row["platform"] not in PLATFORMS:
                        raise ConfigError(f"{path}, line {reader.line_num}: unknown platform "
                                          f"{row['platform']!r}")
                    yield row
            else:
                for line in handle:
                    if line.strip():
                        yield json.loads(line)
    except (OSError, EOFError, json.JSONDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None


def _time(value: str | None) -> datetime | None:
    """An ISO 8601 time in UTC; git's out-of-range offsets (``+518:00``, from a committer's
    broken ``+51800``) are applied as written, which gives the instant git stored."""
    if not value:
        return None
    match = _WIDE_OFFSET.search(value)
    if match is None:
        return api_time(value).astimezone(UTC)  # type: ignore[union-attr]
    sign = -1 if match.group(1) == "-" else 1
    offset = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
    local = datetime.fromisoformat(value[:match.start()]).replace(tzinfo=UTC)
    return local - sign * offset


def _hash_order(repo: str) -> str:
    return hashlib.sha256(repo.encode()).hexdigest()


def records(corpus: str | Path, selection: CorpusSelection = CorpusSelection()
            ) -> Iterator[WorldRecord]:
    """Every world record the corpus gives for ``selection``, repositories first.

    Raises:
        ConfigError: ``corpus`` is not a directory, holds none of the corpus files, or a
            file is not in its format.
    """
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise ConfigError(f"corpus directory {corpus} does not exist")
    wanted = set(selection.repos) if selection.repos is not None else None
    commits, heads, issues = _activity(corpus, wanted)
    parsed = {repo: _issue_records(repo, items) for repo, items in issues.items()}
    threads = {repo: [r for r in items if isinstance(r, Thread)] for repo, items in parsed.items()}
    for repo, rows in heads.items():
        known = {t.number for t in threads.get(repo, [])}
        threads.setdefault(repo, []).extend(
            t for t in _pull_threads(repo, rows, commits.get(("github", repo), []))
            if t.number not in known)
    members = sorted({(repo.split("/", 1)[0], item["user"]["login"])
                      for repo, items in issues.items() for item in items
                      if item.get("user") and item.get("author_association") == "MEMBER"})
    organizations = {owner for owner, _ in members}
    world_commits = {key: [_commit(key[0], key[1], row) for row in rows
                           if not (key[0] == "huggingface"
                                   and row["committer_email"] == GITHUB_WEB_COMMITTER)]
                     for key, rows in commits.items()}
    entries = _models(corpus, selection, wanted) if (corpus / MODELS_FILE).is_file() else {}

    for repo in sorted({r for p, r in commits if p == "github"} | set(threads)):
        yield _github_repository(repo, world_commits.get(("github", repo), []),
                                 threads.get(repo, []), organizations)
    for (platform, repo), items in sorted(world_commits.items()):
        if platform == "huggingface" and repo not in entries:
            yield _hub_repository(repo, items)
    for entry in entries.values():
        yield hub_metadata.repository(entry)
        yield from (d for d in hub_metadata.derivations(entry) if d.relation_source != "api")
        if entry.card_text:
            yield DocumentText("huggingface", entry.id, entry.card_text)
    for key in sorted(world_commits):
        yield from world_commits[key]
    for repo in sorted(threads):
        yield from sorted(threads[repo], key=lambda t: t.number)
    for repo in sorted(parsed):
        yield from (r for r in parsed[repo] if isinstance(r, ProjectLabel))
    accounts = {r.login: r for items in parsed.values() for r in items
                if isinstance(r, Account)}
    yield from (accounts[login] for login in sorted(accounts))
    for owner, login in members:
        yield Membership("github", owner, login)


def write_corpus_world(corpus: str | Path, out: str | Path,
                       selection: CorpusSelection = CorpusSelection()) -> dict[str, int]:
    """Write the world ``records`` gives for ``selection`` to the world file ``out``, and
    return the records written per record type (the file appears only when complete).

    Raises:
        ConfigError: as ``records``.
    """
    counts: dict[str, int] = {}

    def counted(world: Iterable[WorldRecord]) -> Iterator[WorldRecord]:
        for record in world:
            name = type(record).__name__
            counts[name] = counts.get(name, 0) + 1
            yield record

    with writing_into(Path(out).parent, target=out):
        write_world(out, counted(records(corpus, selection)))
    return counts


def _activity(corpus: Path, wanted: set[str] | None) -> tuple[
        dict[tuple[str, str], list[dict[str, str]]], dict[str, list[dict[str, str]]],
        dict[str, list[dict[str, Any]]]]:
    """The selected rows of the commit, pull-head and issue files, per repository."""
    issue_files = sorted(corpus.glob(ISSUES_GLOB))
    present = [f for f in (COMMITS_FILE, PULL_HEADS_FILE, MODELS_FILE) if (corpus / f).is_file()]
    if not present and not issue_files:
        raise ConfigError(f"{corpus} holds no corpus file ({COMMITS_FILE}, {PULL_HEADS_FILE}, "
                          f"{MODELS_FILE}, {ISSUES_GLOB})")
    commits: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    if COMMITS_FILE in present:
        for row in _rows(corpus / COMMITS_FILE, COMMIT_COLUMNS):
            if wanted is None or row["repo"] in wanted:
                commits[(row["platform"], row["repo"])].append(row)
    heads: dict[str, list[dict[str, str]]] = defaultdict(list)
    if PULL_HEADS_FILE in present:
        for row in _rows(corpus / PULL_HEADS_FILE, HEAD_COLUMNS):
            if row["platform"] == "github" and (wanted is None or row["repo"] in wanted):
                heads[row["repo"]].append(row)
    issues: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in issue_files:
        for number, item in enumerate(_rows(path), 1):
            _, found, repo = str(item.get("repository_url", "")).partition("/repos/")
            if not (found and "number" in item):
                raise ConfigError(f"{path}:{number}: not a GitHub REST issue object")
            if wanted is None or repo in wanted:
                issues[repo].append(item)
    return commits, heads, issues


def _models(corpus: Path, selection: CorpusSelection, wanted: set[str] | None
            ) -> dict[str, hub_metadata.ModelEntry]:
    """The selected models' entries; only those are parsed (card YAML is the slow part)."""
    path = corpus / MODELS_FILE
    rows = {str(row.get("id") or (row.get("info") or {}).get("id")): row for row in _rows(path)}
    ids = sorted(rows, key=_hash_order)
    if selection.models is not None:
        ids = ids[:selection.models]
    elif selection.repos is not None:
        ids = []
    ids += [m for m in sorted(wanted or ()) if m in rows and m not in ids]
    try:
        return {m: hub_metadata.model_entry(rows[m]) for m in sorted(ids)}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{path}: not a model metadata row ({exc})") from None


def _commit(platform: str, repo: str, row: dict[str, str]) -> Commit:
    return Commit(
        platform=platform, repo=repo, sha=row["sha"],  # type: ignore[arg-type]
        author=identity_key(row["author_name"], row["author_email"], platform),  # type: ignore[arg-type]
        author_name=row["author_name"] or None, author_email=row["author_email"] or None,
        authored_at=_time(row["authored_at"]),
        committer=identity_key(row["committer_name"], row["committer_email"], platform),  # type: ignore[arg-type]
        committer_name=row["committer_name"] or None,
        committer_email=row["committer_email"] or None,
        committed_at=_time(row["committed_at"]),
        is_merge=len(row["parents"].split()) > 1, subject=row["subject"] or None)


def _pull_threads(repo: str, heads: Iterable[dict[str, str]],
                  history: list[dict[str, str]]) -> Iterator[Thread]:
    """Pull requests from their head commits; author, state and times derived (docs/worlds.md)."""
    merged_by_subject: dict[int, datetime | None] = {}
    committed: dict[str, datetime | None] = {}
    for row in reversed(history):  # oldest first: the first merge of a number wins
        when = _time(row["committed_at"])
        committed[row["sha"]] = when
        match = _MERGE_SUBJECT.match(row["subject"]) or _SQUASH_SUBJECT.search(row["subject"])
        if match:
            merged_by_subject.setdefault(int(match.group(1)), when)
    for row in heads:
        number = int(row["number"])
        merged_at = merged_by_subject.get(number)
        if merged_at is None and row["head_in_default_branch"] == "True":
            merged_at = committed.get(row["head_sha"]) or _time(row["authored_at"])
        yield Thread(
            platform="github", repo=repo, number=number, kind="pull_request",
            title=row["subject"] or None, body=None,
            author=identity_key(row["author_name"], row["author_email"], "github"),
            state="merged" if merged_at else "closed", created_at=_time(row["authored_at"]),
            closed_at=merged_at, merged_at=merged_at)


def _issue_records(repo: str, items: list[dict[str, Any]]
                   ) -> list[Account | Thread | ProjectLabel]:
    """Raw REST issue objects read as the collector reads them (one parser, one meaning),
    their real labels included; an object listed twice (pages that overlapped while the
    listing was fetched) is one."""
    unique = list({item["number"]: item for item in items}.values())
    records = github.PARSERS["github.issues"](unique, {"repo": repo})
    accounts = {r.login: r for r in records if isinstance(r, Account)}
    return [*accounts.values(), *(r for r in records if isinstance(r, Thread | ProjectLabel))]


def _github_repository(repo: str, commits: list[Commit], threads: list[Thread],
                       organizations: set[str]) -> Repository:
    """Created at its first known activity; an organisation when the corpus shows members."""
    owner = repo.split("/", 1)[0]
    times = [c.authored_at for c in commits if c.authored_at] + [
        t.created_at for t in threads if t.created_at]
    pushed = [c.committed_at for c in commits if c.committed_at]
    return Repository(platform="github", repo=repo, kind="code", owner=owner,
                      owner_type="organization" if owner in organizations else None,
                      created_at=min(times) if times else None,
                      last_modified=max(pushed) if pushed else None)


def _hub_repository(repo: str, commits: list[Commit]) -> Repository:
    times = [c.authored_at for c in commits if c.authored_at]
    return Repository(platform="huggingface", repo=repo, kind="model",
                      owner=repo.split("/", 1)[0], created_at=min(times) if times else None,
                      last_modified=max(times) if times else None)
