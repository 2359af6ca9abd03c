"""When a repository starts: the one rule behind every measure of age, creation year and
maintenance time (``docs/measures.md`` § When a repository starts).

The Hub gives ``createdAt`` = its floor (``HUB_CREATED_AT_FLOOR``, seconds varying) for every
repository created before it began storing creation dates, so for those the platform's date
is not a creation date: such a repository starts at its first commit when that is earlier.
Everywhere else a repository starts at the platform's creation date, and at its first
commit when the platform gave none.
"""

from __future__ import annotations

from datetime import timedelta

from crossforge.records import HUB_CREATED_AT_FLOOR

_FLOOR_MINUTE = HUB_CREATED_AT_FLOOR.replace(second=0, microsecond=0)
_FLOOR_FROM = _FLOOR_MINUTE.isoformat(sep=" ")
_FLOOR_UNTIL = (_FLOOR_MINUTE + timedelta(minutes=1)).isoformat(sep=" ")
#: The Hub's floor: a Hub date anywhere in the floor's minute.
_FLOORED = (f"r.platform = 'huggingface' AND r.created_at >= TIMESTAMPTZ '{_FLOOR_FROM}' "
            f"AND r.created_at < TIMESTAMPTZ '{_FLOOR_UNTIL}'")

#: One row per repository: ``started_at`` and ``started_from`` (``platform``: the platform's
#: creation date; ``first_commit``: the first authored commit, because the platform gave no
#: date or only the Hub's floor; ``hub_floor``: the floor itself, no commit being earlier, so
#: an upper bound; ``unknown`` when neither is known, ``started_at`` then NULL). Use it as a CTE:
#: ``WITH starts AS ({STARTS_SQL}) …``.
STARTS_SQL = f"""
SELECT r.platform, r.repo,
       CASE WHEN r.created_at IS NULL THEN fc.first_commit_at
            WHEN {_FLOORED} AND fc.first_commit_at < r.created_at THEN fc.first_commit_at
            ELSE r.created_at END AS started_at,
       CASE WHEN r.created_at IS NULL AND fc.first_commit_at IS NULL THEN 'unknown'
            WHEN r.created_at IS NULL THEN 'first_commit'
            WHEN {_FLOORED} AND fc.first_commit_at < r.created_at THEN 'first_commit'
            WHEN {_FLOORED} THEN 'hub_floor'
            ELSE 'platform' END AS started_from
FROM repositories r
LEFT JOIN (SELECT platform, repo, min(authored_at) AS first_commit_at
           FROM commits GROUP BY ALL) fc USING (platform, repo)
"""
