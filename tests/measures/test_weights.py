"""Design weights: a stratified frame's repositories weigh N_h / m_h, the weighted estimates
sit beside the unweighted ones, and a list or simple random frame says weights do not apply."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crossforge import api
from crossforge.collection.candidates import Candidate
from crossforge.collection.design import Design, stratum_of
from crossforge.collection.frames import Filters, build_frame
from crossforge.measures.engine import restrict_repositories
from crossforge.measures.statistics import PlatformComparison, ratio_estimate, weighted_median
from crossforge.measures.weights import design_weights
from crossforge.records import Commit, Provenance, Repository
from crossforge.store import Store

START = datetime(2023, 5, 1, tzinfo=UTC)
PROV = Provenance("test", "unit", datetime(2026, 1, 1, tzinfo=UTC), "0")
#: Hub models: (repository, stratum, committers). Stratum "popularity=0" holds 90 models of
#: the population and 3 were drawn, of which 2 were collected; "popularity=10-99" holds 10,
#: 2 drawn and collected. Popular models have many more committers, as on the real Hub.
HUB = (("a/quiet-1", "popularity=0", 1), ("a/quiet-2", "popularity=0", 1),
       ("b/liked-1", "popularity=10-99", 6), ("b/liked-2", "popularity=10-99", 8))
NOT_COLLECTED = ("a/quiet-3", "popularity=0")
STRATIFIED = {"method": "hub-listing", "design": "stratified", "strata": ["popularity"],
              "allocation": "equal", "strata_sizes": {"popularity=0": {"N": 90, "n": 3},
                                                      "popularity=10-99": {"N": 10, "n": 2}}}
GITHUB = (("x/tool", 3), ("y/lib", 5))


def records(platform: str, repo: str, committers: int) -> list[object]:
    kind = "model" if platform == "huggingface" else "code"
    out: list[object] = [Repository(platform, repo, kind, repo.split("/")[0], "user", START,
                                    START, 1)]
    out += [Commit(platform, repo, f"{repo}{i}".encode().hex()[:40].ljust(40, "0"),
                   f"dev{i}", None, None, START + timedelta(days=i), None, None, None,
                   START + timedelta(days=i)) for i in range(committers)]
    return out


@pytest.fixture
def stratified_store(tmp_path: Path) -> Path:
    db = tmp_path / "study.duckdb"
    with Store(db) as store:
        for repo, _, committers in HUB:
            store.write(PROV, records("huggingface", repo, committers))
        for repo, committers in GITHUB:
            store.write(PROV, records("github", repo, committers))
        drawn = [*HUB, (*NOT_COLLECTED, 0)]
        store.write_frame("main", "huggingface", [r for r, _, _ in drawn], STRATIFIED,
                          strata=[h for _, h, _ in drawn])
        store.write_frame("main", "github", [r for r, _ in GITHUB], {"method": "list",
                                                                    "design": "simple"})
    return db


def test_a_stratified_frame_weighs_each_repository_n_h_over_measured(
        stratified_store: Path) -> None:
    measured = pd.DataFrame({"platform": ["huggingface"] * 4 + ["github"] * 2,
                             "repo": [r for r, _, _ in HUB] + [r for r, _ in GITHUB]})
    with Store(stratified_store) as store:
        weights, designs = design_weights(store, measured)
    # 90 models of stratum 0 stand behind the 2 measured (one drawn was not collected).
    assert weights.tolist()[:4] == [45.0, 45.0, 5.0, 5.0]
    assert weights.iloc[4:].isna().all()
    assert designs["huggingface"]["applies"] and designs["huggingface"]["population"] == 100
    assert designs["huggingface"]["strata"]["popularity=0"] == {
        "N": 90, "n": 3, "measured": 2, "weight": 45.0}
    assert not designs["github"]["applies"]
    assert "not a probability sample: weights do not apply" in designs["github"]["reason"]


def test_weights_do_not_apply_to_simple_random_or_unrecorded_strata(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.write(PROV, records("huggingface", "a/m", 1) + records("huggingface", "b/m", 1))
        store.write_frame("old", "huggingface", ["a/m"], STRATIFIED)
        store.write_frame("random", "huggingface", ["b/m"], {"method": "hub-listing",
                                                             "design": "simple"})
        both = pd.DataFrame({"platform": ["huggingface"] * 2, "repo": ["a/m", "b/m"]})
        _, mixed = design_weights(store, both)
        restrict_repositories(store, frame="random")    # as ``measure --frame`` does
        _, simple = design_weights(store, both.iloc[1:], frame="random")
        restrict_repositories(store, frame="old")
        _, old = design_weights(store, both.iloc[:1], frame="old")
    assert "several frames (old, random)" in mixed["huggingface"]["reason"]
    assert "same weight: weights do not apply" in simple["huggingface"]["reason"]
    assert "drawn before each repository's stratum was stored" in old["huggingface"]["reason"]
    assert not any(d["huggingface"]["applies"] for d in (mixed, simple, old))


def test_a_stratified_draw_stores_each_repositorys_stratum(tmp_path: Path) -> None:
    pool = [Candidate(f"o/r{i}", popularity=0 if i < 30 else 50) for i in range(40)]
    design = Design(size=10, seed=4, strata=("popularity",), allocation="equal")
    repos, params = build_frame("github-frame", pool, Filters(), design)
    with Store(tmp_path / "s.duckdb") as store:
        by_repo = {c.repo: c for c in pool}
        store.write_frame("f", "github", repos, params,
                          strata=[stratum_of(by_repo[r], design) for r in repos])
        stored = store.frame("SELECT stratum, count(*) AS n FROM frames GROUP BY ALL")
    counts = dict(zip(stored["stratum"], stored["n"], strict=True))
    assert counts == {h: s["n"] for h, s in params["strata_sizes"].items()} == {
        "popularity=0": 5, "popularity=10-99": 5}


def test_weighted_estimates_sit_beside_the_unweighted() -> None:
    hub = np.array([1.0, 1.0, 6.0, 8.0])
    weights = np.array([45.0, 45.0, 5.0, 5.0])
    github = np.array([3.0, 5.0])
    frame = pd.DataFrame({"platform": ["huggingface"] * 4 + ["github"] * 2,
                          "contributors": np.concatenate([hub, github])})
    design = pd.Series(np.concatenate([weights, [np.nan, np.nan]]))
    row = PlatformComparison(n_bootstrap=200).compute(frame, ["contributors"],
                                                      weights=design).iloc[0]
    weighted_mean = float(np.dot(hub, weights) / weights.sum())            # 1.6
    assert row.mean_huggingface == pytest.approx(4.0)                      # unweighted stays
    assert row.weighted_mean_huggingface == pytest.approx(weighted_mean)
    assert row.weighted_median_huggingface == 1.0 and row.median_huggingface == 3.5
    assert row.weighted_mean_github == row.mean_github == 4.0              # no weights: equal
    assert row.weights == "design: huggingface"
    assert row.weighted_ratio_of_means == pytest.approx(weighted_mean / 4.0)
    assert row.weighted_ratio_of_means_ci_low <= row.weighted_ratio_of_means \
        <= row.weighted_ratio_of_means_ci_high
    unweighted = PlatformComparison(n_bootstrap=200).compute(
        frame, ["contributors"], weights=pd.Series(np.nan, index=frame.index)).iloc[0]
    assert unweighted.weights == "none" and np.isnan(unweighted.weighted_ratio_of_means)


def test_weighted_median_takes_half_the_weight() -> None:
    assert weighted_median(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4)) == 2.0
    assert weighted_median(np.array([5.0, 1.0]), np.array([1.0, 3.0])) == 1.0
    assert np.isnan(weighted_median(np.array([]), np.array([])))


def test_ratio_estimate_is_seeded_bounded_and_covers_the_pooled_share() -> None:
    rng = np.random.default_rng(7)
    denominator = rng.integers(1, 50, 200_000).astype(float)
    numerator = rng.binomial(denominator.astype(int), 0.3).astype(float)
    first = ratio_estimate(numerator, denominator, key="share", n_bootstrap=500)
    again = ratio_estimate(numerator, denominator, key="share", n_bootstrap=500)
    assert first == again and first["n"] == 200_000
    assert first["ci_low"] < first["value"] < first["ci_high"]
    assert first["ci_low"] < 0.3 < first["ci_high"]
    assert ratio_estimate([np.nan], [0.0], key="none") == {
        "value": None, "ci_low": None, "ci_high": None, "n": 0}


def test_measure_reports_weighted_beside_unweighted(stratified_store: Path,
                                                    tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = api.measure(stratified_store, out, n_bootstrap=50)
    statistics = json.loads((out / "statistics.json").read_text(encoding="utf-8"))
    assert statistics["shown"].startswith("unweighted")
    assert statistics["weights"]["huggingface"]["applies"]
    assert not statistics["weights"]["github"]["applies"]
    row = next(r for r in statistics["comparisons"]
               if r["measure"] == "contributors" and r["comparison"] == "raw")
    assert row["weights"] == "design: huggingface"
    assert row["weighted_mean_huggingface"] == pytest.approx(
        (45 * 1 + 45 * 1 + 5 * 6 + 5 * 8) / 100)
    assert row["mean_huggingface"] == pytest.approx(4.0)
    weights = result.repositories.set_index("repo")["design_weight"]
    assert weights["a/quiet-1"] == 45.0 and np.isnan(weights["x/tool"])


def test_a_pooled_share_interval_does_not_depend_on_the_order_of_repositories() -> None:
    """A pseudonymised snapshot returns repositories in another order: the interval must
    reproduce."""
    from crossforge.measures.statistics import ratio_estimate

    rng = np.random.default_rng(5)
    numerator = rng.poisson(3, 300).astype(float)
    denominator = numerator + rng.poisson(4, 300)
    shuffled = rng.permutation(300)
    first = ratio_estimate(numerator, denominator, key="share", n_bootstrap=200)
    again = ratio_estimate(numerator[shuffled], denominator[shuffled], key="share",
                           n_bootstrap=200)
    assert first == again and first["ci_low"] < first["value"] < first["ci_high"]
