"""What commits touch: per repository, the shares of commits that change weights, code or
model configuration, or only documentation (``docs/measures.md`` § What a contribution
touches).

A reader sees whether outsiders improve a model or only its card. Only commits whose
changed paths were collected count (``commits.touched`` not NULL: local clones today); a
repository without any has unknown (NaN) shares, never 0.
"""

from __future__ import annotations

import pandas as pd

from crossforge.measures.engine import BOT_ACCOUNTS, Engine
from crossforge.measures.roles import person_roles_table

#: Per commit with known paths (merges left out: git lists no paths for them), whether it
#: touches each class or only documentation, and whether its author is an external human.
_COMMITS_SQL = f"""
SELECT c.platform, c.repo,
       list_contains(c.touched, 'weights') AS weights,
       list_contains(c.touched, 'code') AS code,
       list_contains(c.touched, 'configuration') AS configuration,
       c.touched = ['documentation'] AS docs_only,
       coalesce(pr.role = 'external' AND coalesce(a.type, 'user') <> 'bot', false)
           AS external
FROM commits c
LEFT JOIN person_roles pr ON pr.platform = c.platform AND pr.repo = c.repo
    AND pr.login = c.author
LEFT JOIN {BOT_ACCOUNTS} a ON a.platform = c.platform AND a.login = c.author
WHERE c.touched IS NOT NULL AND NOT c.is_merge
"""

#: A repository without such commits joins none: its averages are NULL, never 0.
_SQL = """
SELECT r.platform, r.repo,
       count(t.repo) AS commits_with_paths,
       avg(CAST(t.weights AS DOUBLE)) AS weights_commit_share,
       avg(CAST(t.code AS DOUBLE)) AS code_commit_share,
       avg(CAST(t.configuration AS DOUBLE)) AS configuration_commit_share,
       avg(CAST(t.docs_only AS DOUBLE)) AS docs_only_commit_share,
       count(t.repo) FILTER (WHERE t.external) AS external_commits_with_paths,
       avg(CAST(t.weights AS DOUBLE)) FILTER (WHERE t.external)
           AS external_weights_commit_share,
       avg(CAST(t.code AS DOUBLE)) FILTER (WHERE t.external)
           AS external_code_commit_share,
       avg(CAST(t.configuration AS DOUBLE)) FILTER (WHERE t.external)
           AS external_configuration_commit_share,
       avg(CAST(t.docs_only AS DOUBLE)) FILTER (WHERE t.external)
           AS external_docs_only_commit_share
FROM repositories r
LEFT JOIN touched_commits t ON t.platform = r.platform AND t.repo = r.repo
GROUP BY r.platform, r.repo
ORDER BY r.platform, r.repo
"""


class TouchedFiles:
    """Per repository, what its commits (and its external people's commits) change.

    Shares are over non-merge commits whose paths were collected; ``external`` commits are
    those by humans whose role toward the repository is ``external`` (``PersonRoles``).
    A share is NaN when no such commit exists.
    """

    def compute(self, store: Engine) -> pd.DataFrame:
        """One row per repository; columns are defined in ``docs/measures.md``."""
        with person_roles_table(store), store.temp_table("touched_commits", _COMMITS_SQL):
            frame = store.frame(_SQL)
        for column in ("commits_with_paths", "external_commits_with_paths"):
            frame[column] = frame[column].astype("int64")
        return frame
