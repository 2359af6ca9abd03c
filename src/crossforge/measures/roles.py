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

from crossforge.measures.engine import BOT_ACCOUNTS, Engine

#: A CTE list (without ``WITH``) defining ``person_roles(platform, repo, login, role, …)``
#: over everyone who authored a commit, co-authored one, opened a thread or wrote a comment.
#: A commit's unknown (NULL) author is nobody, so it has no role.
#:
#: Beside the role, each row says what the person did in the repository, so the measures
#: that count people or their commits read these rows instead of grouping the commits,
#: threads and comments by person again and joining them back to the roles on three text
#: keys (``docs/measures.md`` § Scale): ``commits`` (commits they authored),
#: ``author_credits`` (those commits counted once more for each time the author is also
#: listed as a co-author: a person's rows among a commit's credited people),
#: ``credited`` (authored or co-authored a commit), ``opened`` (opened a thread),
#: ``posted`` (opened a thread or wrote a comment) and ``bot`` (a bot account).
PERSON_ROLES_SQL = f"""
people AS (
    SELECT platform, repo, author AS login, NULL AS said, 'commit' AS source
    FROM commits WHERE author IS NOT NULL
    UNION ALL
    SELECT platform, repo, co_author, NULL,
           CASE WHEN co_author = author THEN 'own_co_author' ELSE 'co_author' END
    FROM (SELECT platform, repo, author, unnest(co_authors) AS co_author FROM commits) co
    UNION ALL
    SELECT platform, repo, author, author_role, 'thread' FROM threads WHERE author IS NOT NULL
    UNION ALL
    SELECT platform, repo, author, author_role, 'comment' FROM comments
    WHERE author IS NOT NULL
),
said AS (
    SELECT platform, repo, login,
           bool_or(said IN ('owner', 'member')) AS said_insider,
           bool_or(said = 'external') AS said_external,
           count(*) FILTER (WHERE source = 'commit') AS commits,
           count(*) FILTER (WHERE source IN ('commit', 'own_co_author')) AS author_credits,
           bool_or(source IN ('commit', 'co_author', 'own_co_author')) AS credited,
           bool_or(source = 'thread') AS opened,
           bool_or(source IN ('thread', 'comment')) AS posted
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
        END AS role,
        s.commits, s.author_credits, s.credited, s.opened, s.posted,
        b.login IS NOT NULL AS bot
    FROM said s
    JOIN repositories r USING (platform, repo)
    LEFT JOIN memberships m
        ON m.platform = s.platform AND m.organization = r.owner AND m.login = s.login
    LEFT JOIN rosters ro ON ro.platform = s.platform AND ro.organization = r.owner
    LEFT JOIN {BOT_ACCOUNTS} b ON b.platform = s.platform AND b.login = s.login
)
"""

#: The columns of a role proper (``PersonRoles``' output); the rest say what people did.
ROLE_COLUMNS = "platform, repo, login, role"

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
        return store.frame(f"WITH {PERSON_ROLES_SQL} SELECT {ROLE_COLUMNS} FROM person_roles "
                           "ORDER BY ALL")
