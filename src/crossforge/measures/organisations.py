"""Organisations vs individuals (``docs/measures.md`` § Organisations).

Per platform: the share of repositories owned by organisations, and the share of
contributions (human commits, threads opened, comments) that go to organisation-owned
repositories and that are made by members of the owning organisation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd

from crossforge.measures.engine import BOT_ACCOUNTS, Engine
from crossforge.measures.roles import person_roles_table
from crossforge.measures.statistics import ratio_estimates

#: Per repository: its owner type and its human contributions (commits, threads opened,
#: comments; bots and unknown authors left out): all of them, those by members of the owner
#: (role ``owner`` or ``member``), and the commits; the rows both the platform shares and
#: the per-repository units read, computed once. Each contribution is looked up among the
#: few insiders directly: cheaper than counting per person first and joining every role.
_CONTRIBUTIONS_SQL = f"""
WITH contributions AS (
    SELECT platform, repo, author AS login, 1 AS commits FROM commits WHERE author IS NOT NULL
    UNION ALL SELECT platform, repo, author, 0 FROM threads WHERE author IS NOT NULL
    UNION ALL SELECT platform, repo, author, 0 FROM comments WHERE author IS NOT NULL
),
counted AS (
    SELECT c.platform, c.repo, count(*) AS contributions,
           count(*) FILTER (WHERE pr.login IS NOT NULL) AS by_members,
           sum(c.commits) AS commits
    FROM contributions c
    LEFT JOIN (SELECT platform, repo, login FROM person_roles
               WHERE role IN ('owner', 'member')) pr
        ON pr.platform = c.platform AND pr.repo = c.repo AND pr.login = c.login
    LEFT JOIN {BOT_ACCOUNTS} a ON a.platform = c.platform AND a.login = c.login
    WHERE a.login IS NULL
    GROUP BY c.platform, c.repo
)
SELECT r.platform, r.repo, r.owner_type,
       CAST(coalesce(h.contributions, 0) AS BIGINT) AS contributions,
       CAST(coalesce(h.by_members, 0) AS BIGINT) AS by_members,
       CAST(coalesce(h.commits, 0) AS BIGINT) AS commits
FROM repositories r LEFT JOIN counted h ON h.platform = r.platform AND h.repo = r.repo
"""

#: A platform without any contribution has none of the contribution columns (NULL).
_SQL = """
WITH repos AS (
    SELECT platform, count(*) AS repositories,
           count(*) FILTER (WHERE owner_type IS NOT NULL) AS repositories_known_owner,
           count(*) FILTER (WHERE owner_type = 'organization') AS organisation_repositories
    FROM repositories GROUP BY ALL
),
work AS (
    SELECT platform, CAST(sum(contributions) AS BIGINT) AS contributions,
           CAST(coalesce(sum(contributions) FILTER (WHERE owner_type IS NOT NULL), 0)
                AS BIGINT) AS contributions_known_owner,
           CAST(coalesce(sum(contributions) FILTER (WHERE owner_type = 'organization'), 0)
                AS BIGINT) AS to_organisation_repositories,
           CAST(coalesce(sum(by_members) FILTER (WHERE owner_type = 'organization'), 0)
                AS BIGINT) AS by_organisation_members,
           CAST(sum(commits) AS BIGINT) AS commits,
           CAST(coalesce(sum(commits) FILTER (WHERE owner_type = 'organization'), 0)
                AS BIGINT) AS commits_to_organisation_repositories
    FROM organisation_contributions WHERE contributions > 0 GROUP BY ALL
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


#: Per repository: its owner type and the human contributions to it (all; by members of
#: the owner), the units the shares' bootstrap resamples.
_BY_REPOSITORY_SQL = """
SELECT platform, repo, owner_type, contributions, by_members
FROM organisation_contributions ORDER BY platform, repo
"""

#: The shares given an interval (``share_intervals``).
SHARES = ("organisation_repository_share", "organisation_contribution_share",
          "organisation_member_contribution_share")


class Organisations:
    """Per-platform shares of repositories and contributions under organisations."""

    def compute(self, store: Engine) -> pd.DataFrame:
        """One row per platform; columns are defined in ``docs/measures.md``."""
        with self._contributions(store):
            return store.frame(_SQL)

    def compute_with_repositories(self, store: Engine) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``compute``'s rows, and one row per repository (``platform, repo, owner_type,
        contributions, by_members``: the units ``share_intervals`` resamples), from one
        pass over the contributions."""
        with self._contributions(store):
            return store.frame(_SQL), store.frame(_BY_REPOSITORY_SQL)

    @contextmanager
    def _contributions(self, store: Engine) -> Iterator[None]:
        with person_roles_table(store), store.temp_table("organisation_contributions",
                                                         _CONTRIBUTIONS_SQL):
            yield


def share_intervals(by_repository: pd.DataFrame, weights: pd.Series | None = None, *,
                    n_bootstrap: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Per platform, each of ``SHARES`` with its percentile bootstrap interval
    (repositories with a known owner type resampled), its n (those repositories), and,
    where ``weights`` (design weights aligned with ``by_repository``) apply, the
    design-weighted share with its interval."""
    rows = []
    known = by_repository["owner_type"].notna()
    organisation = (by_repository["owner_type"] == "organization").astype(float)
    parts = {"organisation_repository_share": (organisation, known.astype(float)),
             "organisation_contribution_share": (
                 organisation * by_repository["contributions"],
                 known * by_repository["contributions"]),
             "organisation_member_contribution_share": (
                 organisation * by_repository["by_members"],
                 known * by_repository["contributions"])}
    for platform, group in by_repository.groupby("platform", sort=True):
        index = group.index[known[group.index]]
        row: dict[str, object] = {"platform": platform, "known_owner_repositories": len(index)}
        for column, (numerator, denominator) in parts.items():
            estimate = ratio_estimates(
                numerator.loc[index], denominator.loc[index], key=f"{column}:{platform}",
                weights=None if weights is None else weights.loc[index],
                n_bootstrap=n_bootstrap, seed=seed)
            row[f"{column}_ci_low"], row[f"{column}_ci_high"] = (estimate["ci_low"],
                                                                 estimate["ci_high"])
            row[f"weighted_{column}"] = estimate["weighted_value"]
            row[f"weighted_{column}_ci_low"] = estimate["weighted_ci_low"]
            row[f"weighted_{column}_ci_high"] = estimate["weighted_ci_high"]
        rows.append(row)
    return pd.DataFrame(rows)
