"""Design weights: how many population repositories each measured repository stands for.

A stratified frame stores every stratum's population ``N_h`` and draw ``n_h`` (params
``strata_sizes``) and each repository's stratum (``frames.stratum``). A measured repository
of stratum h weighs ``N_h / m_h``, where ``m_h`` is the number of stratum h's repositories
measured (``n_h`` when the collection is complete). Any other design has no weights, and the
reason is kept so the report can say so (``docs/statistics.md`` § Design weights).
"""

from __future__ import annotations

import json

import pandas as pd

from crossforge.store import Store

#: Columns the weights add to the per-repository table.
WEIGHT_COLUMN = "design_weight"


def design_weights(store: Store, measured: pd.DataFrame, frame: str | None = None
                   ) -> tuple[pd.Series, dict[str, dict]]:
    """Each measured repository's design weight (NaN where weights do not apply), aligned
    with ``measured`` (columns ``platform``, ``repo``), and per platform what was done:
    ``{"applies": bool, "design", "frame", "reason" | "strata"}``."""
    stored = store.frame(
        "SELECT frame, platform, repo, stratum, params FROM frames"
        + (" WHERE frame = ?" if frame is not None else ""),
        [frame] if frame is not None else None)
    weights = pd.Series(float("nan"), index=measured.index, dtype="float64", name=WEIGHT_COLUMN)
    designs: dict[str, dict] = {}
    for platform, repos in measured.groupby("platform", sort=True):
        rows = stored[(stored["platform"] == platform) & stored["repo"].isin(repos["repo"])]
        designs[str(platform)], weighted = _platform_weights(rows, repos)
        if weighted is not None:
            weights.loc[repos.index] = weighted.to_numpy()
    return weights, designs


def _platform_weights(rows: pd.DataFrame, repos: pd.DataFrame
                      ) -> tuple[dict, pd.Series | None]:
    """One platform's design and weights (None when weights do not apply)."""
    if rows.empty:
        return _none("none", "no sampling frame holds these repositories (imported, not "
                     "drawn): no design weights"), None
    frames = sorted(rows["frame"].unique())
    params = {name: json.loads(rows.loc[rows["frame"] == name, "params"].iloc[0])
              for name in frames}
    stratified = [name for name in frames if params[name].get("design") == "stratified"]
    if not stratified:
        lists = [name for name in frames if params[name].get("method") == "list"]
        if lists:
            return _none("list", f"frame {', '.join(frames)}: a list of repositories, not a "
                         "probability sample: weights do not apply"), None
        methods = sorted({str(params[name].get("method")) for name in frames})
        return _none("simple", f"frame {', '.join(frames)}: an unstratified draw "
                     f"({', '.join(methods)}), in which every repository has the same weight: "
                     "weights do not apply (weighted and unweighted estimates are equal)"), None
    if len(frames) > 1:
        return _none("mixed", f"repositories from several frames ({', '.join(frames)}): "
                     "weights do not apply; measure one stratified frame with --frame"), None
    name = frames[0]
    outside = int((~repos["repo"].isin(rows["repo"])).sum())
    if outside:
        return _none("mixed", f"{outside:,} measured repositories are in no frame (imported): "
                     f"weights of frame {name} do not apply; measure it with --frame"), None
    if rows["stratum"].isna().any():
        return _none("stratified", f"frame {name} was drawn before each repository's stratum "
                     "was stored: weights cannot be found; draw it again to weight"), None
    sizes = params[name].get("strata_sizes", {})
    measured = rows["stratum"].value_counts()
    strata = {str(h): {"N": int(sizes[h]["N"]), "n": int(sizes[h]["n"]),
                       "measured": int(m), "weight": sizes[h]["N"] / m}
              for h, m in sorted(measured.items()) if h in sizes}
    if len(strata) < len(measured):
        return _none("stratified", f"frame {name}: strata without stored sizes: weights "
                     "cannot be found"), None
    by_repo = rows.set_index("repo")["stratum"].map(lambda h: strata[h]["weight"])
    return ({"applies": True, "design": "stratified", "frame": name,
             "strata_variables": params[name].get("strata", []),
             "allocation": params[name].get("allocation"),
             "population": sum(s["N"] for s in strata.values()), "strata": strata},
            repos["repo"].map(by_repo))


def _none(design: str, reason: str) -> dict:
    return {"applies": False, "design": design, "reason": reason}
