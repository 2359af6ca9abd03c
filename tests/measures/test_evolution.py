from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from crossforge.measures import (
    ActivitySurvival,
    CommunityMigration,
    median_survival,
    survival_curves,
    trends_by_year,
)
from crossforge.records import (
    Account,
    Comment,
    Commit,
    Derivation,
    Provenance,
    Repository,
    Thread,
)
from crossforge.store import Store

OBSERVED = datetime(2026, 1, 1, tzinfo=UTC)
START = datetime(2024, 1, 1, tzinfo=UTC)


def _commit(repo, sha, who, day):
    at = START + timedelta(days=day)
    return Commit("huggingface", repo, sha, who, who, None, at, who, None, None, at)


@pytest.fixture
def store(tmp_path):
    records = [
        Repository("huggingface", f"o/m{i}", "model", "o", "user", created_at=START)
        for i in range(4)
    ] + [
        # m0 ends after 100 days, m1 after 300, m2 after 300; m3 is still active (censored).
        _commit("o/m0", "a", "ann", 100), _commit("o/m1", "b", "bob", 300),
        _commit("o/m2", "c", "cy", 300),
        _commit("o/m3", "d", "dee", (OBSERVED - START).days - 10),
        # m1 and m2 derive from m0; ann (m0's participant) comments on m1.
        Derivation("huggingface", "o/m1", "o/m0", "finetune"),
        Derivation("huggingface", "o/m2", "o/m0", "quantized"),
        Thread("huggingface", "o/m1", 1, "discussion", "q", "", "bob",
               created_at=START + timedelta(days=5)),
        Comment("huggingface", "o/m1", 1, "c1", "ann", START + timedelta(days=6), "hi"),
        Thread("huggingface", "o/m0", 1, "discussion", "q", "", "eve",
               created_at=START + timedelta(days=1)),
        Account("huggingface", "librarian-bot", "bot"),
        Thread("huggingface", "o/m0", 2, "pull_request", "base_model", "", "librarian-bot",
               created_at=START + timedelta(days=2)),
    ]
    with Store(tmp_path / "s.duckdb") as s:
        s.write(Provenance("t", "u", OBSERVED, "0"), records)
        yield s


def test_activity_and_kaplan_meier(store):
    activity = ActivitySurvival(inactive_after_days=180).compute(store).set_index("repo")
    assert activity.loc["o/m0", "days"] == pytest.approx(100)
    assert bool(activity.loc["o/m0", "ended"]) and not bool(activity.loc["o/m3", "ended"])
    curves = survival_curves(activity.reset_index())
    # 4 at risk: one ends at day 100 (S = 3/4), two at day 300 (S = 3/4 · 1/3 = 1/4);
    # m3 is censored at its last activity, where the curve does not drop.
    assert curves["survival"].round(6).tolist() == [0.75, 0.25, 0.25]
    assert curves["days"].round(6).tolist()[:2] == [100, 300]
    assert median_survival(curves) == {"huggingface": 300.0}


def test_community_migration(store):
    migration = CommunityMigration().compute(store).set_index("repo")
    upstream = migration.loc["o/m0"]
    # m0's human participants: ann (commit) and eve (thread); the bot is left out.
    assert upstream.participants == 2 and upstream.migrated == 1
    assert upstream.migration_share == pytest.approx(0.5)
    assert "o/m1" not in migration.index  # only repositories with derivatives


def test_trends_by_year():
    frame = pd.DataFrame({
        "platform": ["github"] * 3, "contributors": [1, 3, 5],
        "multi_contributor": [False, True, True],
        "created_at": pd.to_datetime(["2023-05-01", "2023-09-01", "2024-01-01"], utc=True),
    })
    trends = trends_by_year(frame).set_index("year")
    assert trends.loc[2023, "repositories"] == 2 and trends.loc[2023, "contributors"] == 2
    assert trends.loc[2023, "multi_contributor"] == pytest.approx(0.5)
