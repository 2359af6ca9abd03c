import crossforge


def test_public_api_is_pinned():
    assert sorted(crossforge.__all__) == [
        "ConfigError", "CrossforgeError", "GitError", "MeasureResult", "OpenStudy", "Store",
        "StoreError",
        "__version__", "classify_csv", "classify_store", "code_interviews", "collect", "demo",
        "evaluate_classifier", "export", "export_labelling_sample", "import_git",
        "import_hub_metadata", "import_labels", "import_snapshot", "init", "measure",
        "open_study", "rebuild", "report", "sample", "serve_labelling", "study",
        "train_classifier",
        "validate_relations", "write_records",
    ]
    for name in crossforge.__all__:
        assert hasattr(crossforge, name)
