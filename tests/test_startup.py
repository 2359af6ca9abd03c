"""The CLI starts without the heavy libraries: ``--help`` and light commands stay fast."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
#: Libraries that take seconds to import; only the commands that compute may load them.
HEAVY = ("sklearn", "scipy", "igraph", "matplotlib", "pyspark", "huggingface_hub")

#: Runs ``python -m crossforge ARGS`` in this interpreter, then prints the modules loaded,
#: as JSON on the last line.
_PROBE = """
import json, runpy, sys
sys.argv = ["crossforge", *sys.argv[1:]]
try:
    runpy.run_module("crossforge", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def _loaded_after(*args: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True,
                          text=True, env=env, timeout=120, check=True)
    modules = json.loads(done.stdout.strip().splitlines()[-1])
    return {*modules, *(name.partition(".")[0] for name in modules)}


@pytest.mark.parametrize("args", [("--help",), ("report", "--help"), ("import", "--help")])
def test_help_imports_no_heavy_library_nor_pandas(args):
    loaded = _loaded_after(*args)
    assert "typer" in loaded                      # the probe really ran the CLI
    imported = loaded & {*HEAVY, "pandas", "duckdb"}
    assert not imported, f"crossforge {' '.join(args)} imported {sorted(imported)}"


def test_light_command_imports_no_heavy_library(tmp_path):
    target = tmp_path / "study.toml"
    loaded = _loaded_after("init", str(target))
    assert target.is_file()                       # the command ran through crossforge.api
    assert "crossforge.api" in loaded
    assert not loaded & set(HEAVY), f"crossforge init imported {sorted(loaded & set(HEAVY))}"
