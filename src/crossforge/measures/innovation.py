"""User innovation: adaptive utilisation vs collaborative improvement (``docs/measures.md``).

A repository is *adapted* when others derive new repositories from it (Hub fine-tunes,
adapters, quantisations, merges; GitHub forks), and *improved collaboratively* when people
outside its owner contribute back to it (external commits, external merged pull requests).
Its derivatives are the platform's count (GitHub's forks, the Hub's children), whatever the
store holds, so a sample that holds few children counts the same on both platforms; trees
and the relation mix describe what is within the store.
"""

from __future__ import annotations

import pandas as pd

from crossforge.measures.engine import BOT_ACCOUNTS, Engine
from crossforge.measures.roles import person_roles_table
from crossforge.measures.statistics import ratio_estimates
from crossforge.measures.weights import WEIGHT_COLUMN

#: Descendants of every parent, with their distance; paths never revisit a node, so
#: cycles in dirty lineage data terminate.
_TREE_SQL = """
WITH RECURSIVE edges AS (
    SELECT DISTINCT platform, parent, child FROM derivations WHERE parent <> child
),
walk(platform, root, node, depth, path) AS (
    SELECT platform, parent, child, 1, [parent, child] FROM edges
    UNION ALL
    SELECT w.platform, w.root, e.child, w.depth + 1, list_append(w.path, e.child)
    FROM walk w JOIN edges e ON e.platform = w.platform AND e.parent = w.node
    WHERE NOT list_contains(w.path, e.child) AND w.depth < ?
)
SELECT platform, root AS repo, count(DISTINCT node) AS tree_size, max(depth) AS tree_depth
FROM walk GROUP BY ALL
"""

_SQL = f"""
WITH children AS (
    SELECT platform, parent AS repo, count(DISTINCT child) AS derivatives,
           count(DISTINCT child) FILTER (WHERE relation = 'finetune') AS finetunes,
           count(DISTINCT child) FILTER (WHERE relation = 'adapter') AS adapters,
           count(DISTINCT child) FILTER (WHERE relation = 'quantized') AS quantizations,
           count(DISTINCT child) FILTER (WHERE relation = 'merge') AS merges,
           count(DISTINCT child) FILTER (WHERE relation = 'fork') AS forks_stored
    FROM derivations GROUP BY ALL
),
trees AS ({_TREE_SQL}),
back AS (               -- contributions back upstream by external people, counted per
    SELECT x.platform, x.repo, CAST(sum(x.n) AS BIGINT) AS external_contributions
    FROM (                -- person first: the roles' join sees each once per repository
        SELECT platform, repo, author, count(*) AS n FROM commits GROUP BY ALL
        UNION ALL
        SELECT platform, repo, author, count(*) FROM threads
        WHERE kind = 'pull_request' AND state = 'merged'
        GROUP BY ALL
    ) x
    JOIN (SELECT platform, repo, login FROM person_roles WHERE role = 'external') pr
        ON pr.platform = x.platform AND pr.repo = x.repo AND pr.login = x.author
                          -- an unknown author has no role
    LEFT JOIN {BOT_ACCOUNTS} a ON a.platform = x.platform AND a.login = x.author
    WHERE a.login IS NULL
    GROUP BY x.platform, x.repo
)
SELECT r.platform, r.repo,
       CASE WHEN r.platform = 'github' THEN r.forks ELSE r.children_count END AS derivatives,
       CASE WHEN r.platform = 'github' AND r.forks IS NOT NULL THEN 'forks_count'
            WHEN r.platform = 'huggingface' AND r.children_count IS NOT NULL
            THEN 'childrenModelCount' ELSE 'unknown' END AS derivatives_source,
       coalesce(ch.derivatives, 0) AS derivatives_in_store,
       coalesce(ch.finetunes, 0) AS finetunes, coalesce(ch.adapters, 0) AS adapters,
       coalesce(ch.quantizations, 0) AS quantizations, coalesce(ch.merges, 0) AS merges,
       coalesce(tr.tree_size, 0) AS tree_size, coalesce(tr.tree_depth, 0) AS tree_depth,
       coalesce(b.external_contributions, 0) AS external_contributions
FROM repositories r
LEFT JOIN children ch USING (platform, repo)
LEFT JOIN trees tr USING (platform, repo)
LEFT JOIN back b USING (platform, repo)
ORDER BY r.platform, r.repo
"""


class UserInnovation:
    """Per-repository derivatives, derivation trees and contributions back upstream.

    Args:
        max_depth: longest derivation chain followed (guards against pathological data).

    ``derivatives`` is the platform's count, empty when the platform did not give one.
    ``adaptation_index`` = derivatives ÷ (derivatives + external contributions): 1 means
    the repository is only adapted, 0 only improved upstream, empty when neither happened
    or the derivatives are unknown.
    """

    def __init__(self, max_depth: int = 50) -> None:
        self.max_depth = max_depth

    def compute(self, store: Engine) -> pd.DataFrame:
        """One row per repository; columns are defined in ``docs/measures.md``."""
        with person_roles_table(store):
            frame = store.frame(_SQL, [self.max_depth])
        frame["derivatives"] = frame["derivatives"].astype("Int64")
        derivatives = frame["derivatives"].astype("float64")   # unknown: NaN
        total = derivatives + frame["external_contributions"]
        frame["adaptation_index"] = (derivatives / total).where(total > 0)
        return frame


def adaptation_summary(frame: pd.DataFrame, *, n_bootstrap: int = 1000,
                       seed: int = 0) -> pd.DataFrame:
    """Per platform: Σ derivatives and the pooled index Σ derivatives ÷ Σ (derivatives +
    contributions back) over the repositories whose derivatives the platform counted (an
    unknown count is left out, not taken as 0), with its percentile bootstrap interval
    (those repositories resampled) and, where ``frame`` has design weights
    (``design_weight``), the weighted index; the share of those with any derivative, and
    the relation mix of the derivatives within the store."""
    frame = frame.assign(derivatives=pd.to_numeric(frame["derivatives"]).astype("float64"))
    known = frame[frame["derivatives"].notna()]
    grouped, counted = frame.groupby("platform"), known.groupby("platform")
    out = pd.DataFrame({
        "repositories": grouped.size(),
        "derivatives_n": counted.size(),
        "derivatives": counted["derivatives"].sum(),
        "external_contributions": grouped["external_contributions"].sum(),
        "adapted_share": counted["derivatives"].apply(lambda s: float((s > 0).mean())),
        "improved_share": grouped["external_contributions"].apply(lambda s: float((s > 0).mean())),
        "max_tree_depth": grouped["tree_depth"].max(),
    })
    out["derivatives_n"] = out["derivatives_n"].fillna(0).astype(int)
    out["derivatives"] = out["derivatives"].where(out["derivatives_n"] > 0)  # none counted
    both = out["derivatives"] + counted["external_contributions"].sum()
    out["pooled_adaptation_index"] = (out["derivatives"] / both).where(both > 0)
    intervals = {platform: _pooled_index(group, n_bootstrap=n_bootstrap, seed=seed)
                 for platform, group in known.groupby("platform")}
    for column in ("ci_low", "ci_high", "weighted", "weighted_ci_low", "weighted_ci_high"):
        out[f"pooled_adaptation_index_{column}"] = pd.Series(
            {p: i[column] for p, i in intervals.items()}, dtype="float64")
    in_store = grouped["derivatives_in_store"].sum()
    for relation in ("finetunes", "adapters", "quantizations", "merges"):
        out[f"{relation}_share"] = (grouped[relation].sum() / in_store).where(in_store > 0)
    return out.reset_index()


def _pooled_index(known: pd.DataFrame, *, n_bootstrap: int, seed: int) -> dict[str, float]:
    """One platform's pooled adaptation index interval, unweighted and design-weighted."""
    derivatives = known["derivatives"].to_numpy(dtype=float)
    both = derivatives + pd.to_numeric(known["external_contributions"]).to_numpy(dtype=float)
    platform = str(known["platform"].iloc[0])
    weights = known.get(WEIGHT_COLUMN)
    estimate = ratio_estimates(derivatives, both, key=f"pooled_adaptation_index:{platform}",
                               weights=None if weights is None else weights.to_numpy(float),
                               n_bootstrap=n_bootstrap, seed=seed)
    out = {"ci_low": estimate["ci_low"], "ci_high": estimate["ci_high"],
           "weighted": estimate["weighted_value"],
           "weighted_ci_low": estimate["weighted_ci_low"],
           "weighted_ci_high": estimate["weighted_ci_high"]}
    return {k: float("nan") if v is None else float(v) for k, v in out.items()}
