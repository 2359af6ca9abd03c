"""A repository's start (the Hub's creation-date floor) and its derivatives as the platform
counts them (issue 15, items 2 and 3)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from crossforge.measures import ActivitySurvival, CollaborationIntensity, trends_by_year
from crossforge.records import Commit, Provenance, Repository
from crossforge.store import Store

COLLECTED = datetime(2025, 6, 1, tzinfo=UTC)
#: The Hub's floor as it serves it: 23:29:04 for most, a second more for some.
FLOOR = datetime(2022, 3, 2, 23, 29, 4, tzinfo=UTC)
FLOOR_LATE = datetime(2022, 3, 2, 23, 29, 5, 120000, tzinfo=UTC)


def _commit(platform: str, repo: str, sha: str, when: datetime) -> Commit:
    return Commit(platform, repo, sha, "alice", "Alice", None, when, "alice", "Alice", None, when)


@pytest.fixture
def ages(tmp_path) -> pd.DataFrame:
    """Hub models at the floor with older histories, and the same histories elsewhere."""
    records = [
        # created in 2020: the Hub says the floor; its history says 2020-06-01
        Repository("huggingface", "old/bert", "model", "old", "user", created_at=FLOOR),
        _commit("huggingface", "old/bert", "a1", datetime(2020, 6, 1, tzinfo=UTC)),
        _commit("huggingface", "old/bert", "a2", datetime(2023, 1, 1, tzinfo=UTC)),
        # the floor with other seconds and milliseconds is still the floor
        Repository("huggingface", "old/gpt", "model", "old", "user", created_at=FLOOR_LATE),
        _commit("huggingface", "old/gpt", "b1", datetime(2021, 1, 10, tzinfo=UTC)),
        # at the floor but no earlier commit: the floor stays, marked as such
        Repository("huggingface", "new/empty", "model", "new", "user", created_at=FLOOR),
        _commit("huggingface", "new/empty", "c1", datetime(2022, 5, 1, tzinfo=UTC)),
        # a real Hub creation date a minute after the floor is a creation date
        Repository("huggingface", "new/real", "model", "new", "user",
                   created_at=datetime(2022, 3, 2, 23, 30, 1, tzinfo=UTC)),
        _commit("huggingface", "new/real", "d1", datetime(2020, 6, 1, tzinfo=UTC)),
        # GitHub: the platform's date, even when imported history is older
        Repository("github", "o/lib", "code", "o", "user", created_at=FLOOR),
        _commit("github", "o/lib", "e1", datetime(2020, 6, 1, tzinfo=UTC)),
        # no creation date at all: the first commit
        Repository("github", "o/nodate", "code", "o", "user"),
        _commit("github", "o/nodate", "f1", datetime(2024, 6, 1, tzinfo=UTC)),
    ]
    with Store(tmp_path / "s.duckdb") as store:
        store.write(Provenance("t", "u", COLLECTED, "0"), records)
        intensity = CollaborationIntensity().compute(store).set_index("repo")
        survival = ActivitySurvival().compute(store).set_index("repo")
    intensity["released_at"] = survival["released_at"]
    return intensity


def _months(start: datetime) -> float:
    return (COLLECTED.date() - start.date()).days / 30.4375


def test_a_hub_model_at_the_floor_starts_at_its_first_commit(ages: pd.DataFrame) -> None:
    bert = ages.loc["old/bert"]
    assert bert.created_at == datetime(2020, 6, 1, tzinfo=UTC)
    assert bert.created_from == "first_commit"
    assert bert.age_months == pytest.approx(_months(datetime(2020, 6, 1)))
    assert bert.commits_per_month == pytest.approx(2 / _months(datetime(2020, 6, 1)))
    assert bert.released_at == datetime(2020, 6, 1, tzinfo=UTC)
    assert ages.loc["old/gpt", "created_at"] == datetime(2021, 1, 10, tzinfo=UTC)


def test_outside_the_floor_the_platform_date_stands(ages: pd.DataFrame) -> None:
    assert ages.loc["new/empty", "created_at"] == FLOOR
    assert ages.loc["new/empty", "created_from"] == "hub_floor"
    assert ages.loc["new/real", "created_at"] == datetime(2022, 3, 2, 23, 30, 1, tzinfo=UTC)
    assert ages.loc["new/real", "created_from"] == "platform"
    assert ages.loc["o/lib", "created_at"] == FLOOR  # GitHub unchanged
    assert ages.loc["o/lib", "age_months"] == pytest.approx(_months(FLOOR))
    assert ages.loc["o/nodate", "created_at"] == datetime(2024, 6, 1, tzinfo=UTC)
    assert ages.loc["o/nodate", "created_from"] == "first_commit"


def test_creation_years_follow_the_start(ages: pd.DataFrame) -> None:
    years = trends_by_year(ages.reset_index())
    hub = years[years["platform"] == "huggingface"].set_index("year")["repositories"]
    assert hub.to_dict() == {2020: 1, 2021: 1, 2022: 2}

