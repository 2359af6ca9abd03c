"""Who is an insider: each person's role toward each repository (``docs/measures.md`` § Roles).

The rule, in order:

1. ``owner``: the person is the repository's owner account.
2. ``member``: the person belongs to the owning organisation (``memberships``), or a platform
   said so on a thread or comment in this repository (GitHub ``author_association`` OWNER,
   MEMBER or COLLABORATOR map to ``owner``/``member`` when collected).
3. ``external``: a platform said so (GitHub NONE, CONTRIBUTOR, FIRST_TIME_CONTRIBUTOR…), or
   the owner's roster is known — a user-owned repository (GitHub collaborators appear as
   ``member`` through rule 2), or an organisation with collected members — and rule 1–2 fail.
4. ``unknown``: nothing above applies; such people are left out of openness shares.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from weakref import WeakKeyDictionary

import pandas as pd

from crossforge.measures.engine import Engine

#: A CTE list (without ``WITH``) defining ``person_roles(platform, repo, login, role)`` over
#: everyone who authored a commit, co-authored one, opened a thread or wrote a comment. A
#: commit's unknown (NULL) author is nobody, so it has no role.
PERSON_ROLES_SQL = """
people AS (
    SELECT platform, repo, author AS login, NULL AS said FROM commits WHERE author IS NOT NULL
    UNION ALL
    SELECT platform, repo, unnest(co_authors), NULL FROM commits
    UNION ALL
    SELECT platform, repo, author, author_role FROM threads WHERE author IS NOT NULL
    UNION ALL
    SELECT platform, repo, author, author_role FROM comments WHERE author IS NOT NULL
),
said AS (
    SELECT platform, repo, login,
           bool_or(said IN ('owner', 'member')) AS said_insider,
           bool_or(said = 'external') AS said_external
    FROM people GROUP BY ALL
),
rosters AS (
    SELECT platform, organization, count(*) AS members FROM memberships GROUP BY ALL
),
person_roles AS (
    SELECT s.platform, s.repo, s.login,
        CASE
            WHEN s.login = r.owner THEN 'owner'
            WHEN m.login IS NOT NULL OR s.said_insider THEN 'member'
            WHEN s.said_external OR r.owner_type = 'user' OR ro.members > 0 THEN 'external'
            ELSE 'unknown'
        END AS role
    FROM said s
    JOIN repositories r USING (platform, repo)
    LEFT JOIN memberships m
        ON m.platform = s.platform AND m.organization = r.owner AND m.login = s.login
    LEFT JOIN rosters ro ON ro.platform = s.platform AND ro.organization = r.owner
)
"""


#: The roles as one query: measures hold it as the temporary table ``person_roles``
#: (``person_roles_table``) and read it as often as they need.
PERSON_ROLES_QUERY = f"WITH {PERSON_ROLES_SQL} SELECT * FROM person_roles"


#: Engines holding ``person_roles`` now, with how many blocks hold it.
_HELD: WeakKeyDictionary[Engine, int] = WeakKeyDictionary()


@contextmanager
def person_roles_table(store: Engine) -> Iterator[None]:
    """``person_roles(platform, repo, login, role)`` as a temporary table for the block.

    Computed once and held by the engine's buffer manager (spilled to disk when memory is
    short), so a measure reading roles several times neither recomputes them nor keeps
    them pinned in memory as a CTE (``docs/measures.md`` § Scale). A block inside another
    block on the same engine reads the table the outer block made: the pipeline holds it
    across the measures that read roles, so they are computed once per run, not per measure.
    """
    held = _HELD.get(store, 0)
    if held:
        _HELD[store] = held + 1
        try:
            yield
        finally:
            _HELD[store] -= 1
        return
    with store.temp_table("person_roles", PERSON_ROLES_QUERY):
        _HELD[store] = 1
        try:
            yield
        finally:
            del _HELD[store]


class PersonRoles:
    """Each participant's role toward each repository, by the rule in the module docstring."""

    def compute(self, store: Engine) -> pd.DataFrame:
        """Columns ``platform, repo, login, role``."""
        return store.frame(f"{PERSON_ROLES_QUERY} ORDER BY ALL")
