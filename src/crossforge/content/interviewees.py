"""Drawing interviewees from the store: people by platform, role and stratum, seeded.

A person (platform, login) takes one role, the first of ``ROLES`` they hold on any stored
repository, so nobody is drawn twice; their stratum is that of the repository (by name,
the first) where they hold it, from the stored frames (unknown when no stratified frame holds
it). Bots, organisations, mannequins and ``ghost`` (GitHub's deleted accounts) are never
drawn.

Two outputs keep personal data apart: the *contact file* holds public handles and the
repository each person was drawn through (the researcher keeps it and nothing else reads it);
the *interviewee list* holds only pseudonyms, platform, role and stratum, and is what the
study's other files (segments, notes, reports) refer to.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crossforge.errors import ConfigError
from crossforge.identity import is_bot
from crossforge.store import Store
from crossforge.store.snapshot import pseudonym

ROLES = ("owner", "member", "adapter", "external contributor", "discussion participant")
DELETED_ACCOUNTS = frozenset({"ghost"})
PROFILE_URLS = {"github": "https://github.com/{}", "huggingface": "https://huggingface.co/{}"}
CONTACT_WARNING = ("PERSONAL DATA: public handles of people drawn for interviews. Keep this "
                   "file private, share it with no one, delete it when recruitment ends.")

# Every (platform, login, role, repo) a person holds; the role names are ROLES'. It reads
# ``person_roles`` (the measures' rule of who is an insider, docs/measures.md § Roles), whose
# CTEs the caller passes in: content sits below measures and may not import them.
CANDIDATES_SQL = """
WITH {person_roles_sql},
contributed AS (
    SELECT platform, repo, author AS login FROM commits WHERE author IS NOT NULL
    UNION SELECT platform, repo, unnest(co_authors) FROM commits
    UNION SELECT platform, repo, author FROM threads WHERE kind = 'pull_request'
),
discussed AS (
    SELECT platform, repo, author AS login FROM threads WHERE kind <> 'pull_request'
    UNION SELECT platform, repo, author FROM comments
)
SELECT platform, owner AS login, 'owner' AS role, repo FROM repositories
WHERE coalesce(owner_type, '') <> 'organization'
UNION
SELECT r.platform, m.login, 'member', r.repo FROM repositories r
JOIN memberships m ON m.platform = r.platform AND m.organization = r.owner
UNION
SELECT platform, login, 'member', repo FROM person_roles WHERE role = 'member'
UNION
SELECT d.platform, split_part(d.child, '/', 1), 'adapter', d.parent FROM derivations d
JOIN repositories p ON p.platform = d.platform AND p.repo = d.parent
WHERE contains(d.child, '/')
UNION
SELECT platform, login, 'external contributor', repo FROM person_roles
JOIN contributed USING (platform, repo, login) WHERE role = 'external'
UNION
SELECT platform, login, 'discussion participant', repo FROM person_roles
JOIN discussed USING (platform, repo, login) WHERE role IN ('external', 'unknown')
"""

# Mannequins stand in for people of an imported history who have no account to contact.
NOT_PEOPLE_SQL = ("SELECT platform, login FROM accounts "
                  "WHERE type IN ('bot', 'organization', 'mannequin')")
STRATA_SQL = ("SELECT platform, repo, min(stratum) AS stratum FROM frames "
              "WHERE stratum IS NOT NULL GROUP BY platform, repo")


def candidates(store: Store, person_roles_sql: str) -> pd.DataFrame:
    """One row per person who could be drawn: ``platform, login, role, repo, stratum``.

    ``person_roles_sql`` is the measures' ``PERSON_ROLES_SQL`` (CTEs defining
    ``person_roles``), so an interviewee's role is the one the openness measures count.
    """
    held = store.frame(CANDIDATES_SQL.format(person_roles_sql=person_roles_sql))
    held = held.dropna(subset=["login"])
    held = held[held["login"] != ""]
    not_people = store.frame(NOT_PEOPLE_SQL)
    excluded = set(map(tuple, not_people[["platform", "login"]].to_numpy()))
    keep = [not (is_bot(login) or login.lower() in DELETED_ACCOUNTS
                 or (platform, login) in excluded)
            for platform, login in held[["platform", "login"]].to_numpy()]
    held = held[keep].assign(rank=lambda f: f["role"].map(ROLES.index))
    first = (held.sort_values(["platform", "login", "rank", "repo"])
             .drop_duplicates(["platform", "login"]).drop(columns="rank"))
    strata = store.frame(STRATA_SQL)
    return first.merge(strata, on=["platform", "repo"], how="left").reset_index(drop=True)


def draw_interviewees(people: pd.DataFrame, *, per_cell: int, seed: int, key: bytes,
                      platforms: list[str] | None = None, roles: list[str] | None = None,
                      strata: list[str] | None = None) -> pd.DataFrame:
    """Up to ``per_cell`` people from each (platform, role, stratum) cell, in random order.

    The same candidates, seed and key always give the same draw and pseudonyms. Returns the
    drawn rows with ``pseudonym`` and ``profile`` added (contact columns included: split
    them with ``contact_file`` and ``interviewee_list``).
    """
    if per_cell < 1:
        raise ConfigError(f"--per-cell must be at least 1, not {per_cell}")
    unknown_roles = sorted(set(roles or []) - set(ROLES))
    if unknown_roles:
        raise ConfigError(f"unknown role {', '.join(unknown_roles)}: use {', '.join(ROLES)}")
    chosen = people
    if platforms:
        chosen = chosen[chosen["platform"].isin(platforms)]
    if roles:
        chosen = chosen[chosen["role"].isin(roles)]
    if strata:
        chosen = chosen[chosen["stratum"].isin(strata)]
    rng = np.random.default_rng(seed)
    chosen = chosen.sort_values(["platform", "role", "login"], ignore_index=True)
    order = chosen.assign(draw_order=rng.permutation(len(chosen)))
    cells = order.groupby(["platform", "role", order["stratum"].fillna("\x00")], sort=True)
    drawn = (order.sort_values("draw_order")
             .groupby([cells.ngroup()], sort=False).head(per_cell)
             .sort_values(["platform", "role", "draw_order"], ignore_index=True))
    drawn["pseudonym"] = [pseudonym(key, f"{p}:{login}")
                          for p, login in drawn[["platform", "login"]].to_numpy()]
    drawn["profile"] = [PROFILE_URLS.get(p, "{}").format(login)
                        for p, login in drawn[["platform", "login"]].to_numpy()]
    return drawn.drop(columns="draw_order")


def contact_file(drawn: pd.DataFrame) -> pd.DataFrame:
    """The researcher's private file: pseudonym beside handle, profile and repository."""
    return drawn[["pseudonym", "platform", "login", "profile", "role", "repo", "stratum"]]


def interviewee_list(drawn: pd.DataFrame) -> pd.DataFrame:
    """The shareable list: pseudonyms only, no handle or repository (an id names its owner)."""
    return drawn[["pseudonym", "platform", "role", "stratum"]]
