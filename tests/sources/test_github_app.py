"""GitHub App authentication against the emulator: a signed JWT buys an installation token,
the token is renewed before it expires and after a 401, every token of the installation draws
on one budget, and bad configurations fail in one line. Keys are made here, never stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from crossforge.cli import app
from crossforge.emulator import Emulator, GitHubApps
from crossforge.errors import CollectError, ConfigError
from crossforge.records import Repository
from crossforge.sources.github_app import AppCredentials, InstallationAuth
from crossforge.sources.http import ApiClient
from crossforge.sources.raw import RawStore
from crossforge.store import Store
from crossforge.worlds import synthetic

RUNNER = CliRunner()
APP, INSTALLATION = "4242", "77"
WORLD = list(synthetic.generate_world(6, 11))
GITHUB = sorted(r.repo for r in WORLD if isinstance(r, Repository) and r.platform == "github")


def private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(private: str) -> str:
    key = serialization.load_pem_private_key(private.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


KEY = private_pem()
NOT_A_KEY = "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----"


class Clock:
    """A clock the test moves; the emulator and the client read the same one."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emulator(clock: Clock) -> Iterator[Emulator]:
    apps = GitHubApps({APP: public_pem(KEY)}, {INSTALLATION: APP}, installation_limit=7_500,
                      clock=clock)
    with Emulator.from_records(WORLD, github_apps=apps) as running:
        yield running


def credentials(installation: str | None = INSTALLATION) -> AppCredentials:
    return AppCredentials(APP, installation, KEY)


def test_the_jwt_is_rs256_with_githubs_claims(clock: Clock) -> None:
    auth = InstallationAuth(credentials(), "http://127.0.0.1:9", clock=clock)
    claims = jwt.decode(auth.jwt(), public_pem(KEY), algorithms=["RS256"],
                        options={"verify_exp": False})
    assert claims["iss"] == APP
    assert claims["iat"] == int(clock.now) - 60             # backdated for clock drift
    assert 0 < claims["exp"] - claims["iat"] <= 600          # GitHub's 10-minute ceiling
    assert KEY not in repr(auth) and KEY not in repr(credentials())


def test_tokens_are_renewed_before_they_expire_and_share_the_installation_budget(
        emulator: Emulator, clock: Clock, tmp_path: Path) -> None:
    auth = InstallationAuth(credentials(), emulator.url, clock=clock)
    client = ApiClient(emulator.url, "github", RawStore(tmp_path / "raw"), app=auth)
    first = client.get(f"/repos/{GITHUB[0]}", kind="github.repository", context={})
    assert first.status == 200 and auth.exchanges == 1
    assert first.headers["x-ratelimit-limit"] == "7500"
    old = auth.token()
    assert auth.expires_at == pytest.approx(clock.now + 3_600, abs=2)
    clock.now += 3_000                                         # 10 min left: kept
    client.get(f"/repos/{GITHUB[1]}", kind="github.repository", context={})
    assert auth.exchanges == 1
    clock.now += 400                                           # 3 min 20 s left: renewed
    renewed = client.get(f"/repos/{GITHUB[2]}", kind="github.repository", context={})
    assert auth.exchanges == 2 and auth.token() != old
    assert renewed.headers["x-ratelimit-remaining"] == "7497"  # one budget for both tokens
    clock.now += 300                                           # the old token has expired
    stale = ApiClient(emulator.url, "github", RawStore(tmp_path / "stale"), tokens=[old])
    with pytest.raises(CollectError, match="refused the credentials"):
        stale.get(f"/repos/{GITHUB[0]}", kind="github.repository", context={})
    client.close()
    stale.close()


def test_a_token_refused_early_is_replaced_once(emulator: Emulator, clock: Clock,
                                                tmp_path: Path) -> None:
    auth = InstallationAuth(credentials(installation=None), emulator.url, clock=clock)
    client = ApiClient(emulator.url, "github", RawStore(tmp_path / "raw"), app=auth)
    client.get(f"/repos/{GITHUB[0]}", kind="github.repository", context={})
    assert auth.credentials.installation_id == INSTALLATION    # the App's only installation
    assert emulator.github_apps is not None
    emulator.github_apps.issued.clear()                        # revoked on GitHub's side
    again = client.get(f"/repos/{GITHUB[0]}", kind="github.repository", context={})
    assert again.status == 200 and auth.exchanges == 2
    client.close()


def test_githubs_jwt_rules_are_enforced(emulator: Emulator, clock: Clock) -> None:
    import httpx

    now = int(clock.now)
    url = f"{emulator.url}/app/installations/{INSTALLATION}/access_tokens"

    def ask(claims: dict, key: str = KEY) -> httpx.Response:
        token = jwt.encode(claims, key, algorithm="RS256")
        return httpx.post(url, headers={"Authorization": f"Bearer {token}"})

    good = {"iat": now - 60, "exp": now + 540, "iss": APP}
    answer = ask(good)
    assert answer.status_code == 201 and answer.json()["token"].startswith("ghs_")
    assert ask({**good, "exp": now + 3_600}).json()["message"].endswith("too far in the future")
    assert ask({**good, "exp": now - 1}).status_code == 401
    assert ask(good, private_pem()).status_code == 401          # signed by another key
    assert ask({**good, "iss": "999"}).json()["message"] == "Integration not found"
    other_installation = f"{emulator.url}/app/installations/78/access_tokens"
    assert httpx.post(other_installation, headers={
        "Authorization": f"Bearer {jwt.encode(good, KEY, algorithm='RS256')}"}
    ).status_code == 404


def test_cli_collects_as_an_app(emulator: Emulator, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "app.pem"
    key.write_text(KEY)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("GITHUB_APP_PRIVATE_KEY_PATH", str(key))
    db, raw = tmp_path / "db.duckdb", tmp_path / "raw"
    listing = tmp_path / "repos.txt"
    listing.write_text("\n".join(GITHUB) + "\n")
    result = RUNNER.invoke(app, ["sample", "github", "--from-list", str(listing), "--db",
                                 str(db)])
    assert result.exit_code == 0, result.output
    result = RUNNER.invoke(app, ["collect", "--db", str(db), "--raw", str(raw),
                                 "--github-url", emulator.url, "--hub-url", emulator.url,
                                 "--github-app-id", APP, "--github-app-installation",
                                 INSTALLATION])
    assert result.exit_code == 0, result.output
    assert f"github: {len(GITHUB)} repositories collected" in result.output
    with Store(db, read_only=True) as store:
        assert store.query("SELECT count(*) FROM repositories WHERE platform = 'github'"
                           ).fetchone()[0] == len(GITHUB)
    assert emulator.github_apps is not None
    assert len(emulator.github_apps.issued) == 1                # one token for the whole run
    assert [path for _, path in emulator.github_apps.calls] == [
        f"/app/installations/{INSTALLATION}/access_tokens"]


@pytest.mark.parametrize(("env", "message"), [
    ({"GITHUB_APP_ID": APP}, "has no private key"),
    ({"GITHUB_APP_ID": APP, "GITHUB_APP_PRIVATE_KEY_PATH": "/nonexistent/app.pem"},
     "does not exist"),
    ({"GITHUB_APP_ID": APP, "GITHUB_APP_PRIVATE_KEY": NOT_A_KEY},
     "is not an unencrypted RSA private key"),
    ({"GITHUB_APP_PRIVATE_KEY": KEY}, "no App id"),
    ({"GITHUB_APP_ID": "my-app", "GITHUB_APP_PRIVATE_KEY": KEY}, "are numbers"),
])
def test_bad_app_configuration_fails_in_one_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        AppCredentials.from_environment(environ=env)
    assert "bm90IGEga2V5" not in str(caught.value) and "PRIVATE KEY" not in str(caught.value)


def test_a_wrong_key_or_installation_is_refused_in_one_line(
        emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "db.duckdb"
    with Store(db) as store:
        store.write_frame("main", "github", GITHUB[:1], {"synthetic": True})
    other = private_pem()
    for key, installation, expected in ((other, INSTALLATION, "refused GitHub App 4242's JWT"),
                                        (KEY, "78", "has no installation 78")):
        monkeypatch.setenv("GITHUB_APP_PRIVATE_KEY", key)
        result = RUNNER.invoke(app, ["collect", "--db", str(db), "--raw", str(tmp_path / "raw"),
                                     "--github-url", emulator.url, "--github-app-id", APP,
                                     "--github-app-installation", installation])
        assert result.exit_code == 2 and expected in result.output, result.output
        assert "Traceback" not in result.output and "eyJ" not in result.output


def test_several_installations_need_a_choice(clock: Clock) -> None:
    apps = GitHubApps({APP: public_pem(KEY)}, {"77": APP, "88": APP}, clock=clock)
    with Emulator.from_records(WORLD, github_apps=apps) as running:
        auth = InstallationAuth(credentials(installation=None), running.url, clock=clock)
        with pytest.raises(ConfigError, match="has 2 installations .*77.*88"):
            auth.token()
        auth.close()


def test_emulate_takes_apps_from_public_key_files(tmp_path: Path) -> None:
    public = tmp_path / "app.pub.pem"
    public.write_text(public_pem(KEY))
    apps = GitHubApps.parse([f"{APP}:{INSTALLATION}:{public}"])
    assert apps.public_keys == {APP: public_pem(KEY)}
    assert apps.installations == {INSTALLATION: APP}
    for spec, message in ((f"{APP}:{public}", "expected APP_ID:INSTALLATION_ID"),
                          (f"{APP}:{INSTALLATION}:{tmp_path / 'none.pem'}", "cannot use"),
                          (f"{APP}:{INSTALLATION}:{tmp_path}", "cannot use")):
        result = RUNNER.invoke(app, ["emulate", "--world", str(tmp_path / "w.jsonl"),
                                     "--port", "0", "--github-app", spec])
        assert result.exit_code == 2 and message in result.output, result.output
    key_file = tmp_path / "private.pem"
    key_file.write_text(KEY)
    result = RUNNER.invoke(app, ["emulate", "--world", str(tmp_path / "w.jsonl"), "--port",
                                 "0", "--github-app", f"{APP}:{INSTALLATION}:{key_file}"])
    assert result.exit_code == 2 and "public key" in result.output
    assert "PRIVATE KEY" not in result.output


def test_the_demo_ignores_an_app_in_the_environment(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from crossforge import api

    monkeypatch.setenv("GITHUB_APP_ID", APP)
    monkeypatch.setenv("GITHUB_APP_PRIVATE_KEY", KEY)
    with api._clients(tmp_path / "raw", github_url=None, hub_url=None, github_token_env=None,
                      hf_token_env=None) as (github, _hub):
        assert github.app is not None and github.app.credentials.app_id == APP
    with api._clients(tmp_path / "raw", github_url=None, hub_url=None, github_token_env=None,
                      hf_token_env=None, github_app=api.GitHubApp(environment=False)
                      ) as (github, _hub):
        assert github.app is None
