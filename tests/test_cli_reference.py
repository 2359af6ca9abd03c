from pathlib import Path

from crossforge.cli_reference import render


def test_cli_reference_is_current():
    docs = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
    assert docs.read_text(encoding="utf-8") == render(), (
        "docs/cli.md is stale: run python -m crossforge.cli_reference > docs/cli.md")
