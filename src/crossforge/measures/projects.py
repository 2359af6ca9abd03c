"""Beyond the seed study: one project on two platforms, documentation, dataset provenance.

* ``ProjectPairs`` pairs a Hub model with the GitHub repository of the same project (from
  its card's links) and ``paired_comparison`` compares collaboration on the two sides.
* ``DocumentationCompleteness`` reads model-card and README features per repository.
* ``DatasetProvenance`` is the model → dataset graph from card data ``datasets:``.

Definitions, rules and caveats: ``docs/measures.md`` § Projects, documentation and datasets.
"""

from __future__ import annotations

import igraph as ig
import numpy as np
import pandas as pd
from scipy import stats

from crossforge.measures.engine import Engine
from crossforge.measures.statistics import holm
from crossforge.records import SECTIONS

#: The pairing rule: a card's first link (card data fields first, then the text) that is
#: not a tool and is either named by a card data field or shares the model's owner.
_PAIRS_SQL = """
WITH candidates AS (
    SELECT platform, repo, github_repo, source, same_owner,
           row_number() OVER (PARTITION BY platform, repo ORDER BY position) AS choice
    FROM project_links
    WHERE NOT is_tool AND (same_owner OR source LIKE 'card_data:%')
),
github AS (SELECT repo, lower(repo) AS github_repo FROM repositories WHERE platform = 'github')
SELECT c.repo AS hub_repo, coalesce(g.repo, c.github_repo) AS github_repo, c.source,
       c.same_owner, h.repo IS NOT NULL AS hub_stored, g.repo IS NOT NULL AS github_stored
FROM candidates c
LEFT JOIN repositories h ON h.platform = c.platform AND h.repo = c.repo
LEFT JOIN github g ON g.github_repo = c.github_repo
WHERE c.choice = 1 AND c.platform = 'huggingface'
ORDER BY hub_repo
"""

#: Per platform: repositories, those with a stored card, and how their links fall.
_LINKS_SQL = """
WITH per_repo AS (
    SELECT platform, repo, count(*) AS links,
           count(*) FILTER (WHERE NOT is_tool) AS project_links,
           count(*) FILTER (WHERE NOT is_tool AND (same_owner OR source LIKE 'card_data:%'))
               AS pairable_links
    FROM project_links GROUP BY ALL
)
SELECT r.platform, count(*) AS repositories,
       count(d.repo) AS documented,
       count(p.repo) AS linking_github,
       count(p.repo) FILTER (WHERE p.project_links > 0) AS linking_project,
       count(p.repo) FILTER (WHERE p.pairable_links > 0) AS paired
FROM repositories r
LEFT JOIN documentation d USING (platform, repo)
LEFT JOIN per_repo p USING (platform, repo)
GROUP BY ALL ORDER BY ALL
"""

_DOCUMENTATION_SQL = """
SELECT d.platform, d.repo, d.document, d.completeness AS doc_completeness,
       d.words AS doc_words, d.headings AS doc_headings, array_length(d.sections) AS doc_sections,
       list_contains(d.sections, 'description') AS has_description,
       list_contains(d.sections, 'intended_uses') AS has_intended_uses,
       list_contains(d.sections, 'limitations') AS has_limitations,
       list_contains(d.sections, 'training') AS has_training,
       list_contains(d.sections, 'evaluation') AS has_evaluation,
       list_contains(d.sections, 'how_to_use') AS has_how_to_use,
       list_contains(d.sections, 'installation') AS has_installation,
       list_contains(d.sections, 'usage') AS has_usage,
       list_contains(d.sections, 'contributing') AS has_contributing,
       list_contains(d.sections, 'license') AS has_license,
       list_contains(d.sections, 'citation') AS has_citation
FROM documentation d
JOIN repositories r USING (platform, repo)
ORDER BY d.platform, d.repo
"""

_DATASETS_SQL = """
SELECT l.platform, l.repo, l.dataset, l.source
FROM dataset_links l
JOIN repositories r USING (platform, repo)
ORDER BY ALL
"""

#: Per-side measures compared within a pair (columns of the per-repository frame).
PAIRED_MEASURES: tuple[str, ...] = ("contributors", "commits", "threads", "participants",
                                    "external_participant_share", "external_commit_share")


class ProjectPairs:
    """Hub models paired with their project's GitHub repository, one pair per model.

    Columns ``hub_repo, github_repo, source, same_owner, hub_stored, github_stored``; a pair
    is *complete* when both repositories are in the store.
    """

    def compute(self, store: Engine) -> pd.DataFrame:
        return store.frame(_PAIRS_SQL)

    def links(self, store: Engine) -> pd.DataFrame:
        """Per platform: repositories, with a stored card (``documented``), linking any
        GitHub repository, linking a non-tool one, and paired by the rule."""
        return store.frame(_LINKS_SQL)


def paired_sides(pairs: pd.DataFrame, repositories: pd.DataFrame,
                 measures: tuple[str, ...] = PAIRED_MEASURES) -> pd.DataFrame:
    """Every pair with each measure on both sides (``hub_<m>``, ``github_<m>``; empty when
    that side is not stored) — what ``pairs.csv`` holds."""
    present = [m for m in measures if m in repositories]
    sides = pairs.copy()
    for platform, key in (("huggingface", "hub_repo"), ("github", "github_repo")):
        prefix = "hub" if platform == "huggingface" else "github"
        side = repositories.loc[repositories["platform"] == platform, ["repo", *present]]
        side = side.rename(columns={"repo": key, **{m: f"{prefix}_{m}" for m in present}})
        sides = sides.merge(side, on=key, how="left")
    return sides


def paired_comparison(sides: pd.DataFrame, measures: tuple[str, ...] = PAIRED_MEASURES
                      ) -> pd.DataFrame:
    """Wilcoxon signed-rank tests of Hub − GitHub differences within complete pairs.

    One row per measure: ``pairs`` (complete pairs with the measure on both sides),
    medians per side, the median difference, the test statistic and p-value (two-sided,
    zero differences dropped as Wilcoxon's original test does), the matched-pairs
    rank-biserial correlation (``effect_value``: +1 when the Hub side is larger in every
    pair) and Holm-adjusted p-values across the measures.
    """
    rows = []
    for measure in measures:
        hub, github = f"hub_{measure}", f"github_{measure}"
        if hub not in sides or github not in sides:
            continue
        both = sides[[hub, github]].apply(pd.to_numeric, errors="coerce").dropna()
        difference = (both[hub] - both[github]).to_numpy(dtype=float)
        row: dict[str, object] = {
            "measure": measure, "pairs": len(both), "median_hub": both[hub].median(),
            "median_github": both[github].median(),
            "median_difference": float(np.median(difference)) if len(both) else np.nan,
            "test": None, "statistic": np.nan, "p_value": np.nan,
            "effect": "rank_biserial", "effect_value": np.nan}
        nonzero = difference[difference != 0]
        if len(nonzero):
            result = stats.wilcoxon(nonzero, zero_method="wilcox", alternative="two-sided")
            ranks = stats.rankdata(np.abs(nonzero))
            positive, negative = ranks[nonzero > 0].sum(), ranks[nonzero < 0].sum()
            row.update(test="wilcoxon-signed-rank", statistic=float(result.statistic),
                       p_value=float(result.pvalue),
                       effect_value=float((positive - negative) / (positive + negative)))
        rows.append(row)
    table = pd.DataFrame(rows)
    if not table.empty:
        table["p_holm"] = holm(table["p_value"].to_numpy(dtype=float))
    return table


class DocumentationCompleteness:
    """Per repository: its document's completeness, length and canonical sections."""

    def compute(self, store: Engine) -> pd.DataFrame:
        return store.frame(_DOCUMENTATION_SQL)


def documentation_summary(documents: pd.DataFrame) -> pd.DataFrame:
    """Per platform and canonical section: documents and the share that has the section
    (only sections the platform's document kind expects), plus the completeness median."""
    rows = []
    for (platform, document), group in documents.groupby(["platform", "document"], sort=True):
        for section in SECTIONS[str(document)]:
            rows.append({"platform": platform, "document": document, "section": section,
                         "documents": len(group),
                         "share": float(group[f"has_{section}"].astype(bool).mean())})
        rows.append({"platform": platform, "document": document, "section": "(completeness)",
                     "documents": len(group),
                     "share": float(group["doc_completeness"].median())})
    return pd.DataFrame(rows, columns=["platform", "document", "section", "documents",
                                       "share"])


class DatasetProvenance:
    """The model → dataset graph from card data ``datasets:``.

    ``compute`` gives the edges (``platform, repo, dataset, source``); ``datasets`` one
    row per dataset with its models; ``summary`` the per-platform figures.
    """

    def compute(self, store: Engine) -> pd.DataFrame:
        return store.frame(_DATASETS_SQL)


def dataset_table(edges: pd.DataFrame) -> pd.DataFrame:
    """``datasets.csv``: per platform and dataset, the models declaring it, most used first."""
    if edges.empty:
        return pd.DataFrame(columns=["platform", "dataset", "models"])
    table = edges.groupby(["platform", "dataset"]).size().rename("models").reset_index()
    return table.sort_values(["platform", "models", "dataset"],
                             ascending=[True, False, True]).reset_index(drop=True)


def dataset_summary(edges: pd.DataFrame, repositories: pd.DataFrame, top: int = 10
                    ) -> dict[str, dict]:
    """Per platform: models, share declaring any dataset, datasets per declaring model,
    models per dataset, the graph's weak components, and the ``top`` most-used datasets."""
    out: dict[str, dict] = {}
    for platform, group in repositories.groupby("platform", sort=True):
        platform_edges = edges[edges["platform"] == platform]
        per_model = platform_edges.groupby("repo").size()
        per_dataset = platform_edges.groupby("dataset").size()
        models = int(len(group))
        nodes = [f"m:{r}" for r in group["repo"]] + [f"d:{d}" for d in per_dataset.index]
        graph = ig.Graph()
        graph.add_vertices(nodes)
        graph.add_edges([(f"m:{r}", f"d:{d}") for r, d in
                         zip(platform_edges["repo"], platform_edges["dataset"], strict=True)])
        linked = graph.induced_subgraph([v.index for v in graph.vs if v.degree() > 0])
        components = linked.connected_components() if linked.vcount() else []
        out[str(platform)] = {
            "models": models, "edges": int(len(platform_edges)),
            "datasets": int(len(per_dataset)),
            "declaring_share": float(len(per_model) / models) if models else None,
            "datasets_per_declaring_model_median": _median(per_model),
            "datasets_per_declaring_model_mean": _mean(per_model),
            "models_per_dataset_median": _median(per_dataset),
            "models_per_dataset_mean": _mean(per_dataset),
            "components": len(components),
            "largest_component_share": (float(max(components.sizes()) / linked.vcount())
                                        if len(components) else None),
            "top_datasets": [{"dataset": str(d), "models": int(n)} for d, n in
                             per_dataset.sort_values(ascending=False, kind="stable")
                             .head(top).items()],
        }
    return out


def _median(values: pd.Series) -> float | None:
    return float(values.median()) if len(values) else None


def _mean(values: pd.Series) -> float | None:
    return float(values.mean()) if len(values) else None
