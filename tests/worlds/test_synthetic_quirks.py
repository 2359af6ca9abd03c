"""The synthetic world holds the platforms' stand-in accounts in its stated proportions."""

from collections import Counter

from crossforge.records import Account, Comment, Commit, Thread
from crossforge.worlds import synthetic

WORLD = list(synthetic.generate_world())


def test_github_deleted_users_are_ghost_and_leave_no_account() -> None:
    by_ghost = [r for r in WORLD if isinstance(r, Thread | Comment) and r.author == "ghost"]
    assert by_ghost and {r.platform for r in by_ghost} == {"github"}
    accounts = {(a.platform, a.login) for a in WORLD if isinstance(a, Account)}
    authors = {(r.platform, r.author) for r in WORLD if isinstance(r, Thread | Comment)}
    assert ("github", "ghost") not in accounts
    assert authors - {("github", "ghost")} <= accounts  # every other author has an account


def test_github_imported_repositories_have_mannequins() -> None:
    mannequins = {a.login for a in WORLD if isinstance(a, Account) and a.type == "mannequin"}
    authored = {r.author for r in WORLD if isinstance(r, Thread | Comment)}
    assert mannequins and mannequins <= authored
    repos = {r.repo for r in WORLD if isinstance(r, Thread | Comment) and r.author in mannequins}
    github = {r.repo for r in WORLD if isinstance(r, Thread) and r.platform == "github"}
    assert 0 < len(repos) <= 2 * synthetic.MIGRATED_REPOSITORY_SHARE * len(github)


def test_hub_bots_open_pull_requests_on_models() -> None:
    pulls = Counter(r.author for r in WORLD if isinstance(r, Thread)
                    and r.platform == "huggingface" and r.kind == "pull_request"
                    and r.author in synthetic.BOT_PULL_SHARES)
    assert set(pulls) == set(synthetic.BOT_PULL_SHARES)
    bots = {a.login for a in WORLD if isinstance(a, Account) and a.type == "bot"
            and a.platform == "huggingface"}
    assert set(synthetic.BOT_PULL_SHARES) <= bots


def test_commits_touch_file_classes_in_the_stated_shares() -> None:
    """Each platform's commits touch the class sets of ``TOUCHED_SHARES`` about as often as
    stated (a binomial 4-sigma band around each share)."""
    for platform, mix in synthetic.TOUCHED_SHARES.items():
        touched = Counter(c.touched for c in WORLD
                          if isinstance(c, Commit) and c.platform == platform)
        total = sum(touched.values())
        assert total > 200 and set(touched) == {classes for classes, _ in mix}
        for classes, share in mix:
            assert abs(touched[classes] / total - share) < 4 * (share * (1 - share) / total) ** .5
