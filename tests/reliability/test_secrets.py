"""Fake tokens (accepted, rejected, several in turn) and a GitHub App's secrets (its private
key, its JWTs, the installation tokens they buy) never reach a file under the output
directory, the raw store, the database, or the command's stdout and stderr."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from crossforge.emulator import Emulator, GitHubApps
from crossforge.errors import CollectError
from crossforge.sources.github_app import AppCredentials, InstallationAuth
from crossforge.sources.http import ApiClient
from crossforge.sources.raw import RawStore, redacted_url
from tests.reliability.helpers import WORLD, framed_db, occurrences, run_collect

GOOD = ("ghp_SECRETgoodFAKE000000000000000001", "ghp_SECRETgoodFAKE000000000000000002")
HUB = "hf_SECREThubFAKE0000000000000000003"
REJECTED = "ghp_SECRETrevokedFAKE00000000000004"
FAULTS = "500:0.05,429:0.05:1,invalid:0.05,seed=4"


def test_tokens_appear_nowhere(tmp_path: Path) -> None:
    secrets = (*GOOD, HUB, REJECTED)
    accepted, refused = tmp_path / "accepted", tmp_path / "refused"
    for folder in (accepted, refused):
        folder.mkdir()
        framed_db(folder / "db.duckdb")
    with Emulator.from_records(WORLD, rejected_tokens={REJECTED}, faults=FAULTS) as emulator:
        ok = run_collect(accepted, emulator.url, ",".join(GOOD), HUB)
        bad = run_collect(refused, emulator.url, REJECTED, REJECTED)
    assert ok.returncode == 0, ok.stderr
    assert "repositories collected" in ok.stdout
    assert bad.returncode == 2 and "refused the credentials" in bad.stderr
    assert "Traceback" not in bad.stderr + ok.stderr
    assert (accepted / "raw").is_dir() and any((accepted / "raw").iterdir())
    assert occurrences(tmp_path, [ok.stdout, ok.stderr, bad.stdout, bad.stderr], secrets) == 0
    # the scan itself finds a token where one is
    (tmp_path / "planted.txt").write_text(GOOD[0])
    assert occurrences(tmp_path, [], secrets) == 1


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def test_github_app_secrets_appear_nowhere(tmp_path: Path) -> None:
    """Collect as an App (through faults, so retries and renewals happen), then with a key
    that is not the App's; neither the key, nor any JWT, nor an installation token is found."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    wrong = _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    apps = GitHubApps({"4242": public.decode()}, {"77": "4242"})
    accepted, refused = tmp_path / "accepted", tmp_path / "refused"
    for folder in (accepted, refused):
        folder.mkdir()
        framed_db(folder / "db.duckdb")
    app_env = {"GITHUB_APP_ID": "4242", "GITHUB_APP_INSTALLATION_ID": "77"}
    with Emulator.from_records(WORLD, faults=FAULTS, github_apps=apps) as emulator:
        ok = run_collect(accepted, emulator.url, "", HUB,
                         {**app_env, "GITHUB_APP_PRIVATE_KEY": _pem(key)})
        bad = run_collect(refused, emulator.url, "", HUB,
                          {**app_env, "GITHUB_APP_PRIVATE_KEY": wrong})
    assert ok.returncode == 0, ok.stderr
    assert "repositories collected" in ok.stdout
    assert bad.returncode == 2 and "refused GitHub App 4242's JWT" in bad.stderr
    assert "Traceback" not in bad.stderr + ok.stderr
    tokens = tuple(apps.issued)
    assert tokens, "the App collection made no installation token"
    jwt_header = InstallationAuth(AppCredentials("4242", "77", _pem(key)),
                                  emulator.url).jwt().split(".")[0]   # every JWT starts so
    key_lines = tuple(line for pem in (_pem(key), wrong) for line in pem.splitlines()[1:-1])
    secrets = (*tokens, jwt_header, *key_lines)
    outputs = [ok.stdout, ok.stderr, bad.stdout, bad.stderr]
    assert occurrences(tmp_path, outputs, secrets) == 0
    (tmp_path / "planted.txt").write_text(tokens[0])
    assert occurrences(tmp_path, [], secrets) == 1


def test_a_token_in_a_base_url_appears_nowhere(tmp_path: Path) -> None:
    """``--github-url http://user:TOKEN@host``: the token reaches neither the raw store's
    ``url`` fields, the database, nor the output; nor does "cannot reach …" print it."""
    secret = "ghp_SECRETinURLfake000000000000000005"
    folder = tmp_path / "run"
    folder.mkdir()
    framed_db(folder / "db.duckdb")
    with Emulator.from_records(WORLD) as emulator:
        with_token = emulator.url.replace("://", f"://crossforge:{secret}@", 1)
        run = run_collect(folder, with_token, "", "")
    assert run.returncode == 0, run.stderr
    assert "repositories collected" in run.stdout
    stored = list(RawStore(folder / "raw"))
    assert stored and all(r.url.startswith(emulator.url) for r in stored)
    client = ApiClient(f"http://crossforge:{secret}@127.0.0.1:9/?access_token={secret}",
                       "github", RawStore(tmp_path / "unreachable"), sleep=lambda s: None)
    with pytest.raises(CollectError, match=r"cannot reach http://127\.0\.0\.1:9/") as error:
        client.get("/repos/octo/hello", kind="github.repository", context={})
    client.close()
    assert occurrences(tmp_path, [run.stdout, run.stderr, str(error.value)], (secret,)) == 0


def test_redacted_url_keeps_everything_but_credentials() -> None:
    assert redacted_url("https://u:p@api.example.org:8443/repos/a/b?page=2&per_page=100") \
        == "https://api.example.org:8443/repos/a/b?page=2&per_page=100"
    assert redacted_url("https://proxy/api?token=abc&q=x") == "https://proxy/api?token=redacted&q=x"
    assert redacted_url("/repos/a/b/commits?page=3") == "/repos/a/b/commits?page=3"
