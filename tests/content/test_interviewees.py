from datetime import UTC, datetime

import pandas as pd
import pytest

from crossforge.content.interviewees import (
    candidates,
    contact_file,
    draw_interviewees,
    interviewee_list,
)
from crossforge.errors import ConfigError
from crossforge.measures.roles import PERSON_ROLES_SQL
from crossforge.records import (
    Account,
    Comment,
    Commit,
    Derivation,
    Membership,
    Provenance,
    Repository,
    Thread,
)
from crossforge.store import Store

PROVENANCE = Provenance("test", "hand-made", datetime(2026, 1, 1, tzinfo=UTC), "test")


def _thread(platform, repo, number, kind, author, role):
    return Thread(platform, repo, number, kind, "t", "b", author, role)


RECORDS = [
    Repository("github", "ann/tool", "repository", "ann", "user"),
    Repository("github", "acme/lib", "repository", "acme", "organization"),
    Repository("huggingface", "lab/base", "model", "lab", "organization"),
    Repository("huggingface", "cat/base-ft", "model", "cat", "user"),
    Account("github", "acme", "organization"),
    Account("github", "renovate", "bot"),
    Account("github", "old-svn-user", "mannequin"),
    Membership("github", "acme", "bob"),
    Membership("huggingface", "lab", "dan"),
    Derivation("huggingface", "cat/base-ft", "lab/base", "finetune"),
    Derivation("huggingface", "eve/base-gguf", "lab/base", "quantized"),
    _thread("github", "acme/lib", 1, "pull_request", "fay", "external"),
    _thread("github", "acme/lib", 2, "pull_request", "dependabot[bot]", "external"),
    _thread("github", "acme/lib", 3, "issue", "ghost", "unknown"),
    _thread("github", "acme/lib", 4, "issue", "gus", "external"),
    _thread("github", "acme/lib", 5, "issue", "renovate", "external"),
    _thread("github", "acme/lib", 6, "pull_request", "old-svn-user", "external"),
    _thread("github", "ann/tool", 1, "pull_request", "bob", "external"),
    _thread("huggingface", "lab/base", 1, "discussion", "hal", "unknown"),
    Comment("github", "acme/lib", 4, "c1", "ivy", None, "x", "external"),
    # a commit on a user-owned repository: kim is external by the measures' roster rule
    Commit("github", "ann/tool", "a1", "kim", None, None, None, None, None, None, None),
    # a Hub pull request on an organisation without a collected roster: role unknown
    _thread("huggingface", "cat/base-ft", 1, "pull_request", "lou", "unknown"),
    Comment("github", "acme/lib", 4, "c2", "fay", None, "x", "external"),
]


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "s.duckdb") as opened:
        opened.write(PROVENANCE, RECORDS)
        opened.query("INSERT INTO frames VALUES ('f', 'huggingface', 'lab/base', 0, '{}', "
                     "now(), 'large')")
        yield opened


def test_each_person_takes_one_role_and_bots_organisations_ghost_are_never_candidates(store):
    people = candidates(store, PERSON_ROLES_SQL).set_index(["platform", "login"])
    assert people["role"].to_dict() == {
        ("github", "ann"): "owner",
        ("github", "bob"): "member",  # also opened a pull request on ann/tool: member first
        ("github", "fay"): "external contributor",  # also commented
        ("github", "gus"): "discussion participant",
        ("github", "ivy"): "discussion participant",
        ("github", "kim"): "external contributor",
        ("huggingface", "lou"): "external contributor",  # cat/base-ft is user-owned
        ("huggingface", "cat"): "owner",  # owns the fine-tune: owner comes before adapter
        ("huggingface", "dan"): "member",
        ("huggingface", "eve"): "adapter",
        ("huggingface", "hal"): "discussion participant",
    }
    assert people.loc[("huggingface", "eve"), "stratum"] == "large"
    assert pd.isna(people.loc[("github", "gus"), "stratum"])  # no stratified frame: unknown


def test_draw_is_seeded_capped_per_cell_and_filtered(store):
    people = candidates(store, PERSON_ROLES_SQL)
    first = draw_interviewees(people, per_cell=1, seed=5, key=b"k")
    again = draw_interviewees(people, per_cell=1, seed=5, key=b"k")
    pd.testing.assert_frame_equal(first, again)
    assert first.groupby(["platform", "role"]).size().max() == 1
    assert len(first) == 9  # four roles on GitHub, five on the Hub, one person each
    only = draw_interviewees(people, per_cell=5, seed=5, key=b"k", platforms=["github"],
                             roles=["discussion participant"])
    assert sorted(only["login"]) == ["gus", "ivy"]
    with pytest.raises(ConfigError, match="unknown role"):
        draw_interviewees(people, per_cell=1, seed=5, key=b"k", roles=["maintainer"])


def test_handles_only_in_the_contact_file(store):
    drawn = draw_interviewees(candidates(store, PERSON_ROLES_SQL), per_cell=5, seed=1, key=b"k")
    shared = interviewee_list(drawn)
    text = shared.to_csv(index=False)
    for login in drawn["login"]:
        assert login not in text.replace("huggingface", "").replace("github", "")
    contacts = contact_file(drawn)
    assert set(contacts["login"]) == set(drawn["login"])
    assert contacts.set_index("pseudonym")["login"].to_dict() == dict(
        zip(shared["pseudonym"], drawn["login"], strict=True))
    assert "https://huggingface.co/eve" in set(contacts["profile"])
