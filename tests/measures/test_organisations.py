"""Organisations: repositories and contributions under organisations."""

import pytest

from crossforge.measures import Organisations


def test_organisations(roles_store):
    rows = Organisations().compute(roles_store).set_index("platform")
    hub = rows.loc["huggingface"]
    assert hub.organisation_repository_share == 1.0
    # Human contributions: 3 commits, 4 threads, 2 comments = 9; alice made 2+1+1 = 4.
    assert hub.contributions == 9
    assert hub.organisation_member_contribution_share == pytest.approx(4 / 9)
