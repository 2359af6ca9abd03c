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

# Bits of ``people.did``: what a row of a person is (a commit they authored, a co-author
# entry naming its commit's author or someone else, a thread opened, a comment) and which
# role its platform stamped on it. One integer OR-ed per person is cheaper to group than a
# filtered count or ``bool_or`` per flag, which at the paper's scale runs over 10^8 rows.
_COMMIT, _OWN_CO_AUTHOR, _CO_AUTHOR, _THREAD, _COMMENT = 1, 2, 4, 8, 16
_SAID_INSIDER, _SAID_EXTERNAL = 32, 64
_SAID = (f"CASE WHEN author_role IN ('owner', 'member') THEN {_SAID_INSIDER} "
         f"WHEN author_role = 'external' THEN {_SAID_EXTERNAL} ELSE 0 END")

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
people AS (         -- one row per post or credit; ``did``: bits of what it was, and said
    SELECT platform, repo, author AS login, {_COMMIT} AS did, 1 AS commits, 1 AS credits
    FROM commits WHERE author IS NOT NULL
    UNION ALL
    SELECT platform, repo, co_author,
           CASE WHEN co_author = author THEN {_OWN_CO_AUTHOR} ELSE {_CO_AUTHOR} END, 0,
           CASE WHEN co_author = author THEN 1 ELSE 0 END
    FROM (SELECT platform, repo, author, unnest(co_authors) AS co_author FROM commits) co
    UNION ALL
    SELECT platform, repo, author, {_THREAD} | ({_SAID}), 0, 0 FROM threads
    WHERE author IS NOT NULL
    UNION ALL
    SELECT platform, repo, author, {_COMMENT} | ({_SAID}), 0, 0 FROM comments
    WHERE author IS NOT NULL
),
said AS (
    SELECT platform, repo, login, bit_or(did) AS did, sum(commits) AS commits,
           sum(credits) AS author_credits
    FROM people GROUP BY ALL
),
rosters AS (
    SELECT platform, organization, count(*) AS members FROM memberships GROUP BY ALL
),
person_roles AS (
    SELECT s.platform, s.repo, s.login,
        CASE
            WHEN s.login = r.owner THEN 'owner'
            WHEN m.login IS NOT NULL OR (s.did & {_SAID_INSIDER}) <> 0 THEN 'member'
            WHEN (s.did & {_SAID_EXTERNAL}) <> 0 OR r.owner_type = 'user' OR ro.members > 0
                THEN 'external'
            ELSE 'unknown'
        END AS role,
        CAST(s.commits AS INTEGER) AS commits,
        CAST(s.author_credits AS INTEGER) AS author_credits,
        (s.did & {_COMMIT | _OWN_CO_AUTHOR | _CO_AUTHOR}) <> 0 AS credited,
        (s.did & {_THREAD}) <> 0 AS opened, (s.did & {_THREAD | _COMMENT}) <> 0 AS posted,
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
