"""Openness: external shares, acceptance, response times."""

import pytest

from crossforge.measures import Openness


def test_openness_shares(roles_store):
    row = Openness().compute(roles_store).set_index("repo").loc["lab/model"]
    assert row.external_commit_share == pytest.approx(1 / 3)  # bob of alice, alice, bob
    assert row.external_merged_pr_share == 1.0
    assert row.has_external_contribution
    assert row.external_pr_acceptance == pytest.approx(1 / 2)  # bob merged, carol closed
    assert row.external_pr_days_to_merge == pytest.approx(2.0)
    assert row.external_thread_share == pytest.approx(1 / 2)  # carol's of carol, alice
    # First reply by someone other than the author: alice after 5 hours (carol's own
    # follow-up does not count); alice's own discussion is unanswered.
    assert row.hours_to_first_response == pytest.approx(5.0)
    assert row.answered_share == pytest.approx(1 / 2)
    assert row.external_participant_share == pytest.approx(2 / 3)  # bob, carol of 3 humans
