"""Who is who: the identity rules every source applies before records reach the store.

Rules (documented with examples in ``docs/measures.md``):

1. ``.mailmap`` is applied first (git does it for us through ``%aN``/``%aE``).
2. A platform no-reply address resolves to its login:
   ``12345+login@users.noreply.github.com`` / ``login@users.noreply.github.com`` on GitHub,
   ``login@users.noreply.huggingface.co`` on the Hub.
3. Otherwise the lower-cased e-mail address is the identity, so one address is one person.
4. A missing or placeholder address (no ``@``, no dot in the domain, ``none@none``,
   ``unknown@…``) cannot tell people apart; the lower-cased name is used instead. With
   neither a name nor an address the author is unknown (``None``), never one shared
   identity that every such commit would make a person of.
5. Bots are flagged, never dropped: a ``[bot]`` suffix, a login or name that ends in
   ``-bot``/``_bot``, or a known platform bot (``KNOWN_BOTS``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from crossforge.records import Platform

_NOREPLY: dict[str, re.Pattern[str]] = {
    "github": re.compile(r"^(?:\d+\+)?([^@+]+)@users\.noreply\.github\.com$", re.IGNORECASE),
    "huggingface": re.compile(r"^([^@+]+)@users\.noreply\.huggingface\.co$", re.IGNORECASE),
}
_PLACEHOLDER_LOCALS = frozenset({"none", "unknown", "nobody", "noreply", "no-reply", "root"})
_BOT_SUFFIX = re.compile(r"(\[bot\]|[-_]bot)$", re.IGNORECASE)

#: Accounts that are automation on GitHub or the Hub although their names do not say "bot".
KNOWN_BOTS: frozenset[str] = frozenset({
    "system",
    "librarian-bot",
    "parquet-converter",
    "sfconvertbot",
    "huggingface-web",
    "web-flow",
    "github-actions",
    "dependabot",
    "dependabot-preview",
    "renovate",
    "pre-commit-ci",
    "greenkeeper",
    "snyk-bot",
    "codecov-io",
    "allcontributors",
})

_TRAILER = re.compile(r"^\s*(.*?)\s*<([^<>]*)>\s*$")


def noreply_login(email: str | None, platform: Platform) -> str | None:
    """The login encoded in a platform no-reply address, or ``None``.

    >>> noreply_login("1234+octocat@users.noreply.github.com", "github")
    'octocat'
    """
    if not email:
        return None
    match = _NOREPLY[platform].match(email.strip())
    return match.group(1) if match else None


def is_placeholder_email(email: str | None) -> bool:
    """True when an address cannot distinguish people (empty, ``none@none``, no domain)."""
    if not email or "@" not in email:
        return True
    local, _, domain = email.strip().lower().rpartition("@")
    return "." not in domain or local in _PLACEHOLDER_LOCALS and domain in {"none", "localhost"}


@lru_cache(maxsize=1 << 16)  # a history repeats few (name, e-mail) pairs many times
def identity_key(name: str | None, email: str | None, platform: Platform) -> str | None:
    """The one identity for a (name, e-mail) pair under the rules above; ``None`` (unknown)
    when the pair names nobody.

    >>> identity_key("Kenneth Reitz", "Me@Kennethreitz.com", "github")
    'me@kennethreitz.com'
    >>> identity_key("Nicolas Patry", "Narsil@users.noreply.huggingface.co", "huggingface")
    'Narsil'
    """
    login = noreply_login(email, platform)
    if login:
        return login
    if not is_placeholder_email(email):
        return email.strip().lower()  # type: ignore[union-attr]
    return (name or "").strip().lower() or None


def is_bot(*names: str | None) -> bool:
    """True if any of the given logins or names is a bot's.

    >>> is_bot("dependabot[bot]"), is_bot("librarian-bot"), is_bot("Kenneth Reitz")
    (True, True, False)
    """
    for name in names:
        if not name:
            continue
        clean = name.strip()
        if _BOT_SUFFIX.search(clean) or clean.lower() in KNOWN_BOTS:
            return True
    return False


def parse_person(value: str) -> tuple[str, str] | None:
    """Split a ``Name <email>`` trailer value; ``None`` when it has no address."""
    match = _TRAILER.match(value)
    if not match:
        return None
    return match.group(1), match.group(2)
