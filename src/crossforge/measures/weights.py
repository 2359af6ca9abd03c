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
    ``{"applies": bool, "design", "frame", "reason" | "strata"}``.

    ``store``'s ``repositories`` must be the measured ones (inside ``open_engine``, which
    narrows them); the frames are read from the store whatever the engine. Only aggregates
    are read unless a platform's weights apply, so a design without weights costs two small
    queries at any scale.
    """
    only = " AND f.frame = ?" if frame is not None else ""
    params = [frame] if frame is not None else None
    held = store.frame(
        "SELECT r.platform, f.frame, count(*) AS repositories, count(f.stratum) AS stratified "
        "FROM repositories r LEFT JOIN frames f ON f.platform = r.platform AND f.repo = r.repo"
        f"{only} GROUP BY ALL", params)
    stored = {(f, p): json.loads(text) for f, p, text in store.query(
        "SELECT frame, platform, any_value(params) FROM frames GROUP BY ALL").fetchall()}
    weights = pd.Series(float("nan"), index=measured.index, dtype="float64", name=WEIGHT_COLUMN)
    designs: dict[str, dict] = {}
    for platform in sorted(measured["platform"].unique()):
        rows = held[held["platform"] == platform]
        designs[str(platform)] = design = _design(rows, {
            f: stored[(f, platform)] for f in rows["frame"].dropna()})
        if design["applies"]:
            _fill_weights(store, weights, measured, platform, design, only, params)
    return weights, designs


def _design(rows: pd.DataFrame, params: dict[str, dict]) -> dict:
    """One platform's design, from its measured repositories per frame (``frame`` NaN: in
    no frame) and each frame's parameters."""
    frames = sorted(params)
    if not frames:
        return _none("none", "no sampling frame holds these repositories (imported, not "
                     "drawn): no design weights")
    stratified = [name for name in frames if params[name].get("design") == "stratified"]
    if not stratified:
        if any(params[name].get("method") == "list" for name in frames):
            return _none("list", f"frame {', '.join(frames)}: a list of repositories, not a "
                         "probability sample: weights do not apply")
        methods = sorted({str(params[name].get("method")) for name in frames})
        return _none("simple", f"frame {', '.join(frames)}: an unstratified draw "
                     f"({', '.join(methods)}), in which every repository has the same weight: "
                     "weights do not apply (weighted and unweighted estimates are equal)")
    if len(frames) > 1:
        return _none("mixed", f"repositories from several frames ({', '.join(frames)}): "
                     "weights do not apply; measure one stratified frame with --frame")
    name = frames[0]
    outside = int(rows.loc[rows["frame"].isna(), "repositories"].sum())
    if outside:
        return _none("mixed", f"{outside:,} measured repositories are in no frame (imported): "
                     f"weights of frame {name} do not apply; measure it with --frame")
    if (rows["stratified"] < rows["repositories"]).any():
        return _none("stratified", f"frame {name} was drawn before each repository's stratum "
                     "was stored: weights cannot be found; draw it again to weight")
    return {"applies": True, "design": "stratified", "frame": name,
            "strata_variables": params[name].get("strata", []),
            "allocation": params[name].get("allocation"),
            "strata_sizes": params[name].get("strata_sizes", {})}


def _fill_weights(store: Store, weights: pd.Series, measured: pd.DataFrame, platform: str,
                  design: dict, only: str, params: list | None) -> None:
    """Set ``weights`` of ``platform``'s measured repositories to N_h ÷ m_h, and replace the
    design's stored sizes by each stratum's N, n, m and weight (or say why none)."""
    sizes = design.pop("strata_sizes")
    strata = store.frame(
        "SELECT r.repo, f.stratum FROM repositories r JOIN frames f ON f.platform = r.platform "
        f"AND f.repo = r.repo{only} WHERE r.platform = ?", [*(params or []), platform])
    measured_per_stratum = strata["stratum"].value_counts()
    if not set(measured_per_stratum.index) <= set(sizes):
        design.update(_none("stratified", f"frame {design['frame']}: strata without stored "
                            "sizes: weights cannot be found"))
        return
    design["strata"] = {str(h): {"N": int(sizes[h]["N"]), "n": int(sizes[h]["n"]),
                                 "measured": int(m), "weight": sizes[h]["N"] / m}
                        for h, m in sorted(measured_per_stratum.items())}
    design["population"] = sum(s["N"] for s in design["strata"].values())
    by_repo = strata.set_index("repo")["stratum"].map(
        {h: s["weight"] for h, s in design["strata"].items()})
    rows = measured.index[measured["platform"] == platform]
    weights.loc[rows] = measured.loc[rows, "repo"].map(by_repo).to_numpy(dtype=float)


def _none(design: str, reason: str) -> dict:
    return {"applies": False, "design": design, "reason": reason}
