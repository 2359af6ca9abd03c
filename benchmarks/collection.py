"""Benchmark: what collecting a repository costs, crossforge vs a naive client, same world.

Both clients collect the same fields from the same emulator world in one run:

- **crossforge**: ``Collector`` with its GitHub source (batched GraphQL, REST for overflow)
  and Hub source (models from the sampling listing, commits, discussions with details,
  owner type, organisation members).
- **naive**: the straightforward way with the official clients' defaults — PyGithub
  (``get_repo``, ``get_contributors(anon)``, ``get_commits``, ``get_issues(state="all")``,
  ``get_comments`` per issue, ``as_pull_request().merged`` per pull request,
  ``get_organization().get_members()`` once per organisation) and ``huggingface_hub``
  loops (``model_info``, ``list_repo_commits``, ``get_repo_discussions`` +
  ``get_discussion_details`` per discussion, ``get_organization_overview`` and
  ``list_organization_members`` once per owner). PyGithub's 0.25 s pause between requests
  is turned off: it changes wall time, not requests.

Cost is what the emulator's rate limiter charges: REST requests, GraphQL points as GitHub
documents them (requests needed to fill every connection /100, rounded, minimum 1), Hub API
calls (a model card read through the Hub's resolver, ``/resolve/``, is counted apart: it is
the Hub's separate, larger resolver budget, and the naive client does not read cards). A call
about an account (organisation members, owner type) is shared among the
frame's repositories of that account; a listing page among all the frame's models; a
GraphQL batch among the repositories it names. The Hub frame comes from the model listing
for both clients (the same calls). Beside both, the Hub's lower bound (``hub_floor``): the
fewest documented Hub API calls any client needs for the same fields, summed from the world.

The world is SYNTHETIC, drawn with a seed: most repositories tiny (a few commits, usually
no issue or discussion), a heavy tail of large ones, owners with a heavy-tailed number of
repositories. Its parameters are assumptions for a plausible shape, not fitted to anything.

GitHub Discussions have a case of their own (``discussions``): the benchmark world has no
discussion board, so the demo's SYNTHETIC world (``crossforge.worlds.synthetic``, a fifth of
its GitHub repositories with a board) is collected, GitHub only, and the GraphQL points of
the discussions task are counted per board, per discussion and per repository of the frame;
beside them, the points other page sizes would cost on the same boards (GitHub's score of
each query, plus the pages a discussion's overflowing comments need), the largest pages GitHub
allows (100 discussions with 100 comments each: 101 points a page) included.

The forum (``forum_figure``): the SYNTHETIC Discourse forum of 300 topics
(``worlds.synthetic.generate_forum``) collected by crossforge's forum plan (raw store,
checkpoints, a group commit per topic-list page, links by URL and by the frame's bare ids)
against a naive client that asks the same endpoints with plain httpx and stores nothing:
milliseconds per topic on loopback, the emulator in a process of its own (both ask the same
requests: categories, one topic-list page per 30 topics, one topic answer per topic, one
posts request per further 20 posts).

Run:  python benchmarks/collection.py [--quick] [--repositories N] [--seed S] [--discussions]
      [--forum-only]
Writes benchmarks/results/collection.json (``--discussions``: only its ``discussions`` entry;
``--forum-only`` prints the forum figure only).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from result_file import machine_load  # noqa: E402

from crossforge.collection import frames  # noqa: E402
from crossforge.collection.collector import Collector  # noqa: E402
from crossforge.emulator import HUB_LISTING_PAGE, HUB_PAGE, Charge, Emulator  # noqa: E402
from crossforge.emulator.github import _graphql_discussion  # noqa: E402
from crossforge.emulator.world import World, stable_int  # noqa: E402
from crossforge.records import (  # noqa: E402
    Account,
    Comment,
    Commit,
    Membership,
    Repository,
    Thread,
)
from crossforge.sources import github  # noqa: E402
from crossforge.sources.github import GitHubSource  # noqa: E402
from crossforge.sources.http import ApiClient  # noqa: E402
from crossforge.sources.hub import HubSource  # noqa: E402
from crossforge.sources.raw import RawStore  # noqa: E402
from crossforge.store import Store  # noqa: E402
from crossforge.worlds import synthetic  # noqa: E402

RESULTS = HERE / "results" / "collection.json"
TOKEN = "benchmark-token"
#: The study's population (Ye & Zhou, CSCW 2026) and the platforms' published limits.
PAPER_SCALE = {"github": 1_428_792, "huggingface": 1_440_527}
UNITS_PER_HOUR = {"github": 5_000, "huggingface": 1_000 * 12}
LIMITS = {"github": "5,000 REST requests or GraphQL points per hour per token",
          "huggingface": "1,000 API calls per 5 minutes (free account)"}
START = datetime(2021, 1, 1, tzinfo=UTC)


def _heavy(rng: random.Random, mu: float, sigma: float, cap: int) -> int:
    """A log-normal count of at least 1: most values small, a long tail up to ``cap``."""
    return max(1, min(cap, math.ceil(rng.lognormvariate(mu, sigma))))


def _owners(rng: random.Random, count: int, prefix: str, org_share: float
            ) -> list[tuple[str, bool]]:
    """Owners by preferential attachment, so repositories per owner are heavy-tailed."""
    owners: list[tuple[str, bool]] = []
    picks: list[tuple[str, bool]] = []
    for _ in range(count):
        if not picks or rng.random() < 0.6:
            owner = (f"{prefix}{len(owners)}", rng.random() < org_share)
            owners.append(owner)
        else:
            owner = rng.choice(picks)
        picks.append(owner)
    return picks


def generate_world(repositories: int, seed: int, cap: int) -> list[object]:
    """A SYNTHETIC world of ``repositories`` GitHub repositories and as many Hub models."""
    rng = random.Random(seed)
    records: list[object] = []
    for platform_name, prefix in (("github", "gh"), ("huggingface", "hf")):
        people = [f"{prefix}-user{i}" for i in range(repositories * 2)]
        members: dict[str, list[str]] = {}
        names: dict[str, int] = defaultdict(int)
        for owner, is_org in _owners(rng, repositories, f"{prefix}-owner", 0.3):
            number = names[owner]
            names[owner] += 1
            repo = f"{owner}/{'model' if platform_name == 'huggingface' else 'repo'}-{number}"
            if is_org and owner not in members:
                members[owner] = rng.sample(people, _heavy(rng, 1.0, 1.0, 60))
                records.append(Account(platform_name, owner, "organization"))
                records += [Membership(platform_name, owner, m) for m in members[owner]]
            created = START + timedelta(days=rng.randrange(1200))
            records.append(Repository(
                platform=platform_name, repo=repo,
                kind="model" if platform_name == "huggingface" else "code", owner=owner,
                owner_type="organization" if is_org else "user", created_at=created,
                popularity=_heavy(rng, 0.5, 2.0, 100_000) - 1,
                forks=_heavy(rng, 0.2, 1.5, 10_000) - 1 if platform_name == "github" else None,
                downloads=_heavy(rng, 2.0, 2.5, 10**7) if platform_name == "huggingface"
                else None))
            team = members.get(owner, [owner])[:3] + rng.sample(people, _heavy(rng, 0, 1, 30))
            records += _activity(rng, platform_name, repo, created, team, people, cap)
    return records


def _activity(rng: random.Random, platform_name: str, repo: str, created: datetime,
              team: list[str], people: list[str], cap: int) -> list[object]:
    hub = platform_name == "huggingface"
    records: list[object] = []
    when = created
    for i in range(_heavy(rng, 0.9 if hub else 1.2, 1.0 if hub else 1.6, cap)):
        when += timedelta(minutes=rng.randrange(1, 5000))
        author = rng.choice(team)
        records.append(Commit(
            platform=platform_name, repo=repo, sha=hashlib.sha1(f"{repo}#{i}".encode()).hexdigest(),
            author=author, author_name=author, author_email=None, authored_at=when,
            committer=author, committer_name=author, committer_email=None, committed_at=when,
            is_merge=not hub and rng.random() < 0.05, subject=f"change {i} (synthetic)"))
    if rng.random() < (0.85 if hub else 0.65):
        return records  # no issue, pull request or discussion: most repositories
    threads = _heavy(rng, 0.3 if hub else 0.7, 1.4 if hub else 1.7, max(cap // 5, 1))
    for number in range(1, threads + 1):
        opened = created + timedelta(days=rng.randrange(1, 700))
        pull = rng.random() < (0.35 if hub else 0.45)
        closed = opened + timedelta(days=rng.randrange(1, 30)) if rng.random() < 0.6 else None
        merged = closed if pull and closed and rng.random() < 0.6 else None
        author = rng.choice(people + team)
        records.append(Thread(
            platform=platform_name, repo=repo, number=number,
            kind="pull_request" if pull else ("discussion" if hub else "issue"),
            title=f"thread {number} (synthetic)", body="synthetic body", author=author,
            state="merged" if merged else "closed" if closed else "open", created_at=opened,
            closed_at=closed, merged_at=merged))
        replies = 0 if rng.random() < 0.45 else _heavy(rng, 0.5, 1.0, 150)
        for k in range(replies):
            records.append(Comment(
                platform=platform_name, repo=repo, thread_number=number,
                comment_id=str(stable_int(f"{repo}#{number}/{k}") % 10**9),
                author=rng.choice(team + [author]), created_at=opened + timedelta(hours=k + 1),
                body="synthetic reply"))
    return records


def run_crossforge(emulator: Emulator, github_frame: list[str], work: Path
                   ) -> dict[str, tuple[Any, ...]]:
    """crossforge's collector; the Hub frame from the model listing, as ``sample`` does.
    Returns per platform the charges, seconds and what was stored."""
    raw = RawStore(work / "raw")
    clients = {p: ApiClient(emulator.url, p, raw, tokens=[TOKEN])
               for p in ("github", "huggingface")}
    measured = {}
    with Store(work / "crossforge.duckdb") as store:
        start, first = time.perf_counter(), len(emulator.log)
        models = frames.hub_listing(HubSource(clients["huggingface"]))
        Collector(store, hub_source=HubSource(clients["huggingface"])).collect(
            [("huggingface", m.repo) for m in models])
        measured["huggingface"] = (emulator.log[first:], time.perf_counter() - start)
        start, first = time.perf_counter(), len(emulator.log)
        Collector(store, github_source=GitHubSource(clients["github"])).collect(
            [("github", r) for r in github_frame])
        measured["github"] = (emulator.log[first:], time.perf_counter() - start)
        for name in measured:
            measured[name] += (_stored(store, name),)
    raw.close()
    return measured


def _stored(store: Store, platform_name: str) -> dict[str, int]:
    """What crossforge stored, to show both clients read the same world."""
    counts = {}
    for table in ("repositories", "commits", "threads", "comments", "memberships"):
        counts[table] = store.query(f"SELECT count(*) FROM {table} WHERE platform = ?",
                                    [platform_name]).fetchone()[0]
    counts["merged"] = store.query("SELECT count(*) FROM threads WHERE platform = ? AND "
                                   "merged_at IS NOT NULL", [platform_name]).fetchone()[0]
    return counts


def run_naive(emulator: Emulator, github_frame: list[str]
              ) -> dict[str, tuple[list[Charge], float, dict[str, int]]]:
    """The straightforward clients; returns charges, seconds and what was read."""
    from github import Auth, Github, GithubException
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    measured = {}
    start, first = time.perf_counter(), len(emulator.log)
    api = HfApi(endpoint=emulator.url, token=TOKEN)
    seen: dict[str, int] = defaultdict(int)
    owners: dict[str, list[str]] = {}
    for model in [m.id for m in api.list_models()]:
        info = api.model_info(model)
        seen["repositories"] += info.id == model
        seen["commits"] += len(api.list_repo_commits(model))
        for discussion in api.get_repo_discussions(model):
            details = api.get_discussion_details(model, discussion.num)
            seen["threads"] += 1
            seen["merged"] += details.status == "merged"
            seen["comments"] += sum(e.type == "comment" for e in details.events) - 1
        owner = model.split("/", 1)[0]
        if owner not in owners:
            try:
                api.get_organization_overview(owner)
                owners[owner] = [m.username for m in api.list_organization_members(owner)]
            except HfHubHTTPError:
                owners[owner] = []
            seen["memberships"] += len(owners[owner])
    measured["huggingface"] = (emulator.log[first:], time.perf_counter() - start, dict(seen))

    start, first = time.perf_counter(), len(emulator.log)
    client = Github(base_url=emulator.url, auth=Auth.Token(TOKEN), seconds_between_requests=0,
                    seconds_between_writes=0)
    seen = defaultdict(int)
    organizations: dict[str, list[str]] = {}
    for name in github_frame:
        repo = client.get_repo(name)
        seen["repositories"] += bool(repo.full_name and repo.owner.type and
                                     repo.forks_count is not None)
        seen["contributors"] += sum(1 for c in repo.get_contributors(anon="true")
                                    if (c.email if c.type == "Anonymous" else c.login))
        try:
            seen["commits"] += sum(1 for c in repo.get_commits()
                                   if c.sha and c.commit.author.date)
        except GithubException as exc:
            if exc.status != 409:  # an empty repository
                raise
        for issue in repo.get_issues(state="all"):
            seen["threads"] += bool(issue.state and issue.author_association)
            # read from the listing's JSON: PyGithub's ``issue.pull_request`` would fetch
            # every plain issue once more, a cost this baseline does not charge
            if issue._rawData.get("pull_request"):
                seen["merged"] += issue.as_pull_request().merged
            seen["comments"] += sum(1 for c in issue.get_comments() if c.created_at)
        owner = repo.owner.login
        if repo.owner.type == "Organization" and owner not in organizations:
            organizations[owner] = [m.login for m in
                                    client.get_organization(owner).get_members()]
            seen["memberships"] += len(organizations[owner])
    measured["github"] = (emulator.log[first:], time.perf_counter() - start, dict(seen))
    return measured


def per_repository(charges: list[Charge], frame: list[str]) -> dict[str, list[float]]:
    """Requests and cost per repository of ``frame`` (shared calls split, see above)."""
    shares: dict[str, list[float]] = {repo: [0.0, 0.0] for repo in frame}
    by_owner: dict[str, list[str]] = defaultdict(list)
    for repo in frame:
        by_owner[repo.split("/", 1)[0]].append(repo)
    for charge in charges:
        targets = [s for s in charge.subjects if s in shares]
        if not targets:
            targets = [r for s in charge.subjects for r in by_owner.get(s, [])] or frame
        for repo in targets:
            shares[repo][0] += 1 / len(targets)
            shares[repo][1] += charge.cost / len(targets)
    return shares


def hub_floor(records: list[object], frame: list[str]) -> dict[str, Any]:
    """The fewest documented Hub API calls any client needs for the fields both clients read,
    summed from the world itself: per model the commit listing's pages and the discussion
    listing's pages (one each even when empty: nothing in a listing or ``expand`` field says
    a model has none), one details call per discussion whose listing entry cannot give its
    fields (it has replies, ``numComments`` > 1, or is no longer open, so its closing or
    merge time is only in its events), each organisation's member pages once, shared among
    its models, and the model listing's pages shared among all. A user owner is charged
    nothing: a lower bound may know for free that an owner is no organisation (crossforge
    and the naive client both spend a call to learn it). Page sizes are the Hub's (the
    emulator's): 50 commits, discussions or members, 1,000 models a listing page."""
    def pages(count: int, size: int = HUB_PAGE) -> int:
        return max(1, -(-count // size))

    commits: dict[str, int] = defaultdict(int)
    threads: dict[str, list[Thread]] = defaultdict(list)
    replied: set[tuple[str, int]] = set()
    members: dict[str, int] = defaultdict(int)
    organizations: set[str] = set()
    for record in records:
        if getattr(record, "platform", None) != "huggingface":
            continue
        if isinstance(record, Commit):
            commits[record.repo] += 1
        elif isinstance(record, Thread):
            threads[record.repo].append(record)
        elif isinstance(record, Comment):
            replied.add((record.repo, record.thread_number))
        elif isinstance(record, Membership):
            members[record.organization] += 1
        elif isinstance(record, Account) and record.type == "organization":
            organizations.add(record.login)
    by_owner: dict[str, list[str]] = defaultdict(list)
    for repo in frame:
        by_owner[repo.split("/", 1)[0]].append(repo)
    listing_share = pages(len(frame), HUB_LISTING_PAGE) / len(frame)
    costs, details, opening_only = {}, 0, 0
    for repo in frame:
        needed = [t for t in threads[repo]
                  if (repo, t.number) in replied or t.state != "open"]
        details += len(needed)
        opening_only += len(threads[repo]) - len(needed)
        owner = repo.split("/", 1)[0]
        organization = pages(members[owner]) / len(by_owner[owner]) \
            if owner in organizations else 0.0
        costs[repo] = (pages(commits[repo]) + pages(len(threads[repo])) + len(needed)
                       + organization + listing_share)
    ordered = sorted(costs.values())
    return {"floor_cost_per_repo": sum(ordered) / len(frame),
            "floor_median_repo_cost": statistics.median(ordered),
            "floor_p90_repo_cost": ordered[int(0.9 * (len(ordered) - 1))],
            "floor_discussion_details": details,
            "discussions_whose_listing_entry_suffices": opening_only,
            "note": "lower bound: commit and discussion listing pages per model, discussion "
                    "details only for discussions with replies or a status change, each "
                    "organisation's member pages once, listing pages shared; owner type "
                    "of users assumed known for free; the opening post's text (only in the "
                    "details) not counted as needed"}


def summarise(all_charges: list[Charge], frame: list[str], seconds: float,
              platform_name: str) -> dict[str, Any]:
    """Figures of one client on one platform. Hub resolver calls (crossforge reads model
    cards through ``/resolve/``) are the Hub's own rate-limit category, far larger than the
    API's: they are counted beside the cost, not in it."""
    charges = [c for c in all_charges if c.resource != "resolvers"]
    resolver_calls = len(all_charges) - len(charges)
    shares = per_repository(charges, frame)
    costs = sorted(cost for _, cost in shares.values())
    cost_per_repo = sum(c.cost for c in charges) / len(frame)
    by_resource: dict[str, float] = defaultdict(float)
    by_endpoint: dict[str, int] = defaultdict(int)
    for charge in charges:
        by_resource[charge.resource] += charge.cost / len(frame)
        by_endpoint[charge.endpoint] += 1
    hours = PAPER_SCALE[platform_name] * cost_per_repo / UNITS_PER_HOUR[platform_name]
    return {
        "requests": len(charges), "cost": sum(c.cost for c in charges),
        "requests_per_repo": len(charges) / len(frame), "cost_per_repo": cost_per_repo,
        "cost_per_repo_by_resource": dict(by_resource),
        "resolver_calls_per_repo": resolver_calls / len(frame),
        "median_repo_cost": statistics.median(costs),
        "p90_repo_cost": costs[int(0.9 * (len(costs) - 1))], "max_repo_cost": costs[-1],
        "requests_by_endpoint": dict(sorted(by_endpoint.items(), key=lambda kv: -kv[1])),
        "wall_seconds": seconds, "wall_ms_per_repo": 1000 * seconds / len(frame),
        "paper_scale_hours_one_token": hours, "paper_scale_days_one_token": hours / 24,
    }


#: Page sizes compared for the discussions query: (discussions, comments) a page.
DISCUSSION_PAGES = ((148, 0), (74, 1), (49, 2), (37, 3), (29, 4), (24, 5), (18, 7), (13, 10),
                    (9, 15), (7, 20), (100, 10), (100, 100))


def _points(discussions: int, comments: int) -> int:
    """GitHub's score of one discussions page: 1 + D comment connections + D x C reply
    connections, /100 rounded to the nearest, at least 1."""
    return max(1, math.floor((1 + discussions + discussions * comments) / 100 + 0.5))


def discussions_case(size: int, seed: int, work: Path) -> dict[str, Any]:
    """Collect the SYNTHETIC demo world's GitHub repositories and count what the discussions
    task cost; price other page sizes on the same boards."""
    records = [r for r in synthetic.generate_world(size, seed)
               if getattr(r, "platform", None) == "github"]
    frame = sorted(r.repo for r in records if isinstance(r, Repository))
    boards = sorted(r.repo for r in records if isinstance(r, Repository) and r.has_discussions)
    world = World.from_records(records)
    top_level = {repo: [_graphql_discussion(world, repo, d)["comments"](None)["totalCount"]
                        for d in world.discussions.get(("github", repo), ())]
                 for repo in boards}
    with Emulator(world, github_limit=10**9) as emulator:
        raw = RawStore(work / "discussions-raw")
        start = time.perf_counter()
        with Store(work / "discussions.duckdb") as store:
            Collector(store, github_source=GitHubSource(ApiClient(
                emulator.url, "github", raw, tokens=[TOKEN]))).collect(
                [("github", r) for r in frame])
            stored = store.query(
                "SELECT count(*), count(answered_at) FROM threads "
                "WHERE channel = 'discussion_board'").fetchone()
            comments = store.query(
                "SELECT count(*) FROM comments c JOIN threads t ON t.platform = c.platform "
                "AND t.repo = c.repo AND t.number = c.thread_number "
                "WHERE t.channel = 'discussion_board'").fetchone()[0]
        seconds = time.perf_counter() - start
        raw.close()
        charges = [c for c in emulator.log if c.resource == "graphql" and len(c.subjects) == 1]
    points = sum(c.cost for c in charges)
    discussions = sum(len(v) for v in top_level.values())

    def priced(page: int, first: int) -> int:
        return sum(max(1, math.ceil(len(counts) / page)) * _points(page, first)
                   + sum(math.ceil((n - first) / github.OVERFLOW_COMMENT_PAGE)
                         for n in counts if n > first)
                   for counts in top_level.values())

    sizes = [{"discussions": d, "comments": c, "points_per_page": _points(d, c),
              "points": priced(d, c), "points_per_board": priced(d, c) / max(1, len(boards))}
             for d, c in DISCUSSION_PAGES]
    chosen = (github.DISCUSSION_PAGE, github.DISCUSSION_COMMENT_PAGE)
    return {
        "world": f"SYNTHETIC demo world (crossforge.worlds.synthetic, seed {seed}), GitHub only",
        "repositories": len(frame), "boards": len(boards), "empty_boards": sum(
            1 for v in top_level.values() if not v),
        "discussions": discussions, "stored_discussions": stored[0],
        "accepted_answers": stored[1], "stored_comments_and_replies": comments,
        "page": {"discussions": chosen[0], "comments": chosen[1],
                 "replies": github.REPLY_PAGE},
        "queries": len(charges), "points": points,
        "points_per_board": points / max(1, len(boards)),
        "points_per_discussion": points / max(1, discussions),
        "points_per_repository": points / len(frame),
        "priced_by_page_size": sizes,
        "best_page_size": min(sizes, key=lambda s: s["points"]),
        "wall_seconds_all_github_tasks": seconds,
    }


def _serve_forum(records: list[object], ready: Any, done: Any) -> None:
    """Serve ``records`` in a process of its own until ``done`` is set; its URL on
    ``ready``."""
    with Emulator.from_records(records, forum_limit=10**9) as emulator:
        ready.put(emulator.url)
        done.wait()


def _naive_forum(url: str) -> int:
    """The same requests (posts' Markdown included) asked with plain httpx, their JSON
    decoded, nothing stored; returns the topics read."""
    import httpx

    topics = 0
    with httpx.Client(base_url=url) as naive:
        for category in naive.get("/categories.json").json()["category_list"]["categories"]:
            page: str | None = f"/c/{category['slug']}/{category['id']}.json"
            while page:
                listing = naive.get(page).json()["topic_list"]
                for item in listing["topics"]:
                    topic = naive.get(f"/t/{item['id']}.json",
                                      params={"include_raw": 1}).json()["post_stream"]
                    have = {p["id"] for p in topic["posts"]}
                    rest = [i for i in topic["stream"] if i not in have]
                    for first in range(0, len(rest), 20):
                        naive.get(f"/t/{item['id']}/posts.json",
                                  params=[("post_ids[]", i) for i in rest[first:first + 20]]
                                  + [("include_raw", 1)]).json()
                    topics += 1
                more = listing.get("more_topics_url")
                page = more.replace("?", ".json?") if more else None
    return topics


def forum_figure(seed: int, topics: int, rounds: int = 3) -> dict[str, Any]:
    """A SYNTHETIC Discourse forum on loopback, served by a process of its own (in the
    client's process the server's threads take the client's interpreter lock in turns,
    which costs the client with more Python work per answer the more): crossforge's forum
    collection (raw store, checkpoints, group commits, links) against a naive client that
    asks the same endpoints with plain httpx and stores nothing; ms per topic, the median
    of ``rounds`` alternating runs."""
    import multiprocessing

    from crossforge.collection.forum_plan import ForumCaps, ForumPlan
    from crossforge.sources.discourse import DiscourseSource
    from crossforge.worlds import synthetic

    world = list(synthetic.generate_world(150, seed))
    forum = list(synthetic.generate_forum(world, seed, topics=topics))
    frame = [(r.platform, r.repo) for r in world if isinstance(r, Repository)]
    context = multiprocessing.get_context("fork")
    ready, done = context.Queue(), context.Event()
    server = context.Process(target=_serve_forum, args=(world + forum, ready, done))
    server.start()
    ours: list[float] = []
    theirs: list[float] = []
    try:
        url = ready.get(timeout=120)
        for _ in range(rounds):
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                with Store(Path(tmp) / "forum.duckdb") as store:
                    client = ApiClient(url, "discourse", RawStore(Path(tmp) / "raw"))
                    summary = ForumPlan(store, DiscourseSource(client, synthetic.FORUM),
                                        ForumCaps()).collect(frame)
                    client.close()
                    links = store.query(
                        "SELECT count(DISTINCT topic_id) FROM forum_links").fetchone()[0]
                ours.append(1000 * (time.perf_counter() - start) / summary.topics)
            start = time.perf_counter()
            naive_topics = _naive_forum(url)
            theirs.append(1000 * (time.perf_counter() - start) / naive_topics)
    finally:
        done.set()
        server.join(timeout=30)
    return {"topics": summary.topics, "naive_topics": naive_topics,
            "linked_topics": int(links), "linked_share": links / summary.topics,
            "rounds": rounds, "crossforge_ms_per_topic": statistics.median(ours),
            "naive_ms_per_topic": statistics.median(theirs),
            "ratio": statistics.median(ours) / statistics.median(theirs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small world (under a minute)")
    parser.add_argument("--repositories", type=int, help="repositories per platform")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--discussions", action="store_true",
                        help="only the GitHub Discussions case, into the results' entry")
    parser.add_argument("--forum-only", action="store_true",
                        help="only the forum figure, printed (the results file is kept)")
    args = parser.parse_args()
    if args.forum_only:
        print(json.dumps(forum_figure(args.seed, 300), indent=2))
        return
    load_before = os.getloadavg()[0]
    size = args.repositories or (100 if args.quick else 1000)
    if args.discussions:
        _write_discussions(size, args.seed, load_before)
        return
    cap = 600 if args.quick else 3000
    records = generate_world(size, args.seed, cap)
    github_frame = sorted(r.repo for r in records
                          if isinstance(r, Repository) and r.platform == "github")
    hub_frame = sorted(r.repo for r in records
                       if isinstance(r, Repository) and r.platform == "huggingface")
    frames = {"github": github_frame, "huggingface": hub_frame}
    print(f"SYNTHETIC world (seed {args.seed}): {len(github_frame)} GitHub repositories, "
          f"{len(hub_frame)} Hub models, {len(records):,} records")
    with Emulator.from_records(records, github_limit=10**9, hub_limit=10**9) as emulator, \
            tempfile.TemporaryDirectory() as tmp:
        ours = run_crossforge(emulator, github_frame, Path(tmp))
        print(", ".join(f"crossforge {k} {v[1]:.1f} s" for k, v in ours.items()))
        naive = run_naive(emulator, github_frame)
        print(", ".join(f"naive {k} {v[1]:.1f} s" for k, v in naive.items()))
    result: dict[str, Any] = {
        "benchmark": "collection", "synthetic": True,
        "world": {"note": "SYNTHETIC emulator world, seeded; most repositories tiny, a heavy "
                          "tail of large ones; parameters are assumptions, not fitted",
                  "seed": args.seed, "quick": args.quick,
                  "repositories_per_platform": size, "cap": cap,
                  "records": len(records)},
        "machine": {"python": platform.python_version(), **machine_load(load_before)},
        "cost_units": {"github": "REST requests + GraphQL points (GitHub's documented score)",
                       "huggingface": "Hub API calls"},
        "limits": LIMITS, "paper_scale": PAPER_SCALE, "baseline": "naive", "platforms": {},
        "notes": [
            "paper-scale time = repositories x cost per repository / units per hour, one "
            "token (GitHub) or free account (Hub); GitHub's REST and GraphQL budgets are "
            "separate, so adding them up, as here, is conservative",
            "wall time is on loopback: crossforge's includes its durable storage (a group "
            "commit: the raw records of up to 500 answers fsynced, then one DuckDB "
            "transaction), the naive client stores nothing; against the real APIs the rate "
            "limit dominates; wall_ms_per_repo is the goal's figure (at most 2x naive)",
        ],
    }
    rows = []
    for name in ("github", "huggingface"):
        mine = summarise(ours[name][0], frames[name], ours[name][1], name)
        theirs = summarise(naive[name][0], frames[name], naive[name][1], name)
        theirs["read"] = naive[name][2]
        mine["stored"] = ours[name][2]
        result["platforms"][name] = {
            "repositories": len(frames[name]), "crossforge": mine, "naive": theirs,
            "requests_per_repo": {"crossforge": mine["requests_per_repo"],
                                  "naive": theirs["requests_per_repo"]},
            "cost_per_repo": {"crossforge": mine["cost_per_repo"],
                              "naive": theirs["cost_per_repo"]},
            "ratios": {k: mine[k] / theirs[k] for k in (
                "requests_per_repo", "cost_per_repo", "median_repo_cost", "wall_seconds",
                "wall_ms_per_repo")},
        }
        if name == "huggingface":
            floor = hub_floor(records, frames[name])
            floor["crossforge_over_floor"] = {
                "cost_per_repo": mine["cost_per_repo"] / floor["floor_cost_per_repo"],
                "median_repo_cost": mine["median_repo_cost"] / floor["floor_median_repo_cost"]}
            floor["paper_scale_days_one_token"] = (PAPER_SCALE[name] * floor[
                "floor_cost_per_repo"] / UNITS_PER_HOUR[name] / 24)
            result["platforms"][name]["floor"] = floor
        rows.append((name, mine, theirs, result["platforms"][name]["ratios"]))
        same = {k: (mine["stored"][k], theirs["read"].get(k)) for k in (
            "repositories", "commits", "threads", "merged", "comments", "memberships")}
        result["platforms"][name]["crossforge_stored_vs_naive_read"] = same
        print(f"{name}: crossforge stored / naive read: " + ", ".join(
            f"{k} {a:,}/{b if b is None else format(b, ',')}" for k, (a, b) in same.items()))
    print(f"{'platform':<12} {'client':<11} {'req/repo':>9} {'cost/repo':>10} "
          f"{'median':>7} {'p90':>7} {'wall s':>7} {'paper-scale days/token':>23}")
    for name, mine, theirs, ratios in rows:
        for label, figures in (("naive", theirs), ("crossforge", mine)):
            print(f"{name:<12} {label:<11} {figures['requests_per_repo']:>9.2f} "
                  f"{figures['cost_per_repo']:>10.2f} {figures['median_repo_cost']:>7.2f} "
                  f"{figures['p90_repo_cost']:>7.2f} {figures['wall_seconds']:>7.1f} "
                  f"{figures['paper_scale_days_one_token']:>23,.0f}")
        print(f"{name:<12} {'ratio':<11} {ratios['requests_per_repo']:>9.3f} "
              f"{ratios['cost_per_repo']:>10.3f} {ratios['median_repo_cost']:>7.3f}")
        floor = result["platforms"][name].get("floor")
        if floor:
            print(f"{name:<12} {'floor':<11} {'':>9} {floor['floor_cost_per_repo']:>10.2f} "
                  f"{floor['floor_median_repo_cost']:>7.2f} {floor['floor_p90_repo_cost']:>7.2f}"
                  f" {'':>7} {floor['paper_scale_days_one_token']:>23,.0f}")
            over = floor["crossforge_over_floor"]
            print(f"{name:<12} {'cf/floor':<11} {'':>9} {over['cost_per_repo']:>10.3f} "
                  f"{over['median_repo_cost']:>7.3f}")
    for name, mine, theirs, ratios in rows:
        print(f"{name:<12} wall ms per repository: naive {theirs['wall_ms_per_repo']:.1f}, "
              f"crossforge {mine['wall_ms_per_repo']:.1f}, ratio "
              f"{ratios['wall_ms_per_repo']:.2f} (goal: at most 2)")
    print("(cost: GitHub REST requests + GraphQL points; Hub API calls. Hub floor: the fewest "
          "documented calls any client needs, computed from the world. Paper scale: "
          f"{PAPER_SCALE['github']:,} GitHub + {PAPER_SCALE['huggingface']:,} Hub "
          "repositories under the published limits, one token or account.)")
    result["forum"] = forum_figure(args.seed, 300)
    print(f"forum: {result['forum']['topics']} topics, ms per topic: naive "
          f"{result['forum']['naive_ms_per_topic']:.1f}, crossforge "
          f"{result['forum']['crossforge_ms_per_topic']:.1f}, ratio {result['forum']['ratio']:.2f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(HERE.parent)}")
    _write_discussions(size, args.seed, os.getloadavg()[0])


def _write_discussions(size: int, seed: int, load_before: float) -> None:
    """Run the discussions case and keep it in the results file beside the other figures."""
    with tempfile.TemporaryDirectory() as tmp:
        case = discussions_case(size, seed, Path(tmp))
    case["machine"] = {"python": platform.python_version(), **machine_load(load_before)}
    print(f"discussions: {case['boards']} boards ({case['empty_boards']} empty) of "
          f"{case['repositories']} GitHub repositories, {case['discussions']} discussions, "
          f"{case['stored_comments_and_replies']} comments and replies: {case['points']} "
          f"GraphQL points in {case['queries']} queries = {case['points_per_board']:.2f} per "
          f"board, {case['points_per_discussion']:.3f} per discussion, "
          f"{case['points_per_repository']:.3f} per repository")
    for row in case["priced_by_page_size"]:
        print(f"  {row['discussions']:>3} discussions x {row['comments']:>3} comments: "
              f"{row['points_per_page']:>3} points a page, {row['points']:>5} points in all")
    result = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    result["discussions"] = case
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote the discussions entry of {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
