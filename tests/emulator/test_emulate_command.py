"""``crossforge emulate`` as a user runs it: a subprocess on a free port, stopped with Ctrl-C;
bad input fails in one line."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from crossforge.cli import app
from crossforge.records import Repository
from crossforge.worlds import synthetic
from crossforge.worlds.files import write_world

SRC = Path(__file__).resolve().parents[2] / "src"
WORLD = list(synthetic.generate_world(4, 3))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def emulate(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen([sys.executable, "-m", "crossforge", "emulate", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def wait_for_url(process: subprocess.Popen[str], timeout: float = 60) -> str:
    """The URL the command prints once it listens (read through its last line, "Ctrl-C
    stops.", so that nothing it printed is left in this side's buffer, which
    ``communicate`` would not see)."""
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    printed = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        printed += line
        found = re.search(r"http://127\.0\.0\.1:\d+", printed)
        if found and "Ctrl-C stops." in line:
            process.printed = printed  # type: ignore[attr-defined]
            return found.group()
    process.kill()
    raise AssertionError(f"no URL printed; stderr: {process.communicate()[1]}")


@pytest.fixture(scope="module")
def world_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("world") / "world.jsonl.gz"
    write_world(path, WORLD)
    return path


def test_emulate_serves_the_world_and_stops_cleanly_on_ctrl_c(world_file: Path) -> None:
    port = free_port()
    process = emulate("--world", str(world_file), "--port", str(port))
    try:
        url = wait_for_url(process)
        assert url == f"http://127.0.0.1:{port}"
        repo = next(r.repo for r in WORLD if isinstance(r, Repository) and r.platform == "github")
        answer = httpx.get(f"{url}/repos/{repo}", headers={"Authorization": "Bearer t"})
        assert answer.status_code == 200 and answer.json()["full_name"] == repo
        assert answer.headers["x-ratelimit-remaining"] == "4999"
        model = next(r.repo for r in WORLD if isinstance(r, Repository)
                     and r.platform == "huggingface")
        assert httpx.get(f"{url}/api/models/{model}").json()["id"] == model
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    out = process.printed + out  # type: ignore[attr-defined]
    assert process.returncode == 0, err
    assert f"HF_ENDPOINT={url}" in out and f"--github-url {url}" in out
    assert "emulator stopped" in out and "Traceback" not in err


def test_emulate_with_faults_produces_them(world_file: Path) -> None:
    process = emulate("--world", str(world_file), "--port", "0", "--faults", "503:1@/rate_limit")
    try:
        url = wait_for_url(process)
        assert httpx.get(f"{url}/rate_limit").status_code == 503
        repo = next(r.repo for r in WORLD if isinstance(r, Repository) and r.platform == "github")
        assert httpx.get(f"{url}/repos/{repo}").status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert process.returncode == 0


@pytest.mark.parametrize("problem", ["missing world", "bad world", "port in use", "bad faults"])
def test_emulate_fails_in_one_line(problem: str, world_file: Path, tmp_path: Path) -> None:
    args = ["emulate", "--world", str(world_file), "--port", "0"]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        if problem == "missing world":
            args[2] = str(tmp_path / "nope.jsonl")
        elif problem == "bad world":
            (tmp_path / "bad.jsonl").write_text('{"record": "Repository"}\n')
            args[2] = str(tmp_path / "bad.jsonl")
        elif problem == "port in use":
            args[4] = str(taken.getsockname()[1])
        else:
            args += ["--faults", "500:lots"]
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    expected = {"missing world": "does not exist", "bad world": "bad.jsonl:1",
                "port in use": "cannot listen on 127.0.0.1", "bad faults": "needs a rate"}
    assert expected[problem] in lines[0]
