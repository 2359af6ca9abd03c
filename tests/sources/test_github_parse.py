"""The GitHub parsers on answers as GitHub gives them."""

from crossforge.records import Repository
from crossforge.sources.github import PARSERS


def test_github_commit_naming_nobody_has_an_unknown_author():
    """REST's ``author: null`` with an empty git name and e-mail: unknown, not 'unknown'."""
    item = {"sha": "a" * 40, "author": None, "committer": None, "parents": [],
            "commit": {"author": {"name": "", "email": "", "date": "2024-01-01T00:00:00Z"},
                       "committer": {"name": "", "email": "", "date": "2024-01-01T00:00:00Z"},
                       "message": "imported\n\nCo-authored-by: <>"}}
    [commit] = PARSERS["github.commits"]([item], {"repo": "acme/widget"})
    assert (commit.author, commit.committer, commit.co_authors) == (None, None, ())


def _repository_item(disk_usage: int | None) -> dict:
    """A GraphQL ``Repository`` as the batch query asks for it (one small public project)."""
    return {"nameWithOwner": "psf/requests", "databaseId": 1362490,
            "createdAt": "2011-02-13T18:38:17Z", "pushedAt": "2025-05-01T10:00:00Z",
            "updatedAt": "2025-05-02T10:00:00Z", "stargazerCount": 52000, "forkCount": 9300,
            "isArchived": False, "isFork": False, "isMirror": False, "diskUsage": disk_usage,
            "licenseInfo": {"spdxId": "Apache-2.0"},
            "owner": {"__typename": "Organization", "login": "psf",
                      "membersWithRole": {"totalCount": 0, "nodes": []}},
            "defaultBranchRef": None,
            "issues": {"totalCount": 0, "nodes": []},
            "pullRequests": {"totalCount": 0, "nodes": []}}


def test_github_repository_size_is_kept_in_bytes_and_unknown_stays_unknown():
    """``diskUsage`` is in kibibytes; GitHub leaves it null for some repositories."""
    sizes = {}
    for kib in (9_871, None):
        records = PARSERS["github.repositories"]({"data": {"r0": _repository_item(kib)}},
                                                 {"repos": ["psf/requests"]})
        [repository] = [r for r in records if isinstance(r, Repository)]
        sizes[kib] = (repository.storage_bytes, repository.parameters)
    assert sizes == {9_871: (9_871 * 1024, None), None: (None, None)}
