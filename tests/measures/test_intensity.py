from datetime import UTC, datetime

import pandas as pd
import pytest

from crossforge.measures import CollaborationIntensity, summarize
from crossforge.records import Account, Commit, Provenance, Repository
from crossforge.store import Store

PROV = Provenance("test", "unit", datetime(2026, 1, 1, tzinfo=UTC), "0")


def _commit(repo: str, sha: str, author: str, month: int, co: tuple[str, ...] = ()) -> Commit:
    when = datetime(2024, month, 15, tzinfo=UTC)
    return Commit("github", repo, sha, author, author, None, when, author, author, None, when,
                  co_authors=co)


@pytest.fixture
def store(tmp_path):
    records = [
        Repository("github", "acme/big", "code", "acme"),
        Repository("huggingface", "acme/empty-model", "model", "acme"),
        Account("github", "ann", "user"), Account("github", "bob", "user"),
        Account("github", "cy", "user"), Account("github", "dependabot[bot]", "bot"),
    ]
    # ann 5 commits, bob 3, cy 1 only as co-author, the bot 2; months 1, 1, 2, 5.
    records += [_commit("acme/big", f"a{i}", "ann", 1 + (i % 2)) for i in range(5)]
    records += [_commit("acme/big", "b0", "bob", 5, co=("cy",))]
    records += [_commit("acme/big", f"b{i}", "bob", 5) for i in (1, 2)]
    records += [_commit("acme/big", f"d{i}", "dependabot[bot]", 5) for i in range(2)]
    with Store(tmp_path / "s.duckdb") as s:
        s.write(PROV, records)
        yield s


def test_intensity_counts_humans_coauthors_and_bots(store):
    rows = CollaborationIntensity().compute(store).set_index("repo")
    big = rows.loc["acme/big"]
    assert big.commits == 10
    assert big.bot_commits == 2 and big.human_commits == 8
    assert big.contributors == 3  # ann, bob and co-author cy; never the bot
    assert big.active_months == 3
    assert big.commits_per_contributor == pytest.approx(8 / 3)
    assert big.top_contributor_share == pytest.approx(5 / 8)
    assert big.truck_factor == 1  # ann alone authored more than half of human commits


def test_github_repository_without_commits_has_zeros(tmp_path):
    with Store(tmp_path / "g.duckdb") as s:
        s.write(PROV, [Repository("github", "acme/empty", "code", "acme")])
        row = CollaborationIntensity().compute(s).iloc[0]
    assert (row.commits, row.contributors, row.active_months) == (0, 0, 0)
    assert row.multi_contributor is False or not row.multi_contributor


def test_hub_repository_without_commits_has_unknown_history_not_zero(store):
    # Every Hub repository has at least one commit: none stored is a collection gap.
    row = CollaborationIntensity().compute(store).set_index("repo").loc["acme/empty-model"]
    for column in ("commits", "contributors", "active_months", "participants",
                   "multi_contributor", "commits_per_month", "contributors_per_month",
                   "participants_per_month"):
        assert row[column] is pd.NA or pd.isna(row[column]), column
    assert row.threads == 0  # the discussions listing is not the commit history


def test_truck_factor_needs_more_than_half(tmp_path):
    records = [Repository("github", "x/y", "code", "x")]
    records += [_commit("x/y", f"{who}{i}", who, 1) for who in "pq" for i in range(4)]
    with Store(tmp_path / "t.duckdb") as s:
        s.write(PROV, records)
        row = CollaborationIntensity().compute(s).iloc[0]
    assert row.truck_factor == 2 and row.top_contributor_share == pytest.approx(0.5)


def test_summary_has_per_platform_medians_and_means(store):
    summary = summarize(CollaborationIntensity().compute(store))
    assert summary["github"]["repositories"] == 1
    assert summary["github"]["commits"] == {"median": 10.0, "mean": 10.0, "n": 1}
    assert summary["huggingface"]["truck_factor"]["n"] == 0
