"""Beyond the seed study: trends by creation year, maintenance after release, migration.

Definitions and caveats: ``docs/measures.md`` § Evolution.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from crossforge.measures.engine import BOT_ACCOUNTS, Engine
from crossforge.measures.start import STARTS_SQL

_ACTIVITY_SQL = f"""
WITH starts AS ({STARTS_SQL}),
events AS (
    SELECT platform, repo, authored_at AS happened_at FROM commits
    UNION ALL SELECT platform, repo, created_at FROM threads
    UNION ALL SELECT platform, repo, created_at FROM comments
),
span AS (SELECT platform, repo, min(happened_at) AS first_at, max(happened_at) AS last_at
         FROM events WHERE happened_at IS NOT NULL GROUP BY ALL)
SELECT r.platform, r.repo, coalesce(st.started_at, s.first_at) AS released_at, s.last_at,
       pv.fetched_at AS observed_at
FROM repositories r
JOIN provenance pv ON pv.id = r.provenance_id
JOIN starts st USING (platform, repo)
LEFT JOIN span s USING (platform, repo)
"""

#: Only repositories that lineage links (a parent or a child) can have participants that
#: count, so the rest are left out before people are deduplicated: a semi-join on a few
#: repositories instead of a DISTINCT over every commit, thread and comment.
_MIGRATION_SQL = f"""
WITH linked AS (
    SELECT platform, parent AS repo FROM derivations
    UNION SELECT platform, child FROM derivations
),
rows AS (
    SELECT platform, repo, author AS login FROM commits WHERE author IS NOT NULL
    UNION ALL SELECT platform, repo, author FROM threads WHERE author IS NOT NULL
    UNION ALL SELECT platform, repo, author FROM comments WHERE author IS NOT NULL
),
participants AS (
    SELECT DISTINCT x.platform, x.repo, x.login
    FROM rows x JOIN linked l ON l.platform = x.platform AND l.repo = x.repo
),
humans AS (
    SELECT p.* FROM participants p
    LEFT JOIN {BOT_ACCOUNTS} a ON a.platform = p.platform AND a.login = p.login
    WHERE coalesce(a.type, 'user') <> 'bot'
),
moved AS (
    SELECT d.platform, d.parent AS repo, h.login
    FROM derivations d
    JOIN humans h ON h.platform = d.platform AND h.repo = d.child
)
SELECT h.platform, h.repo,
       count(DISTINCT h.login) AS participants,
       count(DISTINCT h.login) FILTER (WHERE m.login IS NOT NULL) AS migrated
FROM humans h
JOIN (SELECT DISTINCT platform, parent AS repo FROM derivations) up USING (platform, repo)
LEFT JOIN moved m ON m.platform = h.platform AND m.repo = h.repo AND m.login = h.login
GROUP BY ALL ORDER BY ALL
"""


@dataclass
class ActivitySurvival:
    """How long repositories stay maintained after release (Kaplan–Meier).

    Args:
        inactive_after_days: a repository whose last activity (commit, thread or comment)
            is older than this at collection time has *ended* its maintenance at its last
            activity; a more recent one is still maintained (right-censored).
    """

    inactive_after_days: int = 180

    def compute(self, store: Engine) -> pd.DataFrame:
        """Per repository: ``days`` from release to last activity and ``ended`` (event)."""
        frame = store.frame(_ACTIVITY_SQL)
        frame = frame.dropna(subset=["released_at", "last_at"])
        days = (frame["last_at"] - frame["released_at"]).dt.total_seconds() / 86400
        idle = (frame["observed_at"] - frame["last_at"]).dt.total_seconds() / 86400
        frame["days"] = days.clip(lower=0)
        frame["ended"] = idle > self.inactive_after_days
        return frame[["platform", "repo", "released_at", "last_at", "days", "ended"]]


def survival_curves(activity: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan–Meier survival of maintenance per platform, with pointwise intervals.

    Returns one row per (platform, time) at each event time: ``survival``, ``ci_low``,
    ``ci_high``, and ``at_risk`` counts are implied by scipy's estimate.
    """
    columns = ["platform", "days", "survival", "ci_low", "ci_high"]
    curves = []
    for platform, group in activity.groupby("platform", sort=True):
        ended = group["ended"].to_numpy(dtype=bool)
        days = group["days"].to_numpy(dtype=float)
        if not ended.any():
            continue
        data = stats.CensoredData(uncensored=days[ended], right=days[~ended])
        sf = stats.ecdf(data).sf
        with warnings.catch_warnings():
            # Greenwood intervals are undefined where survival reaches 0; those are NaN.
            warnings.simplefilter("ignore", RuntimeWarning)
            interval = sf.confidence_interval(confidence_level=confidence)
        # whole columns at once: a curve has a point per distinct time, millions at scale
        curves.append(pd.DataFrame({
            "platform": [platform] * len(sf.quantiles),
            "days": np.asarray(sf.quantiles, dtype=float),
            "survival": np.asarray(sf.probabilities, dtype=float),
            "ci_low": np.asarray(interval.low.probabilities, dtype=float),
            "ci_high": np.asarray(interval.high.probabilities, dtype=float)}))
    if not curves:
        return pd.DataFrame([], columns=columns)
    return pd.concat(curves, ignore_index=True)[columns]


def median_survival(curves: pd.DataFrame) -> dict[str, float | None]:
    """Per platform, the first time at which survival falls to 0.5 or below (None if never)."""
    out: dict[str, float | None] = {}
    for platform, group in curves.groupby("platform", sort=True):
        below = group[group["survival"] <= 0.5]
        out[str(platform)] = float(below["days"].iloc[0]) if len(below) else None
    return out


def trends_by_year(repositories: pd.DataFrame, measures: tuple[str, ...] = (
        "contributors", "commits_per_month", "multi_contributor", "external_commit_share",
        "adaptation_index")) -> pd.DataFrame:
    """Per platform and creation year: repositories and the median (or share) of measures.

    The year is that of ``created_at``, the repository's start (``crossforge.measures.start``),
    so Hub models older than the Hub's creation-date floor fall in their own years.
    """
    frame = repositories.dropna(subset=["created_at"]).copy()
    frame["year"] = pd.to_datetime(frame["created_at"], utc=True).dt.year
    present = [m for m in measures if m in frame]
    for m in present:
        frame[m] = pd.to_numeric(frame[m], errors="coerce")
    grouped = frame.groupby(["platform", "year"])
    table = grouped[present].median()
    if "multi_contributor" in present:
        table["multi_contributor"] = grouped["multi_contributor"].mean()
    table.insert(0, "repositories", grouped.size())
    return table.reset_index()


class CommunityMigration:
    """Do a repository's participants move on to what is derived from it?

    Per upstream repository with derivatives: its human participants (committers, thread
    openers, commenters) and how many of them also participate in at least one direct
    derivative (``migrated``). A high share suggests a community that follows its models
    to successors ("nomadic"); a low one, that derivatives are made by new people.
    """

    def compute(self, store: Engine) -> pd.DataFrame:
        """Columns ``platform, repo, participants, migrated, migration_share``."""
        frame = store.frame(_MIGRATION_SQL)
        frame["migration_share"] = np.where(frame["participants"] > 0,
                                            frame["migrated"] / frame["participants"].clip(1),
                                            np.nan)
        return frame
