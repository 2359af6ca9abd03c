"""Organisations vs individuals (``docs/measures.md`` § Organisations).

Per platform: the share of repositories owned by organisations, and the share of
contributions (human commits, threads opened, comments) that go to organisation-owned
repositories and that are made by members of the owning organisation.
"""

from __future__ import annotations

import pandas as pd

from crossforge.measures.engine import Engine
from crossforge.measures.roles import person_roles_table

_SQL = """
WITH contributions AS (     -- counted per person and repository first: joins see people
    SELECT platform, repo, author AS login, 'commit' AS kind, count(*) AS n
    FROM commits WHERE author IS NOT NULL GROUP BY platform, repo, author
    UNION ALL SELECT platform, repo, author, 'thread', count(*)
    FROM threads WHERE author IS NOT NULL GROUP BY platform, repo, author
    UNION ALL SELECT platform, repo, author, 'comment', count(*)
    FROM comments WHERE author IS NOT NULL GROUP BY platform, repo, author
),
human AS (
    SELECT c.*, r.owner_type, coalesce(pr.role, 'unknown') AS role
    FROM contributions c
    JOIN repositories r USING (platform, repo)
    LEFT JOIN person_roles pr USING (platform, repo, login)
    LEFT JOIN accounts a ON a.platform = c.platform AND a.login = c.login
    WHERE coalesce(a.type, 'user') <> 'bot'
),
repos AS (
    SELECT platform, count(*) AS repositories,
           count(*) FILTER (WHERE owner_type IS NOT NULL) AS repositories_known_owner,
           count(*) FILTER (WHERE owner_type = 'organization') AS organisation_repositories
    FROM repositories GROUP BY ALL
),
work AS (
    SELECT platform, CAST(sum(n) AS BIGINT) AS contributions,
           CAST(coalesce(sum(n) FILTER (WHERE owner_type IS NOT NULL), 0) AS BIGINT)
               AS contributions_known_owner,
           CAST(coalesce(sum(n) FILTER (WHERE owner_type = 'organization'), 0) AS BIGINT)
               AS to_organisation_repositories,
           CAST(coalesce(sum(n) FILTER (WHERE owner_type = 'organization'
                                        AND role IN ('owner', 'member')), 0) AS BIGINT)
               AS by_organisation_members,
           CAST(coalesce(sum(n) FILTER (WHERE kind = 'commit'), 0) AS BIGINT) AS commits,
           CAST(coalesce(sum(n) FILTER (WHERE kind = 'commit'
                                        AND owner_type = 'organization'), 0) AS BIGINT)
               AS commits_to_organisation_repositories
    FROM human GROUP BY ALL
)
SELECT platform, repositories, organisation_repositories,
       organisation_repositories / nullif(repositories_known_owner, 0)
           AS organisation_repository_share,
       contributions, to_organisation_repositories,
       to_organisation_repositories / nullif(contributions_known_owner, 0)
           AS organisation_contribution_share,
       by_organisation_members / nullif(contributions_known_owner, 0)
           AS organisation_member_contribution_share,
       commits_to_organisation_repositories / nullif(commits, 0)
           AS organisation_commit_share
FROM repos LEFT JOIN work USING (platform)
ORDER BY platform
"""


class Organisations:
    """Per-platform shares of repositories and contributions under organisations."""

    def compute(self, store: Engine) -> pd.DataFrame:
        """One row per platform; columns are defined in ``docs/measures.md``."""
        with person_roles_table(store):
            return store.frame(_SQL)
