"""What collection reads in a stored answer: its records and provenance, whether it names a
missing target, and why it failed its task. Shared by the driver and the platforms' plans."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from crossforge._version import __version__
from crossforge.records import Provenance
from crossforge.sources import github, hub
from crossforge.sources.raw import RawResponse

MISSING_STATUS = frozenset({404, 410, 451})
#: GitHub's answer to the commits of an empty repository: nothing to collect, not a failure.
EMPTY_STATUS = 409


class TaskFailed(Exception):
    """A task's answers stayed unusable; it is already recorded as failed."""


def provenance(response: RawResponse) -> Provenance:
    """Where a stored answer's records come from: its source and raw-store id."""
    source = github.SOURCE if response.kind.startswith("github.") else hub.SOURCE
    return Provenance(source=source, origin=f"raw:{response.id}",
                      fetched_at=datetime.fromisoformat(response.fetched_at),
                      tool_version=__version__)


def parse(response: RawResponse) -> list[object]:
    """The records of any stored response, by its kind."""
    module = github if response.kind.startswith("github.") else hub
    return module.parse(response)  # type: ignore[return-value]


def answered(response: RawResponse) -> str:
    """Why an answer that is neither data nor "missing" failed its task (no query string:
    a reason names the request, and tokens never travel in URLs anyway)."""
    return (f"{response.method} {urlsplit(response.url).path}: answered {response.status}"
            " after the retries")
