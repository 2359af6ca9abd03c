"""A repository's start (the Hub's creation-date floor) and its derivatives as the platform
counts them (issue 15, items 2 and 3)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest

from crossforge.measures import (
    ActivitySurvival,
    CollaborationIntensity,
    UserInnovation,
    adaptation_summary,
    trends_by_year,
)
from crossforge.records import Commit, Derivation, Provenance, Repository
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


# --- derivatives as the platform counts them ----------------------------------------------

BASE = "meta/base-model"


def _listing_entry(children: int | None) -> dict:
    """A ``/api/models?expand[]=…`` entry as the Hub sends it."""
    entry = {"_id": "0" * 24, "id": BASE, "author": "meta", "likes": 40, "downloads": 900,
             "createdAt": "2023-05-01T10:00:00.000Z", "tags": ["license:mit"],
             "cardData": {"license": "mit"}}
    if children is not None:
        entry["childrenModelCount"] = children
    return entry


def _parsed_repository(entry: dict) -> Repository:
    from crossforge.sources.hub import parse
    from crossforge.sources.raw import RawResponse

    answer = RawResponse(kind="hub.model", context={"repo": BASE, "owner_type": "organization"},
                         method="GET", url=f"https://huggingface.co/api/models/{BASE}",
                         status=200, headers={}, body=json.dumps(entry))
    return next(r for r in parse(answer) if isinstance(r, Repository))


def test_the_hub_answer_gives_the_children_count() -> None:
    assert _parsed_repository(_listing_entry(12)).children_count == 12
    assert _parsed_repository(_listing_entry(0)).children_count == 0
    assert _parsed_repository(_listing_entry(None)).children_count is None  # unknown, not 0


def test_derivatives_are_the_platform_counts_whatever_the_store_holds(tmp_path) -> None:
    """A base model sampled without its 12 children, a model the Hub gave no count for, a
    GitHub repository with forks and one whose fork count is unknown."""
    records = [
        _parsed_repository(_listing_entry(12)),
        Repository("huggingface", "x/nocount", "model", "x", "user"),
        Repository("huggingface", "y/leaf", "model", "y", "user", children_count=0),
        Repository("github", "o/lib", "code", "o", "user", forks=7),
        Repository("github", "o/nofork", "code", "o", "user"),
        # one child in the store: counted within the store, not added to the platform's 12
        Repository("huggingface", "u/ft", "model", "u", "user", children_count=0),
        Derivation("huggingface", "u/ft", BASE, "finetune", "tag"),
    ]
    with Store(tmp_path / "s.duckdb") as store:
        store.write(Provenance("t", "u", COLLECTED, "0"), records)
        frame = UserInnovation().compute(store).set_index("repo")
    base = frame.loc[BASE]
    assert base.derivatives == 12 and base.derivatives_source == "childrenModelCount"
    assert base.derivatives_in_store == 1 and base.finetunes == 1
    assert base.adaptation_index == 1.0
    assert pd.isna(frame.loc["x/nocount", "derivatives"])
    assert pd.isna(frame.loc["x/nocount", "adaptation_index"])
    assert frame.loc["y/leaf", "derivatives"] == 0
    assert frame.loc["o/lib", "derivatives"] == 7
    assert frame.loc["o/lib", "derivatives_source"] == "forks_count"
    assert pd.isna(frame.loc["o/nofork", "derivatives"])
    summary = adaptation_summary(frame.reset_index()).set_index("platform")
    assert summary.loc["huggingface", "derivatives"] == 12
    assert summary.loc["huggingface", "derivatives_n"] == 3  # known for three of four models
    assert summary.loc["huggingface", "finetunes_share"] == 1.0  # of the one in the store


def test_through_the_emulator_and_the_collector(tmp_path) -> None:
    """A world whose base model (created 2020-06-01, before the Hub's floor) has 12 children
    on the Hub; the frame samples only the base model and a GitHub repository."""
    from crossforge import api
    from crossforge.emulator import Emulator

    born = datetime(2020, 6, 1, 9, 0, tzinfo=UTC)
    children = [f"user{i}/base-model-ft-{i}" for i in range(12)]
    world: list[object] = [
        Repository("huggingface", BASE, "model", "meta", "organization", created_at=born),
        _commit("huggingface", BASE, "a" * 40, born),
        _commit("huggingface", BASE, "b" * 40, datetime(2024, 1, 1, tzinfo=UTC)),
        Repository("github", "o/lib", "code", "o", "user", created_at=born, forks=7),
        _commit("github", "o/lib", "c" * 40, born),
    ]
    for child in children:
        world += [Repository("huggingface", child, "model", child.split("/")[0], "user",
                             created_at=datetime(2024, 2, 1, tzinfo=UTC)),
                  Derivation("huggingface", child, BASE, "finetune", "tag")]
    db, raw = tmp_path / "s.duckdb", tmp_path / "raw"
    with Store(db) as store:
        store.write(Provenance("t", "u", COLLECTED, "0"), [])
        store.write_frame("main", "huggingface", [BASE], {"method": "list"})
        store.write_frame("main", "github", ["o/lib"], {"method": "list"})
    with Emulator.from_records(world) as emulator:
        api.collect(db, raw=raw, github_url=emulator.url, hub_url=emulator.url,
                    github_token_env="CROSSFORGE_TEST_NO_TOKEN",
                    hf_token_env="CROSSFORGE_TEST_NO_TOKEN",
                    github_app=api.GitHubApp(environment=False))
    with Store(db, read_only=True) as store:
        stored = store.frame("SELECT repo, created_at, children_count FROM repositories "
                             "WHERE platform = 'huggingface'").set_index("repo")
        innovation = UserInnovation().compute(store).set_index("repo")
        intensity = CollaborationIntensity().compute(store).set_index("repo")
    assert list(stored.index) == [BASE]  # the children are not sampled
    assert stored.loc[BASE, "children_count"] == 12
    assert stored.loc[BASE, "created_at"].replace(second=0) == datetime(
        2022, 3, 2, 23, 29, tzinfo=UTC)  # the Hub's floor, as the Hub serves it
    assert innovation.loc[BASE, "derivatives"] == 12
    assert innovation.loc["o/lib", "derivatives"] == 7
    assert intensity.loc[BASE, "created_at"] == born
    assert intensity.loc["o/lib", "created_at"] == born


def test_the_official_client_reads_the_children_count() -> None:
    hf = pytest.importorskip("huggingface_hub", reason="the official Hub client is a test "
                                                       "dependency")
    from crossforge.emulator import Emulator

    world = [Repository("huggingface", BASE, "model", "meta", "organization",
                        created_at=datetime(2020, 6, 1, tzinfo=UTC)),
             Repository("huggingface", "u/leaf", "model", "u", "user",
                        created_at=datetime(2024, 6, 1, tzinfo=UTC)),
             Repository("huggingface", "u/ft", "model", "u", "user",
                        created_at=datetime(2024, 6, 1, tzinfo=UTC)),
             Derivation("huggingface", "u/ft", BASE, "finetune", "tag"),
             Derivation("huggingface", "someone/unlisted", BASE, "adapter", "tag")]
    with Emulator.from_records(world) as emulator:
        client = hf.HfApi(endpoint=emulator.url)
        info = client.model_info(BASE, expand=["childrenModelCount", "createdAt"])
        listed = {m.id: m for m in client.list_models(expand=["childrenModelCount"])}
    assert info.children_model_count == 2
    assert info.created_at.replace(second=0) == datetime(2022, 3, 2, 23, 29, tzinfo=UTC)
    assert listed["u/leaf"].children_model_count == 0
    assert listed[BASE].children_model_count == 2
