"""The emulator's GitHub REST answers follow the contract: GitHub's published OpenAPI response
schemas, and the keys, value types and headers of real answers for the same endpoints."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from typing import Any

import httpx
import pytest

from crossforge.emulator import Emulator
from crossforge.records import Account, Comment, Profile, ProfileLink, Repository, Thread
from crossforge.worlds import synthetic
from tests.conftest import CORPUS, SHARED

OPENAPI = SHARED / "contracts" / "github-rest-openapi.json.gz"
EXCHANGES = CORPUS / "github_api_exchanges.jsonl.gz"
needs_openapi = pytest.mark.skipif(not OPENAPI.exists(), reason="../shared/contracts is absent: "
                                   "GitHub's REST OpenAPI description is needed")
needs_exchanges = pytest.mark.skipif(not EXCHANGES.exists(), reason="../shared/corpus is "
                                     "absent: real GitHub API exchanges are needed")
TOKEN = {"Authorization": "Bearer contract-test"}
WHEN = datetime(2024, 5, 1, 12, tzinfo=UTC)


def world() -> list[object]:
    """The synthetic world plus the cases it lacks: a licensed archived fork, a mirror, an
    empty repository, a draft pull request, deleted authors (none, and GitHub's ``ghost``),
    a mannequin, a commit naming nobody and a bot."""
    records = list(synthetic.generate_world(12, 5))
    extra = [
        Repository("github", "edge/fork", "code", "edge", "user", WHEN, WHEN, 3, 1,
                   license="MIT", is_archived=True, is_fork=True),
        Repository("github", "edge/mirror", "code", "edge", "user", WHEN, is_mirror=True),
        Repository("github", "edge/empty", "code", "edge", "user", WHEN),
        Account("github", "helper[bot]", "bot"),
        Thread("github", "edge/fork", 1, "pull_request", "Draft", None, "helper[bot]",
               state="draft", created_at=WHEN),
        Thread("github", "edge/fork", 2, "issue", "Orphan", "gone", None, state="closed",
               created_at=WHEN, closed_at=WHEN),
        Comment("github", "edge/fork", 2, "77", None, WHEN, "from a deleted account"),
        Account("github", "octo-imported", "mannequin"),
        Thread("github", "edge/fork", 3, "issue", "Imported", "from another forge",
               "octo-imported", state="open", created_at=WHEN),
        Comment("github", "edge/fork", 3, "78", "ghost", WHEN, "by a deleted account"),
        Thread("github", "edge/fork", 4, "issue", "Deleted", "by a deleted account", "ghost",
               state="open", created_at=WHEN),
        Account("github", "edge", "user"), Profile("github", "edge", "Edge Case", "Lab"),
        ProfileLink("github", "edge", "huggingface", "edge-hf", "social_accounts"),
        ProfileLink("github", "edge", "huggingface", "edge-hf", "blog"),
    ]
    commits = [r for r in records if type(r).__name__ == "Commit"
               and r.platform == "github"][:3]
    extra += [dataclasses.replace(c, repo=repo) for c in commits[:1]
              for repo in ("edge/fork", "edge/mirror")]
    extra.append(dataclasses.replace(commits[1], repo="edge/mirror", author=None,
                                     author_name=None, author_email=None, committer=None,
                                     committer_name=None, committer_email=None))
    return records + extra


WORLD = world()
GITHUB_REPOS = sorted(r.repo for r in WORLD if isinstance(r, Repository)
                      and r.platform == "github")


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator.from_records(WORLD) as running:
        yield running


def requests_to_check(emulator: Emulator) -> list[tuple[str, str]]:
    """(OpenAPI path template, request target) for every endpoint the emulator serves."""
    org = next(m.organization for m in WORLD if type(m).__name__ == "Membership"
               and m.platform == "github")
    targets = [("/rate_limit", "/rate_limit"), ("/repositories", "/repositories?since=0"),
               ("/search/repositories", "/search/repositories?q=stars:>=0&per_page=100"),
               ("/search/repositories", "/search/repositories?q=stars:>=0&per_page=100&page=11"),
               ("/orgs/{org}/members", f"/orgs/{org}/members"),
               ("/orgs/{org}/members", "/orgs/no-such-org/members"),
               ("/orgs/{org}", f"/orgs/{org}"), ("/orgs/{org}", "/orgs/no-such-org"),
               ("/repos/{owner}/{repo}/issues", f"/repos/{GITHUB_REPOS[0]}/issues?per_page=x"),
               ("/repos/{owner}/{repo}", "/repos/no/such-repo"),
               ("/users/{username}", "/users/edge"), ("/users/{username}", "/users/nobody-here"),
               ("/users/{username}/social_accounts", "/users/edge/social_accounts")]
    for repo in GITHUB_REPOS:
        targets += [("/repos/{owner}/{repo}", f"/repos/{repo}"),
                    ("/repos/{owner}/{repo}/commits", f"/repos/{repo}/commits?per_page=100"),
                    ("/repos/{owner}/{repo}/issues",
                     f"/repos/{repo}/issues?state=all&per_page=100"),
                    ("/repos/{owner}/{repo}/issues/comments",
                     f"/repos/{repo}/issues/comments?per_page=100")]
    return targets


@cache
def openapi() -> dict[str, Any]:
    return json.loads(gzip.decompress(OPENAPI.read_bytes()))


def _absolute(node: Any) -> Any:
    """Point ``$ref``s (and discriminator mappings) at the registry's copy of the document;
    OpenAPI 3.0's ``nullable``
    with an ``enum`` admits null (as GitHub sends ``state_reason: null``), and with a
    ``oneOf`` too (as GitHub sends a commit's ``author: null`` for an unlinked e-mail)."""
    if isinstance(node, dict):
        fixed = {k: ("urn:github-rest" + v if k == "$ref" else _absolute(v))
                 for k, v in node.items()}
        if fixed.get("nullable") and "enum" in fixed and None not in fixed["enum"]:
            fixed["enum"] = [*fixed["enum"], None]
        if "mapping" in fixed.get("discriminator", {}):  # ``GET /users/{u}``'s user kinds
            fixed["discriminator"] = {**fixed["discriminator"], "mapping": {
                k: "urn:github-rest" + v for k, v in fixed["discriminator"]["mapping"].items()}}
        if fixed.get("nullable") and "oneOf" in fixed:
            fixed["oneOf"] = [*fixed["oneOf"], {"enum": [None]}]
        return fixed
    if isinstance(node, list):
        return [_absolute(x) for x in node]
    return node


@cache
def validator(template: str, status: int) -> Any:
    from openapi_schema_validator import OAS30Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    spec = openapi()
    response = spec["paths"][template]["get"]["responses"].get(
        str(status), {"$ref": "#/components/responses/not_found"})  # GitHub's basic-error
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    registry = Registry().with_resource(
        "urn:github-rest", Resource.from_contents(_absolute(spec), DRAFT4))
    return OAS30Validator(_absolute(schema), registry=registry)


@needs_openapi
def test_every_rest_answer_validates_against_the_published_schema(emulator: Emulator) -> None:
    statuses = set()
    for template, target in requests_to_check(emulator):
        answer = httpx.get(emulator.url + target, headers=TOKEN)
        statuses.add(answer.status_code)
        errors = [f"{list(e.absolute_path)}: {e.message[:200]}"
                  for e in validator(template, answer.status_code).iter_errors(answer.json())]
        assert not errors, f"{target} ({answer.status_code}): {errors[:5]}"
    assert statuses == {200, 404, 409, 422}


@needs_openapi
def test_rate_limited_and_rejected_answers_validate(emulator: Emulator) -> None:
    repo = GITHUB_REPOS[0]
    limited = Emulator(emulator.world, github_limit=1).start()
    try:
        httpx.get(f"{limited.url}/repos/{repo}", headers=TOKEN)
        spent = httpx.get(f"{limited.url}/repos/{repo}", headers=TOKEN)
    finally:
        limited.stop()
    assert spent.status_code == 403
    assert not list(validator("/repos/{owner}/{repo}", 403).iter_errors(spent.json()))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def _dicts(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], dict]]:
    """Every object inside ``value`` with its key path (list positions collapsed)."""
    if isinstance(value, dict):
        yield path, value
        for key, child in value.items():
            yield from _dicts(child, (*path, key))
    elif isinstance(value, list):
        for child in value:
            yield from _dicts(child, path)


def _endpoint(path: str) -> str:
    path = path.split("?", 1)[0]
    path = re.sub(r"^/repos/[^/]+/[^/]+", "/repos/{owner}/{repo}", path)
    path = re.sub(r"^/orgs/[^/]+$", "/orgs/{org}", path)
    return re.sub(r"^/orgs/[^/]+/members$", "/orgs/{org}/members", path)


@cache
def real_exchanges() -> dict[str, list[dict[str, Any]]]:
    """Real 200 exchanges by endpoint, oldest first (by their rate-limit reset time)."""
    found: dict[str, list[dict[str, Any]]] = {}
    with gzip.open(EXCHANGES, "rt") as handle:
        for line in handle:
            row = json.loads(line)
            if row["status"] != 200:
                continue
            if isinstance(row["body"], str):
                try:
                    row["body"] = json.loads(row["body"])
                except ValueError:  # a few recorded bodies were cut off when stored
                    continue
            row["headers"] = {k.lower(): v for k, v in row["headers"].items()}
            found.setdefault(_endpoint(row["path"]), []).append(row)
    for rows in found.values():
        rows.sort(key=lambda r: int(r["headers"].get("x-ratelimit-reset", 0)))
    return found


def _declared(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, list[dict]]:
    """Property name → sub-schemas, through ``$ref``, ``allOf``, ``anyOf`` and ``oneOf``."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    found: dict[str, list[dict]] = {}
    for name, sub in schema.get("properties", {}).items():
        found.setdefault(name, []).append(sub)
    for combined in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(combined, []):
            for name, subs in _declared(part, spec).items():
                found.setdefault(name, []).extend(subs)
    if schema.get("type") == "array" and "items" in schema:
        return _declared(schema["items"], spec)
    return found


def _schema_keys(schema: dict[str, Any], spec: dict[str, Any],
                 path: tuple[str, ...]) -> set[str]:
    """Keys the schema declares for the object at ``path``."""
    level = [schema]
    for key in path:
        level = [sub for s in level for sub in _declared(s, spec).get(key, [])]
    return {name for s in level for name in _declared(s, spec)}


#: Keys real answers carry that the emulator leaves out on purpose, and why.
CONDITIONAL = {
    **dict.fromkeys(("company", "location", "email"),
                    "an organization's, null in real answers where the published schema "
                    "allows only strings: left out when the world does not know it"),
    "name": "as company (an organization's name; a repository's is always sent)",
    "parent": "forks only, and the world does not record a fork's parent",
    "source": "forks only, and the world does not record a fork's parent",
    "permissions": "only for a caller with access to the repository",
    "temp_clone_token": "only for a caller with push access",
    "security_and_analysis": "only for administrators",
    "allow_squash_merge": "only for administrators", "allow_merge_commit": "admins only",
    "allow_rebase_merge": "admins only", "allow_auto_merge": "admins only",
    "delete_branch_on_merge": "admins only", "allow_update_branch": "admins only",
    "use_squash_pr_title_as_default": "admins only", "squash_merge_commit_message": "admins",
    "squash_merge_commit_title": "admins", "merge_commit_message": "admins",
    "merge_commit_title": "admins", "custom_properties": "organisations with properties",
    "master_branch": "a legacy key of answers before 2013",
}
SHAPE_ENDPOINTS = {
    "/repos/{owner}/{repo}": "/repos/{repo}",
    "/repos/{owner}/{repo}/commits": "/repos/{repo}/commits",
    "/repos/{owner}/{repo}/issues": "/repos/{repo}/issues?state=all",
    "/repos/{owner}/{repo}/issues/comments": "/repos/{repo}/issues/comments",
    "/orgs/{org}/members": "/orgs/{org}/members",
    "/orgs/{org}": "/orgs/{org}",
    "/search/repositories": "/search/repositories?q=stars:>=0",
    "/rate_limit": "/rate_limit",
}


def _emulated(emulator: Emulator, template: str) -> list[httpx.Response]:
    org = next(m.organization for m in WORLD if type(m).__name__ == "Membership"
               and m.platform == "github")
    target = SHAPE_ENDPOINTS[template]
    answers = [httpx.get(emulator.url + target.format(repo=repo, org=org), headers=TOKEN)
               for repo in (GITHUB_REPOS if "{repo}" in target else GITHUB_REPOS[:1])]
    return [a for a in answers if a.status_code == 200]


@needs_exchanges
@needs_openapi
@pytest.mark.parametrize("template", sorted(SHAPE_ENDPOINTS))
def test_rest_answers_have_the_keys_and_types_of_real_answers(emulator: Emulator,
                                                             template: str) -> None:
    real = real_exchanges()[template]
    seen_keys: dict[tuple[str, ...], set[str]] = {}
    seen_types: dict[tuple[str, ...], set[str]] = {}
    for row in real:
        for path, item in _dicts(row["body"]):
            seen_keys.setdefault(path, set()).update(item)
            for key, value in item.items():
                seen_types.setdefault((*path, key), set()).add(_json_type(value))
    newest: dict[tuple[str, ...], set[str]] = {}
    for path, item in _dicts(real[-1]["body"]):
        newest[path] = newest[path] & set(item) if path in newest else set(item)
    schema = openapi()["paths"][template]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    emulated = [path_item for a in _emulated(emulator, template) for path_item in _dicts(a.json())]
    assert emulated
    for path, item in emulated:
        known = seen_keys.get(path, set()) | _schema_keys(schema, openapi(), path)
        invented = set(item) - known
        assert not invented, f"{template} {path}: keys real answers never have: {invented}"
        for key, value in item.items():
            types = seen_types.get((*path, key), set()) - {"null"}
            if value is not None and types:
                assert _json_type(value) in types, f"{template} {path}.{key}: {value!r}"
        if path in newest and path[-1:] not in (("parent",), ("source",)):
            missing = newest[path] - set(item) - set(CONDITIONAL)
            assert not missing, f"{template} {path}: real answers also have {missing}"


@needs_exchanges
@pytest.mark.parametrize("template", sorted(SHAPE_ENDPOINTS))
def test_rest_answers_carry_the_headers_of_real_answers(emulator: Emulator,
                                                       template: str) -> None:
    real = real_exchanges()[template]
    answer = _emulated(emulator, template)[0]
    wanted = {"content-type", "x-ratelimit-limit", "x-ratelimit-remaining",
              "x-ratelimit-reset", "x-ratelimit-used", "x-ratelimit-resource", "etag"}
    newest = next(r for r in reversed(real) if "x-ratelimit-resource" in r["headers"]
                  or r is real[0])
    for name in wanted & set(newest["headers"]):
        assert name in answer.headers, f"{template}: no {name}"
    if template == "/search/repositories":  # search answers are never revalidated
        assert "etag" not in answer.headers and answer.headers["cache-control"] == "no-cache"
    elif template != "/rate_limit":  # /rate_limit is free and sends no validator
        assert re.fullmatch(r'W/"[0-9a-f]{64}"', answer.headers["etag"])
    assert re.fullmatch(r"[0-9A-F]+(:[0-9A-F]+){4}", answer.headers["x-github-request-id"])
    now = datetime.now(UTC).timestamp()
    assert now < int(answer.headers["x-ratelimit-reset"]) <= now + 3600 + 1
    assert int(answer.headers["x-ratelimit-used"]) + int(
        answer.headers["x-ratelimit-remaining"]) == int(answer.headers["x-ratelimit-limit"])
    expected_resource = {"/search/repositories": "search"}.get(template, "core")
    assert answer.headers["x-ratelimit-resource"] == expected_resource
    real_resources = {r["headers"].get("x-ratelimit-resource") for r in real} - {None}
    assert real_resources <= {expected_resource}


@needs_exchanges
def test_link_headers_page_as_real_ones_do(emulator: Emulator) -> None:
    real = [r["headers"]["link"] for r in real_exchanges()["/repos/{owner}/{repo}/commits"]
            if "link" in r["headers"]]
    pattern = re.compile(r'<(?P<url>[^>]+)>; rel="(?P<rel>\w+)"')
    real_rels = {tuple(m["rel"] for m in pattern.finditer(link)) for link in real}
    repo = max(GITHUB_REPOS, key=lambda r: sum(1 for c in WORLD if type(c).__name__ ==
                                               "Commit" and c.repo == r))
    first = httpx.get(f"{emulator.url}/repos/{repo}/commits?per_page=2", headers=TOKEN)
    second = httpx.get(f"{emulator.url}/repos/{repo}/commits?per_page=2&page=2", headers=TOKEN)
    rels = [tuple(m["rel"] for m in pattern.finditer(a.headers["link"]))
            for a in (first, second)]
    assert rels[0] == ("next", "last") and rels[0] in real_rels
    assert set(rels[1]) == {"prev", "next", "last", "first"}
    assert first.json()[-1]["sha"] != second.json()[0]["sha"]


def test_conditional_requests_are_answered_304_and_cost_nothing(emulator: Emulator) -> None:
    repo = GITHUB_REPOS[0]
    headers = {"Authorization": "Bearer etag-test"}
    first = httpx.get(f"{emulator.url}/repos/{repo}", headers=headers)
    again = httpx.get(f"{emulator.url}/repos/{repo}",
                      headers={**headers, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"]
    changed = httpx.get(f"{emulator.url}/repos/{repo}",
                        headers={**headers, "If-None-Match": 'W/"stale"'})
    assert changed.status_code == 200
    assert int(changed.headers["x-ratelimit-remaining"]) == int(
        first.headers["x-ratelimit-remaining"]) - 1


def test_deleted_users_and_mannequins_are_served_as_github_shows_them(
        emulator: Emulator) -> None:
    """``ghost`` is GitHub's one ``User`` (id 10137) for every deleted account; a mannequin is
    type ``Mannequin`` with association ``MANNEQUIN``; a commit naming nobody links no one."""
    issues = {i["number"]: i for i in httpx.get(
        emulator.url + "/repos/edge/fork/issues?state=all", headers=TOKEN).json()}
    ghost, mannequin = issues[4]["user"], issues[3]["user"]
    assert (ghost["login"], ghost["id"], ghost["type"]) == ("ghost", 10137, "User")
    assert (mannequin["type"], issues[3]["author_association"]) == ("Mannequin", "MANNEQUIN")
    comments = httpx.get(emulator.url + "/repos/edge/fork/issues/comments",
                         headers=TOKEN).json()
    assert {c["user"]["login"] for c in comments if c["user"]} == {"ghost"}
    nobody = [c for c in httpx.get(emulator.url + "/repos/edge/mirror/commits",
                                   headers=TOKEN).json() if c["author"] is None]
    assert [(c["commit"]["author"]["name"], c["commit"]["author"]["email"])
            for c in nobody] == [("", "")]
