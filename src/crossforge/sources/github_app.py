"""GitHub App authentication: the App's key signs a JWT, the JWT buys an installation token.

GitHub's flow (docs.github.com, "Authenticating as a GitHub App installation"):

1. a JSON Web Token signed RS256 with the App's private key, with ``iat`` (60 s in the past,
   for clock drift), ``exp`` (at most 10 minutes later) and ``iss`` (the App's id);
2. ``POST /app/installations/{installation_id}/access_tokens`` with ``Authorization: Bearer
   JWT`` answers ``201`` with ``token`` and ``expires_at`` (one hour later);
3. API requests carry ``Authorization: Bearer TOKEN`` and draw on the installation's rate
   limit (5,000 requests an hour, +50 per repository and per user beyond 20, at most 12,500).

``InstallationAuth`` makes a new token five minutes before the current one expires and when
an answer says 401 (a token revoked early). Without an installation id, ``GET
/app/installations`` names it when the App has exactly one.

Secrets: the key, the JWT and the token live only in memory. The token exchange bypasses the
raw store (its answer is the token), ``repr`` shows none of them, and every message names the
App and installation ids only.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from crossforge._version import __version__
from crossforge.errors import CollectError, ConfigError
from crossforge.sources.http import _unreachable

#: Environment variables read when the options are not given.
APP_ID_ENV = "GITHUB_APP_ID"
INSTALLATION_ENV = "GITHUB_APP_INSTALLATION_ID"
KEY_PATH_ENV = "GITHUB_APP_PRIVATE_KEY_PATH"
KEY_ENV = "GITHUB_APP_PRIVATE_KEY"
#: GitHub refuses a JWT whose ``exp`` is more than 10 minutes ahead; 9 leaves room for drift.
JWT_LIFETIME = 540
JWT_BACKDATE = 60
#: Make a new installation token this many seconds before the current one expires.
REFRESH_BEFORE = 300.0


@dataclass(frozen=True)
class AppCredentials:
    """A GitHub App's id, its installation (``None``: find the only one) and private key."""

    app_id: str
    installation_id: str | None
    private_key: str = field(repr=False)

    @classmethod
    def from_environment(cls, app_id: str | None = None, installation_id: str | None = None,
                         key_path: str | Path | None = None,
                         environ: Mapping[str, str] = os.environ) -> AppCredentials | None:
        """The App named by the options, else by ``GITHUB_APP_*``; ``None`` when neither
        names one. The key comes from the file ``key_path`` (``GITHUB_APP_PRIVATE_KEY_PATH``)
        or the PEM text in ``GITHUB_APP_PRIVATE_KEY``.

        Raises:
            ConfigError: half a configuration, an unreadable file or a key that is not an
                RSA private key in PEM form (messages never quote the key).
        """
        app_id = app_id or environ.get(APP_ID_ENV) or None
        installation_id = installation_id or environ.get(INSTALLATION_ENV) or None
        path = key_path or environ.get(KEY_PATH_ENV) or None
        text = environ.get(KEY_ENV) or None
        if app_id is None and path is None and text is None:
            if installation_id is not None:
                raise ConfigError(f"a GitHub App installation is given but no App: set "
                                  f"{APP_ID_ENV} (or --github-app-id)")
            return None
        if app_id is None:
            raise ConfigError(f"a GitHub App private key is given but no App id: set "
                              f"{APP_ID_ENV} (or --github-app-id)")
        if not app_id.strip().isdigit() or (installation_id is not None
                                            and not installation_id.strip().isdigit()):
            raise ConfigError("GitHub App and installation ids are numbers "
                              f"({APP_ID_ENV}, {INSTALLATION_ENV})")
        if path is not None:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except FileNotFoundError:
                raise ConfigError(f"GitHub App private key file {path} does not exist") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read the GitHub App private key file {path}: "
                                  f"{type(exc).__name__}") from None
            where = f"the file {path}"
        elif text is not None:
            where = KEY_ENV
        else:
            raise ConfigError(f"GitHub App {app_id.strip()} has no private key: set "
                              f"{KEY_PATH_ENV} to the .pem file GitHub gave (or {KEY_ENV})")
        _check_key(text, where)
        return cls(app_id.strip(), installation_id.strip() if installation_id else None, text)


def _check_key(text: str, where: str) -> None:
    """Refuse anything but an RSA private key in PEM form, without quoting it."""
    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError(f"the GitHub App private key in {where} is not an unencrypted RSA "
                          "private key in PEM form (the .pem file GitHub generates)")


class InstallationAuth:
    """Installation tokens for one App installation, made and renewed on demand.

    Args:
        credentials: the App.
        base_url: the API (``https://api.github.com`` or an emulator).
        clock: seconds since the epoch (tests pass a fake one).
        refresh_before: renew a token this many seconds before it expires.
    """

    def __init__(self, credentials: AppCredentials, base_url: str, *, timeout: float = 30.0,
                 clock: Callable[[], float] = time.time,
                 refresh_before: float = REFRESH_BEFORE, attempts: int = 3) -> None:
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.refresh_before = refresh_before
        self.attempts = attempts
        #: Installation tokens made so far (what the App flow cost).
        self.exchanges = 0
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout, headers={
            "User-Agent": f"crossforge/{__version__}", "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28"})

    def __repr__(self) -> str:
        return (f"InstallationAuth(app_id={self.credentials.app_id!r}, "
                f"installation_id={self.credentials.installation_id!r})")

    def close(self) -> None:
        self._client.close()

    def jwt(self) -> str:
        """A fresh App JWT (RS256; ``iat`` backdated for clock drift, ``exp`` within 10 min)."""
        now = int(self.clock())
        return jwt.encode({"iat": now - JWT_BACKDATE, "exp": now + JWT_LIFETIME,
                           "iss": self.credentials.app_id},
                          self.credentials.private_key, algorithm="RS256")

    def token(self) -> str:
        """The current installation token, renewed when it is about to expire."""
        with self._lock:
            if self._token is None or self.clock() >= self._expires_at - self.refresh_before:
                self._token, self._expires_at = self._exchange()
            return self._token

    def invalidate(self) -> None:
        """Forget the token (an answer said 401): the next ``token`` makes a new one."""
        with self._lock:
            self._token = None

    @property
    def expires_at(self) -> float:
        return self._expires_at

    def _installation(self) -> str:
        if self.credentials.installation_id is not None:
            return self.credentials.installation_id
        installations = self._request("GET", "/app/installations")
        if len(installations) != 1:
            names = ", ".join(f"{i['id']} ({(i.get('account') or {}).get('login', '?')})"
                              for i in installations) or "none"
            raise ConfigError(f"GitHub App {self.credentials.app_id} has {len(installations)} "
                              f"installations ({names}): choose one with {INSTALLATION_ENV} "
                              "(or --github-app-installation)")
        installation = str(installations[0]["id"])
        self.credentials = AppCredentials(self.credentials.app_id, installation,
                                          self.credentials.private_key)
        return installation

    def _exchange(self) -> tuple[str, float]:
        installation = self._installation()
        body = self._request("POST", f"/app/installations/{installation}/access_tokens")
        self.exchanges += 1
        try:
            expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
            return body["token"], expires.timestamp()
        except (KeyError, TypeError, ValueError):
            raise CollectError("GitHub's installation token answer has no token and "
                               "expires_at") from None

    def _request(self, method: str, path: str) -> Any:
        """One App-authenticated call's JSON body, retried on 5xx, transport errors and
        bodies cut short; never stored (the token exchange's body is the token)."""
        app = self.credentials.app_id
        for attempt in range(1, self.attempts + 1):
            try:
                answer = self._client.request(method, path,
                                              headers={"Authorization": f"Bearer {self.jwt()}"})
            except httpx.TransportError as exc:
                if attempt == self.attempts:
                    raise CollectError(_unreachable(self.base_url, exc, attempt)) from None
                time.sleep(2.0 ** attempt)
                continue
            body = _json(answer)
            if (answer.status_code >= 500 or body is None) and attempt < self.attempts:
                time.sleep(2.0 ** attempt)
                continue
            if answer.status_code in (200, 201) and body is not None:
                return body
            if answer.status_code == 401:
                raise CollectError(f"github refused GitHub App {app}'s JWT (401): check "
                                   f"{APP_ID_ENV} and that the private key is the App's")
            if answer.status_code == 404:
                raise CollectError(f"GitHub App {app} has no installation "
                                   f"{self.credentials.installation_id} (404 on {path})")
            break
        raise CollectError(f"github answered {answer.status_code} to GitHub App {app}'s "
                           f"{method} {path}")


def _json(answer: httpx.Response) -> Any:
    """The body as JSON, or ``None`` when it is not (cut short, corrupted)."""
    try:
        return answer.json()
    except ValueError:
        return None
