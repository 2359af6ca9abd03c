"""The paper-scale measures benchmark: its generator keeps up with the store's schema and
its growth slope reads a run the way docs/measures.md § Scale says."""

import importlib.util
import math
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "measures.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("measures_benchmark", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_store_fills_the_current_schema(bench, tmp_path):
    data = bench.generate(tmp_path / "tiny.duckdb", 0.00002)
    assert data["rows"]["repositories"] == 58 and data["events"] > 100
    with bench.duckdb.connect(str(tmp_path / "tiny.duckdb"), read_only=True) as con:
        hub_children = con.execute(
            "SELECT count(*), count(children_count) FROM repositories "
            "WHERE platform = 'huggingface'").fetchone()
        derived = con.execute("SELECT sum(children_count) FROM repositories").fetchone()[0]
        touched = con.execute("SELECT count(*), count(touched) FROM commits").fetchone()
        sized = con.execute("SELECT count(*) FILTER (WHERE platform = 'huggingface'), "
                            "count(parameters), count(storage_bytes), count(*) "
                            "FROM repositories").fetchone()
        pulls = con.execute("SELECT count(*), count(touched) FROM threads "
                            "WHERE kind = 'pull_request'").fetchone()
        derivations = con.execute(
            "SELECT count(*) FROM derivations WHERE platform = 'huggingface'").fetchone()[0]
    assert hub_children[0] == hub_children[1]          # the Hub counts every model's children
    assert derived == derivations
    assert touched[0] == touched[1] > 0                # every commit says what it touches
    assert pulls[0] == pulls[1] > 0                    # and every pull request
    assert sized[0] == sized[1] and sized[2] == sized[3]  # Hub parameters, every size


def test_growth_slope_is_the_log_log_fit_over_scales(bench):
    def run(events, seconds):
        return {"data": {"events": events}, "seconds": seconds, "cpu_seconds": seconds / 2}

    linear = [run(1e6, 10.0), run(1e7, 100.0), run(1e8, 1000.0)]
    assert bench.growth_slope(linear) == pytest.approx(1.0)
    # A fixed cost of 50 s on top of linear work: the slope falls below 1.
    fixed = [run(e, 50 + e / 1e5) for e in (1e6, 1e7, 1e8)]
    expected = (math.log(1050) - math.log(60)) / math.log(100)
    assert 0 < bench.growth_slope(fixed, "cpu_seconds") < 1
    assert bench.growth_slope(fixed) == pytest.approx(expected, abs=0.05)
    assert bench.growth_slope(linear[:1]) is None
    assert bench.growth_slope([run(1e6, 10.0), {"data": {"events": 1e7}, "error": "x"}]) is None
