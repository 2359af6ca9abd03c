"""The report in a real browser: no console errors, no network, hostile text stays text.

Uses Debian's chromium (installed here when missing and we are root, as in CI) driven by
Playwright's Python API, which needs no browser download of its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

import crossforge
from crossforge.records import Account, Commit, Repository, Thread

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
HOSTILE = ['<img src=x onerror=alert(1)>', '</script><script>alert(2)</script>',
           '"><svg onload=alert(3)>']
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-first-run", "--disable-quic", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False,
                       capture_output=True)
        path = shutil.which("chromium")
    if path is None:
        pytest.skip("Debian's chromium is not installed and cannot be installed here")
    return path


def _render(chromium: str, html: Path, name: str) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {"errors": [], "requests": [], "dialogs": []}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.on("request", lambda r: seen["requests"].append(r.url))
        page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
        page.goto(html.as_uri())
        page.wait_for_load_state("load")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        seen["text"] = [page.inner_text("body")]
        seen["drawn"] = [str(box["width"] > 200) for box in (
            page.locator("figure svg").nth(i).bounding_box()
            for i in range(page.locator("figure svg").count())) if box]
        browser.close()
    return seen


def test_demo_report_renders_offline_without_errors(chromium, tmp_path):
    paths = crossforge.demo(tmp_path, repositories_per_platform=60)
    seen = _render(chromium, paths["html"], "demo-report")
    assert seen["errors"] == []
    assert seen["requests"] == [paths["html"].as_uri()]  # nothing but the file itself
    assert "SYNTHETIC DEMO DATA" in seen["text"][0]
    # ECDFs, the two network pictures, type shares and survival, each laid out on the page
    assert len(seen["drawn"]) >= 10 and set(seen["drawn"]) == {"True"}
    assert seen["text"][0].count("co-contribution network: people as dots") == 2


def test_hostile_text_from_the_data_is_inert(chromium, tmp_path):
    at = datetime(2025, 1, 1, tzinfo=UTC)
    records = [Repository("github", "acme/code", "code", "acme", "user"),
               Repository("huggingface", "acme/model", "model", "acme", "user")]
    for i, text in enumerate(HOSTILE):
        records += [Account("github", f"p{i}", "user", text),
                    Commit("github", "acme/code", f"s{i}", f"p{i}", text, None, at, f"p{i}",
                           text, None, at, subject=text),
                    Thread("huggingface", "acme/model", i + 1, "discussion", text, text,
                           f"p{i}", created_at=at)]
    db = tmp_path / "s.duckdb"
    for text in HOSTILE:
        crossforge.write_records(records, source="test", origin=text, db=db)
    paths = crossforge.report(db, tmp_path / "out")
    seen = _render(chromium, paths["html"], "hostile-report")
    assert seen["dialogs"] == [] and seen["errors"] == []
    assert seen["requests"] == [paths["html"].as_uri()]
    for text in HOSTILE:
        assert text in seen["text"][0]  # shown literally, as the provenance origin
