from crossforge.identity import (
    identity_key,
    is_bot,
    is_placeholder_email,
    noreply_login,
    parse_person,
)


def test_github_noreply_resolves_to_login_with_or_without_id():
    assert noreply_login("49699333+dependabot[bot]@users.noreply.github.com", "github") == (
        "dependabot[bot]"
    )
    assert noreply_login("Lukasa@users.noreply.github.com", "github") == "Lukasa"
    assert noreply_login("Lukasa@users.noreply.github.com", "huggingface") is None


def test_hub_noreply_resolves_to_hub_username():
    assert identity_key("Nicolas Patry", "Narsil@users.noreply.huggingface.co", "huggingface") == (
        "Narsil"
    )


def test_email_is_identity_case_insensitively():
    assert identity_key("Kenneth Reitz", "Me@KennethReitz.org", "github") == (
        identity_key("kennethreitz", "me@kennethreitz.org", "github")
    )


def test_placeholder_email_falls_back_to_name():
    assert is_placeholder_email("none@none")
    assert is_placeholder_email("")
    assert is_placeholder_email("root@localhost")
    assert not is_placeholder_email("flaper87@gmail.com")
    assert identity_key("digitalxero", "none@none", "github") == "digitalxero"
    assert identity_key("someone", "none@none", "github") != identity_key(
        "digitalxero", "none@none", "github")


def test_bots_are_recognised_by_suffix_and_known_names():
    assert is_bot("dependabot[bot]")
    assert is_bot("bigscience-bot")
    assert is_bot("librarian-bot") and is_bot("parquet-converter") and is_bot("system")
    assert is_bot("SFconvertbot")
    assert not is_bot("Peft Jambot") and not is_bot("Abbot") and not is_bot(None)


def test_coauthor_trailer_parsing():
    assert parse_person("Jane Doe <jane@example.org>") == ("Jane Doe", "jane@example.org")
    assert parse_person("no address here") is None


def test_a_pair_naming_nobody_is_unknown_not_one_shared_identity():
    assert identity_key(None, None, "github") is None
    assert identity_key("", "", "huggingface") is None
    assert identity_key("  ", "none@none", "github") is None
    assert identity_key("Ann", None, "github") == "ann"
