"""Source ``git``: any local clone, read with one streaming ``git log --numstat``.

A Hub repository cloned with ``GIT_LFS_SKIP_SMUDGE=1`` reads the same way. The history is the
default branch (everything reachable from ``HEAD``), as GitHub's and the Hub's commit lists are.
Pull-request refs (GitHub ``refs/pull/N/head``, Hub ``refs/pr/N``) become pull-request threads.
A clone names its repository through its remote URL (``repo_from_remote``) or a mapping file
(``read_clone_map``); ``find_clones`` lists the clones a directory holds.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from crossforge.errors import ConfigError, GitError
from crossforge.file_classes import touched_classes
from crossforge.identity import identity_key, is_bot, parse_person
from crossforge.records import Account, Commit, Platform, Repository, Thread, check_repo_id

_RS, _US, _GS = "\x1e", "\x1f", "\x1d"
_FORMAT = _RS + _US.join([
    "%H", "%P", "%aN", "%aE", "%at", "%cN", "%cE", "%ct", "%s",
    "%(trailers:key=Co-authored-by,valueonly,separator=%x1d)",
])
_PULL_REF = re.compile(r"^refs/(?:pull/(\d+)/head|pr/(\d+))$")
_ENV = {**os.environ, "LANG": "C", "LC_ALL": "C", "PAGER": "", "GIT_PAGER": "cat"}

KIND_BY_PLATFORM = {"github": "code", "huggingface": "model"}
PLATFORM_BY_HOST: dict[str, Platform] = {
    "github.com": "github", "www.github.com": "github",
    "huggingface.co": "huggingface", "hf.co": "huggingface",
}
# scheme://[user[:password]@]host[:port]/path, or scp-like [user@]host:path.
_URL_REMOTE = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^@/]*@)?(?P<host>[^/:]+)(?::\d*)?/(?P<path>.*)$",
                         re.IGNORECASE)
_SCP_REMOTE = re.compile(r"^(?:[^@/:]+@)?(?P<host>[^/:]+):(?!/)(?P<path>.+)$")
_CREDENTIALS = re.compile(r"(?<=://)[^@/]*@")


class GitRepository:
    """A local clone to read as repository ``repo`` on ``platform``.

    Args:
        path: a work tree or a bare clone.
        repo: the ``owner/name`` the clone stands for.
        platform: which platform's identity rules (no-reply addresses) apply.

    Example:
        >>> clone = GitRepository("requests", "psf/requests", "github")  # doctest: +SKIP
        >>> sum(1 for _ in clone.list_commits())                           # doctest: +SKIP
        6489
    """

    def __init__(self, path: str | Path, repo: str, platform: Platform) -> None:
        self.path = Path(path)
        self.repo = repo
        self.platform = platform
        # The newest (name, e-mail) seen for each identity, for the accounts table.
        self._people: dict[str, tuple[str, str]] = {}
        if not self.path.exists():
            raise GitError(f"{self.path} does not exist")
        try:
            self._git("rev-parse", "--git-dir")
        except GitError as exc:
            raise GitError(f"{self.path} is not a git repository") from exc

    def _git(self, *args: str, stdin: str | None = None) -> str:
        return _run_git(self.path, *args, stdin=stdin)

    def has_commits(self) -> bool:
        """False for a freshly initialised repository whose ``HEAD`` points nowhere."""
        try:
            self._git("rev-parse", "--verify", "-q", "HEAD")
        except GitError:
            return False
        return True

    def repository(self) -> Repository:
        """The repository record; git knows nothing of stars, owners' types or licences."""
        return Repository(
            platform=self.platform, repo=self.repo, kind=KIND_BY_PLATFORM[self.platform],
            owner=self.repo.split("/", 1)[0],
        )

    def list_commits(self) -> Iterator[Commit]:
        """Every commit reachable from ``HEAD``, newest first, streamed with flat memory."""
        log = self._start_log()
        if log is not None:
            yield from self._read_log(log)

    def _start_log(self) -> subprocess.Popen[str] | None:
        """``git log`` started (``None`` when there is no commit), its output unread."""
        if not self.has_commits():
            return None
        cmd = ["git", "-C", str(self.path), "-c", "core.quotepath=off", "log", "--numstat",
               "--no-renames", "--no-color", f"--format={_FORMAT}", "HEAD", "--"]
        try:
            return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=_ENV, encoding="utf-8", errors="replace",
                                    bufsize=1 << 20)
        except OSError as exc:
            raise GitError(f"cannot run git: {exc}") from exc

    def _read_log(self, log: subprocess.Popen[str]) -> Iterator[Commit]:
        assert log.stdout is not None
        try:
            yield from self._parse_log(log.stdout)
        finally:
            log.stdout.close()
            stderr = log.stderr.read() if log.stderr else ""
            if log.wait() != 0 and stderr:
                raise GitError(f"git log failed in {self.path}: {stderr.strip()[:200]}")

    def _parse_log(self, lines: Iterator[str]) -> Iterator[Commit]:
        header: list[str] | None = None
        added = deleted = 0
        paths: list[str] = []
        for line in lines:
            if line.startswith(_RS):
                if header is not None:
                    yield self._commit(header, paths, added, deleted)
                header = line[1:].rstrip("\n").split(_US)
                added = deleted = 0
                paths = []
            elif line != "\n" and header is not None:
                a, _, rest = line.partition("\t")
                d, _, path = rest.partition("\t")
                paths.append(_unquoted(path.rstrip("\n")))
                if a != "-":
                    added += int(a)
                    deleted += int(d)
        if header is not None:
            yield self._commit(header, paths, added, deleted)

    def _commit(self, h: list[str], paths: list[str], added: int, deleted: int) -> Commit:
        sha, parents, a_name, a_email, a_time, c_name, c_email, c_time, subject, trailers = h
        author = identity_key(a_name, a_email, self.platform)
        co_authors: list[str] = []
        for value in trailers.split(_GS) if trailers else ():
            person = parse_person(value)
            if person:
                key = identity_key(person[0], person[1], self.platform)
                if key is not None and key != author and key not in co_authors:
                    co_authors.append(key)
                    self._people.setdefault(key, person)
        self._remember(author, a_name, a_email)
        return Commit(
            platform=self.platform, repo=self.repo, sha=sha, author=author,
            author_name=a_name, author_email=a_email, authored_at=_epoch(a_time),
            committer=identity_key(c_name, c_email, self.platform), committer_name=c_name,
            committer_email=c_email, committed_at=_epoch(c_time), co_authors=tuple(co_authors),
            files_changed=len(paths), lines_added=added, lines_deleted=deleted,
            is_merge=" " in parents, subject=subject, touched=touched_classes(paths),
        )

    def list_pull_requests(self) -> Iterator[Thread]:
        """Pull-request refs as threads, authored by the head commit's author."""
        refs = self._git("for-each-ref", "--format=%(refname) %(objectname)",
                         "refs/pull", "refs/pr")
        heads: dict[str, list[int]] = {}
        for line in refs.splitlines():
            ref, _, sha = line.partition(" ")
            match = _PULL_REF.match(ref)
            if match:
                heads.setdefault(sha, []).append(int(match.group(1) or match.group(2)))
        if not heads:
            return
        log = self._git("log", "--no-walk=unsorted", "--stdin",
                        f"--format=%H{_US}%aN{_US}%aE{_US}%s", stdin="\n".join(heads) + "\n")
        for line in log.splitlines():
            sha, name, email, subject = line.split(_US, 3)
            author = identity_key(name, email, self.platform)
            self._remember(author, name, email)
            for number in heads.get(sha, []):
                yield Thread(platform=self.platform, repo=self.repo, number=number,
                             kind="pull_request", title=subject, body=None, author=author)

    def _remember(self, key: str | None, name: str, email: str) -> None:
        """Keep an identity for the accounts table; an unknown author is nobody's account."""
        if key is not None:
            self._people.setdefault(key, (name, email))

    def list_accounts(self) -> Iterator[Account]:
        """The identities met so far by ``list_commits``/``list_pull_requests``."""
        for key, (name, email) in self._people.items():
            yield Account(
                platform=self.platform, login=key,
                type="bot" if is_bot(key, name) else "user",
                display_name=name or None, email=(email or "").lower() or None,
            )

    def list_records(self) -> Iterator[Repository | Commit | Thread | Account]:
        """Everything this clone yields, in an order the store can take as it comes."""
        yield self.repository()
        yield from self.list_commits()
        yield from self.list_pull_requests()
        yield from self.list_accounts()

    @contextmanager
    def reading(self) -> Iterator[Iterator[Repository | Commit | Thread | Account]]:
        """``list_records`` with ``git log`` started now: git reads the history while the
        caller gets ready (imports and opens the store), on the machine's other core. The
        log is ended on leaving the block, read or not."""
        log = self._start_log()

        def records() -> Iterator[Repository | Commit | Thread | Account]:
            yield self.repository()
            if log is not None:
                yield from self._read_log(log)
            yield from self.list_pull_requests()
            yield from self.list_accounts()

        try:
            yield records()
        finally:
            if log is not None and log.poll() is None:
                log.kill()
                log.communicate()


def _run_git(path: Path, *args: str, stdin: str | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(path), *args], capture_output=True, text=True,
            encoding="utf-8", errors="replace", env=_ENV, input=stdin, check=False,
        )
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}") from exc
    if done.returncode != 0:
        raise GitError(f"git {args[0]} failed in {path}: {done.stderr.strip()[:200]}")
    return done.stdout


def remote_url(path: Path) -> str | None:
    """The URL of the clone's remote ``origin``, or of its only remote; ``None`` without
    one (or when ``path`` is no clone: reading it then says so)."""
    try:
        listed = _run_git(path, "config", "--get-regexp", r"^remote\..*\.url$")
    except GitError:  # git config exits 1 when nothing matches
        return None
    urls = dict(line.split(" ", 1) for line in listed.splitlines() if " " in line)
    if "remote.origin.url" in urls:
        return urls["remote.origin.url"]
    return next(iter(urls.values())) if len(urls) == 1 else None


def repo_from_remote(url: str) -> tuple[Platform | None, str]:
    """``(platform, OWNER/NAME)`` a remote URL names; the platform is ``None`` for a host
    other than GitHub's or the Hub's (a mirror: the caller names the platform).

    >>> repo_from_remote("git@github.com:psf/requests.git")
    ('github', 'psf/requests')
    >>> repo_from_remote("https://huggingface.co/google-bert/bert-base-uncased")
    ('huggingface', 'google-bert/bert-base-uncased')

    Raises:
        ConfigError: the URL names no ``OWNER/NAME`` (a local path, a Hub dataset or space, a
            model without an owner); the message never repeats credentials the URL holds.
    """
    shown = _CREDENTIALS.sub("", url)
    match = _URL_REMOTE.match(url) or _SCP_REMOTE.match(url)
    if not match:
        raise ConfigError(f"remote URL {shown!r} does not name OWNER/NAME")
    platform = PLATFORM_BY_HOST.get(match.group("host").lower())
    parts = [p for p in match.group("path").split("/") if p]
    if parts and parts[-1].endswith(".git"):
        parts[-1] = parts[-1][:-4]
    if platform == "huggingface" and parts and parts[0] in ("datasets", "spaces"):
        raise ConfigError(f"remote URL {shown!r} is a Hub {parts[0][:-1]}: import git "
                          "reads Hub model clones")
    repo = "/".join(parts)
    if len(parts) != 2:
        raise ConfigError(f"remote URL {shown!r} does not name OWNER/NAME")
    try:
        return platform, check_repo_id(repo)
    except ConfigError:
        raise ConfigError(f"remote URL {shown!r} does not name OWNER/NAME") from None


def is_clone(path: Path) -> bool:
    """A work tree (``.git`` directory or file) or a bare clone, told apart without git."""
    return (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir())


def find_clones(directory: Path) -> list[Path]:
    """The clones directly inside ``directory``, by name."""
    try:
        children = sorted(directory.iterdir())
    except OSError as exc:
        raise GitError(f"cannot list {directory}: {exc.strerror}") from exc
    return [child for child in children if child.is_dir() and is_clone(child)]


def read_clone_map(path: Path) -> dict[Path, str]:
    """A mapping file's clones and the ``OWNER/NAME`` each stands for.

    One clone a line, ``PATH OWNER/NAME`` (the last word is the repository, so a path may hold
    spaces); a relative path is relative to the file; blank lines and ``#`` comments are
    skipped.

    Raises:
        ConfigError: the file cannot be read, or a line is not ``PATH OWNER/NAME`` (the first
            bad line is named, so a typo never imports half a list).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read clone map {path}: {getattr(exc, 'strerror', exc)}"
                          ) from exc
    clones: dict[Path, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = line.rsplit(None, 1)
        try:
            if len(words) != 2:
                raise ConfigError("no OWNER/NAME")
            repo = check_repo_id(words[1])
        except ConfigError:
            raise ConfigError(f"{path}:{number}: expected PATH OWNER/NAME, got {line!r}"
                              ) from None
        clones[(path.parent / words[0]).resolve()] = repo
    return clones


def _unquoted(path: str) -> str:
    """A ``--numstat`` path without the quotes git puts around a name holding a quote, tab
    or newline (its escapes are kept: the name's ending, which classifies it, is intact)."""
    return path[1:-1] if len(path) > 1 and path[0] == path[-1] == '"' else path


def _epoch(value: str) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value else None
