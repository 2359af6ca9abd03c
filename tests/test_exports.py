import crossforge


def test_public_api_is_pinned():
    assert sorted(crossforge.__all__) == [
        "ConfigError", "CrossforgeError", "GitError", "MeasureResult", "Store", "StoreError",
        "__version__", "demo", "export", "import_git", "import_snapshot", "init", "measure",
        "report", "study", "write_records",
    ]
    for name in crossforge.__all__:
        assert hasattr(crossforge, name)
