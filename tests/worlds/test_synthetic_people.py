"""The synthetic world's people across platforms: a minority on both, namesake traps, some
under other handles, and the rest of the world unchanged."""

from __future__ import annotations

from crossforge.records import Account, DocumentText, Profile, ProfileLink
from crossforge.worlds import synthetic

WORLD = list(synthetic.generate_world(40, 7))
WORLD += list(synthetic.generate_documents(WORLD, 7))


def test_people_layer_has_matches_traps_and_undetectable_people():
    truth = synthetic.same_people(WORLD, 7)
    hub = {a.login for a in WORLD if isinstance(a, Account) and a.platform == "huggingface"
           and a.type == "user"}
    github = {a.login for a in WORLD if isinstance(a, Account) and a.platform == "github"
              and a.type == "user"}
    namesakes = hub & github
    assert 0 < len(truth) < len(hub) / 2                       # a minority on both
    assert namesakes - {h for h, g in truth if h == g}         # same handle, two people
    assert any(h != g for h, g in truth)                       # other handles
    people = synthetic.generate_people(WORLD, 7)
    links = {(r.linked_login, r.login) for r in people if isinstance(r, ProfileLink)}
    assert links <= truth                                      # links never lie here
    assert len(links) < len(truth)                             # some people link nothing
    kept = [r for r in people if not isinstance(r, (Profile, ProfileLink, DocumentText))]
    assert kept == [r for r in WORLD if not isinstance(r, DocumentText)]
    assert synthetic.generate_people(WORLD, 7) == people       # seeded


def test_profiles_and_links_survive_a_world_file(tmp_path):
    from crossforge.worlds.files import read_world, write_world

    people = [r for r in synthetic.generate_people(WORLD, 7)
              if isinstance(r, (Profile, ProfileLink))]
    people.append(Profile("huggingface", "x", "X", organizations=("lab",)))
    write_world(tmp_path / "w.jsonl", people)
    assert list(read_world(tmp_path / "w.jsonl")) == people
