"""What contributions touch: per repository, the shares of commits and, apart from them, of
pull requests that change weights, code or model configuration, or only documentation
(``docs/measures.md`` § What a contribution touches).

A reader sees whether outsiders improve a model or only its card. Only contributions whose
changed paths were collected count (``touched`` not NULL: commits from local clones, pull
requests from GitHub GraphQL and the Hub's diffs); a repository without any has unknown
(NaN) shares, never 0. Commits and pull requests are never pooled: a merged pull request's
commits would count twice.
"""

from __future__ import annotations

import pandas as pd

from crossforge.measures.engine import BOT_ACCOUNTS, Engine
from crossforge.measures.roles import person_roles_table


def _flagged_sql(table: str, kept: str, extra: str = "") -> str:
    """Per row of ``table`` (commits or threads) with known paths and matching ``kept``,
    whether it touches each class or only documentation, and whether its author is an
    external human; one text for both, so commits and pull requests are judged alike."""
    return f"""
SELECT x.platform, x.repo,
       list_contains(x.touched, 'weights') AS weights,
       list_contains(x.touched, 'code') AS code,
       list_contains(x.touched, 'configuration') AS configuration,
       x.touched = ['documentation'] AS docs_only,
       coalesce(pr.role = 'external' AND coalesce(a.type, 'user') <> 'bot', false)
           AS external{extra}
FROM {table} x
LEFT JOIN person_roles pr ON pr.platform = x.platform AND pr.repo = x.repo
    AND pr.login = x.author
LEFT JOIN {BOT_ACCOUNTS} a ON a.platform = x.platform AND a.login = x.author
WHERE x.touched IS NOT NULL AND {kept}
"""


#: Per commit with known paths (merges left out: git lists no paths for them).
_COMMITS_SQL = _flagged_sql("commits", "NOT x.is_merge")

#: Per pull request with known paths, also whether it was merged.
_PULLS_SQL = _flagged_sql("threads", "x.kind = 'pull_request'",
                          ",\n       coalesce(x.state = 'merged', false) AS merged")

#: The pull-request groups of ``_PULL_SHARES_SQL``: column prefix and the flag that keeps a
#: pull request in it (none: every one).
PULL_GROUPS: dict[str, str | None] = {"": None, "external_": "external", "merged_": "merged"}
#: The classes (and "only documentation") each group's shares are of.
SHARE_FLAGS: tuple[str, ...] = ("weights", "code", "configuration", "docs_only")


def _pull_columns(prefix: str, kept_by: str | None) -> list[str]:
    """One group's count and four shares; NULL (NaN) shares where it holds no row."""
    where = f" FILTER (WHERE p.{kept_by})" if kept_by else ""
    return [f"count(p.repo){where} AS {prefix}prs_with_paths",
            *(f"avg(CAST(p.{flag} AS DOUBLE)){where} AS {prefix}pr_{flag}_share"
              for flag in SHARE_FLAGS)]


_PULL_COLUMNS = ",\n       ".join(
    column for prefix, kept_by in PULL_GROUPS.items()
    for column in _pull_columns(prefix, kept_by))

#: Per repository, the pull requests' shares; a repository without such pull requests joins
#: none, so its shares are NULL, never 0.
_PULL_SHARES_SQL = f"""
SELECT r.platform, r.repo,
       {_PULL_COLUMNS}
FROM repositories r
LEFT JOIN touched_pulls p ON p.platform = r.platform AND p.repo = r.repo
GROUP BY r.platform, r.repo
ORDER BY r.platform, r.repo
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
    """Per repository, what its commits and, in separate columns, its pull requests change,
    for everyone and for external people (and for merged pull requests).

    Shares are over non-merge commits, or pull requests, whose paths were collected;
    ``external`` ones are by humans whose role toward the repository is ``external``
    (``PersonRoles``). A share is NaN when no such commit or pull request exists.
    """

    def compute(self, store: Engine) -> pd.DataFrame:
        """One row per repository; columns are defined in ``docs/measures.md``."""
        with person_roles_table(store):
            with store.temp_table("touched_commits", _COMMITS_SQL):
                frame = store.frame(_SQL)
            with store.temp_table("touched_pulls", _PULLS_SQL):
                pulls = store.frame(_PULL_SHARES_SQL)
        frame = frame.merge(pulls, on=["platform", "repo"], how="left")
        counts = ("commits_with_paths", "external_commits_with_paths",
                  *(f"{prefix}prs_with_paths" for prefix in PULL_GROUPS))
        for column in counts:
            frame[column] = frame[column].astype("int64")
        return frame
