"""Unattributed commits (the Hub's ``authors: []``) have an unknown author: they count as
commits, never as a person — not a contributor, not external, not a network node
(``docs/measures.md`` § Who counts as a person)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from crossforge.measures import (
    CollaborationIntensity,
    CollaborationNetworks,
    Openness,
    Organisations,
    PersonRoles,
    UserInnovation,
)
from crossforge.measures.evolution import CommunityMigration
from crossforge.records import Derivation, Provenance, Repository
from crossforge.sources.hub import PARSERS
from crossforge.store import Store

PROV = Provenance("huggingface", "unit", datetime(2025, 6, 1, tzinfo=UTC), "0")
START = datetime(2024, 1, 1, tzinfo=UTC)


def hub_commits(repo: str, *authors: str | None) -> list[object]:
    """The records the Hub's commit listing gives for ``repo``: one commit per entry of
    ``authors``, ``None`` for a commit whose e-mail links no Hub account (``authors: []``)."""
    body = [{"id": f"{repo}:{i}".encode().hex()[:40].ljust(40, "0"), "title": f"update {i}",
             "message": f"update {i}\n",
             "authors": [{"user": a, "avatar": None}] if a else [],
             "date": f"2024-0{1 + i}-01T12:00:00.000Z"} for i, a in enumerate(authors)]
    return PARSERS["hub.commits"](body, {"repo": repo})


def store_of(tmp_path: Path, records: list[object]) -> Store:
    store = Store(tmp_path / "s.duckdb")
    store.write(PROV, records)
    return store


def model(repo: str, owner_type: str = "user") -> Repository:
    return Repository("huggingface", repo, "model", repo.split("/")[0], owner_type, START)


def test_a_users_model_with_an_unlinked_commit_has_no_external_commits(tmp_path: Path) -> None:
    records = [model("alice/model"), *hub_commits("alice/model", "alice", None)]
    with store_of(tmp_path, records) as store:
        intensity = CollaborationIntensity().compute(store).set_index("repo").loc["alice/model"]
        openness = Openness().compute(store).set_index("repo").loc["alice/model"]
        roles = PersonRoles().compute(store)
    assert intensity.commits == 2                   # the commit happened
    assert intensity.contributors == 1              # only alice is a person
    assert intensity.unattributed_commits == 1
    assert intensity.unattributed_commit_share == pytest.approx(0.5)
    assert intensity.human_commits == 1
    assert intensity.commits_per_contributor == pytest.approx(1.0)
    assert openness.external_commit_share == 0.0    # 0 of alice's 1 attributed commit
    assert not openness.has_external_contribution
    assert list(roles["login"]) == ["alice"]


def test_unlinked_commits_do_not_join_unrelated_repositories(tmp_path: Path) -> None:
    records = [model("alice/model"), model("bob/model"),
               *hub_commits("alice/model", "alice", None),
               *hub_commits("bob/model", None, "bob")]
    with store_of(tmp_path, records) as store:
        graph = CollaborationNetworks().graphs(store)["huggingface"]["co_contribution"]
    assert sorted(graph.vs["name"]) == ["alice", "bob"]
    assert graph.ecount() == 0


def test_only_unlinked_commits_leave_the_people_unknown(tmp_path: Path) -> None:
    records = [model("lab/model", "organization"), model("carol/empty"),
               *hub_commits("lab/model", None, None, None)]
    with store_of(tmp_path, records) as store:
        rows = CollaborationIntensity().compute(store).set_index("repo")
        organisations = Organisations().compute(store).set_index("platform").loc["huggingface"]
    lab, empty = rows.loc["lab/model"], rows.loc["carol/empty"]
    assert (lab.commits, lab.unattributed_commit_share) == (3, 1.0)
    # Somebody made the three commits and nobody is known: unknown, not 0 people.
    for column in ("contributors", "participants", "multi_contributor",
                   "contributors_per_month", "commits_per_contributor"):
        assert pd.isna(lab[column]), column
    assert math.isnan(empty.unattributed_commit_share)     # no commits: nothing to attribute
    # Nobody is known to have contributed, so no contribution share has a denominator.
    assert pd.isna(organisations.contributions)
    assert pd.isna(organisations.organisation_member_contribution_share)


def test_an_unlinked_commit_is_no_contribution_back_nor_a_migrating_person(
        tmp_path: Path) -> None:
    records = [model("alice/base"), model("bob/tune"),
               Derivation("huggingface", "bob/tune", "alice/base", "finetune", "tag"),
               *hub_commits("alice/base", "alice", None),
               *hub_commits("bob/tune", "bob", None)]
    with store_of(tmp_path, records) as store:
        innovation = UserInnovation().compute(store).set_index("repo").loc["alice/base"]
        migration = CommunityMigration().compute(store).set_index("repo").loc["alice/base"]
    assert innovation.external_contributions == 0
    assert (migration.participants, migration.migrated) == (1, 0)
