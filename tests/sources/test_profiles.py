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
