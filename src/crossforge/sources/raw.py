"""The raw store: every API response, compressed, with its request, written before parsing.

A raw store is a directory of segment files; each run appends to its own segment, one gzip
member per response, so a crash loses at most the response being written and never damages
earlier ones (a truncated last member is skipped on reading). ``crossforge rebuild`` parses
the raw store again into a fresh database; provenance in the store names the raw record
(``segment#line``) each row came from. Request headers are never written: they carry tokens.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crossforge.errors import StoreError

#: Response headers worth keeping: pagination, caching and rate limits (never credentials).
KEPT_HEADERS = ("link", "etag", "last-modified", "retry-after", "x-ratelimit-limit",
                "x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset",
                "x-ratelimit-resource", "ratelimit", "ratelimit-policy", "x-github-request-id")


@dataclass(frozen=True, slots=True)
class RawResponse:
    """One API exchange as it came back.

    Attributes:
        kind: what the response is, e.g. ``github.issues``; selects its parser.
        context: what the parser needs besides the body (platform, repository, thread).
        url: the request URL (tokens are never in URLs).
    """

    kind: str
    context: dict[str, Any]
    method: str
    url: str
    status: int
    headers: dict[str, str]
    body: str
    fetched_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    id: str = ""

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def api_time(value: str | None) -> datetime | None:
    """An API timestamp (ISO 8601, ``Z`` for UTC) as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def parse_with(parsers: dict[str, Callable[[Any, dict[str, Any]], list[Any]]],
               response: RawResponse) -> list[Any]:
    """The records a stored response holds, by its kind (none for 404, 409, 451 …)."""
    if response.status != 200:
        return []
    return parsers[response.kind](response.json(), response.context)


class RawStore:
    """Append-only, crash-tolerant storage of raw responses under ``path``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create raw store {self.path}: {exc.strerror}") from None
        self._segment = _new_segment(self.path)
        self._handle: Any = None
        self._count = 0
        self._reader: tuple[str, int, Iterator[RawResponse]] | None = None

    def append(self, response: RawResponse) -> RawResponse:
        """Write ``response`` durably and return it with its id."""
        self._count += 1
        stored = RawResponse(**{**asdict(response), "id": f"{self._segment.name}#{self._count}"})
        line = json.dumps(asdict(stored), ensure_ascii=False) + "\n"
        try:
            if self._handle is None:
                self._handle = self._segment.open("ab")
            self._handle.write(gzip.compress(line.encode(), compresslevel=6))
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as exc:
            segment = self._segment
            self._abandon_segment()
            raise StoreError(f"cannot write raw store {segment}: {exc.strerror}") from None
        return stored

    def _abandon_segment(self) -> None:
        """After a failed write (a full disk): close the segment, ignoring the error its final
        flush raises again (it would replace the first, a second traceback), and start any
        later append in a new segment, so the cut-off response stays the last one of its
        segment, where readers skip it."""
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
        self._handle = None
        self._segment = _new_segment(self.path)
        self._count = 0

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def get(self, raw_id: str) -> RawResponse | None:
        """The stored response ``segment#n``; reading forward is cheap (the reader is kept),
        so asking for responses in the order they were written costs one pass."""
        name, _, number = raw_id.partition("#")
        position = int(number)
        if self._reader is None or self._reader[0] != name or self._reader[1] >= position:
            self._reader = (name, 0, _read_segment(self.path / name))
        name, seen, reader = self._reader
        for response in reader:
            seen += 1
            self._reader = (name, seen, reader)
            if seen == position:
                return response
        self._reader = None
        return None

    def __iter__(self) -> Iterator[RawResponse]:
        """Every stored response, segment by segment in the order they were written."""
        for segment in sorted(self.path.glob("responses-*.jsonl.gz")):
            yield from _read_segment(segment)


def _new_segment(folder: Path) -> Path:
    """A segment file name of its own for this run: a time stamp and the process id."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return folder / f"responses-{stamp}-{os.getpid()}.jsonl.gz"


def _read_segment(path: Path) -> Iterator[RawResponse]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                if line.endswith("\n"):
                    yield RawResponse(**json.loads(line))
    except (EOFError, zlib.error, gzip.BadGzipFile, json.JSONDecodeError):
        return  # a response cut off by a crash: everything before it was yielded
