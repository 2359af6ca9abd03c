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


def _counted_sql(table: str, kind: str, kept: str, merged: str) -> str:
    """Per repository and author of the rows of ``table`` (commits or threads) with known
    paths that match ``kept``, apart for merged (``merged``) and other ones: how many there
    are and how many touch each class or only documentation; one text for both, so commits
    and pull requests are judged alike."""
    return f"""
    SELECT platform, repo, author, '{kind}' AS kind, {merged} AS merged, count(*) AS n,
           count(*) FILTER (WHERE list_contains(touched, 'weights')) AS weights,
           count(*) FILTER (WHERE list_contains(touched, 'code')) AS code,
           count(*) FILTER (WHERE list_contains(touched, 'configuration')) AS configuration,
           count(*) FILTER (WHERE touched = ['documentation']) AS docs_only
    FROM {table} WHERE touched IS NOT NULL AND {kept}
    GROUP BY ALL"""


#: The pull-request groups of the pull columns: column prefix and the flag that keeps a
#: pull request in it (none: every one).
PULL_GROUPS: dict[str, str | None] = {"": None, "external_": "external", "merged_": "merged"}
#: The classes (and "only documentation") each group's shares are of.
SHARE_FLAGS: tuple[str, ...] = ("weights", "code", "configuration", "docs_only")
#: The commit groups, as ``PULL_GROUPS``.
_COMMIT_GROUPS: dict[str, str | None] = {"": None, "external_": "external"}
_SEPARATOR = ",\n           "


def _shares(alias: str, groups: dict[str, str | None], count: str,
            share: str) -> tuple[list[str], list[str]]:
    """Per repository, each group's count and shares over the per-author counts ``t`` of
    ``kind`` (a share is Σ touching ÷ Σ rows: the mean of a 0/1 flag over the rows), and
    the columns that read them with a count of 0, not NULL, for a repository without any;
    its shares stay NULL (NaN)."""
    inner, outer = [], []
    for prefix, kept_by in groups.items():
        where = f" FILTER (WHERE t.{kept_by})" if kept_by else ""
        name = count.format(prefix=prefix)
        inner.append(f"sum(t.n){where} AS {name}")
        outer.append(f"CAST(coalesce({alias}.{name}, 0) AS BIGINT) AS {name}")
        for flag in SHARE_FLAGS:
            column = share.format(prefix=prefix, flag=flag)
            inner.append(f"sum(t.{flag}){where} / sum(t.n){where} AS {column}")
            outer.append(f"{alias}.{column}")
    return inner, outer


_COMMIT_INNER, _COMMIT_OUTER = _shares("c", _COMMIT_GROUPS,
                                       "{prefix}commits_with_paths",
                                       "{prefix}{flag}_commit_share")
_PULL_INNER, _PULL_OUTER = _shares("p", PULL_GROUPS, "{prefix}prs_with_paths",
                                   "{prefix}pr_{flag}_share")

#: Per repository and author, the counts of non-merge commits with known paths (git lists
#: none for merges) and, apart, of pull requests with known paths, with whether the author
#: is an external human. Counted per author before the roles are joined, so the join sees
#: each person once per repository, not each commit (a tenth of the rows), and the roles
#: are joined once for both.
_COUNTS_SQL = f"""
WITH counted AS ({_counted_sql("commits", "commit", "NOT is_merge", "false")}
    UNION ALL{_counted_sql("threads", "pull_request", "kind = 'pull_request'",
                           "coalesce(state = 'merged', false)")}
)
SELECT x.*, pr.login IS NOT NULL AND a.login IS NULL AS external
FROM counted x
LEFT JOIN (SELECT platform, repo, login FROM person_roles WHERE role = 'external') pr
    ON pr.platform = x.platform AND pr.repo = x.repo AND pr.login = x.author
LEFT JOIN {BOT_ACCOUNTS} a ON a.platform = x.platform AND a.login = x.author
"""

#: Per repository, the commits' and the pull requests' counts and shares, for everyone,
#: for external humans and for merged pull requests. A repository without such commits
#: (pull requests) has shares of NULL, never 0.
_SQL = f"""
WITH commit_shares AS (
    SELECT t.platform, t.repo,
           {_SEPARATOR.join(_COMMIT_INNER)}
    FROM touched_counts t WHERE t.kind = 'commit' GROUP BY t.platform, t.repo
),
pull_shares AS (
    SELECT t.platform, t.repo,
           {_SEPARATOR.join(_PULL_INNER)}
    FROM touched_counts t WHERE t.kind = 'pull_request' GROUP BY t.platform, t.repo
)
SELECT r.platform, r.repo,
       {_SEPARATOR.join(_COMMIT_OUTER + _PULL_OUTER)}
FROM repositories r
LEFT JOIN commit_shares c ON c.platform = r.platform AND c.repo = r.repo
LEFT JOIN pull_shares p ON p.platform = r.platform AND p.repo = r.repo
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
        # per-author counts held as a table, which spills under the memory cap, rather than
        # a CTE read twice, which DuckDB keeps pinned
        with person_roles_table(store), store.temp_table("touched_counts", _COUNTS_SQL):
            return store.frame(_SQL)
