"""The transport under both API collectors: httpx, tokens, retries, rate limits, raw store.

Kept apart from the platform clients (as httpx keeps transports apart from its client): a
collector asks for a path and gets a ``RawResponse`` that is already in the raw store.

- Tokens go only into the ``Authorization`` header; several GitHub tokens are used in turn
  when one runs out. They never reach the raw store, the database, logs or messages.
- Primary rate limits: when ``X-RateLimit-Remaining`` is 0 (GitHub) or a 429 arrives (both),
  wait until the reset the headers name (``X-RateLimit-Reset``, ``Retry-After``, the Hub's
  ``RateLimit: …;t=SECONDS``), or 60 s when none is given (GitHub's documented floor).
- 5xx answers and transport errors are retried with exponential backoff.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from crossforge import __version__
from crossforge.errors import CrossforgeError
from crossforge.sources.raw import KEPT_HEADERS, RawResponse, RawStore

SECONDARY_LIMIT_FLOOR = 60.0
_HUB_RESET = re.compile(r"t=(\d+)")


class CollectError(CrossforgeError):
    """An API could not be reached or refused the collection."""


@dataclass
class Budget:
    """What the platform says is left of the rate limit, for progress displays."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    requests: int = 0
    waited_seconds: float = 0.0


@dataclass
class ApiClient:
    """One platform's HTTP client.

    Args:
        base_url: ``https://api.github.com``, ``https://huggingface.co`` or an emulator.
        platform: ``github`` or ``huggingface`` (selects the rate-limit headers).
        raw: where every final response is written before it is returned.
        tokens: zero or more tokens, used in turn when one's budget is spent.
        max_retries: attempts per request for 5xx, timeouts and resets.
        max_wait: longest single wait for a rate limit, in seconds; longer waits fail.
        sleep: how to wait (tests pass a fake clock).
    """

    base_url: str
    platform: str
    raw: RawStore
    tokens: Sequence[str] = ()
    max_retries: int = 5
    max_wait: float = 3_700.0
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    budget: Budget = field(default_factory=Budget)

    def __post_init__(self) -> None:
        self._tokens = [t for t in self.tokens if t]
        self._token_index = 0
        self._client = httpx.Client(
            base_url=self.base_url.rstrip("/"), timeout=self.timeout, follow_redirects=True,
            headers={"User-Agent": f"crossforge/{__version__}",
                     **({"Accept": "application/vnd.github+json",
                         "X-GitHub-Api-Version": "2022-11-28"}
                        if self.platform == "github" else {})})

    def close(self) -> None:
        self._client.close()

    def get(self, path: str, *, kind: str, context: dict[str, Any],
            params: dict[str, Any] | list[tuple[str, Any]] | None = None) -> RawResponse:
        """GET ``path`` (relative or absolute) and store the answer."""
        return self._send("GET", path, kind=kind, context=context, params=params)

    def post(self, path: str, payload: dict[str, Any], *, kind: str,
             context: dict[str, Any]) -> RawResponse:
        return self._send("POST", path, kind=kind, context=context, payload=payload)

    def pages(self, path: str, *, kind: str, context: dict[str, Any],
              params: dict[str, Any] | list[tuple[str, Any]] | None = None,
              start: str | None = None) -> Iterator[RawResponse]:
        """Every page, following ``Link: rel="next"``; ``start`` resumes from a saved URL.

        A next link that was already visited ends the walk (pagination that loops).
        """
        seen: set[str] = set()
        response = self.get(start or path, kind=kind, context=context,
                            params=None if start else params)
        while True:
            yield response
            following = next_link(response)
            if following is None or following in seen or response.status != 200:
                return
            seen.add(following)
            response = self.get(following, kind=kind, context=context)

    def _headers(self) -> dict[str, str]:
        if not self._tokens:
            return {}
        return {"Authorization": f"Bearer {self._tokens[self._token_index]}"}

    def _send(self, method: str, path: str, *, kind: str, context: dict[str, Any],
              params: Any = None, payload: Any = None) -> RawResponse:
        attempt = 0
        while True:
            attempt += 1
            try:
                answer = self._client.request(method, path, params=params, json=payload,
                                              headers=self._headers())
            except httpx.TransportError as exc:
                if attempt >= self.max_retries:
                    raise CollectError(f"cannot reach {self.base_url}: "
                                       f"{_reason(exc)} (after {attempt} attempts)") from None
                self._wait(min(2.0 ** attempt, 60.0))
                continue
            self.budget.requests += 1
            self._read_budget(answer)
            if answer.status_code == 401:
                raise CollectError(f"{self.platform} refused the credentials (401 Bad "
                                   "credentials): check the token's environment variable")
            wait = self._rate_limit_wait(answer)
            if wait is not None:
                if len(self._tokens) > 1 and wait > 1:
                    self._token_index = (self._token_index + 1) % len(self._tokens)
                if wait > self.max_wait:
                    raise CollectError(f"{self.platform} rate limit resets in {wait:.0f} s, "
                                       f"beyond --max-wait {self.max_wait:.0f} s")
                self._wait(wait)
                attempt = 0
                continue
            if answer.status_code >= 500 and attempt < self.max_retries:
                self._wait(min(2.0 ** attempt, 60.0))
                continue
            headers = {k.lower(): v for k, v in answer.headers.items()
                       if k.lower() in KEPT_HEADERS}
            return self.raw.append(RawResponse(
                kind=kind, context=context, method=method, url=str(answer.request.url),
                status=answer.status_code, headers=headers, body=answer.text))

    def _wait(self, seconds: float) -> None:
        self.budget.waited_seconds += seconds
        self.sleep(seconds)

    def _read_budget(self, answer: httpx.Response) -> None:
        headers = answer.headers
        if "x-ratelimit-remaining" in headers:
            self.budget.remaining = int(headers["x-ratelimit-remaining"])
            self.budget.limit = int(headers.get("x-ratelimit-limit", 0)) or None
            self.budget.reset_at = float(headers.get("x-ratelimit-reset", 0)) or None
        elif "ratelimit" in headers:
            match = _HUB_RESET.search(headers["ratelimit"])
            remaining = re.search(r"r=(\d+)", headers["ratelimit"])
            if match:
                self.budget.reset_at = time.time() + int(match.group(1))
            if remaining:
                self.budget.remaining = int(remaining.group(1))

    def _rate_limit_wait(self, answer: httpx.Response) -> float | None:
        """Seconds to wait before retrying, or ``None`` when the answer is not a limit."""
        status, headers = answer.status_code, answer.headers
        limited = status == 429 or (status == 403 and (
            headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers
            or "rate limit" in answer.text.lower()))
        if not limited:
            return None
        if "retry-after" in headers:
            return max(float(headers["retry-after"]), 1.0)
        if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
            return max(float(headers["x-ratelimit-reset"]) - time.time(), 1.0)
        match = _HUB_RESET.search(headers.get("ratelimit", ""))
        if match:
            return max(float(match.group(1)), 1.0)
        return SECONDARY_LIMIT_FLOOR


def next_link(response: RawResponse) -> str | None:
    """The ``rel="next"`` URL of a stored response's ``Link`` header."""
    for part in response.headers.get("link", "").split(","):
        url, _, rel = part.partition(";")
        if 'rel="next"' in rel:
            return url.strip().strip("<>")
    return None


def _reason(exc: httpx.TransportError) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text or "connection failed"
