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

from crossforge.errors import ConfigError

TEMPLATE = '''# crossforge study configuration. Run it with:  crossforge study study.toml
# Every finished step is recorded in the database; running again skips finished steps
# whose settings did not change. Tokens are never written here: name the environment
# variables that hold them.

[study]
name = "oss-vs-osm"
database = "study.duckdb"      # the DuckDB store (created when missing)
output = "study-out"           # measures, statistics and the report go here
seed = 2026                    # seeds sampling and the bootstrap

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
report = true                  # write report.html and report.md
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
        base = path.parent
        try:
            study = raw["study"]
            analyses = raw.get("analyses", {})
            git_sources = tuple(
                {"path": str(base / s["path"]), "repo": str(s["repo"]),
                 "platform": str(s["platform"])}
                for s in raw.get("sources", {}).get("git", []))
            return cls(
                name=str(study.get("name", path.stem)),
                database=base / str(study.get("database", "study.duckdb")),
                output=base / str(study.get("output", "study-out")),
                seed=int(study.get("seed", 0)),
                git_sources=git_sources,
                bootstrap=int(analyses.get("bootstrap", 1000)),
                report=bool(analyses.get("report", True)),
                raw=raw,
            )
        except KeyError as exc:
            raise ConfigError(f"study file {path} lacks {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"study file {path} has a wrong value: {exc}") from None


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
    path.write_text(TEMPLATE, encoding="utf-8")
    return path
