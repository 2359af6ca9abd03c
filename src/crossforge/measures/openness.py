"""Openness per repository: direct contribution and knowledge exchange (``docs/measures.md``).

Computed in stages, each held as a temporary table of the engine: the roles once, then
per repository the commit counts (``direct``) and participant counts (``participants``),
each thread with its author's role (``thread_roles``; the roles are dropped after it), the
thread counts and medians (``discussion``), then one join. One statement doing all of it
did not fit 5 GB at the paper's scale (``docs/measures.md`` § Scale); staged, each step
is one join or aggregation whose input the engine can spill.
"""

from __future__ import annotations

from contextlib import ExitStack

import pandas as pd

from crossforge.measures.engine import Engine
from crossforge.measures.roles import person_roles_table

#: Per repository, authored commits by people whose role is known and by external people,
#: from the commits each person authored (``person_roles.commits``). A commit whose author
#: is unknown (NULL) has no person, so no role: it is in neither count.
_DIRECT_SQL = """
SELECT platform, repo,
       CAST(coalesce(sum(commits) FILTER (WHERE role <> 'unknown'), 0) AS BIGINT)
           AS commits_known_role,
       CAST(coalesce(sum(commits) FILTER (WHERE role = 'external'), 0) AS BIGINT)
           AS external_commits
FROM person_roles WHERE commits > 0 AND NOT bot
GROUP BY ALL
"""

#: Each thread by a human with its author's role and, unless it is a pull request, its first
#: response (only the other threads' response times are measured). A thread's author, when
#: known, opened it, so only the role rows of people who opened a thread are looked up, and
#: their ``bot`` flag tells bots' threads.
_THREAD_ROLES_SQL = """
WITH first_responses AS (   -- earliest reply by anyone but the thread's author
    SELECT c.platform, c.repo, c.thread_number AS number, min(c.created_at) AS first_response_at
    FROM comments c
    JOIN threads t ON t.platform = c.platform AND t.repo = c.repo AND t.number = c.thread_number
    WHERE c.author IS DISTINCT FROM t.author AND t.kind <> 'pull_request'
    GROUP BY ALL
)
SELECT t.platform, t.repo, t.kind, t.state, t.created_at, t.merged_at,
       coalesce(pr.role, 'unknown') AS role, fr.first_response_at
FROM threads t
LEFT JOIN first_responses fr USING (platform, repo, number)
LEFT JOIN (SELECT platform, repo, login, role, bot FROM person_roles WHERE opened) pr
    ON pr.platform = t.platform AND pr.repo = t.repo AND pr.login = t.author
WHERE NOT coalesce(pr.bot, false)
"""

#: Per repository, one pass over threads: pull requests and the rest, by FILTER.
_DISCUSSION_SQL = """
SELECT platform, repo,
       count(*) FILTER (WHERE kind = 'pull_request' AND state = 'merged'
                        AND role <> 'unknown') AS merged_prs_known_role,
       count(*) FILTER (WHERE kind = 'pull_request' AND state = 'merged'
                        AND role = 'external') AS external_merged_prs,
       count(*) FILTER (WHERE kind = 'pull_request' AND role = 'external'
                        AND state IN ('merged', 'closed')) AS external_prs_decided,
       median(date_diff('second', created_at, merged_at) / 86400.0)
           FILTER (WHERE kind = 'pull_request' AND role = 'external' AND state = 'merged')
           AS external_pr_days_to_merge,
       count(*) FILTER (WHERE kind <> 'pull_request' AND role <> 'unknown')
           AS threads_known_role,
       count(*) FILTER (WHERE kind <> 'pull_request' AND role = 'external')
           AS external_threads,
       median(date_diff('second', created_at, first_response_at) / 3600.0)
           FILTER (WHERE kind <> 'pull_request') AS hours_to_first_response,
       count(*) FILTER (WHERE kind <> 'pull_request' AND first_response_at IS NOT NULL)
           / nullif(count(*) FILTER (WHERE kind <> 'pull_request'), 0) AS answered_share
FROM openness_thread_roles GROUP BY ALL
"""

#: Per repository, human participants in threads and comments with a known role, external.
_PARTICIPANTS_SQL = """
SELECT pr.platform, pr.repo,
       count(*) FILTER (WHERE role <> 'unknown') AS participants_known_role,
       count(*) FILTER (WHERE role = 'external') AS external_participants
FROM person_roles pr
JOIN (SELECT platform, login FROM accounts WHERE type <> 'bot') h
    ON h.platform = pr.platform AND h.login = pr.login
WHERE pr.posted
GROUP BY ALL
"""

_SQL = """
SELECT r.platform, r.repo,
       d.external_commits / nullif(d.commits_known_role, 0) AS external_commit_share,
       p.external_merged_prs / nullif(p.merged_prs_known_role, 0) AS external_merged_pr_share,
       coalesce(d.external_commits, 0) + coalesce(p.external_merged_prs, 0) > 0
           AS has_external_contribution,
       p.external_merged_prs / nullif(p.external_prs_decided, 0) AS external_pr_acceptance,
       p.external_pr_days_to_merge,
       p.external_threads / nullif(p.threads_known_role, 0) AS external_thread_share,
       pa.external_participants / nullif(pa.participants_known_role, 0)
           AS external_participant_share,
       p.hours_to_first_response,
       p.answered_share
FROM repositories r
LEFT JOIN openness_direct d USING (platform, repo)
LEFT JOIN openness_discussion p USING (platform, repo)
LEFT JOIN openness_participants pa USING (platform, repo)
ORDER BY r.platform, r.repo
"""


class Openness:
    """Per-repository openness to direct contribution and to knowledge exchange.

    Shares count only people whose role is known (``PersonRoles``); a share is empty when
    nothing with a known role exists. Bots are left out everywhere.
    """

    def compute(self, store: Engine) -> pd.DataFrame:
        """One row per repository; columns are defined in ``docs/measures.md``."""
        with ExitStack() as stages:
            with person_roles_table(store):
                for name, sql in (("openness_direct", _DIRECT_SQL),
                                  ("openness_participants", _PARTICIPANTS_SQL),
                                  ("openness_thread_roles", _THREAD_ROLES_SQL)):
                    stages.enter_context(store.temp_table(name, sql))
            stages.enter_context(store.temp_table("openness_discussion", _DISCUSSION_SQL))
            frame = store.frame(_SQL)
        frame["has_external_contribution"] = frame["has_external_contribution"].astype(bool)
        return frame
