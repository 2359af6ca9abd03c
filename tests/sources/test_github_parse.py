"""The GitHub parsers on answers as GitHub gives them."""

from crossforge.sources.github import PARSERS


def test_github_commit_naming_nobody_has_an_unknown_author():
    """REST's ``author: null`` with an empty git name and e-mail: unknown, not 'unknown'."""
    item = {"sha": "a" * 40, "author": None, "committer": None, "parents": [],
            "commit": {"author": {"name": "", "email": "", "date": "2024-01-01T00:00:00Z"},
                       "committer": {"name": "", "email": "", "date": "2024-01-01T00:00:00Z"},
                       "message": "imported\n\nCo-authored-by: <>"}}
    [commit] = PARSERS["github.commits"]([item], {"repo": "acme/widget"})
    assert (commit.author, commit.committer, commit.co_authors) == (None, None, ())
