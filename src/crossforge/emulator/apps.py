"""GitHub Apps in the emulator: JWTs checked against the App's public key, installation tokens
that expire, and the installation's own rate limit.

What GitHub does (docs.github.com, "Authenticating as a GitHub App", "Rate limits for the REST
API") and the emulator with it:

- ``GET /app/installations`` and ``POST /app/installations/{id}/access_tokens`` take
  ``Authorization: Bearer JWT``: RS256, signed by the App's private key (verified with the
  public key the emulator is given), ``iss`` the App's id, ``iat`` not in the future, ``exp``
  in the future and at most 10 minutes after ``iat``; anything else is 401.
- ``GET /repos/{owner}/{repo}/installation`` (JWT) names the installation: every repository
  of the world counts as installed on the App's first installation.
- The token (``ghs_…``) answers ``201`` with ``expires_at``, one hour on (``token_lifetime``);
  after that it is 401 ``Bad credentials``, as is any ``ghs_`` token the emulator never made.
- Every token of one installation draws on one budget, ``installation_limit`` an hour (5,000
  at least on GitHub; +50 per repository and per user beyond 20, at most 12,500).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization

from crossforge.emulator.answer import Answer
from crossforge.errors import ConfigError

TOKEN_LIFETIME = 3_600
INSTALLATION_LIMIT = 5_000
JWT_MAX_LIFETIME = 600
DOCS = "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app"


def _error(status: int, message: str) -> Answer:
    return status, {}, {"message": message, "documentation_url": DOCS, "status": str(status)}


@dataclass
class GitHubApps:
    """The Apps the emulator knows and the installation tokens it has issued.

    Args:
        public_keys: App id → the App's public key (PEM).
        installations: installation id → App id.
        token_lifetime: seconds an installation token lives.
        installation_limit: requests (and GraphQL points) an hour per installation.
        clock: seconds since the epoch (tests pass a fake one to expire tokens).
    """

    public_keys: dict[str, str]
    installations: dict[str, str]
    token_lifetime: int = TOKEN_LIFETIME
    installation_limit: int = INSTALLATION_LIMIT
    clock: Callable[[], float] = time.time
    #: token → (installation id, expiry time); what ``access_tokens`` issued.
    issued: dict[str, tuple[str, float]] = field(default_factory=dict)
    #: (app id, path) of every JWT-authenticated call, for tests and cost accounting.
    calls: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.public_keys = {str(k): v for k, v in self.public_keys.items()}
        self.installations = {str(k): str(v) for k, v in self.installations.items()}
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, specs: list[str]) -> GitHubApps:
        """Apps from ``APP_ID:INSTALLATION_ID:PUBLIC_KEY_FILE`` specifications (``crossforge
        emulate --github-app``).

        Raises:
            ConfigError: a malformed specification or an unreadable or invalid key file.
        """
        keys: dict[str, str] = {}
        installations: dict[str, str] = {}
        for spec in specs:
            app_id, _, rest = spec.partition(":")
            installation, _, path = rest.partition(":")
            if not (app_id.isdigit() and installation.isdigit() and path):
                raise ConfigError(f"--github-app {spec!r}: expected "
                                  "APP_ID:INSTALLATION_ID:PUBLIC_KEY_FILE")
            try:
                text = Path(path).read_text(encoding="utf-8")
                serialization.load_pem_public_key(text.encode())
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                raise ConfigError(f"--github-app {app_id}: cannot use {path} as the App's "
                                  f"public key (PEM): {type(exc).__name__}") from None
            keys[app_id] = text
            installations[installation] = app_id
        return cls(keys, installations)

    def installation_of(self, token: str | None) -> str | None:
        """The installation an issued token belongs to (its budget's owner)."""
        entry = self.issued.get(token or "")
        return entry[0] if entry else None

    def answer(self, method: str, path: str, token: str | None) -> Answer | None:
        """An App endpoint's answer, a 401 for a bad installation token, or ``None`` to let
        the request through."""
        segments = path.strip("/").split("/")
        app_path = segments[:1] == ["app"] or (
            segments[:1] == ["repos"] and segments[3:] == ["installation"])
        if app_path:
            app_id, problem = self._verify(token)
            if app_id is None:
                return _error(401, problem)
            with self._lock:
                self.calls.append((app_id, path))
            return self._app_endpoint(method, segments, app_id)
        if token is not None and token.startswith("ghs_"):
            entry = self.issued.get(token)
            if entry is None or entry[1] <= self.clock():
                return _error(401, "Bad credentials")
        return None

    def _verify(self, token: str | None) -> tuple[str | None, str]:
        """The App id of a valid JWT, or ``None`` and GitHub's message."""
        if not token or token.count(".") != 2:
            return None, "A JSON web token could not be decoded"
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
            app_id = str(claims.get("iss"))
            key = self.public_keys.get(app_id)
            if key is None:
                return None, "Integration not found"
            claims = jwt.decode(token, key, algorithms=["RS256"],
                                options={"require": ["iat", "exp", "iss"], "verify_exp": False,
                                         "verify_iat": False})
        except jwt.PyJWTError:
            return None, "A JSON web token could not be decoded"
        now = self.clock()
        if claims["exp"] <= now:
            return None, ("'Expiration time' claim ('exp') must be a numeric value representing "
                          "the future time at which the assertion expires")
        if claims["iat"] > now + 60:
            return None, "'Issued at' claim ('iat') must be an Integer representing the time " \
                         "that the assertion was issued"
        if claims["exp"] - claims["iat"] > JWT_MAX_LIFETIME:
            return None, "'Expiration time' claim ('exp') is too far in the future"
        return app_id, ""

    def _app_endpoint(self, method: str, segments: list[str], app_id: str) -> Answer:
        mine = sorted(i for i, a in self.installations.items() if a == app_id)
        if method == "GET" and segments == ["app", "installations"]:
            return 200, {}, [_installation(i, app_id) for i in mine]
        if method == "GET" and segments[:1] == ["repos"]:
            if not mine:
                return _error(404, "Not Found")
            return 200, {}, _installation(mine[0], app_id, segments[1])
        if (method == "POST" and len(segments) == 4 and segments[:2] == ["app", "installations"]
                and segments[3] == "access_tokens"):
            installation = segments[2]
            if installation not in mine:
                return _error(404, "Not Found")
            token = "ghs_" + secrets.token_urlsafe(27)
            expires = self.clock() + self.token_lifetime
            with self._lock:
                self.issued[token] = (installation, expires)
            return 201, {}, {
                "token": token,
                "expires_at": datetime.fromtimestamp(int(expires), UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"),
                "permissions": {"contents": "read", "issues": "read", "metadata": "read",
                                "members": "read", "pull_requests": "read"},
                "repository_selection": "all"}
        return _error(404, "Not Found")


def _installation(installation: str, app_id: str, account: str = "crossforge") -> dict[str, Any]:
    return {"id": int(installation), "app_id": int(app_id), "target_type": "Organization",
            "account": {"login": account, "type": "Organization"},
            "repository_selection": "all", "access_tokens_url":
                f"https://api.github.com/app/installations/{installation}/access_tokens"}
