"""Forum topics as threads and comments of the repositories they link, with roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from crossforge.measures.forum import forum_frames
from crossforge.records import (
    ForumLink,
    ForumPost,
    ForumTopic,
    Membership,
    Provenance,
    Repository,
)
from crossforge.store import Store

T0 = datetime(2024, 5, 1, tzinfo=UTC)
F = "discuss.example"


def _store(path: Path) -> Store:
    store = Store(path)
    store.write(Provenance("test", "hand-made", T0, "0"), [
        Repository("huggingface", "acme/Model-7B", "model", "acme", "organization"),
        Repository("huggingface", "solo/tiny", "model", "solo", "user"),
        Repository("github", "acme/trainer", "code", "acme", "organization"),
        Membership("huggingface", "acme", "alice"),
        ForumTopic(F, 1, "Models", "Model-7B fails", "bob", T0, T0 + timedelta(hours=5), 4,
                   True, 3, False),
        ForumPost(F, 11, 1, 1, "bob", T0, "loading acme/model-7b fails", False),
        ForumPost(F, 12, 1, 2, "discobot", T0 + timedelta(hours=1), "welcome!", False),
        ForumPost(F, 13, 1, 3, "alice", T0 + timedelta(hours=2), "fixed on main", True),
        ForumPost(F, 14, 1, 4, None, T0 + timedelta(hours=5), "thanks", False),
        ForumTopic(F, 2, "Beginners", "tiny on CPU", "solo", T0, T0, 1, None, None, True),
        ForumPost(F, 21, 2, 1, "solo", T0, "https://huggingface.co/solo/tiny", None),
        ForumTopic(F, 3, "Research", "unlinked", "carol", T0, T0, 1, False, None, False),
        ForumPost(F, 31, 3, 1, "carol", T0, "pip install x", None),
        # the same repository linked twice in topic 1 (URL in the title, id in a post),
        # a repository the store does not hold, and a GitHub repository
        ForumLink(F, 1, "huggingface", "acme/model-7b", 0, "url", "hf.co/acme/model-7b"),
        ForumLink(F, 1, "huggingface", "acme/Model-7B", 1, "id", "acme/model-7b"),
        ForumLink(F, 1, "github", "acme/trainer", 3, "url", "https://github.com/acme/trainer"),
        ForumLink(F, 1, "huggingface", "other/unheld", 1, "url", "hf.co/other/unheld"),
        ForumLink(F, 2, "huggingface", "solo/tiny", 1, "url", "https://huggingface.co/solo/tiny"),
    ])
    return store


def test_one_thread_per_topic_and_linked_repository_with_roles_and_answer_time(
        tmp_path: Path) -> None:
    with _store(tmp_path / "db.duckdb") as store:
        threads, comments = forum_frames(store)
    rows = {(r.platform, r.repo, r.number): r for r in threads.itertuples()}
    assert set(rows) == {("huggingface", "acme/Model-7B", 1), ("github", "acme/trainer", 1),
                         ("huggingface", "solo/tiny", 2)}
    model = rows[("huggingface", "acme/Model-7B", 1)]
    assert (model.kind, model.channel, model.state, model.author_role) == (
        "discussion", "forum", "open", "external")      # bob: not in acme's roster
    assert model.body == "loading acme/model-7b fails"
    assert model.answered_at == T0 + timedelta(hours=2)
    assert rows[("huggingface", "solo/tiny", 2)].author_role == "owner"
    assert rows[("huggingface", "solo/tiny", 2)].state == "closed"
    assert rows[("github", "acme/trainer", 1)].author_role == "unknown"  # not a GitHub login
    assert threads.loc[threads.number == 2, "answered_at"].isna().all()
    on_model = comments[(comments.repo == "acme/Model-7B")]
    assert on_model.author.iloc[0] == "alice" and len(on_model) == 2  # the bot's left out
    assert on_model.author.isna().iloc[1]                  # a deleted user stays unknown
    assert list(on_model.author_role) == ["member", "unknown"]
    assert on_model.comment_id.iloc[0] == "forum:discuss.example:13"


def test_a_frame_limits_the_repositories_and_without_accounts_every_role_is_unknown(
        tmp_path: Path) -> None:
    with _store(tmp_path / "db.duckdb") as store:
        store.write_frame("study", "huggingface", ["solo/tiny"], {})
        threads, comments = forum_frames(store, frame="study", accounts_platform=None)
    assert list(zip(threads.repo, threads.number, strict=True)) == [("solo/tiny", 2)]
    assert set(threads.author_role) == {"unknown"} and comments.empty
