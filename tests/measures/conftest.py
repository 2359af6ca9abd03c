"""A small store shared by the roles, openness and organisations tests: a Hub model of an
organisation with a known roster, bots and outsiders, and a GitHub repository whose roster was
never collected."""

from datetime import UTC, datetime, timedelta

import pytest

from crossforge.records import (
    Account,
    Comment,
    Commit,
    Membership,
    Provenance,
    Repository,
    Thread,
)
from crossforge.store import Store

PROV = Provenance("test", "unit", datetime(2026, 1, 1, tzinfo=UTC), "0")
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _commit(repo, sha, author, platform="huggingface"):
    return Commit(platform, repo, sha, author, author, None, T0, author, author, None, T0)


def _thread(repo, number, author, kind="discussion", state="open", merged_days=None,
            platform="huggingface", role="unknown"):
    merged = T0 + timedelta(days=merged_days) if merged_days is not None else None
    return Thread(platform, repo, number, kind, "t", "b", author, role, state, T0, merged, merged)


@pytest.fixture
def roles_store(tmp_path):
    records = [
        # Hub model owned by organisation "lab" whose roster is {alice}.
        Repository("huggingface", "lab/model", "model", "lab", "organization"),
        Membership("huggingface", "lab", "alice"),
        Account("huggingface", "alice", "user"), Account("huggingface", "bob", "user"),
        Account("huggingface", "carol", "user"), Account("huggingface", "librarian-bot", "bot"),
        _commit("lab/model", "c1", "alice"), _commit("lab/model", "c2", "alice"),
        _commit("lab/model", "c3", "bob"), _commit("lab/model", "c4", "librarian-bot"),
        _thread("lab/model", 1, "carol"),
        _thread("lab/model", 2, "alice"),
        _thread("lab/model", 3, "bob", kind="pull_request", state="merged", merged_days=2),
        _thread("lab/model", 4, "carol", kind="pull_request", state="closed"),
        _thread("lab/model", 5, "librarian-bot", kind="pull_request", state="open"),
        Comment("huggingface", "lab/model", 1, "1a", "carol", T0 + timedelta(hours=1), "more"),
        Comment("huggingface", "lab/model", 1, "1b", "alice", T0 + timedelta(hours=5), "ok"),
        # GitHub repository of an organisation whose roster was never collected.
        Repository("github", "org/code", "code", "org", "organization"),
        Account("github", "dan", "user"),
        _commit("org/code", "g1", "dan", "github"),
        _thread("org/code", 1, "dan", kind="issue", platform="github", role="external"),
    ]
    with Store(tmp_path / "s.duckdb") as s:
        s.write(PROV, records)
        yield s

