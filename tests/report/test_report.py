import re

import pandas as pd
import pytest

import crossforge
from crossforge.records import Account, Commit, Repository
from crossforge.report.writer import markdown_cell, seed_comparison
from crossforge.store import Store

HOSTILE = '<img src=x onerror=alert(1)></script><script>alert(2)</script>|x'


def _world(at):
    return [
        Repository("github", "acme/code", "code", "acme", "user"),
        Repository("huggingface", "acme/model", "model", "acme", "organization"),
        Account("github", "ann", "user", HOSTILE),
        Commit("github", "acme/code", "a1", "ann", HOSTILE, None, at, "ann", None, None, at,
               subject=HOSTILE),
        Commit("github", "acme/code", "a2", "bob", "Bob", None, at, "bob", None, None, at),
        Commit("huggingface", "acme/model", "h1", "ann", "Ann", None, at, "ann", None, None, at),
    ]


def test_hostile_text_renders_inert(tmp_path):
    at = pd.Timestamp("2025-01-01", tz="UTC").to_pydatetime()
    db = tmp_path / "s.duckdb"
    crossforge.write_records(_world(at), source="test", origin=HOSTILE, db=db)
    paths = crossforge.report(db, tmp_path / "out")
    html = paths["html"].read_text()
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    md = paths["md"].read_text()
    assert "<img" not in md and "&lt;img src=x" in md
    row = next(line for line in md.splitlines() if line.startswith("| test |"))
    assert row.count("|") - row.count("\\|") == 5  # the data's "|" did not add a column
    assert "SYNTHETIC" not in html  # real (non-demo) data is never marked synthetic


def test_markdown_cell_escapes_html_and_pipes():
    assert markdown_cell("a|b\n<c>") == "a\\|b &lt;c&gt;"


def test_seed_comparison_uses_the_users_numbers_and_labels_the_source(tmp_path):
    result = crossforge.measure(crossforge.demo(tmp_path / "d", repositories_per_platform=30)
                                ["summary"].parent / "demo.duckdb", tmp_path / "m",
                                n_bootstrap=50)
    figures = {f.finding: f for f in seed_comparison(result.summary, result.organisations,
                                                     result.statistics)}
    contributors = figures["Contributors per repository, OSM vs OSS"]
    assert contributors.published == "about 40% fewer in OSM"
    means = {p: result.summary["platforms"][p]["contributors"]["mean"]
             for p in ("github", "huggingface")}
    fewer = (1 - means["huggingface"] / means["github"]) * 100
    found = re.search(r"`contributors`\): ([\d.]+)% (fewer|more) in OSM", contributors.yours)
    signed = float(found.group(1)) * (1 if found.group(2) == "fewer" else -1)
    assert signed == pytest.approx(fewer, abs=0.05)
    assert all("Ye & Zhou 2026" in f.source for f in figures.values())


def test_every_demo_figure_is_marked_synthetic(tmp_path):
    paths = crossforge.demo(tmp_path, repositories_per_platform=30)
    html = paths["html"].read_text()
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert svgs and all("SYNTHETIC" in svg for svg in svgs)
    assert html.count("SYNTHETIC DEMO DATA") >= 2


def test_the_report_says_which_repositories_the_collection_cut_at_a_cap_or_failed(tmp_path):
    at = pd.Timestamp("2025-01-01", tz="UTC").to_pydatetime()
    db = tmp_path / "s.duckdb"
    crossforge.write_records(_world(at), source="test", origin="x", db=db)
    plain = crossforge.report(db, tmp_path / "plain")["md"].read_text()
    with Store(db) as store:
        store.query("INSERT INTO collection_truncations VALUES ('github', 'acme/code', "
                    "'commits', 1, 2, 'p', now())")
        store.query("INSERT INTO collection_tasks VALUES ('huggingface', 'acme/model', "
                    "'commits', 'failed', NULL, now())")
    paths = crossforge.report(db, tmp_path / "out")
    md, html = paths["md"].read_text(), paths["html"].read_text()
    assert "Collection limits" not in plain
    for text in (md, html):
        assert "1 repositories truncated at a cap, 0 failed;" in text
        assert "0 repositories truncated at a cap, 1 failed." in text
