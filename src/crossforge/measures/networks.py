"""Developer–developer collaboration networks per platform (``docs/measures.md`` § Networks).

Two networks per platform, bots left out unless asked:

- **co-contribution** (undirected, weighted): developers are linked when they both authored
  or co-authored commits in the same repository; the weight counts shared repositories.
- **replies** (directed): an edge from a commenter to the author of the thread replied to.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import random
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass

import igraph as ig
import numpy as np
import pandas as pd

from crossforge.measures.engine import BOT_ACCOUNTS, Engine

_CONTRIBUTORS_SQL = f"""
SELECT DISTINCT p.platform, p.repo, p.login
FROM (SELECT platform, repo, unnest(list_prepend(author, coalesce(co_authors, []))) AS login
      FROM commits) p
LEFT JOIN {BOT_ACCOUNTS} a ON a.platform = p.platform AND a.login = p.login
WHERE p.login IS NOT NULL AND (? OR coalesce(a.type, 'user') <> 'bot')
"""

#: One platform's pairs of contributors (``network_contributors``) to one repository, by
#: person number (``network_people``; numbers follow logins, so ``a.id < b.id`` is
#: ``a.login < b.login``): the self-join and its grouping compare integers, not names, and a
#: platform at a time holds half the hash tables.
_CO_CONTRIBUTION_SQL = """
WITH sized AS (
    SELECT c.repo, p.id, count(*) OVER (PARTITION BY c.repo) AS size
    FROM network_contributors c
    JOIN network_people p ON p.platform = c.platform AND p.login = c.login
    WHERE c.platform = ?
)
SELECT a.id AS source, b.id AS target, count(*) AS weight
FROM sized a JOIN sized b ON a.repo = b.repo AND a.id < b.id
WHERE ? IS NULL OR a.size <= ?
GROUP BY ALL
ORDER BY source, target
"""

#: One platform's replies by person number: joining ``network_people`` (the participants,
#: bots left out unless asked) drops ties to or from a bot or an unknown author; threads
#: carry their opener's number into the join with the comments, not the login.
_REPLIES_SQL = """
WITH opened AS (
    SELECT t.repo, t.number, o.id
    FROM threads t JOIN network_people o ON o.platform = t.platform AND o.login = t.author
    WHERE t.platform = ?
)
SELECT s.id AS source, opened.id AS target, count(*) AS weight
FROM comments c
JOIN opened ON opened.repo = c.repo AND opened.number = c.thread_number
JOIN network_people s ON s.platform = c.platform AND s.login = c.author
WHERE c.platform = ? AND s.id <> opened.id
GROUP BY ALL
ORDER BY source, target
"""

#: Each platform's people numbered 0…n−1 (``{nodes}`` yields ``platform, login``).
_NUMBERED = """
SELECT platform, login, CAST(row_number() OVER (PARTITION BY platform ORDER BY login) - 1
                             AS BIGINT) AS id
FROM (SELECT DISTINCT platform, login FROM ({nodes}) people) distinct_people
"""

_PARTICIPANTS_SQL = f"""
SELECT DISTINCT p.platform, p.login FROM (
    SELECT platform, author AS login FROM threads
    UNION ALL SELECT platform, author FROM comments
) p
LEFT JOIN {BOT_ACCOUNTS} a ON a.platform = p.platform AND a.login = p.login
WHERE p.login IS NOT NULL AND (? OR coalesce(a.type, 'user') <> 'bot')
"""


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal, → 1 = concentrated).

    >>> round(gini(np.array([1, 1, 1, 1])), 3), round(gini(np.array([0, 0, 0, 4])), 3)
    (0.0, 0.75)
    """
    v = np.sort(np.asarray(values, dtype=float))
    n, total = len(v), v.sum()
    if n == 0 or total == 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1).dot(v) / (n * total))


def core_periphery(graph: ig.Graph) -> tuple[int, float]:
    """Borgatti–Everett discrete core–periphery fit: (core size, correlation).

    Candidate cores are the top-k nodes by degree, cut only between distinct degrees so
    that tied nodes enter the core together (the result does not depend on node order or
    names). The fit is the Pearson
    correlation between the observed ties and the ideal pattern (core–core tied,
    periphery–periphery not), with core–periphery pairs treated as missing as Borgatti &
    Everett (1999) suggest. Edges inside each candidate core are counted at once (an edge
    enters the core at its later end's rank), so the search is O(E + n log n), vectorised.
    """
    simple = _simple_undirected(graph)
    return _core_periphery(np.asarray(simple.degree(), dtype=np.int64), _edge_array(simple))


def _simple_undirected(graph: ig.Graph) -> ig.Graph:
    """A simple undirected copy of ``graph`` (never ``graph`` itself: ``simplify`` works in
    place and drops edge attributes such as the weights)."""
    simple = graph.as_undirected() if graph.is_directed() else graph.copy()
    if not simple.is_simple():     # a cheap check; simplify rebuilds the graph
        simple.simplify()
    return simple


def _edge_array(graph: ig.Graph) -> np.ndarray:
    """The edge list as an (E, 2) integer array."""
    flat = itertools.chain.from_iterable(graph.get_edgelist())
    return np.fromiter(flat, dtype=np.int64, count=2 * graph.ecount()).reshape(-1, 2)


def _core_periphery(degree: np.ndarray, ends: np.ndarray) -> tuple[int, float]:
    """``core_periphery`` of the simple graph with these degrees and edges (node pairs)."""
    n, edges_total = len(degree), len(ends)
    if n < 3 or edges_total == 0:
        return 0, float("nan")
    order = np.argsort(-degree, kind="stable")
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    # An edge joins the core once both ends are in it: at its later end's position.
    joins = np.maximum(position[ends[:, 0]], position[ends[:, 1]])
    k = np.arange(1, n, dtype=np.int64)                       # core = first k nodes
    e_cc = np.cumsum(np.bincount(joins, minlength=n))[:-1]
    degree_sum = np.cumsum(degree[order])[:-1]
    cut = degree[order[1:]] != degree[order[:-1]]             # ties enter the core together
    e_cp = degree_sum - 2 * e_cc
    e_pp = edges_total - e_cc - e_cp
    p_cc, p_pp = k * (k - 1) / 2, (n - k) * (n - k - 1) / 2
    pairs = p_cc + p_pp
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_x, mean_y = (e_cc + e_pp) / pairs, p_cc / pairs
        var = mean_x * (1 - mean_x) * mean_y * (1 - mean_y)
        corr = (e_cc / pairs - mean_x * mean_y) / np.sqrt(var)
    valid = cut & (k >= 2) & (pairs > 0) & (var > 0)
    if not valid.any():
        return 0, float("nan")
    best = int(np.flatnonzero(valid)[np.argmax(corr[valid])])
    return int(k[best]), float(corr[best])


#: A statistic in ``networks.json`` (unknown: ``None``).
Figure = float | int | bool | None
#: Runs a null model's chain on a graph; the returned function gives the null graphs' values.
ChainRunner = Callable[["NullModel", ig.Graph], Callable[[], np.ndarray]]
#: Swap trials from which a chain runs in a worker process (``_NullChains``): below that the
#: process would cost more than it saves (a chain is about a microsecond a trial).
PARALLEL_TRIALS = 2_000_000
#: Worker processes running null models' chains.
CHAIN_WORKERS = 2

#: Statistics compared with the degree-preserving null model (``NullModel``).
NULL_MODEL_STATISTICS = ("clustering_global", "clustering_mean_local", "core_periphery_fit")


@dataclass(frozen=True)
class NullModel:
    """A degree-preserving null model: random graphs with every node's degree kept.

    One Markov chain of edge swaps (igraph ``rewire``, simple graphs only) from the observed
    graph: ``burn_in`` × E swap trials, then a null graph every ``between`` × E trials, so
    ``graphs`` null graphs cost (burn_in + (graphs − 1) × between) × E trials. A graph of
    more than ``max_edges`` edges is replaced by a seeded node-induced sample of about
    ``max_edges`` edges first (nodes kept uniformly at random, √(max_edges ÷ E) of them),
    and both the observed value and the null graphs are taken on that sample.
    """

    graphs: int = 20
    burn_in: int = 10
    between: int = 1
    max_edges: int = 200_000
    seed: int = 0

    def compare(self, simple: ig.Graph) -> dict[str, Figure]:
        """Observed vs null per ``NULL_MODEL_STATISTICS`` on the simple undirected ``simple``:
        ``<stat>_sample`` (the observed value compared), ``<stat>_null_mean``,
        ``<stat>_null_sd``, ``<stat>_z`` and ``<stat>_ratio``, with what was rewired."""
        return self.start(simple, _in_process)()

    def start(self, simple: ig.Graph, run: ChainRunner) -> Callable[[], dict[str, Figure]]:
        """``compare`` in two steps: the sample and the observed values now, the null
        graphs' values by ``run`` (in this process, or a worker's while the caller goes on),
        and the figures when the returned function is called."""
        sampled = simple.ecount() > self.max_edges
        graph = self._sample(simple) if sampled else simple
        figures: dict[str, Figure] = {
            "null_model_graphs": self.graphs, "null_model_seed": self.seed,
            "null_model_swap_trials": self._trials(graph.ecount()),
            "null_model_sampled": sampled, "null_model_max_edges": self.max_edges,
            "null_model_nodes": graph.vcount(), "null_model_edges": graph.ecount()}
        observed = _structure(graph)
        pending = run(self, graph) if graph.ecount() >= 2 and self.graphs else None

        def finish() -> dict[str, Figure]:
            null = None if pending is None else pending()
            for i, name in enumerate(NULL_MODEL_STATISTICS):
                value = observed[i]
                values = None if null is None else null[:, i][~np.isnan(null[:, i])]
                mean = float(values.mean()) if values is not None and len(values) else None
                sd = float(values.std(ddof=1)) if values is not None and len(values) > 1 \
                    else None
                figures[f"{name}_sample"] = _finite(value)
                figures[f"{name}_null_mean"] = mean
                figures[f"{name}_null_sd"] = sd
                figures[f"{name}_z"] = (value - mean) / sd \
                    if sd and mean is not None and not math.isnan(value) else None
                figures[f"{name}_ratio"] = value / mean \
                    if mean and not math.isnan(value) else None
            return figures
        return finish

    def _trials(self, edges: int) -> int:
        """Swap trials of the whole chain on a graph of ``edges`` ties."""
        return (self.burn_in + (self.graphs - 1) * self.between) * edges if self.graphs else 0

    def _sample(self, graph: ig.Graph) -> ig.Graph:
        """A node-induced subgraph on a seeded uniform draw of nodes, sized so that about
        ``max_edges`` edges remain (a node pair survives with the square of the share)."""
        n = graph.vcount()
        keep = max(3, round(n * math.sqrt(self.max_edges / graph.ecount())))
        chosen = np.sort(np.random.default_rng(self.seed).choice(n, keep, replace=False))
        return graph.induced_subgraph(chosen.tolist())

    def _null_values(self, graph: ig.Graph) -> np.ndarray:
        """``_structure`` of each null graph, one row per graph (igraph draws from Python's
        ``random``; a seeded generator is set for the chain and the default restored)."""
        rewired, edges = graph.copy(), graph.ecount()
        values = np.empty((self.graphs, len(NULL_MODEL_STATISTICS)))
        ig.set_random_number_generator(random.Random(self.seed))
        try:
            for i in range(self.graphs):
                rewired.rewire((self.between if i else self.burn_in) * edges, "simple")
                values[i] = _structure(rewired)
        finally:
            ig.set_random_number_generator(random)
        return values


def _in_process(model: NullModel, graph: ig.Graph) -> Callable[[], np.ndarray]:
    values = model._null_values(graph)
    return lambda: values


def _null_values_of(model: NullModel, n: int, ends: np.ndarray) -> np.ndarray:
    """``model._null_values`` of the graph with ``n`` nodes and these edges, in this order
    (the chain swaps edges by position), in a ``_NullChains`` worker."""
    return model._null_values(_undirected_graph(n, ends))


class _NullChains:
    """Runs null models' chains of at least ``PARALLEL_TRIALS`` swap trials in
    ``CHAIN_WORKERS`` processes while the next networks are described (a chain is most of
    the time of describing a network at the paper's scale, and one chain uses one core),
    smaller chains at once. A chain is seeded by its ``NullModel`` alone, so the values are
    the same wherever it runs. The workers are forked from a server process, not from this
    one, which may hold DuckDB's threads."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> _NullChains:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def __call__(self, model: NullModel, graph: ig.Graph) -> Callable[[], np.ndarray]:
        if (model._trials(graph.ecount()) < PARALLEL_TRIALS or (os.cpu_count() or 1) < 2
                or "forkserver" not in multiprocessing.get_all_start_methods()):
            return _in_process(model, graph)
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            self._pool = ProcessPoolExecutor(CHAIN_WORKERS, mp_context=context)
        return self._pool.submit(_null_values_of, model, graph.vcount(),
                                 _edge_array(graph)).result


def _structure(simple: ig.Graph) -> tuple[float, float, float]:
    """``NULL_MODEL_STATISTICS`` of a simple undirected graph (NaN where undefined)."""
    degrees = np.asarray(simple.degree(), dtype=np.int64)
    clustering = _clustering(simple, degrees)
    _, fit = _core_fit(degrees, _edge_array(simple))
    return (_nan(clustering["clustering_global"]), _nan(clustering["clustering_mean_local"]),
            fit)


def _core_fit(degrees: np.ndarray, ends: np.ndarray) -> tuple[int, float]:
    """``core_periphery`` of the simple graph with these degrees and edges, over the
    non-isolates: they are renumbered 0…k−1 (in their order) instead of building the induced
    subgraph; isolates have no edges to renumber."""
    active = degrees > 0
    renumbered = np.cumsum(active) - 1
    return _core_periphery(degrees[active], renumbered[ends])


def describe_network(graph: ig.Graph, null_model: NullModel | None = None
                     ) -> dict[str, Figure]:
    """Summary statistics of one network, with the degree-preserving ``null_model``
    (default ``NullModel()``) for clustering and core–periphery fit (definitions in
    ``docs/measures.md``)."""
    return _start_graph(graph, null_model, _in_process)()


def _start_graph(graph: ig.Graph, null_model: NullModel | None, run: ChainRunner
                 ) -> Callable[[], dict[str, Figure]]:
    """``describe_network`` up to the null model's chain, which ``run`` runs."""
    n = graph.vcount()
    if n == 0:
        return lambda: {"nodes": 0, "edges": 0}
    undirected = _simple_undirected(graph)
    return _describe(n, graph.ecount(), graph.density(loops=False),
                     _finite(graph.reciprocity()) if graph.is_directed() else None,
                     undirected, _edge_array(undirected), null_model, run)


def _describe(n: int, edges: int, density: float, reciprocity: float | None,
              undirected: ig.Graph, ends: np.ndarray, null_model: NullModel | None,
              run: ChainRunner) -> Callable[[], dict[str, Figure]]:
    """``describe_network`` of a network of ``n`` people and ``edges`` ties, given its simple
    undirected graph ``undirected`` and that graph's edges ``ends`` as an (E, 2) array: the
    figures, once the null model's chain (run by ``run``) is done."""
    degrees = np.bincount(ends.ravel(), minlength=n).astype(np.int64)
    # Component sizes counted in numpy from the bare membership list: igraph's
    # ``VertexClustering`` (and its ``sizes()``) loops over every node in Python.
    component_sizes = np.bincount(np.asarray(
        ig.GraphBase.connected_components(undirected), dtype=np.int64))
    coreness = np.asarray(undirected.coreness())
    core_size, core_fit = _core_fit(degrees, ends)
    summary: dict[str, Figure] = {
        "nodes": n,
        "edges": edges,
        "density": density,
        "components": len(component_sizes),
        "largest_component_share": int(component_sizes.max()) / n,
        "isolate_share": float((degrees == 0).mean()),
        "mean_degree": float(degrees.mean()),
        "median_degree": float(np.median(degrees)),
        "max_degree": int(degrees.max()),
        "degree_gini": gini(degrees),
        **_clustering(undirected, degrees),
        "max_k_core": int(coreness.max()),
        "max_k_core_share": float((coreness == coreness.max()).mean()),
        "core_size": core_size,
        "core_periphery_fit": _finite(core_fit),
        "reciprocity": reciprocity,
        "clustering_random_expectation": _density(n, len(ends), directed=False)
        if n > 1 else None,
    }
    null = (null_model or NullModel()).start(undirected, run)
    return lambda: summary | null()


def _density(n: int, edges: int, *, directed: bool) -> float:
    """Ties ÷ possible ties without loops, computed as igraph's ``density`` computes it (the
    same float, bit for bit), for a graph that is not built; ``n`` > 1."""
    return edges / n / (n - 1) if directed else 2.0 * edges / n / (n - 1)


def _clustering(graph: ig.Graph, degrees: np.ndarray) -> dict[str, float | None]:
    """Global clustering (3 × triangles ÷ connected triples) and the mean local clustering
    (0 for nodes with fewer than two neighbours), from one pass: node i closes
    local_i × d_i(d_i − 1)/2 of its triples, and the global figure is the closed share of
    all of them — what ``transitivity_undirected`` gives, without a second count."""
    local = np.asarray(graph.transitivity_local_undirected(mode="zero"), dtype=float)
    triples = degrees * (degrees - 1) / 2.0
    closed = np.rint(local * triples)
    total = triples.sum()
    return {"clustering_global": float(closed.sum() / total) if total else None,
            "clustering_mean_local": _finite(float(local.mean()))}


def _finite(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)


@dataclass(frozen=True, eq=False)
class Network:
    """One platform's network as arrays: people numbered 0…n−1 in the order of their logins
    (``logins``, person i at position i), each tie a pair of those numbers (sorted by
    source, then target) with its weight.

    Describing a network needs only its simple undirected graph (``describe``), so at the
    paper's scale neither the ties as given nor a name or weight per tie becomes a Python
    object unless ``graph`` is asked for.
    """

    logins: pd.Series
    edges: np.ndarray
    weights: np.ndarray
    directed: bool

    def graph(self) -> ig.Graph:
        """The igraph graph, people named by login and ties weighted."""
        graph = ig.Graph(n=len(self.logins), directed=self.directed)
        graph.add_edges(_pairs(self.edges))
        graph.vs["name"] = self.logins.tolist()
        graph.es["weight"] = self.weights.tolist()
        return graph

    def describe(self, null_model: NullModel | None = None) -> dict[str, Figure]:
        """``describe_network(self.graph(), null_model)``, the same figures to the bit."""
        return self.start(null_model, _in_process)()

    def start(self, null_model: NullModel | None, run: ChainRunner
              ) -> Callable[[], dict[str, Figure]]:
        """``describe`` up to the null model's chain, which ``run`` runs. The simple
        undirected ties are found in numpy, in the order igraph's ``as_undirected`` gives
        them (by later end, then earlier end), so the null model rewires the same edge list."""
        n, edges = len(self.logins), len(self.edges)
        if n < 2:
            return _start_graph(self.graph(), null_model, run)
        if not self.directed:       # already simple: one row per pair, source < target
            ends = self.edges
            return _describe(n, edges, _density(n, edges, directed=False), None,
                             _undirected_graph(n, ends), ends, null_model, run)
        source, target = self.edges[:, 0], self.edges[:, 1]
        forward = _key(source, n, target)                 # sorted: edges come ordered
        # The returned ties looked up in order: unsorted, each lookup missed the cache
        # (searching 10 M ties took 15 s, sorted first 1 s).
        backward = _key(target, n, source)
        backward.sort()
        returned = np.searchsorted(forward, backward)
        np.minimum(returned, edges - 1, out=returned)
        reciprocated = int((forward[returned] == backward).sum()) if edges else 0
        del forward, backward, returned
        pairs = _key(np.maximum(source, target), n, np.minimum(source, target))
        pairs.sort()
        pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if edges else pairs
        ends = np.column_stack([pairs % n, pairs // n])
        return _describe(n, edges, _density(n, edges, directed=True),
                         _finite(reciprocated / edges) if edges else None,
                         _undirected_graph(n, ends), ends, null_model, run)


def _key(first: np.ndarray, n: int, second: np.ndarray) -> np.ndarray:
    """first × n + second, one int64 per pair that sorts as the pairs do, with one array
    allocated (ties of millions of edges make every temporary array count)."""
    key = first.astype(np.int64, copy=True)
    key *= n
    key += second
    return key


def _undirected_graph(n: int, ends: np.ndarray) -> ig.Graph:
    graph = ig.Graph(n=n)
    graph.add_edges(_pairs(ends))
    return graph


def _pairs(ends: np.ndarray, chunk: int = 1 << 20) -> Iterator[tuple[int, int]]:
    """The rows of ``ends`` as pairs of Python ints, a chunk at a time: igraph reads these
    about a third quicker than rows of a NumPy array, and a chunk bounds the ints alive."""
    for start in range(0, len(ends), chunk):
        rows = ends[start:start + chunk]
        yield from zip(rows[:, 0].tolist(), rows[:, 1].tolist(), strict=True)


@dataclass
class CollaborationNetworks:
    """Build and describe each platform's co-contribution and reply networks.

    Args:
        include_bots: keep bot accounts as nodes (off by default).
        max_repository_size: leave repositories with more contributors than this out of
            the co-contribution projection (a repository of k people adds k(k−1)/2 ties);
            ``None`` keeps every repository.
    """

    include_bots: bool = False
    max_repository_size: int | None = None

    def graphs(self, store: Engine) -> dict[str, dict[str, ig.Graph]]:
        """``{platform: {"co_contribution": Graph, "replies": Graph}}`` with login names."""
        return {platform: {name: network.graph() for name, network in networks.items()}
                for platform, networks in self.networks(store).items()}

    def networks(self, store: Engine) -> dict[str, dict[str, Network]]:
        """``{platform: {"co_contribution": Network, "replies": Network}}``.

        Edges are aggregated and their ends numbered in SQL, so only integer arrays and
        one name per person reach Python, whatever the number of commits or comments.
        """
        size = [self.max_repository_size, self.max_repository_size]
        kinds: dict[str, tuple[str, Callable[[str], list], bool]] = {
            "co_contribution": (_CO_CONTRIBUTION_SQL, lambda platform: [platform, *size], False),
            "replies": (_REPLIES_SQL, lambda platform: [platform, platform], True)}
        result: dict[str, dict[str, Network]] = {}
        for name, (edges_sql, edge_params, directed) in kinds.items():
            # People are numbered once, for the nodes and the edges, which are found and
            # read a platform at a time, as integers only.
            with ExitStack() as tables:
                if name == "co_contribution":   # one pass over the commits for both
                    tables.enter_context(store.temp_table(
                        "network_contributors", _CONTRIBUTORS_SQL, [self.include_bots]))
                    people_sql = "SELECT platform, login FROM network_contributors"
                    people_params: list = []
                else:
                    people_sql, people_params = _PARTICIPANTS_SQL, [self.include_bots]
                tables.enter_context(store.temp_table(
                    "network_people", _NUMBERED.format(nodes=people_sql), people_params))
                platforms = store.frame("SELECT DISTINCT platform FROM network_people "
                                        "ORDER BY platform").platform
                for platform in map(str, platforms):
                    people = store.frame("SELECT login FROM network_people WHERE platform = ? "
                                         "ORDER BY id", [platform])
                    links = store.frame(edges_sql, edge_params(platform))
                    result.setdefault(platform, {})[name] = Network(
                        people.login,
                        links[["source", "target"]].to_numpy(dtype=np.int64).reshape(-1, 2),
                        links.weight.to_numpy(dtype=np.int64), directed)
        for networks in result.values():     # a platform with only one kind of people
            for name, (*_, directed) in kinds.items():
                networks.setdefault(name, Network(
                    pd.Series([], dtype=object), np.empty((0, 2), dtype=np.int64),
                    np.empty(0, dtype=np.int64), directed))
        return {p: {n: result[p][n] for n in kinds} for p in sorted(result)}

    def compute(self, store: Engine, null_model: NullModel | None = None
                ) -> dict[str, dict[str, dict]]:
        """Summary statistics per platform and network (what ``networks.json`` holds)."""
        return describe_networks(self.networks(store), null_model)


def describe_networks(graphs: dict[str, dict[str, ig.Graph | Network]],
                      null_model: NullModel | None = None) -> dict[str, dict[str, dict]]:
    """``describe_network`` of every network that ``CollaborationNetworks`` built (as
    ``Network`` arrays or igraph graphs); the null models' longer chains run in worker
    processes meanwhile (``_NullChains``)."""
    with _NullChains() as chains:
        started = {platform: {name: graph.start(null_model, chains)
                              if isinstance(graph, Network)
                              else _start_graph(graph, null_model, chains)
                              for name, graph in networks.items()}
                   for platform, networks in graphs.items()}
        return {platform: {name: finish() for name, finish in networks.items()}
                for platform, networks in started.items()}
