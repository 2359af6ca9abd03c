import pytest

from crossforge.errors import ConfigError
from crossforge.worlds.files import read_world, write_world
from crossforge.worlds.synthetic import generate_world


@pytest.mark.parametrize("name", ["world.jsonl", "world.jsonl.gz"])
def test_world_round_trip_is_exact(tmp_path, name):
    records = list(generate_world(20, seed=7))
    assert write_world(tmp_path / name, records) == len(records)
    assert list(read_world(tmp_path / name)) == records


def test_bad_world_line_names_file_and_line(tmp_path):
    path = tmp_path / "w.jsonl"
    path.write_text('{"record": "Account", "platform": "github", "login": "a", "type2": 1}\n')
    with pytest.raises(ConfigError, match=r"w.jsonl:1: not a world record"):
        list(read_world(path))
    with pytest.raises(ConfigError, match="does not exist"):
        list(read_world(tmp_path / "missing.jsonl"))
