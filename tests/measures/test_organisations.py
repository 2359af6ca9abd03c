"""Organisations: repositories and contributions under organisations."""

import pandas as pd
import pytest

from crossforge.measures import Organisations
from crossforge.measures.organisations import SHARES, share_intervals
from crossforge.records import Account, Membership, Repository
from crossforge.store import Store
from tests.measures.conftest import PROV, _commit, _thread


def test_organisations(roles_store):
    rows = Organisations().compute(roles_store).set_index("platform")
    hub = rows.loc["huggingface"]
    assert hub.organisation_repository_share == 1.0
    # Human contributions: 3 commits, 4 threads, 2 comments = 9; alice made 2+1+1 = 4.
    assert hub.contributions == 9
    assert hub.organisation_member_contribution_share == pytest.approx(4 / 9)


def test_share_intervals_resample_the_repositories_behind_each_share(roles_store):
    shares, by_repository = Organisations().compute_with_repositories(roles_store)
    shares = shares.set_index("platform")
    assert shares.equals(Organisations().compute(roles_store).set_index("platform"))
    intervals = share_intervals(by_repository, n_bootstrap=200).set_index("platform")
    assert intervals["known_owner_repositories"].to_dict() == {"github": 1, "huggingface": 1}
    for platform in shares.index:
        for column in SHARES:
            # One repository per platform: every resample is that repository.
            assert intervals.at[platform, f"{column}_ci_low"] == pytest.approx(
                shares.at[platform, column])
            assert intervals.at[platform, f"{column}_ci_high"] == pytest.approx(
                shares.at[platform, column])
    # Human contributions, bots left out: 3 commits, 4 threads, 2 comments.
    assert by_repository.set_index("repo").at["lab/model", "contributions"] == 9


def test_a_platform_with_only_bot_contributions_has_unknown_contribution_shares(tmp_path):
    records = [
        Repository("huggingface", "lab/model", "model", "lab", "organization"),
        Membership("huggingface", "lab", "alice"),
        Account("huggingface", "alice", "user"), Account("huggingface", "bob", "user"),
        _commit("lab/model", "c1", "alice"), _commit("lab/model", "c2", "bob"),
        _thread("lab/model", 1, "alice"),
        # GitHub: one repository whose only contributor is a bot.
        Repository("github", "org/code", "code", "org", "organization"),
        Account("github", "renovate[bot]", "bot"),
        _commit("org/code", "g1", "renovate[bot]", "github"),
    ]
    with Store(tmp_path / "s.duckdb") as store:
        store.write(PROV, records)
        shares, by_repository = Organisations().compute_with_repositories(store)
    shares = shares.set_index("platform")
    # Hub: 2 commits and 1 thread, alice (a member) made 2 of the 3.
    assert shares.at["huggingface", "contributions"] == 3
    assert shares.at["huggingface", "organisation_member_contribution_share"] == \
        pytest.approx(2 / 3)
    assert shares.at["huggingface", "organisation_commit_share"] == 1.0
    # GitHub: a repository but no human contribution, so nothing is known, not 0.
    assert shares.at["github", "repositories"] == 1
    assert pd.isna(shares.at["github", "contributions"])
    assert pd.isna(shares.at["github", "organisation_contribution_share"])
    assert pd.isna(shares.at["github", "organisation_commit_share"])
    units = by_repository.set_index("repo")
    assert units.at["org/code", "contributions"] == 0
    assert units.at["lab/model", "by_members"] == 2
