"""Every error crossforge raises on purpose.

::

    CrossforgeError
    ├── ConfigError (also ValueError)   bad argument, id, platform or file
    ├── CollectError                    an API could not be reached or refused the collection
    ├── GitError                        a path is not a readable git repository
    └── StoreError                      the database cannot be opened, read or migrated

The CLI maps each class to a one-line message and exit code 2; anything else is a bug.
"""

from __future__ import annotations


class CrossforgeError(Exception):
    """Root of every error crossforge raises on purpose."""


class ConfigError(CrossforgeError, ValueError):
    """An argument, identifier or input file is not acceptable."""


class CollectError(CrossforgeError):
    """An API could not be reached or refused the collection."""


class GitError(CrossforgeError):
    """A path is not a git repository, or git failed to read it."""


class StoreError(CrossforgeError):
    """The DuckDB store cannot be opened, read, written or migrated."""


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (its type's name when it has none): what a
    one-line error quotes from a library's longer message."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
