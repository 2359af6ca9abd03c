import itertools
import random
from datetime import UTC, datetime

import igraph as ig
import numpy as np
import pandas as pd
import pytest

from crossforge.measures.networks import (
    CollaborationNetworks,
    Network,
    NullModel,
    core_periphery,
    describe_network,
    gini,
)
from crossforge.records import Account, Comment, Commit, Provenance, Repository, Thread
from crossforge.store import Store

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _brute_force_fit(graph: ig.Graph) -> float:
    """Best correlation over every core set (off-diagonal blocks missing), for small graphs."""
    n, adjacency = graph.vcount(), np.asarray(graph.get_adjacency().data)
    best = -np.inf
    for k in range(2, n - 1):
        for core in itertools.combinations(range(n), k):
            inside = np.zeros(n, bool)
            inside[list(core)] = True
            pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if inside[i] == inside[j]]
            x = np.array([adjacency[i, j] for i, j in pairs])
            y = np.array([inside[i] for i, _ in pairs], dtype=float)
            if x.std() and y.std():
                best = max(best, np.corrcoef(x, y)[0, 1])
    return best


def test_core_periphery_finds_the_planted_core():
    graph = ig.Graph.Full(5)
    graph.add_vertices(6)
    graph.add_edges([(i % 5, 5 + i) for i in range(6)])
    size, fit = core_periphery(graph)
    assert size == 5
    assert fit == pytest.approx(_brute_force_fit(graph))


def test_core_periphery_on_a_random_graph_matches_brute_force_on_degree_ordered_cores():
    random.seed(7)  # igraph draws from Python's random: a fixed graph, so CI cannot flake
    graph = ig.Graph.Erdos_Renyi(n=9, p=0.4)
    graph.simplify()
    _, fit = core_periphery(graph)
    assert not np.isnan(fit)                      # the seeded graph has a degree-ordered cut
    assert fit <= _brute_force_fit(graph) + 1e-12  # heuristic never beats the optimum


def test_gini():
    assert gini(np.array([3, 3, 3])) == 0.0
    assert gini(np.array([0, 0, 0, 0, 10])) == pytest.approx(0.8)


def test_networks_from_the_store(tmp_path):
    def commit(repo, sha, who):
        return Commit("github", repo, sha, who, who, None, T0, who, who, None, T0)

    records = [
        Repository("github", "a/one", "code", "a"), Repository("github", "a/two", "code", "a"),
        Account("github", "bot[bot]", "bot"),
        commit("a/one", "1", "ann"), commit("a/one", "2", "bob"), commit("a/one", "3", "cy"),
        commit("a/one", "4", "bot[bot]"), commit("a/two", "5", "dee"),
        Thread("github", "a/one", 1, "issue", "t", "b", "ann", created_at=T0),
        Thread("github", "a/one", 2, "issue", "t", "b", "bob", created_at=T0),
        Comment("github", "a/one", 1, "c1", "bob", T0, "x"),
        Comment("github", "a/one", 2, "c2", "ann", T0, "y"),
        Comment("github", "a/one", 2, "c3", "bob", T0, "self reply does not count"),
    ]
    with Store(tmp_path / "s.duckdb") as store:
        store.write(Provenance("t", "u", T0, "0"), records)
        networks = CollaborationNetworks().compute(store)["github"]
        with_bots = CollaborationNetworks(include_bots=True).compute(store)["github"]
    co = networks["co_contribution"]
    assert (co["nodes"], co["edges"]) == (4, 3)  # ann-bob-cy triangle; dee alone
    assert co["isolate_share"] == pytest.approx(0.25)
    assert co["components"] == 2 and co["clustering_global"] == pytest.approx(1.0)
    assert with_bots["co_contribution"]["nodes"] == 5
    replies = networks["replies"]
    assert (replies["nodes"], replies["edges"], replies["reciprocity"]) == (2, 2, 1.0)


def test_describe_star_network():
    summary = describe_network(ig.Graph.Star(6))
    assert summary["max_degree"] == 5 and summary["isolate_share"] == 0
    assert summary["max_k_core"] == 1 and summary["components"] == 1


def test_describing_a_network_leaves_it_as_it_was():
    """The report draws the graphs after they are described: their weights must survive."""
    core = [(a, b) for a in range(4) for b in range(a + 1, 4)]     # 4 tied to each other
    periphery = [(a % 4, a) for a in range(4, 10)]                 # 6 tied to one of them
    co = ig.Graph(n=12, edges=core + periphery)                    # 10 and 11 isolated
    co.es["weight"] = list(range(1, 13))
    replies = ig.Graph(n=11, edges=core + [(b, a) for a, b in core] + periphery + [(4, 0)],
                       directed=True)
    replies.es["weight"] = [2] * replies.ecount()
    co_summary, replies_summary = describe_network(co), describe_network(replies)
    assert co.es["weight"] == list(range(1, 13)) and co.ecount() == 12
    assert replies.es["weight"] == [2] * 19 and replies.ecount() == 19
    assert co_summary["isolate_share"] == pytest.approx(2 / 12)
    assert replies_summary["max_degree"] == 5 and replies_summary["reciprocity"] == \
        pytest.approx(14 / 19)
    # the core-periphery fit is the one of the non-isolates' subgraph
    for graph, summary in ((co, co_summary), (replies, replies_summary)):
        active = graph.induced_subgraph([v.index for v in graph.vs if v.degree() > 0])
        size, fit = core_periphery(active)
        assert size > 0 and (summary["core_size"], summary["core_periphery_fit"]) == (
            size, pytest.approx(fit))


def test_components_are_counted_as_igraph_counts_them():
    # A sparse reply network: many isolates, pairs and small groups around one large part.
    graph = ig.Graph.Erdos_Renyi(n=3000, m=1800, directed=True)
    undirected = graph.as_undirected()
    reference = undirected.connected_components()
    summary = describe_network(graph, NullModel(graphs=0))
    assert summary["components"] == len(reference) > 100
    assert summary["largest_component_share"] == max(reference.sizes()) / 3000


@pytest.mark.parametrize("directed", [False, True])
def test_networks_held_as_arrays_are_described_as_their_graphs_are(directed):
    """The pipeline describes ``Network`` arrays without building their igraph graphs: every
    figure, the null model's included, must be the one ``describe_network`` gives the graph."""
    rng = np.random.default_rng(3)
    n = 400
    hubs = rng.integers(0, 20, 900)                    # a few people in many ties
    others = rng.integers(0, n, 900)
    pairs = np.column_stack([hubs, others])          # directed: some ties returned
    pairs = np.vstack([pairs, pairs[:150, ::-1]]) if directed else np.sort(pairs, axis=1)
    pairs = np.unique(pairs[pairs[:, 0] != pairs[:, 1]], axis=0)   # sorted, as SQL gives
    network = Network(pd.Series([f"p{i:04d}" for i in range(n)]), pairs,
                      rng.integers(1, 5, len(pairs)), directed)
    null_model = NullModel(graphs=4, max_edges=500, seed=1)   # sampled: ~900 ties > 500
    graph = network.graph()
    assert graph.is_directed() == directed and graph.vs["name"][7] == "p0007"
    described = network.describe(null_model)
    assert described == describe_network(graph, null_model)
    assert described["null_model_sampled"] and described["edges"] == len(pairs)
    assert (described["reciprocity"] is not None) == directed
