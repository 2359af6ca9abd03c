"""crossforge: measure how people collaborate on GitHub and on the Hugging Face Hub.

Every CLI command is one of these functions; see ``crossforge.api`` for the details.

The public names are imported on first use (PEP 562): ``import crossforge`` and
``crossforge --help`` then cost tens of milliseconds instead of the seconds that
scikit-learn, SciPy, igraph and matplotlib take to import.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from crossforge._version import __version__

#: Each public name and the module it comes from.
_EXPORTS = {
    **dict.fromkeys((
        "classify_csv", "classify_store", "code_interviews", "collect", "demo",
        "draw_interviewees", "evaluate_classifier", "export", "export_labelling_sample",
        "import_coded_segments", "import_hub_metadata", "interview_guide", "import_labels",
        "import_snapshot", "init", "measure", "rebuild",
        "report", "sample", "serve_labelling", "study", "train_classifier",
        "validate_relations", "write_records"), "crossforge.api"),
    **dict.fromkeys(("ConfigError", "CrossforgeError", "GitError", "StoreError"),
                    "crossforge.errors"),
    **dict.fromkeys(("import_clones", "import_git"), "crossforge.clones"),
    "MeasureResult": "crossforge.measures.result",
    "OpenStudy": "crossforge.notebook",
    "open_study": "crossforge.notebook",
    "Store": "crossforge.store",
}

if TYPE_CHECKING:
    from crossforge.api import (
        classify_csv,
        classify_store,
        code_interviews,
        collect,
        demo,
        draw_interviewees,
        evaluate_classifier,
        export,
        export_labelling_sample,
        import_coded_segments,
        import_hub_metadata,
        import_labels,
        import_snapshot,
        init,
        interview_guide,
        measure,
        rebuild,
        report,
        sample,
        serve_labelling,
        study,
        train_classifier,
        validate_relations,
        write_records,
    )
    from crossforge.clones import import_clones, import_git
    from crossforge.errors import ConfigError, CrossforgeError, GitError, StoreError
    from crossforge.measures.result import MeasureResult
    from crossforge.notebook import OpenStudy, open_study
    from crossforge.store import Store


def __getattr__(name: str) -> Any:
    """Import a public name's module when the name is first used, and keep the name."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'crossforge' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


class _Package(types.ModuleType):
    """``crossforge.collect``, ``.report`` and ``.study`` stay the public functions when the
    submodules of the same names are imported, which would otherwise rebind the names."""

    def __setattr__(self, name: str, value: object) -> None:
        if not (name in _EXPORTS and isinstance(value, types.ModuleType)):
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = [
    "ConfigError",
    "CrossforgeError",
    "GitError",
    "MeasureResult",
    "OpenStudy",
    "Store",
    "StoreError",
    "__version__",
    "classify_csv",
    "classify_store",
    "code_interviews",
    "collect",
    "demo",
    "draw_interviewees",
    "evaluate_classifier",
    "export",
    "export_labelling_sample",
    "import_clones",
    "import_coded_segments",
    "import_git",
    "import_hub_metadata",
    "import_labels",
    "import_snapshot",
    "init",
    "interview_guide",
    "measure",
    "open_study",
    "rebuild",
    "report",
    "sample",
    "serve_labelling",
    "study",
    "train_classifier",
    "validate_relations",
    "write_records",
]
