"""Sampling frames: which repositories a study collects, drawn reproducibly and stored.

- ``from_list``: the repositories a user names (one ``OWNER/NAME`` per line).
- ``hub_listing``: walk ``/api/models`` (optionally one author's), then draw a simple random
  sample with a seed. The listing's pages are in the raw store like every answer.
- ``github_random_ids``: a uniform sample of all public repositories by id: draw ids
  uniformly below ``max_id`` and take the first repository at or after each from
  ``GET /repositories?since=ID-1`` (ids are dense enough that this is close to uniform; the
  gap bias is documented in ``docs/collection.md``).
"""

from __future__ import annotations

import random
from pathlib import Path

from crossforge.errors import ConfigError
from crossforge.records import check_repo_id
from crossforge.sources.http import ApiClient
from crossforge.sources.hub import HubSource

GITHUB_MAX_ID = 1_100_000_000  # about the newest public repository id in late 2026


def from_list(path: str | Path) -> list[str]:
    """Repository ids from a text file, one per line (``#`` comments and blanks skipped)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"list {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read list {path}: {exc}") from None
    repos = [line.split("#", 1)[0].strip() for line in lines]
    for number, repo in enumerate(repos, 1):
        if repo:
            try:
                check_repo_id(repo)
            except ConfigError as exc:
                raise ConfigError(f"{path}, line {number}: {exc}") from None
    if not any(repos):
        raise ConfigError(f"list {path} names no repository (one OWNER/NAME per line)")
    return list(dict.fromkeys(r for r in repos if r))


def simple_random(population: list[str], size: int | None, seed: int) -> list[str]:
    """``size`` repositories drawn without replacement (all, shuffled, when size is None)."""
    chosen = sorted(population)
    random.Random(seed).shuffle(chosen)
    return chosen if size is None else chosen[:size]


def hub_listing(source: HubSource, *, author: str | None = None,
                max_listed: int | None = None) -> list[str]:
    """Model ids from the Hub's listing, following its ``Link`` cursor."""
    models: list[str] = []
    for page in source.listing(author=author):
        if page.status != 200:
            raise ConfigError(f"the Hub listing answered {page.status} for {page.url}")
        models += [m["id"] for m in page.json()]
        if max_listed is not None and len(models) >= max_listed:
            return models[:max_listed]
    return models


def github_random_ids(client: ApiClient, size: int, seed: int,
                      max_id: int = GITHUB_MAX_ID) -> list[str]:
    """``size`` distinct public repositories by uniformly drawn ids."""
    rng = random.Random(seed)
    chosen: dict[str, None] = {}
    attempts = 0
    while len(chosen) < size and attempts < size * 20:
        attempts += 1
        since = rng.randrange(max_id)
        page = client.get("/repositories", kind="github.listing", context={},
                          params={"since": since})
        listed = page.json() if page.status == 200 else []
        if listed:
            chosen.setdefault(listed[0]["full_name"])
    return list(chosen)
