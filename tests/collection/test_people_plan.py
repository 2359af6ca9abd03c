"""Profile lookups after collection (``collection.people_plan``): capped per platform, a
hashed random sample of the contributors, never bots or ``ghost``, and asked once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from crossforge.collection.collector import Collector, rebuild
from crossforge.collection.people_plan import people_of, sample_order
from crossforge.emulator import Emulator
from crossforge.errors import ConfigError
from crossforge.records import Repository
from crossforge.sources.github import GitHubSource
from crossforge.sources.http import ApiClient
from crossforge.sources.hub import HubSource
from crossforge.sources.raw import RawStore
from crossforge.store import Store
from crossforge.store.queries import contributors
from crossforge.worlds import synthetic

WORLD = list(synthetic.generate_world(8, 11))
WORLD = synthetic.generate_people(WORLD + list(synthetic.generate_documents(WORLD, 11)), 11)
FRAME = sorted((r.platform, r.repo) for r in WORLD if isinstance(r, Repository))
CAP = 4


def _collect(url: str, db: Path, raw: Path, profiles: int) -> Counter[str]:
    """Collect the frame, looking up ``profiles`` people per platform; the answers' kinds."""
    store_raw = RawStore(raw)
    clients = [ApiClient(url, "github", store_raw), ApiClient(url, "huggingface", store_raw)]
    with Store(db) as store:
        Collector(store, github_source=GitHubSource(clients[0]),
                  hub_source=HubSource(clients[1]), profiles=profiles).collect(FRAME)
    kinds = Counter(r.kind for r in store_raw)
    store_raw.close()
    return kinds


@pytest.fixture(scope="module")
def emulator():
    with Emulator.from_records(WORLD, anonymous_limit=10**6, hub_limit=10**6) as running:
        yield running


def test_profiles_are_looked_up_up_to_the_cap_and_once(emulator, tmp_path):
    db, raw = tmp_path / "db.duckdb", tmp_path / "raw"
    kinds = _collect(emulator.url, db, raw, CAP)
    assert (kinds["hub.user"], kinds["github.user"], kinds["github.social"]) == (CAP, CAP, CAP)
    with Store(db, read_only=True) as store:
        asked = dict(store.query("SELECT platform, list(login ORDER BY login) FROM profiles "
                                 "GROUP BY ALL").fetchall())
        hub_people = contributors(store, "huggingface")
    hub_sample = people_of(hub_people, {r for p, r in FRAME if p == "huggingface"})
    assert len(hub_sample) > CAP and not any("@" in login for login in hub_sample)
    assert asked["huggingface"] == sorted(hub_sample[:CAP])      # the first in hashed order
    assert not any(login == "ghost" or login.endswith("[bot]") for login in asked["github"])
    assert _collect(emulator.url, db, raw, CAP) == kinds        # a re-run asks nothing more
    with Store(tmp_path / "rebuilt.duckdb") as rebuilt:
        rebuild(RawStore(raw), rebuilt)                          # the raw store holds them
        again = [rebuilt.query(f"SELECT * EXCLUDE (provenance_id) FROM {t} ORDER BY ALL")
                 .fetchall() for t in ("profiles", "profile_links")]
    with Store(db, read_only=True) as store:
        assert again == [store.query(f"SELECT * EXCLUDE (provenance_id) FROM {t} ORDER BY "
                                     "ALL").fetchall() for t in ("profiles", "profile_links")]
        assert again[0]


def test_the_sample_order_is_a_hash_so_it_does_not_follow_activity_or_names():
    logins = [f"dev{i:03d}" for i in range(40)]
    drawn = people_of([("o/r", login) for login in logins] + [("o/r", "dependabot[bot]"),
                                                              ("o/r", "ghost")], {"o/r"})
    assert sorted(drawn) == logins and drawn != logins
    assert drawn == sorted(logins, key=sample_order)


def test_a_negative_cap_is_a_one_line_error(tmp_path):
    with Store(tmp_path / "db.duckdb") as store, pytest.raises(ConfigError, match="max-profiles"):
        Collector(store, profiles=-1)


def test_huggingface_hub_reads_the_emulated_user_overview(emulator):
    from huggingface_hub import HfApi

    member = next(r for r in WORLD if type(r).__name__ == "Membership"
                  and r.platform == "huggingface")
    profile = next(r for r in WORLD if type(r).__name__ == "Profile"
                   and r.platform == "huggingface" and r.login == member.login)
    user = HfApi(endpoint=emulator.url).get_user_overview(member.login, token=False)
    assert (user.username, user.fullname) == (member.login, profile.display_name)
    assert member.organization in [org.name for org in user.orgs]


def test_cli_refuses_a_negative_profile_cap_in_one_line(tmp_path):
    from typer.testing import CliRunner

    from crossforge.cli import app

    result = CliRunner().invoke(app, ["collect", "--db", str(tmp_path / "db.duckdb"),
                                      "--max-profiles", "-1"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].endswith(
        "--max-profiles must be at least 0, not -1")
