"""crossforge: measure how people collaborate on GitHub and on the Hugging Face Hub.

Every CLI command is one of these functions; see ``crossforge.api`` for the details.
"""

__version__ = "0.1.0"

from crossforge.api import (  # noqa: E402
    classify_csv,
    classify_store,
    code_interviews,
    collect,
    demo,
    evaluate_classifier,
    export,
    export_labelling_sample,
    import_git,
    import_hub_metadata,
    import_labels,
    import_snapshot,
    init,
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
from crossforge.errors import ConfigError, CrossforgeError, GitError, StoreError  # noqa: E402
from crossforge.measures import MeasureResult  # noqa: E402
from crossforge.notebook import OpenStudy, open_study  # noqa: E402
from crossforge.store import Store  # noqa: E402

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
    "evaluate_classifier",
    "export",
    "export_labelling_sample",
    "import_git",
    "import_hub_metadata",
    "import_labels",
    "import_snapshot",
    "init",
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
