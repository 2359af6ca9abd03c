"""Knowledge exchange per channel on a hand-made example whose answers are worked out by hand:
a GitHub repository with an issue tracker and a discussion board, one without a board (its
board's measures unknown, not 0), a Hub model whose forum topics are passed in as frames."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from crossforge.measures.knowledge_exchange import (
    COLUMNS,
    THREAD_COLUMNS,
    KnowledgeExchange,
    by_channel,
    channel_summary,
    wide,
)
from crossforge.records import Account, Comment, Repository, Thread
from crossforge.store import Store

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


REPOSITORIES = [
    Repository("github", "acme/tool", "code", "acme", has_discussions=True),
    Repository("github", "solo/lib", "code", "solo", has_discussions=False),
    Repository("huggingface", "lab/model", "model", "lab", owner_type="user"),
]
THREADS = [
    # acme/tool's issue tracker: two issues, a pull request (not knowledge exchange)
    Thread("github", "acme/tool", 1, "issue", "crash", None, "ann", "external",
           created_at=at(0)),
    Thread("github", "acme/tool", 2, "issue", "docs", None, "acme", "owner", created_at=at(0)),
    Thread("github", "acme/tool", 3, "pull_request", "fix", None, "bob", "external",
           created_at=at(0)),
    # its board: an answered Q&A question, an unanswered one, an idea, a bot announcement
    Thread("github", "acme/tool", 4, "discussion", "how?", None, "cat", "external",
           created_at=at(0), channel="discussion_board", answerable=True,
           answered_at=at(6)),
    Thread("github", "acme/tool", 5, "discussion", "why?", None, "dan", "external",
           created_at=at(0), channel="discussion_board", answerable=True),
    Thread("github", "acme/tool", 6, "discussion", "idea", None, "eve", "member",
           created_at=at(0), channel="discussion_board", answerable=False),
    Thread("github", "acme/tool", 7, "discussion", "release", None, "relbot[bot]", "member",
           created_at=at(0), channel="discussion_board", answerable=False),
    # solo/lib: one issue; its board threads would be unknown, and there is none
    Thread("github", "solo/lib", 1, "issue", "q", None, "fay", "external", created_at=at(0)),
    # the Hub model's community tab: one discussion (the Hub stamps no role)
    Thread("huggingface", "lab/model", 1, "discussion", "gguf?", None, "gus",
           created_at=at(0)),
]
COMMENTS = [
    Comment("github", "acme/tool", 1, "c1", "ann", at(1), None, "external"),   # own: no
    Comment("github", "acme/tool", 1, "c2", "acme", at(4), None, "owner"),     # 4 h
    Comment("github", "acme/tool", 4, "c3", "eve", at(2), None, "member"),     # 2 h
    Comment("github", "acme/tool", 4, "c4", "hal", at(6), None, "external"),   # the answer
    Comment("github", "acme/tool", 6, "c5", "relbot[bot]", at(10), None, "member"),  # 10 h
    Comment("huggingface", "lab/model", 1, "c6", "lab", at(30), None),  # 30 h
]
#: Forum topics linked to the Hub model by another source, as frames with the same columns.
FORUM_THREADS = pd.DataFrame([
    {"platform": "huggingface", "repo": "lab/model", "number": 900001, "kind": "discussion",
     "author": "ivy", "author_role": "external", "created_at": at(0), "closed_at": None,
     "channel": "forum", "answerable": True, "answered_at": at(12)},
    {"platform": "huggingface", "repo": "lab/model", "number": 900002, "kind": "discussion",
     "author": "jon", "author_role": "unknown", "created_at": at(0), "closed_at": None,
     "channel": "forum", "answerable": True, "answered_at": None},
])
FORUM_COMMENTS = pd.DataFrame([
    {"platform": "huggingface", "repo": "lab/model", "thread_number": 900001, "author": "kim",
     "author_role": "unknown", "created_at": at(12)},
])


@pytest.fixture(scope="module")
def long(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    db = tmp_path_factory.mktemp("knowledge") / "db.duckdb"
    with Store(db) as store:
        from crossforge.api import _provenance

        store.write(_provenance("synthetic", "hand-made"),
                    [*REPOSITORIES, *THREADS, *COMMENTS,
                     Account("github", "relbot[bot]", "bot")])
        return KnowledgeExchange().by_channel(store, FORUM_THREADS, FORUM_COMMENTS)


def row(long: pd.DataFrame, repo: str, channel: str) -> dict:
    found = long[(long["repo"] == repo) & (long["channel"] == channel)]
    assert len(found) == 1, (repo, channel)
    return found.iloc[0].to_dict()


def test_issue_tracker_counts_issues_not_pull_requests(long: pd.DataFrame) -> None:
    tracker = row(long, "acme/tool", "issue_tracker")
    assert tracker["threads"] == 2 and tracker["participants"] == 2   # ann, acme
    assert tracker["external_thread_share"] == 0.5
    assert tracker["external_participant_share"] == 0.5
    assert tracker["responded_share"] == 0.5    # issue 1 (by acme); issue 2 never
    assert tracker["hours_to_first_response"] == 4.0   # ann's own comment does not count
    assert math.isnan(tracker["accepted_answer_share"])   # no accepted answers there
    assert math.isnan(tracker["hours_to_accepted_answer"])


def test_discussion_board_answers_and_bots(long: pd.DataFrame) -> None:
    board = row(long, "acme/tool", "discussion_board")
    assert board["threads"] == 3                 # the bot's announcement left out
    assert board["participants"] == 4            # cat, dan, eve, hal (not the bot)
    assert board["external_thread_share"] == pytest.approx(2 / 3)
    assert board["external_participant_share"] == pytest.approx(3 / 4)
    assert board["accepted_answer_share"] == 0.5   # 1 of the 2 answerable questions
    assert board["hours_to_accepted_answer"] == 6.0
    assert board["responded_share"] == pytest.approx(2 / 3)   # 4 (eve), 6 (the bot's reply)
    assert board["hours_to_first_response"] == 6.0    # median of 2 h and 10 h


def test_a_repository_without_a_board_has_unknown_board_measures(long: pd.DataFrame) -> None:
    assert long[(long["repo"] == "solo/lib") & (long["channel"] == "discussion_board")].empty
    repositories = pd.DataFrame({"platform": ["github", "github", "huggingface"],
                                 "repo": ["acme/tool", "solo/lib", "lab/model"]})
    table = wide(long, repositories).set_index("repo")
    assert list(table.columns[1:]) == list(COLUMNS)
    assert pd.isna(table.loc["solo/lib", "discussion_board_threads"])
    assert pd.isna(table.loc["lab/model", "discussion_board_threads"])
    assert pd.isna(table.loc["solo/lib", "forum_threads"])
    assert table.loc["acme/tool", "discussion_board_threads"] == 3
    assert table.loc["solo/lib", "issue_tracker_threads"] == 1
    assert table.loc["solo/lib", "issue_tracker_responded_share"] == 0.0


def test_forum_topics_passed_as_frames_join_their_repository(long: pd.DataFrame) -> None:
    forum = row(long, "lab/model", "forum")
    assert forum["threads"] == 2 and forum["participants"] == 3
    assert forum["accepted_answer_share"] == 0.5 and forum["hours_to_accepted_answer"] == 12
    assert forum["external_thread_share"] == 1.0          # jon's role is unknown
    assert forum["external_participant_share"] == 1.0   # ivy; jon and kim unknown
    tab = row(long, "lab/model", "issue_tracker")
    assert tab["hours_to_first_response"] == 30.0


def test_roles_follow_the_person_role_rule_where_the_platform_stamps_none(
        long: pd.DataFrame) -> None:
    """The Hub says nothing of roles: gus is external (a user-owned model, not its owner),
    lab is the owner, as ``Openness`` counts them."""
    tab = row(long, "lab/model", "issue_tracker")
    assert tab["external_thread_share"] == 1.0
    assert tab["external_participant_share"] == 0.5


def test_pooled_measures_cover_every_channel_of_a_repository(long: pd.DataFrame) -> None:
    pooled = row(long, "acme/tool", "knowledge")
    assert pooled["threads"] == 5 and pooled["participants"] == 6   # ann acme cat dan eve hal
    assert pooled["accepted_answer_share"] == 0.5
    hub = row(long, "lab/model", "knowledge")
    assert hub["threads"] == 3 and hub["accepted_answer_share"] == 0.5


def test_channel_summary_gives_n_per_channel(long: pd.DataFrame) -> None:
    summary = channel_summary(long).set_index(["platform", "channel"])
    assert summary.loc[("github", "discussion_board"), "repositories"] == 1
    assert summary.loc[("github", "issue_tracker"), "repositories"] == 2
    assert summary.loc[("huggingface", "forum"), "threads"] == 2


def test_by_channel_needs_only_the_frames() -> None:
    threads = pd.DataFrame([{c: None for c in THREAD_COLUMNS} | {
        "platform": "github", "repo": "a/b", "number": 1, "kind": "issue", "author": "x",
        "author_role": "external", "created_at": T0, "channel": "issue_tracker"}])
    comments = pd.DataFrame(columns=["platform", "repo", "thread_number", "author",
                                     "created_at"])
    repositories = pd.DataFrame({"platform": ["github"], "repo": ["a/b"],
                                 "has_discussions": [None]})
    result = by_channel(threads, comments, repositories)
    assert list(result["channel"]) == ["issue_tracker", "knowledge"]
    assert result["responded_share"].tolist() == [0.0, 0.0]


def test_a_forum_topic_numbered_like_an_issue_keeps_its_own_replies() -> None:
    """A forum topic's id can equal an issue's number in the repository it links: the
    topic's reply answers the topic only, never the unanswered issue."""
    base = {c: None for c in THREAD_COLUMNS} | {
        "platform": "huggingface", "repo": "lab/model", "number": 7, "kind": "discussion",
        "author_role": "external", "created_at": T0}
    threads = pd.DataFrame([base | {"author": "gus", "channel": "issue_tracker"},
                            base | {"author": "ivy", "channel": "forum"}])
    comments = pd.DataFrame([{"platform": "huggingface", "repo": "lab/model",
                              "thread_number": 7, "author": "kim", "author_role": "unknown",
                              "created_at": at(3), "channel": "forum"}])
    repositories = pd.DataFrame({"platform": ["huggingface"], "repo": ["lab/model"],
                                 "has_discussions": [None]})
    result = by_channel(threads, comments, repositories).set_index("channel")
    assert result.loc["issue_tracker", "responded_share"] == 0.0
    assert result.loc["forum", "responded_share"] == 1.0
    assert result.loc["forum", "hours_to_first_response"] == 3.0
