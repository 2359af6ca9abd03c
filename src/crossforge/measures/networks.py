"""Developer–developer collaboration networks per platform (``docs/measures.md`` § Networks).

Two networks per platform, bots left out unless asked:

- **co-contribution** (undirected, weighted): developers are linked when they both authored
  or co-authored commits in the same repository; the weight counts shared repositories.
- **replies** (directed): an edge from a commenter to the author of the thread replied to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import igraph as ig
import numpy as np

from crossforge.store import Store

_CONTRIBUTORS_SQL = """
SELECT DISTINCT c.platform, c.repo, p.login
FROM commits c, unnest(list_prepend(c.author, coalesce(c.co_authors, []))) AS p(login)
LEFT JOIN accounts a ON a.platform = c.platform AND a.login = p.login
WHERE ? OR coalesce(a.type, 'user') <> 'bot'
"""

_CO_CONTRIBUTION_SQL = f"""
WITH people AS ({_CONTRIBUTORS_SQL}),
sized AS (SELECT *, count(*) OVER (PARTITION BY platform, repo) AS size FROM people)
SELECT a.platform, a.login AS source, b.login AS target, count(*) AS weight
FROM sized a JOIN sized b ON a.platform = b.platform AND a.repo = b.repo AND a.login < b.login
WHERE ? IS NULL OR a.size <= ?
GROUP BY ALL
"""

_REPLIES_SQL = """
SELECT c.platform, c.author AS source, t.author AS target, count(*) AS weight
FROM comments c
JOIN threads t ON t.platform = c.platform AND t.repo = c.repo AND t.number = c.thread_number
LEFT JOIN accounts replier ON replier.platform = c.platform AND replier.login = c.author
LEFT JOIN accounts opener ON opener.platform = t.platform AND opener.login = t.author
WHERE c.author IS NOT NULL AND t.author IS NOT NULL AND c.author <> t.author
  AND (? OR (coalesce(replier.type, 'user') <> 'bot'
             AND coalesce(opener.type, 'user') <> 'bot'))
GROUP BY ALL
"""

_PARTICIPANTS_SQL = """
SELECT DISTINCT p.platform, p.login FROM (
    SELECT platform, author AS login FROM threads
    UNION ALL SELECT platform, author FROM comments
) p
LEFT JOIN accounts a ON a.platform = p.platform AND a.login = p.login
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
    Everett (1999) suggest. Edges inside the core are counted incrementally, so the search
    is O(E + n log n) rather than O(n³).
    """
    n = graph.vcount()
    simple = graph.as_undirected().simplify() if graph.is_directed() else graph.copy().simplify()
    edges_total = simple.ecount()
    if n < 3 or edges_total == 0:
        return 0, float("nan")
    order = np.argsort(-np.asarray(simple.degree()), kind="stable")
    in_core = np.zeros(n, dtype=bool)
    degree = np.asarray(simple.degree())
    neighbours = simple.get_adjlist()
    e_cc = 0
    degree_sum = 0
    best = (0, float("-inf"))
    for k, node in enumerate(order[:-1], start=1):
        e_cc += int(in_core[neighbours[node]].sum())
        in_core[node] = True
        degree_sum += int(degree[node])
        if degree[order[k]] == degree[node]:
            continue  # not a cut point: the next node ties with this one
        e_cp = degree_sum - 2 * e_cc
        e_pp = edges_total - e_cc - e_cp
        p_cc, p_pp = k * (k - 1) / 2, (n - k) * (n - k - 1) / 2
        pairs = p_cc + p_pp
        if k < 2 or pairs == 0:
            continue
        mean_x, mean_y = (e_cc + e_pp) / pairs, p_cc / pairs
        var = mean_x * (1 - mean_x) * mean_y * (1 - mean_y)
        if var <= 0:
            continue
        corr = (e_cc / pairs - mean_x * mean_y) / math.sqrt(var)
        if corr > best[1]:
            best = (k, corr)
    return best[0], (best[1] if best[1] != float("-inf") else float("nan"))


def describe_network(graph: ig.Graph) -> dict[str, float | int | None]:
    """Summary statistics of one network (definitions in ``docs/measures.md``)."""
    n = graph.vcount()
    if n == 0:
        return {"nodes": 0, "edges": 0}
    undirected = graph.as_undirected() if graph.is_directed() else graph
    degrees = np.asarray(undirected.simplify().degree() if n else [])
    components = undirected.connected_components()
    non_isolates = int((degrees > 0).sum())
    coreness = np.asarray(undirected.coreness())
    core_size, core_fit = core_periphery(undirected.induced_subgraph(np.flatnonzero(degrees > 0))
                                         if non_isolates else undirected)
    summary: dict[str, float | int | None] = {
        "nodes": n,
        "edges": graph.ecount(),
        "density": graph.density(loops=False),
        "components": len(components),
        "largest_component_share": max(components.sizes()) / n,
        "isolate_share": float((degrees == 0).mean()),
        "mean_degree": float(degrees.mean()),
        "median_degree": float(np.median(degrees)),
        "max_degree": int(degrees.max()),
        "degree_gini": gini(degrees),
        "clustering_global": _finite(undirected.transitivity_undirected()),
        "clustering_mean_local": _finite(undirected.transitivity_avglocal_undirected(
            mode="zero")),
        "max_k_core": int(coreness.max()),
        "max_k_core_share": float((coreness == coreness.max()).mean()),
        "core_size": core_size,
        "core_periphery_fit": _finite(core_fit),
        "reciprocity": _finite(graph.reciprocity()) if graph.is_directed() else None,
    }
    return summary


def _finite(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


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

    def graphs(self, store: Store) -> dict[str, dict[str, ig.Graph]]:
        """``{platform: {"co_contribution": Graph, "replies": Graph}}`` with login names."""
        contributors = store.frame(_CONTRIBUTORS_SQL, [self.include_bots])
        co_edges = store.frame(_CO_CONTRIBUTION_SQL, [self.include_bots, self.max_repository_size,
                                                      self.max_repository_size])
        participants = store.frame(_PARTICIPANTS_SQL, [self.include_bots])
        replies = store.frame(_REPLIES_SQL, [self.include_bots])
        result: dict[str, dict[str, ig.Graph]] = {}
        platforms = sorted(set(contributors.platform) | set(participants.platform))
        for platform in platforms:
            people = sorted(set(contributors.login[contributors.platform == platform]))
            result[platform] = {
                "co_contribution": _graph(people, co_edges[co_edges.platform == platform],
                                          directed=False),
                "replies": _graph(sorted(set(participants.login[participants.platform
                                                                == platform])),
                                  replies[replies.platform == platform], directed=True),
            }
        return result

    def compute(self, store: Store) -> dict[str, dict[str, dict]]:
        """Summary statistics per platform and network (what ``networks.json`` holds)."""
        return {platform: {name: describe_network(graph) for name, graph in graphs.items()}
                for platform, graphs in self.graphs(store).items()}


def _graph(nodes: list[str], edges, *, directed: bool) -> ig.Graph:
    index = {name: i for i, name in enumerate(nodes)}
    for name in set(edges.source) | set(edges.target):
        index.setdefault(name, len(index))
    graph = ig.Graph(n=len(index), directed=directed)
    graph.vs["name"] = list(index)
    graph.add_edges([(index[s], index[t]) for s, t in zip(edges.source, edges.target,
                                                          strict=True)])
    graph.es["weight"] = [int(w) for w in edges.weight]
    return graph
