import crossforge


def test_public_api_is_pinned():
    assert sorted(crossforge.__all__) == [
        "ConfigError", "CrossforgeError", "GitError", "MeasureResult", "OpenStudy", "Store",
        "StoreError",
        "__version__", "classify_csv", "classify_store", "code_interviews", "collect", "demo",
        "draw_interviewees", "evaluate_classifier", "export", "export_labelling_sample",
        "import_clones", "import_coded_segments", "import_git", "import_hub_metadata",
        "import_labels", "import_snapshot", "init", "interview_guide", "measure",
        "open_study", "rebuild", "report", "sample", "serve_labelling", "study",
        "train_classifier",
        "validate_relations", "write_records",
    ]
    for name in crossforge.__all__:
        assert hasattr(crossforge, name)


def test_public_functions_keep_their_names_beside_submodules_of_the_same_name():
    import crossforge.report
    import crossforge.report.writer
    import crossforge.study  # noqa: F401

    for name in ("collect", "report", "study"):
        assert callable(getattr(crossforge, name)), name
        assert getattr(crossforge, name) is getattr(crossforge.api, name)
