"""How the run-once benchmarks end: the machine's load beside the figures, the result file
written, and every figure printed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def machine_load(load_before: float) -> dict[str, Any]:
    """Cores and the 1-minute load average before and after the run: figures measured on a
    shared machine mean little without them."""
    return {"cores": os.cpu_count(), "load_average_before": round(load_before, 2),
            "load_average_after": round(os.getloadavg()[0], 2)}


def write_result(path: Path, result: dict[str, Any], *, width: int = 32) -> dict[str, Any]:
    """Write ``result`` as JSON to ``path`` and print it, one figure a line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for key, value in result.items():
        print(f"{key:{width}} {value}")
    return result
