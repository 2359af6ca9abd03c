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

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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


#: The errnos that say the disk refused a write, whichever file was being written.
DISK_FULL_OR_READ_ONLY = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})


@contextmanager
def writing_into(directory: str | Path, *, target: str | Path | None = None) -> Iterator[None]:
    """Turn an ``OSError`` from writing into ``directory`` into a ``ConfigError`` naming the
    file: a read-only or full disk, a missing permission or a file where a folder should be
    is bad input (one line, exit 2), not a bug. Errors about other files pass unchanged,
    so a failed read elsewhere still shows its traceback. ``target`` is the file to name
    when the write goes through a temporary file beside it (default: the file that failed)."""
    try:
        yield
    except OSError as exc:
        name = os.fsdecode(exc.filename) if exc.filename is not None else None
        if exc.errno not in DISK_FULL_OR_READ_ONLY and not (
                name is not None and _related(Path(name), Path(directory))):
            raise
        raise ConfigError(f"cannot write {target or name or directory}: "
                          f"{exc.strerror or first_line(exc)}") from exc


def _related(path: Path, directory: Path) -> bool:
    """``path`` is ``directory``, inside it, or one of the folders it is created in."""
    path, directory = path.absolute(), directory.absolute()
    return path == directory or directory in path.parents or path in directory.parents
