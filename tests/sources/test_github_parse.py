"""The GitHub parsers on answers as GitHub gives them."""

from crossforge.records import ProjectLabel, Repository, Thread
from crossforge.sources.github import LABEL_PAGE, PARSERS, covered
from crossforge.sources.hub import diff_classes, diff_paths


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


def _pull_request(files: dict | None, labels: list[str]) -> dict:
    """A GraphQL ``PullRequest`` as the batch query asks for it."""
    return {"number": 7, "title": "Fix", "body": "", "author": {"__typename": "User",
                                                                "login": "ann"},
            "authorAssociation": "CONTRIBUTOR", "state": "OPEN", "createdAt":
            "2025-01-01T00:00:00Z", "closedAt": None, "merged": False, "mergedAt": None,
            "isDraft": False, "comments": {"totalCount": 0, "nodes": []},
            "labels": {"totalCount": len(labels), "nodes": [{"name": n} for n in labels]},
            "files": files}


def test_a_pull_requests_files_become_classes_and_a_truncated_or_absent_list_is_unknown():
    item = _repository_item(None)
    files = {"totalCount": 3, "nodes": [{"path": "src/a.py"}, {"path": "docs/x.md"},
                                        {"path": "README.md"}]}
    cases = {"whole": (files, ("documentation", "code")),
             "cut": ({**files, "totalCount": 140}, None), "absent": (None, None),
             "empty": ({"totalCount": 0, "nodes": []}, ())}
    for name, (given, expected) in cases.items():
        item["pullRequests"] = {"totalCount": 1, "nodes": [_pull_request(given, ["bug"])]}
        [thread] = [r for r in PARSERS["github.repositories"](
            {"data": {"r0": item}}, {"repos": ["psf/requests"]}) if isinstance(r, Thread)]
        assert thread.touched == expected, name


def test_labels_come_from_graphql_and_rest_and_overflowing_labels_send_threads_to_rest():
    item = _repository_item(None)
    item["pullRequests"] = {"totalCount": 1, "nodes": [_pull_request(None, ["bug", "ci"])]}
    records = PARSERS["github.repositories"]({"data": {"r0": item}}, {"repos": ["psf/requests"]})
    assert [r.label for r in records if isinstance(r, ProjectLabel)] == ["bug", "ci"]
    many = [f"l{i}" for i in range(LABEL_PAGE)]
    item["pullRequests"]["nodes"][0]["labels"] = {"totalCount": LABEL_PAGE + 1,
                                                  "nodes": [{"name": n} for n in many]}
    assert "issues" not in covered(item)
    rest = {"number": 3, "title": "t", "body": None, "user": None, "state": "open",
            "labels": [{"name": "bug", "color": "d73a4a"}, "needs triage", {"name": "bug"}]}
    labels = [r.label for r in PARSERS["github.issues"]([rest], {"repo": "psf/requests"})
              if isinstance(r, ProjectLabel)]
    assert labels == ["bug", "needs triage"]


def test_a_hub_diff_names_its_paths_however_git_writes_them():
    diff = ('diff --git a/model.safetensors b/model.safetensors\n'
            '--- a/model.safetensors\n+++ b/model.safetensors\n@@ -1 +1 @@\n'
            '--- an old line starting with two dashes\n+++ b/not/a/path.py\n'
            'diff --git a/logo.png b/logo.png\nBinary files a/logo.png and b/logo.png differ\n'
            'diff --git a/old.txt b/old.txt\ndeleted file mode 100644\n'
            '--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n'
            'diff --git "a/we\\"ird name.md" "b/we\\"ird name.md"\n'
            '--- "a/we\\"ird name.md"\t\n+++ "b/we\\"ird name.md"\t\n@@ -0,0 +1 @@\n+y\n')
    assert diff_paths(diff) == ["model.safetensors", "logo.png", "old.txt",
                                'we\\"ird name.md']
    assert diff_classes(diff) == ("weights", "documentation", "other")
    assert diff_classes(None) is None and diff_classes("") == ()
