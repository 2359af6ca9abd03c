"""The official ``huggingface_hub`` client, pointed at the emulator, parses every Hub answer
crossforge uses — with ``expand``, across pages, and through ``HF_ENDPOINT``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from crossforge.emulator import Emulator
from crossforge.emulator.hub import EXPANDABLE
from crossforge.records import Account, Comment, Commit, Derivation, Membership, Repository, Thread

hf = pytest.importorskip("huggingface_hub", reason="the official Hub client is a test dependency")

START = datetime(2024, 3, 1, tzinfo=UTC)
BIG = "big-org/big-model"
CHILD = "someone/big-model-lora"


#: What the pull requests touch, in turn: the card, weights with their configuration, and
#: nothing the world knows of (no diff).
TOUCHED: tuple[tuple[str, ...] | None, ...] = (("documentation",), ("weights", "configuration"),
                                               None)


def world() -> list[object]:
    """A model with more commits, discussions and organisation members than one page holds
    (50), a derivative with a relation, a deleted discussion author, and a few small models."""
    records: list[object] = [
        Repository("huggingface", BIG, "model", "big-org", "organization", START, START, 12,
                   downloads=3400, license="apache-2.0"),
        Repository("huggingface", CHILD, "model", "someone", "user", START, START, 1),
        Derivation("huggingface", CHILD, BIG, "adapter", "tag"),
        Account("huggingface", "big-org", "organization"),
    ]
    records += [Repository("huggingface", f"small/model-{i}", "model", "small", "user",
                           START + timedelta(days=i)) for i in range(7)]
    records += [Membership("huggingface", "big-org", f"member{i:02}") for i in range(70)]
    records += [Commit("huggingface", BIG, f"{i:040x}", f"member{i % 70:02}", None, None,
                       START + timedelta(hours=i), None, None, None,
                       START + timedelta(hours=i), subject=f"update {i}") for i in range(120)]
    states = ("open", "closed", "merged", "draft")
    for number in range(1, 61):
        kind = "pull_request" if number % 2 else "discussion"
        state = states[(number // 2) % (4 if kind == "pull_request" else 2)]
        when = START + timedelta(days=number)
        records.append(Thread(
            "huggingface", BIG, number, kind, f"thread {number}", "text",
            None if number == 7 else f"member{number:02}", state=state, created_at=when,
            closed_at=when + timedelta(days=1) if state == "closed" else None,
            merged_at=when + timedelta(days=1) if state == "merged" else None,
            touched=TOUCHED[number % len(TOUCHED)] if kind == "pull_request" else None))
        records.append(Comment("huggingface", BIG, number, f"c{number}", "member01",
                               when + timedelta(hours=2), "a reply"))
    return records


WORLD = world()
MODELS = sorted(r.repo for r in WORLD if isinstance(r, Repository))


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator.from_records(WORLD, listing_page=3) as running:
        yield running


@pytest.fixture(scope="module")
def client(emulator: Emulator) -> object:
    return hf.HfApi(endpoint=emulator.url)


def test_model_info_with_expand_gives_exactly_the_expanded_fields(client: object) -> None:
    info = client.model_info(BIG, expand=list(EXPANDABLE))
    assert (info.author, info.likes, info.downloads) == ("big-org", 12, 3400)
    assert info.created_at == START and info.gated is False
    assert "license:apache-2.0" in info.tags
    child = client.model_info(CHILD, expand=["cardData", "tags"])
    assert child.card_data["base_model"] == BIG
    assert child.card_data["base_model_relation"] == "adapter"
    assert f"base_model:adapter:{BIG}" in child.tags
    assert child.likes is None and child.downloads is None  # not asked for, not sent
    plain = client.model_info(BIG)
    assert plain.sha and plain.likes == 12


def test_list_models_with_expand_follows_every_page(client: object,
                                                    emulator: Emulator) -> None:
    before = emulator.requests["/api/models"]
    listed = list(client.list_models(expand=["author", "likes", "createdAt", "cardData"]))
    assert sorted(m.id for m in listed) == MODELS
    assert emulator.requests["/api/models"] - before == -(-len(MODELS) // 3)  # 3 per page
    by_id = {m.id: m for m in listed}
    assert by_id[BIG].author == "big-org" and by_id[BIG].likes == 12
    assert by_id[CHILD].card_data["base_model"] == BIG
    assert [m.id for m in client.list_models(author="small")] == [
        f"small/model-{i}" for i in range(7)]


def test_list_repo_commits_follows_pages(client: object) -> None:
    commits = client.list_repo_commits(BIG)
    assert len(commits) == 120 and len({c.commit_id for c in commits}) == 120
    assert commits[0].title == "update 119" and commits[0].authors == ["member49"]
    assert commits[0].created_at == START + timedelta(hours=119)


def test_discussions_list_past_fifty_with_filters_and_details(client: object) -> None:
    listed = list(client.get_repo_discussions(BIG))
    assert sorted(d.num for d in listed) == list(range(1, 61))
    assert next(d for d in listed if d.num == 7).author == "deleted"
    pulls = list(client.get_repo_discussions(BIG, discussion_type="pull_request"))
    assert len(pulls) == 30 and all(d.is_pull_request for d in pulls)
    closed = list(client.get_repo_discussions(BIG, discussion_type="pull_request",
                                              discussion_status="closed"))
    assert {d.num for d in closed} == {n for n in range(1, 61, 2) if (n // 2) % 4 in (1, 2)}
    merged = [d for d in closed if d.status == "merged"]
    assert merged and {d.status for d in closed} == {"closed", "merged"}
    details = client.get_discussion_details(BIG, merged[0].num)
    said = [e for e in details.events if e.type in ("comment", "status-change")]
    assert [e.type for e in said] == ["comment", "comment", "status-change"]
    assert details.merge_commit_oid and details.conflicting_files == []
    assert said[1].author == "member01"


def test_discussions_carry_the_hubs_four_event_types_and_pull_requests_a_diff(
        client: object) -> None:
    pulls = [client.get_discussion_details(BIG, d.num)
             for d in client.get_repo_discussions(BIG, discussion_type="pull_request")]
    assert {e.type for d in pulls for e in d.events} == {
        "comment", "status-change", "commit", "title-change"}
    commits = [e for d in pulls for e in d.events if e.type == "commit"]
    assert len(commits) == len(pulls) and all(len(e.oid) == 40 and e.summary for e in commits)
    renamed = [e for d in pulls for e in d.events if e.type == "title-change"]
    assert all(e.new_title and e.old_title != e.new_title for e in renamed)
    assert all(d.diff.startswith("diff --git") for d in pulls if d.diff is not None)


def test_a_pull_requests_diff_names_the_files_it_touches(client: object) -> None:
    """``get_discussion_details`` asks ``diff=1``; the diff's paths classify back to what
    the world says the pull request touches, and one the world says nothing of has none."""
    from crossforge.sources.hub import diff_classes

    pulls = [client.get_discussion_details(BIG, d.num)
             for d in client.get_repo_discussions(BIG, discussion_type="pull_request")]
    assert {diff_classes(d.diff) for d in pulls} == set(TOUCHED)
    for details in pulls:
        assert diff_classes(details.diff) == TOUCHED[details.num % len(TOUCHED)]


def test_list_organization_members_follows_pages(client: object) -> None:
    members = list(client.list_organization_members("big-org"))
    assert sorted(m.username for m in members) == [f"member{i:02}" for i in range(70)]


def test_hf_endpoint_points_the_client_at_the_emulator(emulator: Emulator) -> None:
    script = ("from huggingface_hub import HfApi, model_info\n"
              f"print(model_info({BIG!r}).id, len(HfApi().list_repo_commits({BIG!r})))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "HF_ENDPOINT": emulator.url}, timeout=120)
    assert done.stdout.split() == [BIG, "120"], done.stderr


def test_hub_429_carries_ietf_ratelimit_headers_the_client_parses() -> None:
    from huggingface_hub.utils import parse_ratelimit_headers

    with Emulator.from_records(WORLD, hub_limit=2) as limited:
        answers = [httpx.get(f"{limited.url}/api/models/{BIG}") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    info = parse_ratelimit_headers(answers[2].headers)
    assert info is not None and info.remaining == 0 and info.limit == 2
    assert info.window_seconds == 300 and 0 < info.reset_in_seconds <= 300
