"""Clustering and core–periphery fit against a degree-preserving null model, so networks of
very different sizes can be compared (``docs/measures.md`` § Collaboration networks)."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import igraph as ig
import pytest

from crossforge import api
from crossforge.measures import networks
from crossforge.measures.networks import (
    NULL_MODEL_STATISTICS,
    NullModel,
    describe_network,
    describe_networks,
)
from crossforge.report import write_report
from crossforge.store import Store
from crossforge.worlds import synthetic


def test_a_ring_lattice_clusters_far_above_its_rewired_null() -> None:
    ring = ig.Graph.Lattice([300], nei=3, circular=True)  # each node tied to 3 on each side
    summary = describe_network(ring)
    assert summary["clustering_global"] == pytest.approx(0.6)
    assert summary["clustering_global_null_mean"] < 0.1
    assert summary["clustering_global_z"] > 20
    assert summary["clustering_global_ratio"] > 10
    assert summary["clustering_mean_local_z"] > 20
    # Every degree is 6: no degree cut defines a core, in the graph or in its nulls.
    assert summary["core_periphery_fit_z"] is None


def test_an_erdos_renyi_graph_is_its_own_null() -> None:
    random.seed(11)  # igraph draws from Python's random: a fixed graph
    graph = ig.Graph.Erdos_Renyi(n=500, m=2500)
    summary = describe_network(graph)
    for name in NULL_MODEL_STATISTICS:
        assert abs(summary[f"{name}_z"]) < 3, name
        assert summary[f"{name}_ratio"] == pytest.approx(1, abs=0.25), name
    assert summary["clustering_random_expectation"] == pytest.approx(
        2 * 2500 / (500 * 499))


def test_seeded_null_models_are_reproducible_and_leave_the_global_generator_alone() -> None:
    random.seed(5)
    graph = ig.Graph.Barabasi(400, 3)
    random.seed(99)
    first = describe_network(graph, NullModel(seed=4))
    after = random.random()
    random.seed(99)
    assert describe_network(graph, NullModel(seed=4)) == first
    assert random.random() == after
    other = describe_network(graph, NullModel(seed=5))
    assert other["clustering_global_null_mean"] != first["clustering_global_null_mean"]


def test_chains_run_in_worker_processes_give_the_figures_run_here(monkeypatch) -> None:
    """``describe_networks`` runs long chains in worker processes: same seed, same edge
    order, so the same figures as the chain run in this process, to the bit."""
    random.seed(3)
    graphs = {"p": {"a": ig.Graph.Barabasi(600, 3), "b": ig.Graph.Watts_Strogatz(1, 500, 3, 0.1)}}
    null_model = NullModel(graphs=6, seed=2)
    here = {name: describe_network(graph, null_model) for name, graph in graphs["p"].items()}

    def not_here(*_: object) -> None:
        raise AssertionError("a chain above PARALLEL_TRIALS ran in this process")

    monkeypatch.setattr(networks, "PARALLEL_TRIALS", 1)
    monkeypatch.setattr(networks, "_in_process", not_here)
    assert describe_networks(graphs, null_model) == {"p": here}


def test_a_large_graph_is_sampled_and_the_sample_is_reported() -> None:
    random.seed(2)
    graph = ig.Graph.Barabasi(5000, 4)       # about 20,000 edges
    bounded = NullModel(graphs=5, max_edges=3000)
    summary = describe_network(graph, bounded)
    assert summary["null_model_sampled"] is True
    assert 1500 < summary["null_model_edges"] < 4500
    assert summary["null_model_nodes"] < graph.vcount()
    assert summary["null_model_swap_trials"] == (
        bounded.burn_in + 4 * bounded.between) * summary["null_model_edges"]
    assert summary["nodes"] == 5000          # the other statistics describe the whole graph
    assert summary["clustering_global_sample"] is not None
    whole = describe_network(graph, NullModel(graphs=5))
    assert whole["null_model_sampled"] is False
    assert whole["null_model_edges"] == graph.ecount()
    assert whole["clustering_global_sample"] == whole["clustering_global"]


def test_graphs_too_small_for_a_null_model_give_unknowns_not_zeros() -> None:
    star = describe_network(ig.Graph.Star(8))   # no swap keeps a star simple
    assert star["clustering_global_null_mean"] == 0.0
    assert star["clustering_global_null_sd"] == 0.0
    assert star["clustering_global_z"] is None and star["clustering_global_ratio"] is None
    empty = describe_network(ig.Graph(n=3))
    assert empty["clustering_global_null_mean"] is None and empty["clustering_global_z"] is None


def test_networks_json_and_the_report_show_observed_against_expected(tmp_path: Path) -> None:
    db = tmp_path / "world.duckdb"
    with Store(db) as store:
        store.write(api._provenance(synthetic.SOURCE, "seed=3"),
                    synthetic.generate_world(10, 3))
    result = api.measure(db, tmp_path / "out", n_bootstrap=20, seed=7)
    saved = json.loads((tmp_path / "out" / "networks.json").read_text(encoding="utf-8"))
    co = saved["platforms"]["huggingface"]["co_contribution"]
    assert {"density", "clustering_global", "core_periphery_fit", "mean_degree"} <= set(co)
    assert co["null_model_seed"] == 7 and co["null_model_graphs"] == 20
    assert co["clustering_global_null_mean"] is not None
    assert co["clustering_global_sample"] == co["clustering_global"]
    write_report(tmp_path / "out", dataclasses.replace(result, graphs={}), sources=[])
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    for text in (markdown, html):
        assert "clustering_global_z" in text and "degree-preserving rewirings" in text
    assert "| core_periphery_fit_null_mean |" in markdown
