from datetime import UTC, datetime, timedelta

import pytest

from crossforge.measures import Openness, Organisations, PersonRoles
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
def store(tmp_path):
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


def test_roles_follow_the_documented_rule(store):
    roles = PersonRoles().compute(store)
    got = {(r.repo, r.login): r.role for r in roles.itertuples()}
    assert got[("lab/model", "alice")] == "member"
    assert got[("lab/model", "bob")] == "external"
    assert got[("lab/model", "carol")] == "external"
    assert got[("org/code", "dan")] == "external"  # said so by author_association


def test_openness_shares(store):
    row = Openness().compute(store).set_index("repo").loc["lab/model"]
    assert row.external_commit_share == pytest.approx(1 / 3)  # bob of alice, alice, bob
    assert row.external_merged_pr_share == 1.0
    assert row.has_external_contribution
    assert row.external_pr_acceptance == pytest.approx(1 / 2)  # bob merged, carol closed
    assert row.external_pr_days_to_merge == pytest.approx(2.0)
    assert row.external_thread_share == pytest.approx(1 / 2)  # carol's of carol, alice
    # First reply by someone other than the author: alice after 5 hours (carol's own
    # follow-up does not count); alice's own discussion is unanswered.
    assert row.hours_to_first_response == pytest.approx(5.0)
    assert row.answered_share == pytest.approx(1 / 2)
    assert row.external_participant_share == pytest.approx(2 / 3)  # bob, carol of 3 humans


def test_organisations(store):
    rows = Organisations().compute(store).set_index("platform")
    hub = rows.loc["huggingface"]
    assert hub.organisation_repository_share == 1.0
    # Human contributions: 3 commits, 4 threads, 2 comments = 9; alice made 2+1+1 = 4.
    assert hub.contributions == 9
    assert hub.organisation_member_contribution_share == pytest.approx(4 / 9)
