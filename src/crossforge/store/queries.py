"""Read-only questions about where a store's data came from (the ``provenance`` table).

Functions over an open ``Store`` rather than ``Store`` methods, so the API, the measure
pipeline and the report ask them without holding SQL of their own.
"""

from __future__ import annotations

from crossforge.store.database import Store

#: One provenance line per local source, and one per API with its count of raw responses.
PROVENANCE_SUMMARY_SQL = """
SELECT source,
       coalesce(local_origin, count(*) || ' API responses in the raw store') AS origin,
       min(fetched_at) AS fetched_at, tool_version
FROM (SELECT *, CASE WHEN origin NOT LIKE 'raw:%' THEN origin END AS local_origin
      FROM provenance)
GROUP BY source, tool_version, local_origin
ORDER BY fetched_at
"""


def provenance_summary(store: Store) -> list[dict[str, str]]:
    """The report's list of sources: ``source, origin, fetched_at, tool_version`` as text."""
    return store.frame(PROVENANCE_SUMMARY_SQL).astype(str).to_dict("records")


def provenance_fingerprint(store: Store) -> list[list[str]]:
    """Every provenance id with its fetch time, as text: changes whenever data is added, so
    a study step that depends on the data reruns."""
    return store.frame("SELECT id, fetched_at FROM provenance ORDER BY id").astype(
        str).values.tolist()


def has_source(store: Store, source: str) -> bool:
    """Whether any of the store's data came from ``source`` (e.g. a synthetic world)."""
    row = store.query("SELECT count(*) FROM provenance WHERE source = ?", [source]).fetchone()
    return bool(row and row[0])


#: People who contributed to a platform's stored repositories (a commit, a co-authored
#: commit, a thread or a comment), with the repository: accounts of type ``user`` and
#: authors without an account record; e-mail identities (``@``) are not accounts.
CONTRIBUTORS_SQL = """
SELECT DISTINCT p.repo, p.login FROM (
    SELECT repo, author AS login FROM commits WHERE platform = ?1
    UNION ALL SELECT repo, unnest(co_authors) FROM commits WHERE platform = ?1
    UNION ALL SELECT repo, author FROM threads WHERE platform = ?1
    UNION ALL SELECT repo, author FROM comments WHERE platform = ?1
) p
LEFT JOIN accounts a ON a.platform = ?1 AND a.login = p.login
WHERE p.login IS NOT NULL AND p.login NOT LIKE '%@%' AND coalesce(a.type, 'user') = 'user'
ORDER BY ALL
"""


def contributors(store: Store, platform: str) -> list[tuple[str, str]]:
    """``(repo, login)`` of every person who contributed to a stored repository of
    ``platform`` (bots, organisations and mannequins left out)."""
    return [(repo, login) for repo, login in
            store.query(CONTRIBUTORS_SQL, [platform]).fetchall()]
