"""Fault injection for the emulator: the failures a days-long collection meets, on demand.

A fault specification is a comma-separated list of rules and options::

    500:0.05, 503:0.01:4, 403:0.02:60, 429:0.02:none, reset:0.01, truncate:0.01,
    invalid:0.01, slow:0.01:5, loop:0.05@/repos/*/*/commits, repeat:0.05@hub, seed=7

Each rule is ``KIND:RATE[:ARG][@PATH]``: with probability ``RATE`` a request whose path matches
the glob ``PATH`` gets the fault (``*`` is within one path segment, ``**`` spans segments; the
default is every path; ``github`` and ``hub`` stand for either platform's paths). The first rule
that fires wins. Kinds:

============  ==========================================================================
``5xx``       a server error with that status; ``ARG`` = burst length (default 1): the
              next ``ARG - 1`` matching requests fail too, as real outages come in bursts
``403/429``   a secondary rate limit; ``ARG`` = ``Retry-After`` seconds (default 1), or
              ``none`` to send no ``Retry-After`` (clients must then wait GitHub's 60 s
              floor); Hub paths answer 429 with ``RateLimit`` headers instead
``reset``     the connection is reset before any answer (TCP RST)
``truncate``  the body stops half-way, short of its ``Content-Length``
``invalid``   a complete answer whose JSON body is cut in half (invalid JSON)
``slow``      the answer waits ``ARG`` seconds (default 10) first: a client timeout
``loop``      a paginated answer's ``rel="next"`` points back to the first page
``repeat``    a page-numbered answer repeats the previous page's items
============  ==========================================================================

``seed=N`` (default 0) makes every decision deterministic: whether request number *k* to a
given URL fails depends only on the seed, the rule and *k*, not on thread timing or other
requests, so two runs of the same collection meet the same faults. (Only the continuation of
a 5xx burst follows the order in which requests arrive.)
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections import Counter
from dataclasses import dataclass

from crossforge.errors import ConfigError

TRANSPORT = ("reset", "truncate", "invalid", "slow")
PAGINATION = ("loop", "repeat")
KINDS = (*TRANSPORT, *PAGINATION, "403", "429")


@dataclass(frozen=True)
class Rule:
    """One rule of a fault specification (see the module docstring)."""

    kind: str
    rate: float
    arg: str | None = None
    path: str = "**"

    def matches(self, path: str) -> bool:
        if self.path == "github":
            return not path.startswith("/api/")
        if self.path == "hub":
            return path.startswith("/api/")
        return _glob(self.path).fullmatch(path) is not None


@dataclass(frozen=True)
class Fault:
    """The fault drawn for one request: its kind and argument."""

    kind: str
    arg: str | None = None

    @property
    def status(self) -> int | None:
        return int(self.kind) if self.kind.isdigit() else None

    @property
    def retry_after(self) -> str | None:
        """``Retry-After`` seconds of a rate-limit fault, or ``None`` when none is sent."""
        return None if self.arg == "none" else (self.arg or "1")

    @property
    def delay(self) -> float:
        return float(self.arg or 10)


class Faults:
    """Draws the fault, if any, for each request; counts what it produced in ``produced``."""

    def __init__(self, rules: list[Rule], seed: int = 0) -> None:
        self.rules = rules
        self.seed = seed
        self.produced: Counter[str] = Counter()
        self._seen: Counter[str] = Counter()
        self._bursts: dict[int, int] = {}
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, spec: str) -> Faults:
        """Parse a specification; a malformed one raises ``ConfigError`` naming the part."""
        rules, seed = [], 0
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            if part.startswith("seed="):
                try:
                    seed = int(part[5:])
                except ValueError:
                    raise ConfigError(f"fault spec: seed must be an integer: {part!r}") from None
                continue
            rule, _, path = part.partition("@")
            kind, _, rest = rule.partition(":")
            rate_text, _, arg = rest.partition(":")
            kind = kind.strip().lower()
            if kind not in KINDS and not (kind.isdigit() and 500 <= int(kind) <= 599):
                raise ConfigError(f"fault spec: unknown fault {kind!r} in {part!r}; use 5xx, "
                                  f"403, 429, {', '.join(TRANSPORT + PAGINATION)}")
            try:
                rate = float(rate_text)
            except ValueError:
                raise ConfigError(f"fault spec: {part!r} needs a rate, e.g. {kind}:0.05") from None
            if not 0 <= rate <= 1:
                raise ConfigError(f"fault spec: rate {rate} in {part!r} is not in [0, 1]")
            if not _valid_arg(kind, arg):
                raise ConfigError(f"fault spec: bad argument {arg!r} in {part!r}")
            rules.append(Rule(kind, rate, arg or None, path.strip() or "**"))
        return cls(rules, seed)

    def draw(self, method: str, target: str) -> Fault | None:
        """The fault for this request (``target`` is path and query), or ``None``."""
        path = target.split("?", 1)[0].rstrip("/") or "/"
        with self._lock:
            self._seen[f"{method} {target}"] += 1
            occurrence = self._seen[f"{method} {target}"]
            for index, rule in enumerate(self.rules):
                if not rule.matches(path):
                    continue
                if self._bursts.get(index, 0) > 0:
                    self._bursts[index] -= 1
                    return self._produce(rule)
                if _uniform(self.seed, index, method, target, occurrence) < rule.rate:
                    if rule.kind.isdigit() and rule.arg and rule.kind.startswith("5"):
                        self._bursts[index] = int(rule.arg) - 1
                    return self._produce(rule)
        return None

    def _produce(self, rule: Rule) -> Fault:
        self.produced[rule.kind] += 1
        return Fault(rule.kind, rule.arg)


@functools.cache
def _glob(pattern: str) -> re.Pattern[str]:
    """A path glob: ``*`` is one path segment (or part of one), ``**`` any number of them."""
    parts = re.split(r"(\*\*|\*)", pattern)
    return re.compile("".join(".*" if p == "**" else "[^/]*" if p == "*" else re.escape(p)
                              for p in parts))


def _valid_arg(kind: str, arg: str) -> bool:
    if not arg:
        return True
    if kind in ("403", "429"):
        return arg == "none" or arg.isdigit()
    if kind == "slow":
        try:
            return float(arg) >= 0
        except ValueError:
            return False
    return kind.startswith("5") and arg.isdigit() and int(arg) >= 1


def _uniform(seed: int, index: int, method: str, target: str, occurrence: int) -> float:
    """A number in [0, 1) fixed by its arguments: a deterministic coin for one request."""
    digest = hashlib.sha256(f"{seed}|{index}|{method}|{target}|{occurrence}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
