"""Profiles and profile links from the platforms' real answer shapes: GitHub's user object and
linked accounts (``GET /users/{u}``, ``/users/{u}/social_accounts``), the Hub's user overview,
and a model card's link to its owner's GitHub account page."""

from __future__ import annotations

from crossforge.records import Profile, ProfileLink
from crossforge.sources import cards, github, hub
from crossforge.sources.raw import RawResponse


def _answer(kind: str, body: str, context: dict) -> RawResponse:
    return RawResponse(kind, context, "GET", "https://api.example/x", 200, {}, body)


def test_github_user_object_gives_the_profile_and_a_hub_website():
    body = ('{"login": "Narsil", "type": "User", "name": "Nicolas Patry", '
            '"company": "@huggingface", "blog": "https://huggingface.co/Narsil/", '
            '"email": null, "twitter_username": "narsil_"}')
    records = github.parse(_answer("github.user", body, {"name": "Narsil"}))
    assert records == [Profile("github", "Narsil", "Nicolas Patry", "@huggingface", None),
                       ProfileLink("github", "Narsil", "huggingface", "Narsil", "blog")]


def test_github_linked_accounts_keep_hub_account_pages_only():
    body = ('[{"provider": "twitter", "url": "https://twitter.com/x"}, '
            '{"provider": "generic", "url": "https://huggingface.co/lysandre"}, '
            '{"provider": "generic", "url": "https://huggingface.co/docs"}, '
            '{"provider": "generic", "url": "https://huggingface.co/lysandre/model"}]')
    records = github.parse(_answer("github.social", body, {"name": "LysandreJik"}))
    assert records == [ProfileLink("github", "LysandreJik", "huggingface", "lysandre",
                                   "social_accounts")]


def test_hub_overview_gives_fullname_and_organisations_but_no_links():
    body = ('{"_id": "x", "avatarUrl": "", "fullname": "Julien Chaumond", "user": "julien-c",'
            ' "type": "user", "isPro": true, "numModels": 3, '
            '"orgs": [{"name": "huggingface", "fullname": "Hugging Face"}]}')
    assert hub.parse(_answer("hub.user", body, {"name": "julien-c"})) == [
        Profile("huggingface", "julien-c", "Julien Chaumond", organizations=("huggingface",))]


def test_a_card_names_its_owner_only_with_exactly_one_github_account_page():
    one = "# M\nBy [me](https://github.com/Alice) with code at github.com/alice/proj.\n"
    assert cards.card_profile_links("alice/m", one) == [
        ProfileLink("huggingface", "alice", "github", "alice", "card:alice/m")]
    credits = "Thanks to https://github.com/bob and https://github.com/carol.\n"
    assert cards.card_profile_links("alice/m", credits) == []
    assert cards.card_profile_links("alice/m", "See https://github.com/features\n") == []


def test_real_github_user_objects_give_their_profiles():
    """Every real ``GET /users/{login}`` answer of the shared corpus: the profile as served
    (name, company), no Hub link from a website that is not a Hub page, nothing from a 404."""
    import gzip
    import json

    import pytest

    from tests.conftest import CORPUS

    path = CORPUS / "github_api_exchanges.jsonl.gz"
    if not path.exists():
        pytest.skip("../shared/corpus is absent: real GitHub answers are needed")
    seen = 0
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        exchanges = [json.loads(line) for line in lines]
    for exchange in exchanges:
        login = exchange["path"].removeprefix("/users/")
        if not exchange["path"].startswith("/users/") or "/" in login:
            continue
        body = exchange["body"] if isinstance(exchange["body"], str) else json.dumps(
            exchange["body"])
        answer = RawResponse("github.user", {"name": login}, "GET", exchange["path"],
                             exchange["status"], {}, body)
        try:
            user = json.loads(body) if exchange["status"] == 200 else None
        except json.JSONDecodeError:     # the corpus cut some long bodies short
            continue
        if not isinstance(user, dict):
            continue
        records = github.parse(answer)
        assert records[0] == Profile("github", user["login"], user.get("name") or None,
                                     user.get("company") or None, user.get("email") or None)
        assert all(r.linked_platform == "huggingface" for r in records[1:])
        assert (len(records) > 1) == (github.hub_account(user.get("blog")) is not None)
        seen += 1
    assert seen >= 30
    assert github.parse(RawResponse("github.user", {"name": "x"}, "GET", "/users/x", 404, {},
                                    '{"message":"Not Found"}')) == []
