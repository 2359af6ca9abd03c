"""Who counts as owner, member, external or bot in a repository."""

import pytest

from crossforge.errors import StoreError
from crossforge.measures import PersonRoles
from crossforge.measures.pipeline import run_measures
from crossforge.measures.roles import person_roles_table
from crossforge.store import Store


def test_roles_follow_the_documented_rule(roles_store):
    roles = PersonRoles().compute(roles_store)
    got = {(r.repo, r.login): r.role for r in roles.itertuples()}
    assert got[("lab/model", "alice")] == "member"
    assert got[("lab/model", "bob")] == "external"
    assert got[("lab/model", "carol")] == "external"
    assert got[("org/code", "dan")] == "external"  # said so by author_association


def test_a_block_inside_another_reads_the_outer_roles_which_outlive_it(roles_store):
    with person_roles_table(roles_store):
        with person_roles_table(roles_store):
            inner = roles_store.frame("SELECT count(*) AS n FROM person_roles")["n"].item()
        after_inner = roles_store.frame("SELECT count(*) AS n FROM person_roles")["n"].item()
    assert inner == after_inner == len(PersonRoles().compute(roles_store)) == 5
    with pytest.raises(StoreError):
        roles_store.frame("SELECT count(*) FROM person_roles")


def test_the_suite_computes_roles_once_for_every_measure_that_reads_them(
        roles_store, tmp_path, monkeypatch):
    made: list[str] = []
    hold = Store.temp_table

    def spy(self, name, sql, params=None):
        made.append(name)
        return hold(self, name, sql, params)

    monkeypatch.setattr(Store, "temp_table", spy)
    run_measures(roles_store, tmp_path / "out", synthetic=True, n_bootstrap=20)
    assert made.count("person_roles") == 1
    assert "openness_direct" in made and "organisation_contributions" in made
