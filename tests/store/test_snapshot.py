import math

import duckdb
import pandas as pd
import pytest

import crossforge
from crossforge.errors import ConfigError
from crossforge.store.snapshot import export_snapshot, import_snapshot, pseudonym


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    crossforge.demo(out, repositories_per_platform=40)
    return out / "demo.duckdb"


def _close(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9)
    return a == b


def test_measures_reproduce_on_a_pseudonymised_snapshot(demo_db, tmp_path):
    export_snapshot(demo_db, tmp_path / "snap", key=b"k")
    import_snapshot(tmp_path / "snap", tmp_path / "copy.duckdb")
    before = crossforge.measure(demo_db, tmp_path / "a", n_bootstrap=100)
    after = crossforge.measure(tmp_path / "copy.duckdb", tmp_path / "b", n_bootstrap=100)
    order = ["platform", "commits", "contributors", "threads", "comments", "created_at"]
    x = before.repositories.drop(columns="repo").sort_values(order).reset_index(drop=True)
    y = after.repositories.drop(columns="repo").sort_values(order).reset_index(drop=True)
    pd.testing.assert_frame_equal(x, y)
    pd.testing.assert_frame_equal(before.statistics, after.statistics)
    # The null model's figures are Monte Carlo estimates over seeded edge swaps, and the
    # swaps follow the graph's vertex order, which pseudonyms change: they are compared by
    # their keys; every observed statistic must reproduce.
    assert _close(_observed(before.networks), _observed(after.networks))
    assert _null_keys(before.networks) == _null_keys(after.networks) != set()
    # sums may differ in the last bit; dataset ids carry pseudonymised owners; display names
    # are dropped, so only people matched without one reproduce (docs/people.md)
    people = before.summary.pop("people"), after.summary.pop("people")
    assert _close(_dataset_counts(before.summary), _dataset_counts(after.summary))
    assert people[0]["by_rule"]["explicit_link"] == people[1]["by_rule"]["explicit_link"] > 0
    assert people[0]["looked_up"] == people[1]["looked_up"]


_NULL_MODEL = ("_null_mean", "_null_sd", "_z", "_ratio")


def _observed(networks: dict) -> dict:
    """The networks' statistics without the null model's Monte Carlo estimates."""
    return {platform: {kind: {key: value for key, value in figures.items()
                              if not key.endswith(_NULL_MODEL)}
                       for kind, figures in kinds.items()}
            for platform, kinds in networks.items()}


def _null_keys(networks: dict) -> set[tuple[str, str, str]]:
    return {(platform, kind, key) for platform, kinds in networks.items()
            for kind, figures in kinds.items() for key in figures if key.endswith(_NULL_MODEL)}


def _dataset_counts(summary: dict) -> dict:
    """``summary`` with each platform's most-used datasets reduced to their model counts."""
    datasets = {platform: {**figures, "top_datasets": [t["models"] for t in
                                                        figures["top_datasets"]]}
                for platform, figures in summary["datasets"].items()}
    return {**summary, "datasets": datasets}


def test_no_personal_identifier_survives(demo_db, tmp_path):
    export_snapshot(demo_db, tmp_path / "snap", drop_text=True)
    people = duckdb.connect(str(demo_db), read_only=True).execute(
        "SELECT login FROM accounts WHERE type = 'user' AND login LIKE 'dev%'").fetchall()
    assert people
    blob = b"".join(p.read_bytes() for p in (tmp_path / "snap").iterdir())
    for (login,) in people:
        assert login.encode() not in blob
    texts = duckdb.sql(f"SELECT count(*) FROM '{tmp_path / 'snap' / 'threads.parquet'}' "
                       "WHERE title IS NOT NULL OR body IS NOT NULL").fetchall()
    assert texts == [(0,)]
    orgs = duckdb.sql(f"SELECT count(*) FROM '{tmp_path / 'snap' / 'repositories.parquet'}' "
                      "WHERE repo LIKE 'org%'").fetchall()[0][0]
    assert orgs > 0  # organisations are not people and stay readable


def test_pseudonyms_depend_on_the_key():
    assert pseudonym(b"a", "ann") == pseudonym(b"a", "ann") != pseudonym(b"b", "ann")


def test_bad_snapshot_input(demo_db, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(ConfigError, match="not empty"):
        export_snapshot(demo_db, tmp_path / "full")
    with pytest.raises(ConfigError, match="not a crossforge snapshot"):
        import_snapshot(tmp_path / "full", tmp_path / "new.duckdb")
