"""More bad input, found by adversarial testing (issue 17): brackets in paths and names (rich
would read them as markup), outputs that cannot be written (a read-only folder, a file where
a folder should be, a full disk under the raw store), invalid ports, a study file with values
of the wrong type, names with a trailing newline, and a labelling server sent a bad
``Content-Length``. Each is one line on stderr with exit code 2 (or a 4xx answer), and
nothing already collected is lost."""

from __future__ import annotations

import errno
import io
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossforge import api
from crossforge.cli import app
from crossforge.content.labelling.server import LabellingSession, make_server
from crossforge.errors import ConfigError
from crossforge.store import Store
from crossforge.worlds import synthetic
from crossforge.worlds.files import write_world
from tests.conftest import CORPUS, GitBuilder
from tests.reliability.helpers import contents, framed_db, mounted_tmpfs, served
from tests.reliability.test_bad_input import collect_cli, env, one_line_error  # noqa: F401

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SYNTHETIC world's store, classified (so a labelling sample can be drawn)."""
    db = tmp_path_factory.mktemp("world") / "world.duckdb"
    with Store(db) as store:
        store.write(api._provenance(synthetic.SOURCE, "seed=5"), synthetic.generate_world(8, 5))
    api.classify_store(db)
    return db


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A read-only folder: a tmpfs mounted read-only (root cannot be kept out by modes)."""
    with mounted_tmpfs(tmp_path / "read-only", "ro,size=64k", "a read-only folder") as folder:
        yield folder


# --- brackets are printed as written --------------------------------------------------------

def test_brackets_in_an_output_path_are_printed_not_read_as_markup(world_db: Path,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "m[/x]"  # rich: "closing tag '[/x]' doesn't match any open tag"
    result = RUNNER.invoke(app, ["measure", "--db", str(world_db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{out}/summary.json" in "".join(result.output.split("\n"))
    bold = tmp_path / "s[bold]x.toml"
    result = RUNNER.invoke(app, ["init", str(bold)])
    assert result.exit_code == 0, result.output
    assert f"wrote {bold};" in "".join(result.output.split("\n"))  # "[bold]" does not vanish


def test_brackets_in_an_error_message_are_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "w[/x].jsonl"
    one_line_error(RUNNER.invoke(app, ["emulate", "--world", str(missing)]),
                   f"world file {missing} does not exist")
    one_line_error(RUNNER.invoke(app, ["import", "git", str(missing), "--repo", "a/b",
                                       "--platform", "github", "--db",
                                       str(tmp_path / "db.duckdb")]), "w[/x].jsonl")


# --- outputs that cannot be written ---------------------------------------------------------

def _output_commands(db: Path, target: Path) -> dict[str, list[str]]:
    return {
        "measure": ["measure", "--db", str(db), "--out", str(target / "m")],
        "report": ["report", "--db", str(db), "--out", str(target / "r")],
        "export": ["export", str(target / "e"), "--db", str(db)],
        "label export": ["label", "export", "--db", str(db), "--out", str(target / "l.csv"),
                         "--size", "40", "--min-per-stratum", "1"],
        "init": ["init", str(target / "study.toml")],
        "interviews draw": ["interviews", "draw", "--db", str(db), "--out", str(target / "i")],
        "interviews guide": ["interviews", "guide", "--out", str(target / "g")],
        "interviews codebook": ["interviews", "codebook", "--out", str(target / "c")],
    }


@pytest.mark.parametrize("command", ["measure", "report", "export", "label export", "init",
                                     "interviews draw", "interviews guide",
                                     "interviews codebook"])
def test_a_read_only_output_is_one_line_naming_it(command: str, world_db: Path,
                                                  read_only: Path) -> None:
    before = contents(world_db)
    arguments = _output_commands(world_db, read_only)[command]
    target = next(a for a in arguments if a.startswith(str(read_only)))
    one_line_error(RUNNER.invoke(app, arguments), f"cannot write {target}",
                   "Read-only file system")
    assert contents(world_db) == before


@pytest.mark.parametrize("command", ["measure", "report", "export", "label export", "init",
                                     "interviews draw", "interviews guide",
                                     "interviews codebook"])
def test_a_file_in_the_way_of_an_output_is_one_line_naming_it(command: str, world_db: Path,
                                                              tmp_path: Path) -> None:
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder\n")
    arguments = _output_commands(world_db, in_the_way)[command]
    one_line_error(RUNNER.invoke(app, arguments), f"cannot write {in_the_way}",
                   "Not a directory")
    assert in_the_way.read_text() == "not a folder\n"


def test_init_into_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "study.toml"
    one_line_error(RUNNER.invoke(app, ["init", str(target)]),
                   f"cannot write {target}", "No such file or directory")


@pytest.mark.skipif(not (CORPUS / "git_commits.csv.gz").is_file(),
                    reason="../shared/corpus is absent: world from-corpus needs it")
def test_a_world_into_a_read_only_folder_is_one_line(read_only: Path) -> None:
    out = read_only / "world.jsonl.gz"
    one_line_error(RUNNER.invoke(app, ["world", "from-corpus", str(CORPUS), "--out", str(out),
                                       "--repo", "karpathy/minGPT", "--models", "0"]),
                   f"cannot write {out}: Read-only file system")


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 200 kB tmpfs all but 30 kB full; its ``filler`` file frees the space when removed."""
    with mounted_tmpfs(tmp_path / "full", "size=200k", "simulating a full disk") as disk:
        stats = os.statvfs(disk)
        (disk / "filler").write_bytes(b"\0" * (stats.f_bavail * stats.f_frsize - 30_000))
        yield disk


def test_a_raw_store_on_a_full_disk_is_one_line_and_a_resume_loses_nothing(
        full_disk: Path, tmp_path: Path, env: None) -> None:  # noqa: F811
    db = framed_db(tmp_path / "db.duckdb")
    (tmp_path / "clean").mkdir()
    clean_db = framed_db(tmp_path / "clean" / "db.duckdb")
    with served() as emulator:
        assert collect_cli(clean_db, emulator.url).exit_code == 0
        full = RUNNER.invoke(app, ["collect", "--db", str(db), "--raw", str(full_disk / "raw"),
                                   "--github-url", emulator.url, "--hub-url", emulator.url])
        one_line_error(full, "cannot write raw store", "No space left on device")
        (full_disk / "filler").unlink()
        resumed = RUNNER.invoke(app, ["collect", "--db", str(db), "--raw",
                                      str(full_disk / "raw"), "--github-url", emulator.url,
                                      "--hub-url", emulator.url])
    assert resumed.exit_code == 0, resumed.output
    assert contents(db) == contents(clean_db)


class _FullDisk(io.RawIOBase):
    """A file on a disk with no space left: every write fails with ENOSPC."""

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_raw_store_write_failing_with_enospc_is_one_line_not_two_tracebacks(
        tmp_path: Path, env: None, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Deterministic where the tmpfs is not (where the disk fills decides whether bytes are
    left in the segment's buffer): before, closing the segment flushed the cut-off response
    again and its second ENOSPC replaced the one-line error with two tracebacks."""
    db = framed_db(tmp_path / "db.duckdb")
    opened = Path.open

    def open_on_a_full_disk(path: Path, mode: str = "r", *args: object, **kwargs: object):
        if path.name.startswith("responses-") and mode == "ab":
            return io.BufferedWriter(_FullDisk())
        return opened(path, mode, *args, **kwargs)  # type: ignore[arg-type]

    with served() as emulator:
        monkeypatch.setattr(Path, "open", open_on_a_full_disk)
        one_line_error(collect_cli(db, emulator.url), "cannot write raw store",
                       "No space left on device")
        monkeypatch.undo()
        monkeypatch.setenv("GITHUB_TOKEN", "bad-input-test")
        monkeypatch.setenv("HF_TOKEN", "bad-input-test")
        assert collect_cli(db, emulator.url).exit_code == 0
        (tmp_path / "clean").mkdir()
        clean_db = framed_db(tmp_path / "clean" / "db.duckdb")
        assert collect_cli(clean_db, emulator.url).exit_code == 0
    assert contents(db) == contents(clean_db)


# --- ports ----------------------------------------------------------------------------------

@pytest.mark.parametrize("port", ["70000", "65536", "-1"])
def test_an_invalid_port_is_one_line(port: str, tmp_path: Path) -> None:
    world = tmp_path / "world.jsonl"
    write_world(world, synthetic.generate_world(2, 1))
    one_line_error(RUNNER.invoke(app, ["emulate", "--world", str(world), "--port", port]),
                   f"port {port} is not a port number")
    sample = tmp_path / "sample.csv"
    sample.write_text("id,platform,repo,number,kind,title,body,predicted,stratum,weight\n")
    one_line_error(RUNNER.invoke(app, ["label", "serve", str(sample), "--coder", "ann",
                                       "--port", port]), f"port {port} is not a port number")
    assert not (tmp_path / "sample.ann.csv").exists()  # refused before anything is written


# --- names with a trailing newline ----------------------------------------------------------

def test_a_repository_id_with_a_trailing_newline_is_refused(tmp_path: Path,
                                                            git_builder: GitBuilder) -> None:
    git_builder.commit("Ann", "ann@example.org", "one")
    db = tmp_path / "db.duckdb"
    one_line_error(RUNNER.invoke(app, [
        "import", "git", str(git_builder.path), "--repo", "acme/widget\n", "--platform",
        "github", "--db", str(db)]), "malformed repository id 'acme/widget\\n'")
    assert not db.exists()
    with pytest.raises(ConfigError, match="malformed repository id"):
        api.world_from_corpus(tmp_path, tmp_path / "w.jsonl", repos=["acme/widget\n"])


def test_a_coder_name_with_a_trailing_newline_is_refused(world_db: Path,
                                                         tmp_path: Path) -> None:
    sample = tmp_path / "sample.csv"
    api.export_labelling_sample(world_db, sample, size=10, seed=1, coders=0,
                                strata=["platform"])
    with pytest.raises(ConfigError, match="coder name 'ann\\\\n'"):
        LabellingSession(sample, "ann\n", ["bug", "usage"])  # its file: sample.ann\n.csv
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sample.csv"]


# --- the labelling server and Content-Length ------------------------------------------------

@pytest.fixture
def labelling_url(world_db: Path, tmp_path: Path) -> Iterator[str]:
    sample = tmp_path / "sample.csv"
    api.export_labelling_sample(world_db, sample, size=10, seed=1, coders=0,
                                strata=["platform"])
    server = make_server(LabellingSession(sample, "ann", ["bug", "usage"]), 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _post_status(address: str, length: str | None) -> str:
    """The status line of a POST /label whose Content-Length header is ``length``."""
    host, port = address.split(":")
    header = "" if length is None else f"Content-Length: {length}\r\n"
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(f"POST /label HTTP/1.1\r\nHost: {address}\r\n{header}"
                           "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode())
        try:
            return connection.makefile("rb").readline().decode().strip()
        except TimeoutError:
            return "no answer within 5 s"


@pytest.mark.parametrize(("length", "status"), [
    ("abc", "400"), ("-1", "400"), ("+5", "400"), ("1e3", "400"), (None, "411"),
    ("9999999", "413")])
def test_a_bad_content_length_gets_a_4xx_answer(labelling_url: str, length: str | None,
                                                status: str) -> None:
    assert _post_status(labelling_url, length).split(" ")[1:2] == [status]
