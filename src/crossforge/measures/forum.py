"""A forum's topics as threads and comments of the repositories they mention, for the
per-channel knowledge-exchange measures (``docs/measures.md`` § Forum topics).

A forum topic belongs to no repository; it counts for each repository of the study that it
links (``forum_links``, by URL or by a bare id of the frame). So ``forum_frames`` gives one
thread per (topic, linked repository), shaped as the store's ``threads`` table with
``channel = 'forum'``, and one comment per reply, shaped as ``comments``: the measures that
read issue trackers read the forum the same way, per channel.
"""

from __future__ import annotations

import pandas as pd

from crossforge.measures.engine import Engine

#: Discourse's tutorial bot (``sources.discourse.FORUM_BOTS``; analysis imports no source).
FORUM_BOTS = ("discobot",)
_BOTS_SQL = "(" + ", ".join(f"'{bot}'" for bot in FORUM_BOTS) + ")"

_LINKED = """
linked AS (
    SELECT DISTINCT l.forum, l.topic_id, r.platform, r.repo, r.owner, r.owner_type
    FROM forum_links l
    JOIN repositories r ON r.platform = l.platform AND lower(r.repo) = lower(l.repo)
    WHERE ? IS NULL OR (r.platform, r.repo) IN (
        SELECT platform, repo FROM frames WHERE frame = ?)
),
rosters AS (
    SELECT platform, organization, count(*) AS members FROM memberships GROUP BY ALL
)"""


def _role(login: str) -> str:
    """The role of ``login`` toward the linked repository ``k`` (``measures.roles``' rule,
    with no platform's say: a forum tells nobody's relation to a repository). A forum
    account is a person of ``accounts_platform`` (the Hugging Face forum signs in with Hub
    accounts); toward another platform's repository, and for an unknown author, the role is
    unknown."""
    return f"""CASE
        WHEN {login} IS NULL OR k.platform <> ? THEN 'unknown'
        WHEN {login} = k.owner THEN 'owner'
        WHEN m.login IS NOT NULL THEN 'member'
        WHEN k.owner_type = 'user' OR ro.members > 0 THEN 'external'
        ELSE 'unknown' END"""


def _joins(login: str) -> str:
    return f"""LEFT JOIN memberships m ON m.platform = k.platform
        AND m.organization = k.owner AND m.login = {login}
    LEFT JOIN rosters ro ON ro.platform = k.platform AND ro.organization = k.owner"""


def forum_frames(store: Engine, *, frame: str | None = None,
                 accounts_platform: str | None = "huggingface"
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stored forums' topics as ``(threads, comments)`` of the repositories they link.

    Args:
        frame: only links to this frame's repositories (default: every repository the
            store holds; links to repositories it does not hold are left out).
        accounts_platform: the platform whose accounts the forum's usernames are (the
            Hugging Face forum's are Hub accounts); ``None``: every role is unknown.

    Returns:
        ``threads``: the ``threads`` table's columns (``number`` the topic id, ``kind``
        ``discussion``, ``state`` ``closed`` for a closed topic else ``open``, ``closed_at``
        and ``merged_at`` unknown, ``channel`` ``forum``) plus ``answerable`` (the forum
        runs the solved plugin, so the topic can have an accepted answer), ``answered_at``
        (when the accepted answer was posted; unknown without one) and ``forum``. ``comments``: the
        ``comments`` table's columns for every post after the first (Discourse's bot's left
        out), ``comment_id`` ``forum:{forum}:{post id}``, plus ``channel`` and ``forum``.
    """
    platform = accounts_platform or ""
    threads = store.frame(f"""
        WITH {_LINKED}
        SELECT k.platform, k.repo, CAST(t.topic_id AS INTEGER) AS number,
            'discussion' AS kind, t.title, p.body, t.author, {_role('t.author')} AS author_role,
            CASE WHEN t.closed THEN 'closed' ELSE 'open' END AS state, t.created_at,
            CAST(NULL AS TIMESTAMPTZ) AS closed_at, CAST(NULL AS TIMESTAMPTZ) AS merged_at,
            'forum' AS channel, t.has_accepted_answer IS NOT NULL AS answerable,
            a.created_at AS answered_at, t.forum
        FROM linked k
        JOIN forum_topics t USING (forum, topic_id)
        LEFT JOIN forum_posts p ON p.forum = t.forum AND p.topic_id = t.topic_id
            AND p.post_number = 1
        LEFT JOIN forum_posts a ON a.forum = t.forum AND a.topic_id = t.topic_id
            AND a.post_number = t.accepted_post_number
        {_joins('t.author')}
        ORDER BY k.platform, k.repo, number""", [frame, frame, platform])
    comments = store.frame(f"""
        WITH {_LINKED}
        SELECT k.platform, k.repo, CAST(p.topic_id AS INTEGER) AS thread_number,
            'forum:' || p.forum || ':' || CAST(p.post_id AS VARCHAR) AS comment_id, p.author,
            p.created_at, p.body, {_role('p.author')} AS author_role, 'forum' AS channel,
            p.forum
        FROM linked k
        JOIN forum_posts p USING (forum, topic_id)
        {_joins('p.author')}
        WHERE p.post_number > 1 AND (p.author IS NULL OR p.author NOT IN {_BOTS_SQL})
        ORDER BY k.platform, k.repo, thread_number, p.post_number""",
        [frame, frame, platform])
    return threads, comments
