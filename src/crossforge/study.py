"""One file, one command: a study configuration (``study.toml``) and the runner.

``crossforge init`` writes a commented ``study.toml``; ``crossforge study study.toml`` runs
its steps in order. Each finished step is recorded in the store with a hash of its part of
the configuration, so a re-run skips what is done and redoes only what changed; a failed
step leaves the earlier ones recorded.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crossforge.errors import ConfigError, writing_into
from crossforge.records import PLATFORMS, check_platform, check_repo_id

TEMPLATE = '''# crossforge study configuration. Run it with:  crossforge study study.toml
# Every finished step is recorded in the database; running again skips finished steps
# whose settings did not change. Tokens are never written here: name the environment
# variables that hold them.

[study]
name = "oss-vs-osm"
database = "study.duckdb"      # the DuckDB store (created when missing)
raw = "study-raw"              # every API answer as received (the store can be rebuilt from it)
output = "study-out"           # measures, statistics and the report go here
seed = 2026                    # seeds sampling and the bootstrap

# Sampling frames drawn through the platforms' APIs (crossforge sample; its options by the
# same names, with underscores). One [[sample]] per platform; uncomment to use:
#
# [[sample]]
# platform = "github"
# search = "language:python"   # or from_list = "repositories.txt", from_gharchive = [...]
# created = "2019-01-01..2024-12-31"
# stars = "10..*"
# size = 500
# strata = ["year"]
#
# [[sample]]
# platform = "huggingface"     # the Hub's model listing
# max_listed = 100000
# size = 500
# exclude_mirrors = true

# Collecting the frames' repositories (crossforge collect); runs when [[sample]] is given,
# and again after an interruption or a failure, continuing where it stopped:
#
# [collect]
# max_threads = 2000           # caps per repository (default: none)
# max_profiles = 0             # contributors' profiles looked up per platform (people on both)
# forum_url = "https://discuss.huggingface.co"

# Local clones to import (a Hub repository cloned with GIT_LFS_SKIP_SMUDGE=1 works too).
[[sources.git]]
path = "clones/requests"
repo = "psf/requests"
platform = "github"

# Tokens for the platform APIs, by environment-variable name (collection steps).
[tokens]
github = ["GITHUB_TOKEN"]      # several names rotate several tokens
huggingface = "HF_TOKEN"       # optional

[analyses]
bootstrap = 1000               # resamples for effect-size intervals
classify = true                # label issues and discussions by type (the shipped model)
report = true                  # write report.html and report.md
figure_formats = ["svg"]       # add "png" and "pdf" for a paper
# interviews = "interviews"    # coded interviews (crossforge interviews) for the report
'''


@dataclass(frozen=True, slots=True)
class Study:
    """A parsed ``study.toml``; paths are relative to the file's folder."""

    name: str
    database: Path
    output: Path
    seed: int
    git_sources: tuple[dict[str, str], ...] = ()
    bootstrap: int = 1000
    report: bool = True
    raw: dict[str, Any] = field(default_factory=dict)
    #: Where API answers are kept (``[study] raw``).
    raw_store: Path = Path("study-raw")
    #: ``[[sample]]`` entries: ``crossforge.sample``'s keyword arguments, paths resolved.
    samples: tuple[dict[str, Any], ...] = ()
    #: ``[collect]``: ``crossforge.collect``'s keyword arguments, or None (no collection).
    collection: dict[str, Any] | None = None
    classify: bool = True
    figure_formats: tuple[str, ...] = ("svg",)
    interviews: Path | None = None

    @classmethod
    def read(cls, path: str | Path) -> Study:
        """Parse and check a study file.

        Raises:
            ConfigError: the file is missing, is not TOML, or has a wrong or missing key.
        """
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"study file {path} does not exist") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"study file {path} is not valid TOML: {exc}") from None
        _check(raw, path)
        base = path.parent
        study, analyses = raw["study"], raw.get("analyses", {})
        return cls(
            name=study.get("name", path.stem),
            database=base / study.get("database", "study.duckdb"),
            output=base / study.get("output", "study-out"),
            seed=study.get("seed", 0),
            git_sources=tuple({"path": str(base / s["path"]), "repo": s["repo"],
                               "platform": s["platform"]}
                              for s in raw.get("sources", {}).get("git", [])),
            bootstrap=analyses.get("bootstrap", 1000),
            report=analyses.get("report", True),
            raw=raw,
            raw_store=base / study.get("raw", "study-raw"),
            samples=tuple(_resolved(entry, base) for entry in raw.get("sample", [])),
            collection=(dict(raw.get("collect", {})) if raw.get("sample") or "collect" in raw
                        else None),
            classify=analyses.get("classify", True),
            figure_formats=tuple(analyses.get("figure_formats", ("svg",))),
            interviews=base / analyses["interviews"] if "interviews" in analyses else None,
        )


def _resolved(entry: dict[str, Any], base: Path) -> dict[str, Any]:
    """A ``[[sample]]`` entry with its file paths made relative to the study file."""
    resolved = dict(entry)
    if "from_list" in resolved:
        resolved["from_list"] = str(base / resolved["from_list"])
    if "from_gharchive" in resolved:
        resolved["from_gharchive"] = [str(base / p) for p in resolved["from_gharchive"]]
    return resolved


@dataclass(frozen=True, slots=True)
class _Rule:
    """What one key accepts, and how an error message says it."""

    expected: str
    accepts: Callable[[Any], bool]


def _passes(check: Callable[[str], object]) -> Callable[[Any], bool]:
    """A rule from one of ``crossforge.records``' checkers, which raise ``ConfigError``."""
    def accepts(value: Any) -> bool:
        try:
            check(value)
        except ConfigError:
            return False
        return True
    return lambda value: isinstance(value, str) and accepts(value)


_TEXT = _Rule("a non-empty string", lambda v: isinstance(v, str) and bool(v.strip()))
_NAMES = _Rule("an environment variable's name or a list of them",
               lambda v: _TEXT.accepts(v) or (isinstance(v, list) and bool(v)
                                              and all(map(_TEXT.accepts, v))))
#: Every key a study file may hold, table by table. TOML's booleans are not integers here,
#: and an integer is not a boolean: ``bootstrap = true`` or ``report = "no"`` is an error.
_BOOL = _Rule("true or false", lambda v: isinstance(v, bool))
_COUNT = _Rule("an integer >= 0", lambda v: type(v) is int and v >= 0)
_POSITIVE = _Rule("an integer >= 1", lambda v: type(v) is int and v >= 1)
_TEXTS = _Rule("a list of strings", lambda v: isinstance(v, list) and all(map(_TEXT.accepts, v)))
_FORMATS = ("svg", "png", "pdf")
SCHEMA: dict[str, dict[str, _Rule]] = {
    "study": {"name": _TEXT, "database": _TEXT, "raw": _TEXT, "output": _TEXT, "seed": _COUNT},
    "tokens": {"github": _NAMES, "huggingface": _NAMES},
    "collect": {"frame": _TEXT, "github_url": _TEXT, "hub_url": _TEXT,
                "max_commits": _POSITIVE, "max_threads": _POSITIVE, "max_comments": _POSITIVE,
                "max_profiles": _COUNT, "conditional": _BOOL, "forum_url": _TEXT,
                "forum_name": _TEXT, "forum_categories": _TEXTS, "forum_max_topics": _POSITIVE,
                "forum_since": _TEXT, "forum_sample": _POSITIVE},
    "analyses": {"bootstrap": _POSITIVE, "classify": _BOOL, "report": _BOOL,
                 "figure_formats": _Rule(f"a list of {', '.join(_FORMATS)}", lambda v: (
                     isinstance(v, list) and bool(v) and set(v) <= set(_FORMATS))),
                 "interviews": _TEXT},
}
#: The keys of a ``[[sample]]`` entry: ``platform`` is required; the others are
#: ``crossforge sample``'s options (``docs/collection.md`` says what each method costs).
SAMPLE: dict[str, _Rule] = {
    "platform": _Rule(f"one of {', '.join(PLATFORMS)}", _passes(check_platform)),
    "frame": _TEXT, "size": _POSITIVE, "seed": _COUNT, "from_list": _TEXT, "search": _TEXT,
    "created": _TEXT, "stars": _TEXT, "from_gharchive": _TEXTS, "from_frame": _TEXT,
    "strata": _Rule("a list of year, popularity, activity", lambda v: (
        isinstance(v, list) and set(v) <= {"year", "popularity", "activity"})),
    "allocation": _Rule("proportional or equal", lambda v: v in ("proportional", "equal")),
    "min_activity": _COUNT, "min_popularity": _COUNT, "exclude_forks": _BOOL,
    "exclude_mirrors": _BOOL, "exclude_archived": _BOOL, "author": _TEXT,
    "max_listed": _POSITIVE, "kind": _Rule("models, datasets or spaces", lambda v: (
        v in ("models", "datasets", "spaces"))), "max_id": _POSITIVE, "endpoint": _TEXT,
}
#: The keys of each ``[[sources.git]]`` entry, all required.
GIT_SOURCE = {"path": _TEXT, "repo": _Rule("a repository id, OWNER/NAME", _passes(check_repo_id)),
              "platform": _Rule(f"one of {', '.join(PLATFORMS)}", _passes(check_platform))}


def _check(raw: dict[str, Any], path: Path) -> None:
    """Check every table and key of a parsed study file against ``SCHEMA``.

    Raises:
        ConfigError: one line naming the first unknown or missing key, or the key whose
            value has the wrong type or range, and what it should be.
    """
    if "study" not in raw:
        raise ConfigError(f"study file {path} lacks 'study'")
    _check_table(raw, {**dict.fromkeys([*SCHEMA, "sources"], _Rule("a table", _is_table)),
                       "sample": _Rule("an array of tables ([[sample]])", _is_tables)}, "",
                 path)
    for table, rules in SCHEMA.items():
        _check_table(raw.get(table, {}), rules, table, path)
    for number, entry in enumerate(raw.get("sample", []), start=1):
        _check_table(entry, SAMPLE, "sample", path, entry=number, required=("platform",))
    drawn = [(e["platform"], e.get("frame", "main")) for e in raw.get("sample", [])]
    if len(set(drawn)) < len(drawn):
        raise ConfigError(f"study file {path}: two [[sample]] entries draw the same platform "
                          "into the same frame")
    sources = raw.get("sources", {})
    _check_table(sources, {"git": _Rule("an array of tables ([[sources.git]])", _is_tables)},
                 "sources", path)
    for number, source in enumerate(sources.get("git", []), start=1):
        _check_table(source, GIT_SOURCE, "sources.git", path, entry=number)


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


def _is_tables(value: Any) -> bool:
    return isinstance(value, list) and all(map(_is_table, value))


def _check_table(values: dict[str, Any], rules: dict[str, _Rule], where: str, path: Path, *,
                 entry: int | None = None, required: tuple[str, ...] | None = None) -> None:
    """Check one table (``where`` is its name, "" for the top level); an entry of an array of
    tables (numbered from 1) must hold its ``required`` keys (default: every key)."""
    place = (f"[[{where}]] entry {entry}" if entry else f"[{where}]") if where else "the top level"
    unknown = sorted(set(values) - set(rules))
    if unknown:
        raise ConfigError(f"study file {path}: unknown key(s) {', '.join(unknown)} in {place}; "
                          f"known: {', '.join(rules)}")
    for key, rule in rules.items():
        if key not in values:
            if entry and (required is None or key in required):
                raise ConfigError(f"study file {path}: {place} lacks {key!r}")
            continue
        if not rule.accepts(values[key]):
            name = f"{where}.{key}" if where else key
            raise ConfigError(f"study file {path}: {name} must be {rule.expected}, not "
                              f"{_shown(values[key])}" + (f" ({place})" if entry else ""))


def _shown(value: Any) -> str:
    """A value as the study file spells it (``true``, ``"no"``, ``1.5``, ``inf``)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "a table"
    return repr(value)


class IncompleteStep(Exception):  # noqa: N818 (a step's outcome, not an error)
    """A step that ran but is not finished (a collection with failed repositories): its
    outcome is reported and the step is not recorded, so the next run does it again."""


@dataclass(frozen=True, slots=True)
class Step:
    """One study step: a name, the settings it depends on, and what it does."""

    name: str
    settings: dict[str, Any]
    run: Callable[[], str]

    @property
    def config_hash(self) -> str:
        text = json.dumps(self.settings, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_template(path: str | Path) -> Path:
    """Write the commented template; refuses to overwrite an existing file."""
    path = Path(path)
    if path.exists():
        raise ConfigError(f"{path} exists; not overwriting it")
    with writing_into(path.parent):
        path.write_text(TEMPLATE, encoding="utf-8")
    return path
