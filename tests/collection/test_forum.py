"""Collecting a SYNTHETIC Discourse forum through the emulator: the world's topics and posts
come back, through faults, rate limits, a stop and caps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crossforge.collection.collector import rebuild
from crossforge.collection.forum_plan import ForumCaps, ForumPlan, ForumSummary, link_frame
from crossforge.emulator import Emulator
from crossforge.errors import ConfigError
from crossforge.records import ForumPost, ForumTopic, Repository
from crossforge.sources.discourse import DiscourseSource
from crossforge.sources.http import ApiClient
from crossforge.sources.raw import RawStore
from crossforge.store import Store
from crossforge.worlds import synthetic

WORLD = list(synthetic.generate_world(20, 7))
FORUM = list(synthetic.generate_forum(WORLD, 7, topics=80))
FRAME = [(r.platform, r.repo) for r in WORLD if isinstance(r, Repository)]


@pytest.fixture()
def emulator() -> Iterator[Emulator]:
    with Emulator.from_records(WORLD + FORUM, forum_limit=10**6) as running:
        yield running


def _collect(emulator: Emulator, folder: Path, caps: ForumCaps | None = None,
             on_page: Callable[[ForumSummary], None] | None = None
             ) -> tuple[ForumSummary, Store]:
    folder.mkdir(parents=True, exist_ok=True)
    store = Store(folder / "db.duckdb")
    client = ApiClient(emulator.url, "discourse", RawStore(folder / "raw"),
                       sleep=lambda seconds: None, max_retries=3)
    summary = ForumPlan(store, DiscourseSource(client, synthetic.FORUM), caps or ForumCaps(),
                        on_page).collect(FRAME)
    client.close()
    return summary, store


def _stored(store: Store) -> tuple[set, set]:
    topics = set(store.query("SELECT topic_id, category, title, author, created_at, "
                             "has_accepted_answer, accepted_post_number FROM forum_topics"
                             ).fetchall())
    posts = set(store.query("SELECT post_id, topic_id, post_number, author, created_at, body, "
                            "accepted_answer FROM forum_posts").fetchall())
    return topics, posts


def _world() -> tuple[set, set]:
    topics = {(t.topic_id, t.category, t.title, t.author, t.created_at,
               t.has_accepted_answer, t.accepted_post_number)
              for t in FORUM if isinstance(t, ForumTopic)}
    posts = {(p.post_id, p.topic_id, p.post_number, p.author, p.created_at, p.body,
              p.accepted_answer) for p in FORUM if isinstance(p, ForumPost)}
    return topics, posts


def test_the_world_s_forum_comes_back_long_topics_and_unknown_authors_included(
        emulator: Emulator, tmp_path: Path) -> None:
    assert max(len([p for p in FORUM if isinstance(p, ForumPost) and p.topic_id == t.topic_id])
               for t in FORUM if isinstance(t, ForumTopic)) > 20
    summary, store = _collect(emulator, tmp_path)
    assert summary.topics == 80 and not summary.failed
    assert _stored(store) == _world()
    assert emulator.requests["/t/{id}/posts.json"] >= 1   # long topics' further posts
    links = store.query("SELECT evidence, count(*) FROM forum_links GROUP BY 1").fetchall()
    assert dict(links).keys() == {"url", "id"}
    chosen = next(key for key in FRAME if store.query(
        "SELECT count(*) FROM forum_links WHERE evidence = 'id' AND repo = ?",
        [key[1]]).fetchone()[0])
    assert link_frame(store, synthetic.FORUM, [chosen]) >= 1   # another frame's ids: gone
    assert {r for (r,) in store.query("SELECT DISTINCT repo FROM forum_links "
                                      "WHERE evidence = 'id'").fetchall()} == {chosen[1]}
    with Store(tmp_path / "rebuilt.duckdb") as rebuilt:      # the raw store holds it all
        rebuild(RawStore(tmp_path / "raw"), rebuilt)
        assert _stored(rebuilt) == _world()
    store.close()


def test_faults_and_a_stop_then_a_second_run_finish_without_asking_done_topics_again(
        tmp_path: Path) -> None:
    with Emulator.from_records(WORLD + FORUM, forum_limit=10**6,
                               faults="500:0.3:4@/t/**, 429:0.2:1@/c/**, reset:0.05, "
                                      "truncate:0.05, seed=3"
                               ) as faulty:
        def stop_after_first_page(summary: ForumSummary) -> None:
            if summary.pages == 2:
                raise KeyboardInterrupt
        with pytest.raises(KeyboardInterrupt):
            _collect(faulty, tmp_path, on_page=stop_after_first_page)[1].close()
    with Emulator.from_records(WORLD + FORUM, forum_limit=10**6) as healthy:
        summary, store = _collect(healthy, tmp_path)
        asked = sum(n for name, n in healthy.requests.items() if name.startswith("/t/"))
    topics, posts = _stored(store)
    assert (topics, posts) == _world()
    assert summary.topics < 80      # the first run's finished topics were not asked again
    assert asked < 80 + 20
    store.close()


def test_a_rate_limit_is_waited_for(tmp_path: Path) -> None:
    with Emulator.from_records(WORLD + FORUM[:40], forum_limit=3, forum_window=1) as limited:
        store = Store(tmp_path / "db.duckdb")
        client = ApiClient(limited.url, "discourse", RawStore(tmp_path / "raw"))
        waits: list[float] = []
        client.on_wait = lambda platform, seconds: waits.append(seconds)
        ForumPlan(store, DiscourseSource(client, synthetic.FORUM), ForumCaps()).collect()
        client.close()
    assert waits and all(1 <= w <= 2 for w in waits)
    assert store.query("SELECT count(*) FROM forum_topics").fetchone()[0] == len(
        [t for t in FORUM[:40] if isinstance(t, ForumTopic)])
    store.close()


def test_caps_stop_at_a_page_boundary_and_since_leaves_older_topics_out(
        emulator: Emulator, tmp_path: Path) -> None:
    summary, store = _collect(emulator, tmp_path / "capped",
                              ForumCaps(categories=("models",), max_topics=5))
    per_category = dict(store.query("SELECT category, count(*) FROM forum_topics "
                                    "GROUP BY 1").fetchall())
    in_models = sum(1 for t in FORUM if isinstance(t, ForumTopic) and t.category == "Models")
    assert list(per_category) == ["Models"] and 5 <= per_category["Models"] <= 30
    assert (in_models > per_category["Models"]) == bool(summary.truncated)
    store.close()
    since = datetime(2024, 6, 1, tzinfo=UTC)
    _, store = _collect(emulator, tmp_path / "since", ForumCaps(since=since))
    created = [c for (c,) in store.query("SELECT created_at FROM forum_topics").fetchall()]
    assert created and min(created) >= since
    assert len(created) == sum(1 for t in FORUM if isinstance(t, ForumTopic)
                               and t.created_at >= since)
    store.close()


def test_a_sample_draws_topics_by_id_skips_gone_ones_and_resumes_the_same_draw(
        tmp_path: Path) -> None:
    gone = {3, 10, 11, 40}         # deleted topics: the forum answers 404
    world = [r for r in FORUM if getattr(r, "topic_id", None) not in gone]
    caps = ForumCaps(sample=20, seed=5)
    with Emulator.from_records(WORLD + world, forum_limit=10**6) as emulator:
        whole, whole_store = _collect(emulator, tmp_path / "whole", caps)

        def stop_after_eight(summary: ForumSummary) -> None:
            if summary.topics == 8:
                raise KeyboardInterrupt
        with pytest.raises(KeyboardInterrupt):
            _collect(emulator, tmp_path / "resumed", caps, stop_after_eight)[1].close()
        resumed, resumed_store = _collect(emulator, tmp_path / "resumed", caps)
        with pytest.raises(ConfigError, match="--forum-sample 20 --forum-seed 5"):
            _collect(emulator, tmp_path / "resumed", ForumCaps(sample=20, seed=6))
    drawn = {t for (t,) in whole_store.query("SELECT topic_id FROM forum_topics").fetchall()}
    assert len(drawn) == whole.topics == 20 and not drawn & gone
    assert drawn != set(range(1, 21)) and max(drawn) > 40          # drawn, not the first ids
    assert {t for (t,) in resumed_store.query("SELECT topic_id FROM forum_topics").fetchall()
            } == drawn and resumed.topics == 12                    # the same draw, finished
    categories = set(whole_store.query("SELECT DISTINCT category FROM forum_topics").fetchall())
    assert categories and (None,) not in categories               # named by category_id
    whole_store.close()
    resumed_store.close()
