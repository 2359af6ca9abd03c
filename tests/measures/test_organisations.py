"""Organisations: repositories and contributions under organisations."""

import pytest

from crossforge.measures import Organisations
from crossforge.measures.organisations import SHARES, share_intervals


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
