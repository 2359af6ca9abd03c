"""People on both platforms: each matching rule on a hand-made store with a known answer
(``docs/people.md``), and the share with its interval and n."""

from __future__ import annotations

import math

import pytest

from crossforge.measures.people import CrossPlatformPeople, people_summary
from crossforge.records import (
    Account,
    Commit,
    Derivation,
    Membership,
    Profile,
    ProfileLink,
    ProjectLink,
    Repository,
    Thread,
)
from crossforge.store import Store
from tests.measures.conftest import PROV, T0


def _commit(platform: str, repo: str, author: str, email: str | None = None) -> Commit:
    return Commit(platform, repo, f"{repo}-{author}", author, author, email, T0, author,
                  author, email, T0)  # type: ignore[arg-type]


def _thread(platform: str, repo: str, number: int, author: str, role: str = "unknown") -> Thread:
    return Thread(platform, repo, number, "issue" if platform == "github" else "discussion",  # type: ignore[arg-type]
                  "t", "b", author, role, "open", T0)  # type: ignore[arg-type]


HUB = ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "zoe"]


def _records() -> list[object]:
    """Hub: model ``lab/model`` (roster alice) and ``zoe/adapter`` derived from it; eight
    looked-up contributors and ``hank`` not looked up, plus a bot and an e-mail identity.
    GitHub: ``org/code`` with each rule's counterpart, a mannequin, ``ghost`` and a bot."""
    hub = [Repository("huggingface", "lab/model", "model", "lab", "organization"),
           Repository("huggingface", "zoe/adapter", "model", "zoe", "user"),
           Derivation("huggingface", "zoe/adapter", "lab/model", "adapter"),
           Membership("huggingface", "lab", "alice"),
           Account("huggingface", "librarian-bot", "bot"),
           *(_commit("huggingface", "lab/model", h) for h in HUB if h not in ("gina", "zoe")),
           _commit("huggingface", "lab/model", "gina", "Gina@Uni.edu"),
           _commit("huggingface", "zoe/adapter", "zoe"),
           _commit("huggingface", "lab/model", "hank"),
           _commit("huggingface", "lab/model", "librarian-bot"),
           _commit("huggingface", "lab/model", "someone@example.org", "someone@example.org"),
           *(Account("huggingface", h, "user") for h in [*HUB, "hank"]),
           Profile("huggingface", "alice", "Alice Liddell"),
           Profile("huggingface", "bob", "Bob Archer"),
           Profile("huggingface", "carol", "carol"),      # a name that is the handle
           Profile("huggingface", "dave", "D."), Profile("huggingface", "erin", "Erin Doe"),
           Profile("huggingface", "frank", None, organizations=("acme",)),
           Profile("huggingface", "gina", None), Profile("huggingface", "zoe", "Zoe Q"),
           # a card of zoe's model links exactly one GitHub account page
           ProfileLink("huggingface", "zoe", "github", "zgit", "card:zoe/adapter")]
    github = [Repository("github", "org/code", "code", "org", "organization"),
              Account("github", "Alice", "user"), Account("github", "bob", "user"),
              Account("github", "carol", "user"), Account("github", "gdave", "user"),
              Account("github", "erin", "mannequin"), Account("github", "frank", "user"),
              Account("github", "gina", "user"), Account("github", "zgit", "user"),
              Account("github", "dependabot[bot]", "bot"),
              Membership("github", "ACME", "frank"),
              *(_thread("github", "org/code", i, login, "external") for i, login in enumerate(
                  ["Alice", "bob", "carol", "gdave", "erin", "frank", "zgit", "ghost",
                   "dependabot[bot]"], 1)),
              _commit("github", "org/code", "gina", "gina@uni.edu"),
              Profile("github", "Alice", "alice  liddell"), Profile("github", "bob", "Robert B"),
              Profile("github", "carol", "Carol"), Profile("github", "gdave", None),
              ProfileLink("github", "gdave", "huggingface", "dave", "social_accounts"),
              ProfileLink("github", "ghost", "huggingface", "erin", "social_accounts"),
              ProfileLink("github", "dependabot[bot]", "huggingface", "bob", "blog")]
    return hub + github


@pytest.fixture
def people_store(tmp_path):
    with Store(tmp_path / "people.duckdb") as store:
        store.write(PROV, _records())
        yield store


def _pairs(frame) -> dict[tuple[str, str], str]:
    return {(r.hub_login, r.github_login): r.rule for r in frame.itertuples()}


def test_each_rule_names_the_pairs_it_should(people_store):
    matches = CrossPlatformPeople().compute(people_store)
    assert _pairs(matches) == {
        ("dave", "gdave"): "explicit_link",           # GitHub linked accounts → Hub
        ("zoe", "zgit"): "explicit_link",             # Hub card → GitHub account page
        ("alice", "Alice"): "handle_corroborated",    # handle case ignored, same name
        ("frank", "frank"): "handle_corroborated",    # organisation of the same name
        ("gina", "gina"): "handle_corroborated",      # identical e-mail, case ignored
        ("bob", "bob"): "handle_only",                # different names: a candidate
        ("carol", "carol"): "handle_only",            # a name that only repeats the handle
    }  # erin: a mannequin on GitHub; ghost's and a bot's links name nobody
    evidence = {r.hub_login: r.evidence for r in matches.itertuples()}
    assert evidence["dave"] == "github:social_accounts"
    assert evidence["zoe"] == "huggingface:card:zoe/adapter"
    assert (evidence["alice"], evidence["frank"], evidence["gina"]) == (
        "display_name", "organisation", "email")
    roles = {r.hub_login: (r.hub_role, r.github_role) for r in matches.itertuples()}
    assert roles["zoe"] == ("adapter", "external")
    assert roles["alice"] == ("member", "external")


def test_the_share_counts_looked_up_contributors_matched_and_keeps_candidates_apart(
        people_store):
    summary = people_summary(CrossPlatformPeople().compute(people_store), n_bootstrap=200)
    assert summary["hub_contributors"] == 9            # hank too; not the bot or the e-mail
    assert summary["looked_up"] == 8
    share = summary["matched_share"]
    assert (summary["matched"], share["n"], share["value"]) == (5, 8, 5 / 8)
    assert share["ci_low"] <= 5 / 8 <= share["ci_high"] and share["ci_high"] <= 1
    assert summary["candidates"] == 2 and summary["candidate_share"]["value"] == 2 / 8
    assert summary["by_rule"] == {"explicit_link": 2, "handle_corroborated": 3}
    cross = {(r["hub_role"], r["github_role"]): r["people"] for r in summary["cross_table"]}
    assert sum(cross.values()) == 5 and cross[("adapter", "external")] == 1
    assert summary["validated"] is False


def test_without_looked_up_profiles_the_share_is_unknown_not_zero(tmp_path):
    records = [r for r in _records() if not (isinstance(r, Profile)
                                             and r.platform == "huggingface")]
    with Store(tmp_path / "none.duckdb") as store:
        store.write(PROV, records)
        summary = people_summary(CrossPlatformPeople().compute(store), n_bootstrap=50)
    assert summary["looked_up"] == 0 and summary["matched_share"]["n"] == 0
    assert summary["matched_share"]["value"] is None


def test_a_card_linking_a_repository_of_the_same_handle_corroborates(tmp_path):
    records = [Repository("huggingface", "kim/model", "model", "kim", "user"),
               _commit("huggingface", "kim/model", "kim"), Profile("huggingface", "kim", None),
               ProjectLink("huggingface", "kim/model", "kim/code", "card_text", 0, True, False),
               Repository("github", "kim/code", "code", "kim", "user"),
               _commit("github", "kim/code", "kim")]
    with Store(tmp_path / "card.duckdb") as store:
        store.write(PROV, records)
        matches = CrossPlatformPeople().compute(store)
    assert list(matches[["rule", "evidence"]].itertuples(index=False, name=None)) == [
        ("handle_corroborated", "card_repository")]
    assert not math.isnan(people_summary(matches, n_bootstrap=20)["matched_share"]["value"])
