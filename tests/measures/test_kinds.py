"""Hub datasets and spaces collected into the same store stay out of the GitHub-code vs
Hub-model comparison unless asked for, in every measure and the report's networks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossforge import api
from crossforge.cli import app
from crossforge.errors import ConfigError
from crossforge.measures import CollaborationNetworks
from crossforge.measures.engine import restrict_kinds
from crossforge.records import Comment, Commit, Repository, Thread
from crossforge.store import Store
from crossforge.worlds import synthetic

START = datetime(2024, 1, 1, tzinfo=UTC)
DATASET = "datasets/lab/corpus"


def dataset_records() -> list[object]:
    """A busy dataset: 12 people commit, 30 threads each with a reply, all strangers to the
    synthetic world, so any leak shows in repository counts and network sizes."""
    records: list[object] = [Repository("huggingface", DATASET, "dataset", "lab", "user",
                                        START, START, 50, downloads=900)]
    records += [Commit("huggingface", DATASET, f"{i:040x}", f"curator{i % 12}", None, None,
                       START + timedelta(hours=i), None, None, None, START + timedelta(hours=i))
                for i in range(60)]
    for number in range(1, 31):
        records.append(Thread("huggingface", DATASET, number, "discussion", "q", "b",
                              f"asker{number}", state="open", created_at=START))
        records.append(Comment("huggingface", DATASET, number, f"c{number}",
                               f"curator{number % 12}", START + timedelta(hours=1), "r"))
    return records


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same synthetic world with and without the dataset."""
    folder = tmp_path_factory.mktemp("kinds")
    world = list(synthetic.generate_world(10, 3))
    stores = folder / "models.duckdb", folder / "mixed.duckdb"
    for path, records in zip(stores, (world, world + dataset_records()), strict=True):
        with Store(path) as store:
            store.write(api._provenance(synthetic.SOURCE, "seed=3"), records)
    return stores


def test_datasets_stay_out_of_the_model_comparison_by_default(mixed: tuple[Path, Path],
                                                              tmp_path: Path) -> None:
    models_only, with_dataset = mixed
    plain = api.measure(models_only, tmp_path / "plain", n_bootstrap=50)
    default = api.measure(with_dataset, tmp_path / "default", n_bootstrap=50)
    assert DATASET not in set(default.repositories["repo"])
    assert default.summary["platforms"] == plain.summary["platforms"]
    assert default.networks == plain.networks
    assert default.statistics.equals(plain.statistics)


def test_datasets_are_measured_when_asked_for(mixed: tuple[Path, Path], tmp_path: Path) -> None:
    _, with_dataset = mixed
    alone = api.measure(with_dataset, tmp_path / "alone", n_bootstrap=50, kinds=["dataset"])
    assert list(alone.repositories["repo"]) == [DATASET]
    row = alone.repositories.iloc[0]
    assert row["commits"] == 60
    assert alone.networks["huggingface"]["co_contribution"]["nodes"] == 12
    together = api.measure(with_dataset, tmp_path / "together", n_bootstrap=50,
                           kinds=["code", "model", "dataset"])
    assert DATASET in set(together.repositories["repo"])
    with Store(with_dataset, read_only=True) as store:   # the store itself is untouched
        assert store.query("SELECT count(*) FROM commits WHERE repo = ?",
                           [DATASET]).fetchone()[0] == 60
    with pytest.raises(ConfigError, match="unknown repository kind papers"):
        api.measure(with_dataset, tmp_path / "bad", kinds=["papers"])


def test_report_networks_and_cli_take_the_same_kinds(mixed: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    models_only, with_dataset = mixed
    with Store(models_only, read_only=True) as store:
        plain = CollaborationNetworks().graphs(store)
    with Store(with_dataset, read_only=True) as store:   # what api.report does
        assert restrict_kinds(store) == 1
        narrowed = CollaborationNetworks().graphs(store)
    assert {p: {n: g.vcount() for n, g in gs.items()} for p, gs in narrowed.items()} == {
        p: {n: g.vcount() for n, g in gs.items()} for p, gs in plain.items()}
    result = CliRunner().invoke(app, ["measure", "--db", str(with_dataset), "--out",
                                      str(tmp_path / "cli"), "--kinds", "dataset"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("huggingface: 1 repositories"), result.output
