"""Who counts as owner, member, external or bot in a repository."""

from crossforge.measures import PersonRoles


def test_roles_follow_the_documented_rule(roles_store):
    roles = PersonRoles().compute(roles_store)
    got = {(r.repo, r.login): r.role for r in roles.itertuples()}
    assert got[("lab/model", "alice")] == "member"
    assert got[("lab/model", "bob")] == "external"
    assert got[("lab/model", "carol")] == "external"
    assert got[("org/code", "dan")] == "external"  # said so by author_association
