"""Collaboration intensity per repository (``docs/measures.md`` § Collaboration intensity)."""

from __future__ import annotations

import pandas as pd

from crossforge.measures.engine import Engine
from crossforge.measures.roles import person_roles_table
from crossforge.measures.start import STARTS_SQL

#: Every Hub repository has at least one commit (its creation is one), so a Hub repository
#: with none stored is an unobserved history, not an idle one: its commit-based measures are
#: unknown (NULL), never 0. On GitHub an empty repository is real (409 on commits).
_HISTORY_OBSERVED = "(r.platform <> 'huggingface' OR ac.commits IS NOT NULL)"


def _if_observed(expression: str) -> str:
    """``expression`` where the repository's history was observed, else NULL."""
    return f"CASE WHEN {_HISTORY_OBSERVED} THEN {expression} END"


def _known_people(count: str) -> str:
    """A count of known people, unknown (NULL) rather than 0 when there are commits with an
    unknown author and no one is known: somebody made those commits."""
    return (f"CASE WHEN ac.unattributed_commits > 0 AND {count} IS NULL THEN NULL "
            f"ELSE coalesce({count}, 0) END")


_CONTRIBUTORS = _known_people("pe.contributors")
_PARTICIPANTS = _known_people("pe.participants")

#: The people-based counts read the suite's ``person_roles`` rows (one per person and
#: repository, with what they did), not the commits again (``docs/measures.md`` § Scale).
#: A count of people is NULL, not 0, where the repository has no such person, so
#: ``_known_people`` can tell "nobody known" from "none".
_SQL = f"""
WITH people AS (        -- humans credited with a commit (author or co-author), and everyone
    SELECT platform, repo,                  -- who committed, co-authored, opened or replied
           nullif(count(*) FILTER (WHERE credited AND login IS NOT NULL AND NOT bot), 0)
               AS contributors,
           nullif(count(*) FILTER (WHERE login IS NOT NULL AND NOT bot), 0) AS participants,
           CAST(sum(commits) FILTER (WHERE NOT bot) AS BIGINT) AS human_commits,
           CAST(sum(commits) FILTER (WHERE bot) AS BIGINT) AS bot_commits
    FROM person_roles GROUP BY ALL
),
ranked AS (             -- human-authored commits per author, for shares and truck factor
    SELECT platform, repo, author_credits AS n,
           sum(author_credits) OVER (PARTITION BY platform, repo
                                     ORDER BY author_credits DESC, login
                                     ROWS UNBOUNDED PRECEDING) AS running,
           sum(author_credits) OVER (PARTITION BY platform, repo) AS total,
           row_number() OVER (PARTITION BY platform, repo
                              ORDER BY author_credits DESC, login) AS k
    FROM person_roles WHERE author_credits > 0 AND login IS NOT NULL AND NOT bot
),
shares AS (
    SELECT platform, repo,
           max(n) / any_value(total) AS top_contributor_share,
           min(k) FILTER (WHERE running * 2 > total) AS truck_factor
    FROM ranked GROUP BY ALL
),
activity AS (
    SELECT platform, repo, count(*) AS commits,
           count(*) FILTER (WHERE author IS NULL) AS unattributed_commits,
           count(*) FILTER (WHERE is_merge) AS merge_commits,
           count(DISTINCT date_trunc('month', authored_at AT TIME ZONE 'UTC')) AS active_months,
           min(authored_at) AS first_commit_at, max(authored_at) AS last_commit_at
    FROM commits GROUP BY ALL
),
discussion AS (
    SELECT platform, repo,
           count(*) FILTER (WHERE kind = 'pull_request') AS pull_requests,
           count(*) FILTER (WHERE kind <> 'pull_request') AS threads
    FROM threads GROUP BY ALL
),
replies AS (SELECT platform, repo, count(*) AS comments FROM comments GROUP BY ALL),
starts AS ({STARTS_SQL}),
ages AS (               -- months from the repository's start to collection, at least 1
    SELECT r.platform, r.repo, st.started_at, st.started_from,
           greatest(1.0, date_diff('day', CAST(st.started_at AS DATE),
                                   CAST(pv.fetched_at AS DATE)) / 30.4375) AS age_months
    FROM repositories r
    JOIN provenance pv ON pv.id = r.provenance_id
    JOIN starts st USING (platform, repo)
)
SELECT r.platform, r.repo, r.kind, r.owner_type,
       {_if_observed('coalesce(ac.commits, 0)')} AS commits,
       {_if_observed(_CONTRIBUTORS)} AS contributors,
       {_if_observed('coalesce(pe.human_commits, 0)')} AS human_commits,
       {_if_observed('coalesce(pe.bot_commits, 0)')} AS bot_commits,
       {_if_observed('coalesce(ac.unattributed_commits, 0)')} AS unattributed_commits,
       ac.unattributed_commits / nullif(ac.commits, 0) AS unattributed_commit_share,
       {_if_observed('coalesce(ac.merge_commits, 0)')} AS merge_commits,
       {_if_observed('coalesce(ac.active_months, 0)')} AS active_months,
       CASE WHEN pe.contributors > 0 THEN pe.human_commits / pe.contributors END
           AS commits_per_contributor,
       sh.top_contributor_share,
       sh.truck_factor,
       {_if_observed(f'{_CONTRIBUTORS} > 1')} AS multi_contributor,
       coalesce(di.pull_requests, 0) AS pull_requests,
       coalesce(di.threads, 0) AS threads,
       coalesce(re.comments, 0) AS comments,
       {_if_observed(_PARTICIPANTS)} AS participants,
       ag.age_months,
       {_if_observed('coalesce(ac.commits, 0) / ag.age_months')} AS commits_per_month,
       {_if_observed(f'{_CONTRIBUTORS} / ag.age_months')} AS contributors_per_month,
       coalesce(di.pull_requests, 0) / ag.age_months AS pull_requests_per_month,
       coalesce(di.threads, 0) / ag.age_months AS threads_per_month,
       coalesce(re.comments, 0) / ag.age_months AS comments_per_month,
       {_if_observed(f'{_PARTICIPANTS} / ag.age_months')} AS participants_per_month,
       ac.first_commit_at, ac.last_commit_at,
       ag.started_at AS created_at, ag.started_from AS created_from
FROM repositories r
LEFT JOIN activity ac USING (platform, repo)
LEFT JOIN discussion di USING (platform, repo)
LEFT JOIN replies re USING (platform, repo)
LEFT JOIN people pe USING (platform, repo)
LEFT JOIN ages ag USING (platform, repo)
LEFT JOIN shares sh USING (platform, repo)
ORDER BY r.platform, r.repo
"""

#: Numeric columns that ``summarize`` reports per platform.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "commits", "contributors", "human_commits", "bot_commits", "unattributed_commits",
    "unattributed_commit_share", "active_months",
    "commits_per_contributor", "top_contributor_share", "truck_factor", "multi_contributor",
    "pull_requests", "threads", "comments", "participants", "commits_per_month",
    "contributors_per_month", "participants_per_month", "external_commit_share",
    "external_merged_pr_share", "has_external_contribution", "external_thread_share",
    "external_participant_share", "hours_to_first_response",
)


class CollaborationIntensity:
    """Per-repository collaboration intensity from the commit history.

    Every repository in the store gets a row, with zeros when it has no commits; a Hub
    repository without any stored commit has its commit-based measures unknown (NULL).
    Bots are kept in ``commits`` and ``bot_commits`` but never count as contributors; a
    commit whose author is unknown (NULL) counts in ``commits`` and
    ``unattributed_commits``, never as a person.

    Example:
        >>> CollaborationIntensity().compute(store)   # doctest: +SKIP
             platform          repo  kind  commits  contributors ...
    """

    def compute(self, store: Engine) -> pd.DataFrame:
        """One row per repository; columns are defined in ``docs/measures.md``."""
        with person_roles_table(store):
            frame = store.frame(_SQL)
        for column in ("pull_requests", "threads", "comments"):
            frame[column] = frame[column].astype("int64")
        for column in ("commits", "contributors", "human_commits", "bot_commits",
                       "unattributed_commits", "merge_commits", "active_months",
                       "participants", "truck_factor"):
            frame[column] = frame[column].astype("Int64")
        frame["multi_contributor"] = frame["multi_contributor"].astype("boolean")
        return frame


def summarize(frame: pd.DataFrame, columns: tuple[str, ...] = SUMMARY_COLUMNS) -> dict:
    """Per-platform ``n``, medians and means of ``columns`` (NaN-free JSON values)."""
    summary: dict[str, dict] = {}
    for platform, group in frame.groupby("platform", sort=True):
        entry: dict[str, object] = {"repositories": int(len(group))}
        for column in columns:
            if column not in group:
                continue
            values = pd.to_numeric(group[column], errors="coerce").dropna().astype(float)
            entry[column] = {
                "median": float(values.median()) if len(values) else None,
                "mean": float(values.mean()) if len(values) else None,
                "n": int(len(values)),
            }
        summary[str(platform)] = entry
    return summary
