"""The raw store: every API response, compressed, with its request, written before parsing.

A raw store is a directory of segment files; each run appends to its own segment, one gzip
member per response, so a crash loses at most the response being written and never damages
earlier ones (a truncated last member is skipped on reading). A member damaged on disk (a
flipped byte, an overwritten block) is skipped too, and reading goes on at the next member
that decodes; each skip is noted as a ``Damage`` in ``RawStore.damage``, with the responses
it lost counted from the ids around it, so ``rebuild`` can say what it could not read.
``crossforge rebuild`` parses the raw store again into a fresh database; provenance in the
store names the raw record (``segment#line``) each row came from. Request headers are never
written: they carry tokens; a URL is stored without credentials (``redacted_url``).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import mmap
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crossforge.errors import StoreError

#: Response headers worth keeping: pagination, caching and rate limits (never credentials).
KEPT_HEADERS = ("link", "etag", "last-modified", "retry-after", "x-ratelimit-limit",
                "x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset",
                "x-ratelimit-resource", "ratelimit", "ratelimit-policy", "x-github-request-id")
#: How every gzip member starts (magic ``1f 8b``, method deflate): where reading resumes after
#: damage.
GZIP_MAGIC = b"\x1f\x8b\x08"
#: Bytes handed to the decompressor at a time while reading a segment.
CHUNK = 64 * 1024
#: Query parameters that carry credentials (crossforge puts none in a URL; a base URL given
#: on the command line might): their values are redacted like a URL's user and password.
SECRET_PARAMETERS = frozenset({"access_token", "token", "api_key", "apikey", "key",
                               "client_secret", "password", "secret", "sig", "signature"})


@dataclass(frozen=True, slots=True)
class RawResponse:
    """One API exchange as it came back.

    Attributes:
        kind: what the response is, e.g. ``github.issues``; selects its parser.
        context: what the parser needs besides the body (platform, repository, thread).
        url: the request URL without credentials (``redacted_url``).
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


#: A stored response's fields, in the order a segment's lines hold them.
_FIELDS = tuple(f.name for f in fields(RawResponse))


@dataclass(frozen=True, slots=True)
class Damage:
    """Bytes of a segment that could not be read, and were skipped.

    Attributes:
        segment: the segment file's name.
        offset: where the unreadable bytes start.
        lost: responses skipped, counted from the ids of the readable ones around them;
            ``None`` when the damage reaches the segment's end (at least one).
        cut: the segment ends in a response cut off mid-write (a crash): that response was
            never parsed into a store, and the resumed run asked for it again.
    """

    segment: str
    offset: int
    lost: int | None
    cut: bool = False


def api_time(value: str | None) -> datetime | None:
    """An API timestamp (ISO 8601, ``Z`` for UTC) as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def redacted_url(url: str) -> str:
    """``url`` as it may be stored or printed: no ``user:password@`` (a base URL such as
    ``https://user:TOKEN@proxy`` carries a secret there) and no value of a credential query
    parameter (``SECRET_PARAMETERS``); every other URL is returned unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an unparseable URL)"
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(name.lower() in SECRET_PARAMETERS for name, _ in pairs):
        query = urlencode([(name, "redacted" if name.lower() in SECRET_PARAMETERS else value)
                           for name, value in pairs])
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2], query=query))


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
        self._grouped = 0
        self._unsynced = False
        self._reader: tuple[str, int, Iterator[RawResponse]] | None = None
        #: What the last walk over every response (``iter``) could not read.
        self.damage: list[Damage] = []

    def append(self, response: RawResponse) -> RawResponse:
        """Write ``response`` and return it with its id; durably, unless in ``grouped``
        (then ``sync`` makes it durable)."""
        self._count += 1
        stored = replace(response, url=redacted_url(response.url),
                         id=f"{self._segment.name}#{self._count}")
        line = json.dumps({name: getattr(stored, name) for name in _FIELDS},
                          ensure_ascii=False) + "\n"
        try:
            if self._handle is None:
                self._handle = self._segment.open("ab")
            self._handle.write(gzip.compress(line.encode(), compresslevel=6))
        except OSError as exc:
            self._failed(exc)
        self._unsynced = True
        if not self._grouped:
            self.sync()
        return stored

    @contextlib.contextmanager
    def grouped(self) -> Iterator[None]:
        """Append without waiting for the disk in the block: a caller that commits what
        cites these responses calls ``sync`` first (a group commit, one fsync for many
        responses). The block's end syncs what is left. A crash loses only responses not
        yet synced, which nothing cites, and cuts at most the segment's last one."""
        self._grouped += 1
        try:
            yield
        finally:
            self._grouped -= 1
            if not self._grouped:
                self.sync()

    def sync(self) -> None:
        """Make every response appended so far durable (written and fsynced)."""
        if self._handle is None or not self._unsynced:
            return
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as exc:
            self._failed(exc)
        self._unsynced = False

    def _failed(self, exc: OSError) -> NoReturn:
        """Raise a write's failure (a full disk) as one line, the segment abandoned."""
        segment = self._segment
        self._abandon_segment()
        raise StoreError(f"cannot write raw store {segment}: {exc.strerror}") from None

    def _abandon_segment(self) -> None:
        """After a failed write (a full disk): close the segment, ignoring the error its final
        flush raises again (it would replace the first, a second traceback), and start any
        later append in a new segment, so the cut-off response stays the last one of its
        segment, where readers skip it."""
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
        self._handle = None
        self._unsynced = False
        self._segment = _new_segment(self.path)
        self._count = 0

    def close(self) -> None:
        self.sync()
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def get(self, raw_id: str) -> RawResponse | None:
        """The stored response ``segment#n``; reading forward is cheap (the reader is kept),
        so asking for responses in the order they were written costs one pass."""
        name, _, number = raw_id.partition("#")
        position = int(number)
        self._readable()
        if self._reader is None or self._reader[0] != name or self._reader[1] >= position:
            self._reader = (name, 0, _read_segment(self.path / name, []))
        name, seen, reader = self._reader
        for response in reader:
            seen = _number(response.id)
            self._reader = (name, seen, reader)
            if seen >= position:
                return response if seen == position else None
        self._reader = None
        return None

    def __iter__(self) -> Iterator[RawResponse]:
        """Every readable stored response, segment by segment in the order they were
        written; what could not be read is listed in ``self.damage`` once the walk ends."""
        self.damage = []
        self._readable()
        for segment in sorted(self.path.glob("responses-*.jsonl.gz")):
            yield from _read_segment(segment, self.damage)


    def _readable(self) -> None:
        """Hand what this store has appended to the OS, so reading its segment sees it."""
        if self._handle is not None and self._unsynced:
            try:
                self._handle.flush()
            except OSError as exc:
                self._failed(exc)


def _new_segment(folder: Path) -> Path:
    """A segment file name of its own for this run: a time stamp and the process id."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return folder / f"responses-{stamp}-{os.getpid()}.jsonl.gz"


class _Unreadable(Exception):
    """A gzip member that does not decode to one stored response."""


def _number(raw_id: str) -> int:
    """The position ``n`` of a raw id ``segment#n``."""
    return int(raw_id.rpartition("#")[2])


def _read_segment(path: Path, damage: list[Damage]) -> Iterator[RawResponse]:
    """A segment's responses, member by member. At a member that does not decode, reading
    goes on at the next gzip header from which a member decodes; the skipped bytes are
    appended to ``damage`` (a member cut off at the segment's end is a crash's, ``cut``)."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data, \
                memoryview(data) as view:
            position, last, unreadable_at, cut = 0, 0, None, False
            while position < size:
                try:
                    decoded = _member(view, position)
                except _Unreadable:
                    decoded = None
                else:
                    cut = cut or (decoded is None and unreadable_at is None)
                if decoded is None:
                    unreadable_at = position if unreadable_at is None else unreadable_at
                    position = data.find(GZIP_MAGIC, position + 1)
                    if position < 0:
                        break
                    continue
                response, position = decoded
                if unreadable_at is not None:
                    damage.append(Damage(path.name, unreadable_at,
                                         _number(response.id) - last - 1))
                    unreadable_at, cut = None, False
                last = _number(response.id)
                yield response
            if unreadable_at is not None:
                damage.append(Damage(path.name, unreadable_at, None, cut))


def _member(view: memoryview, start: int) -> tuple[RawResponse, int] | None:
    """The response in the gzip member at ``start`` and the offset after the member;
    ``None`` when the data ends inside it. Raises ``_Unreadable`` when it does not decode
    (a bad header or deflate stream, a CRC or length that does not match, not a response)."""
    inflater = zlib.decompressobj(wbits=31)
    parts, position = [], start
    try:
        while not inflater.eof:
            if position >= len(view):
                return None
            chunk = view[position:position + CHUNK]
            position += len(chunk)
            parts.append(inflater.decompress(chunk))
        line = b"".join(parts).decode()
        if not line.endswith("\n"):
            raise _Unreadable
        return RawResponse(**json.loads(line)), position - len(inflater.unused_data)
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError, TypeError) as exc:
        raise _Unreadable from exc
