"""One definition, two engines: DuckDB and Spark give the same results on real data."""

from __future__ import annotations

import pandas as pd
import pytest

from crossforge import api
from crossforge.errors import ConfigError, StoreError
from crossforge.measures import (
    CollaborationIntensity,
    CollaborationNetworks,
    CommunityMigration,
    DatasetProvenance,
    DocumentationCompleteness,
    Openness,
    Organisations,
    ProjectPairs,
    TouchedFiles,
    UserInnovation,
)
from crossforge.measures.engine import open_engine
from crossforge.measures.knowledge_exchange import KnowledgeExchange
from crossforge.measures.networks import _CO_CONTRIBUTION_SQL, _CONTRIBUTORS_SQL
from crossforge.measures.people import CrossPlatformPeople
from crossforge.measures.spark import jvm_memory, to_spark_sql
from crossforge.store import Store
from tests.conftest import CORPUS, replay

#: Roles are not run alone: their SQL is part of openness and innovation.
PER_REPOSITORY = {"intensity": CollaborationIntensity, "openness": Openness,
                  "innovation": UserInnovation, "migration": CommunityMigration,
                  "documentation": DocumentationCompleteness, "datasets": DatasetProvenance,
                  "pairs": ProjectPairs, "touched": TouchedFiles, "people": CrossPlatformPeople,
                  "knowledge": KnowledgeExchange}


def test_parameters_bind_in_text_order_and_decimals_stay_doubles():
    assert "(TRUE OR" in to_spark_sql(_CONTRIBUTORS_SQL, [True])
    assert "WHERE NULL IS NULL OR a.size <= 3" in to_spark_sql(_CO_CONTRIBUTION_SQL,
                                                              ["github", None, 3])
    assert to_spark_sql("SELECT x / 86400.0 FROM t WHERE y = ?", ["it's"]) == (
        "SELECT x / CAST(86400.0 AS DOUBLE) FROM t WHERE y = 'it\\'s'")
    with pytest.raises(ConfigError):
        to_spark_sql("SELECT ? FROM t", [])


def test_memory_limits_reach_the_jvm_as_whole_mebibytes():
    assert jvm_memory("4.5GB") == "4291m"
    assert jvm_memory("5GiB") == "5120m"
    assert jvm_memory("512MB") == "488m"
    with pytest.raises(ConfigError, match="size"):
        jvm_memory("lots")


def test_unknown_engine_is_a_config_error(tmp_path):
    with (Store(tmp_path / "s.duckdb") as store, pytest.raises(ConfigError, match="engine"),
          open_engine(store, "postgres")):
        pass


def test_temp_table_is_read_inside_its_block_and_dropped_after_even_on_error(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        with store.temp_table("stage", "SELECT range AS n FROM range(?)", [4]):
            assert store.frame("SELECT sum(n) AS total FROM stage")["total"][0] == 6
        with pytest.raises(StoreError, match="stage"):
            store.frame("SELECT * FROM stage")
        with pytest.raises(RuntimeError), store.temp_table("stage", "SELECT 1 AS n"):
            raise RuntimeError("a measure failed half-way")
        with pytest.raises(StoreError, match="stage"):
            store.frame("SELECT * FROM stage")


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory):
    """Real histories (GitHub minGPT, the Hub's bloom) and the Hub metadata dump."""
    pytest.importorskip("pyspark", reason="the spark engine needs pyspark (test extra)")
    if not (CORPUS / "hf_models.jsonl.gz").exists():
        pytest.skip("../shared/corpus is absent: the engine agreement test needs it")
    root = tmp_path_factory.mktemp("engines")
    db = root / "corpus.duckdb"
    for repo, platform in (("karpathy/minGPT", "github"), ("bigscience/bloom", "huggingface")):
        clone = replay(repo, root / repo.replace("/", "__"))
        api.import_git(clone, repo=repo, platform=platform, db=db)
    api.import_hub_metadata(CORPUS / "hf_models.jsonl.gz", db=db)
    results = {}
    with Store(db, read_only=True) as store:
        for engine in ("duckdb", "spark"):
            with open_engine(store, engine, threads=2) as sql:
                results[engine] = {name: measure().compute(sql)
                                   for name, measure in PER_REPOSITORY.items()}
                results[engine]["organisations"] = Organisations().compute(sql)
                results[engine]["project_links"] = ProjectPairs().links(sql)
                results[engine]["networks"] = CollaborationNetworks().compute(sql)
    return results


@pytest.mark.corpus
@pytest.mark.parametrize("measure", [*PER_REPOSITORY, "organisations", "project_links"])
def test_duckdb_and_spark_agree_per_repository(corpus_store, measure):
    duck, spark = (corpus_store[e][measure] for e in ("duckdb", "spark"))
    least = {"organisations": 2, "migration": 1, "project_links": 1, "pairs": 1,
             "documentation": 1_000, "datasets": 500, "people": 0}.get(measure, 1_900)
    assert len(duck) >= least
    keys = [c for c in ("platform", "repo", "hub_repo", "login", "dataset", "hub_login",
                        "github_login") if c in duck]
    duck, spark = (f.sort_values(keys).reset_index(drop=True) for f in (duck, spark))
    pd.testing.assert_frame_equal(duck, spark[duck.columns], check_dtype=False,
                                  check_exact=False, rtol=1e-12)


@pytest.mark.corpus
def test_duckdb_and_spark_networks_agree(corpus_store):
    duck = corpus_store["duckdb"]["networks"]
    assert duck["github"]["co_contribution"]["nodes"] > 10
    assert corpus_store["spark"]["networks"] == duck
