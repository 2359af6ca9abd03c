"""How long the ``crossforge`` command takes to start, against importing everything eagerly.

Every CLI call pays for its imports before it does anything. This times, in fresh processes
and in this same run (interleaved, median of ``--repeat`` runs):

- ``interpreter``: ``python3 -c pass``, the floor;
- ``eager_imports`` (the named baseline): importing the CLI together with ``crossforge.api``
  and ``crossforge.notebook``, which is what every call imported before the heavy imports
  became lazy (scikit-learn, SciPy, igraph, matplotlib, pandas, DuckDB);
- ``help``: ``python3 -m crossforge --help``;
- ``init``: ``python3 -m crossforge init FILE``, a light command that runs through the API.

It also counts the modules each one imports and their summed import time as
``-X importtime`` reports it. Prints the figures and writes ``benchmarks/results/startup.json``;
the load average is recorded because other work on the machine slows every figure down.

    PYTHONPATH=src python3 benchmarks/startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from result_file import machine_load, write_result

RESULTS = Path(__file__).resolve().parent / "results" / "startup.json"
SRC = Path(__file__).resolve().parents[1] / "src"


def _commands(tmp: Path) -> dict[str, list[str]]:
    return {
        "interpreter": ["-c", "pass"],
        "eager_imports": ["-c", "import crossforge.cli, crossforge.api, crossforge.notebook"],
        "help": ["-m", "crossforge", "--help"],
        "init": ["-m", "crossforge", "init", str(tmp / "study.toml")],
    }


def _run(args: list[str], tmp: Path, *, importtime: bool = False) -> tuple[float, str]:
    (tmp / "study.toml").unlink(missing_ok=True)      # init never overwrites
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *(["-X", "importtime"] if importtime else []), *args],
                          capture_output=True, text=True, env=env, check=True)
    return time.perf_counter() - start, done.stderr


def _imports(stderr: str) -> tuple[int, float]:
    """Modules imported and their summed own import time (seconds) from ``-X importtime``."""
    fields = [line.removeprefix("import time:").split("|")[0].strip()
              for line in stderr.splitlines() if line.startswith("import time:")]
    own = [int(field) for field in fields if field.isdigit()]     # the header is not
    return len(own), sum(own) / 1e6


def main(repeat: int) -> dict:
    load_before = os.getloadavg()[0]
    walls: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="crossforge-startup-") as folder:
        tmp = Path(folder)
        commands = _commands(tmp)
        for _ in range(repeat):                          # interleaved: load hits all alike
            for name, args in commands.items():
                walls.setdefault(name, []).append(_run(args, tmp)[0])
        imports = {name: _imports(_run(args, tmp, importtime=True)[1])
                   for name, args in commands.items()}
    median = {name: statistics.median(values) for name, values in walls.items()}
    result = {
        "baseline": "eager_imports: crossforge.cli + crossforge.api + crossforge.notebook, "
                    "what every call imported before the imports became lazy",
        "repeats": repeat,
        **{f"{name}_wall_seconds": round(value, 3) for name, value in median.items()},
        **{f"{name}_modules": imports[name][0] for name in commands},
        **{f"{name}_import_seconds": round(imports[name][1], 3) for name in commands},
        "eager_over_help_ratio": round(median["eager_imports"] / median["help"], 1),
        "eager_over_init_ratio": round(median["eager_imports"] / median["init"], 1),
        **machine_load(load_before),
    }
    return write_result(RESULTS, result)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    main(parser.parse_args().repeat)
