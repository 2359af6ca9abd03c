"""What collection reads in a stored answer: its records and provenance, whether it ends its
task (missing, inaccessible), and why it failed its task. Shared by the driver and the
platforms' plans."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from crossforge._version import __version__
from crossforge.records import Provenance
from crossforge.sources import discourse, github, hub
from crossforge.sources.raw import RawResponse

MISSING_STATUS = frozenset({404, 410, 451})
#: What refuses a caller one repository it may not see (gated, private): with a token, the
#: repository is inaccessible; without one, the Hub's 401 is also its answer for a
#: repository it does not hold (``huggingface_hub`` reads it as "repository not found").
REFUSED_STATUS = frozenset({401, 403})
#: GitHub's answer to the commits of an empty repository: nothing to collect, not a failure.
EMPTY_STATUS = 409
#: The states of a task no run asks again (``failed``, ``partial`` and ``truncated`` go on).
FINISHED = ("done", "missing", "inaccessible")


class TaskFailed(Exception):
    """A task's answers stayed unusable; it is already recorded as failed."""


def provenance(response: RawResponse) -> Provenance:
    """Where a stored answer's records come from: its source and raw-store id."""
    source = github.SOURCE if response.kind.startswith("github.") else (
        discourse.SOURCE if response.kind.startswith("discourse.") else hub.SOURCE)
    return Provenance(source=source, origin=f"raw:{response.id}",
                      fetched_at=datetime.fromisoformat(response.fetched_at),
                      tool_version=__version__)


def parse(response: RawResponse) -> list[object]:
    """The records of any stored response, by its kind."""
    if response.kind.startswith("discourse."):
        return discourse.parse(response)
    module = github if response.kind.startswith("github.") else hub
    return module.parse(response)  # type: ignore[return-value]


def ending(response: RawResponse, authenticated: bool) -> str | None:
    """How an answer without data ends its task, if it does: ``missing`` (404, 410, 451, or
    a 401 to a caller without a token on a repository path), ``inaccessible`` (401 or 403
    on a repository path to a caller with a token); ``None`` for data, and for anything
    else that is not data, which fails the task (see ``docs/collection.md``)."""
    if response.status in MISSING_STATUS:
        return "missing"
    module = github if response.kind.startswith("github.") else hub
    if response.status not in REFUSED_STATUS or not module.repository_path(
            urlsplit(response.url).path):
        return None
    if authenticated:
        return "inaccessible"
    return "missing" if response.status == 401 else None


def answered(response: RawResponse) -> str:
    """Why an answer that is neither data nor "missing" failed its task (no query string:
    a reason names the request, and tokens never travel in URLs anyway)."""
    return (f"{response.method} {urlsplit(response.url).path}: answered {response.status}"
            " after the retries")
