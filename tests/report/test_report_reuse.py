"""Writing a report again: networks built once per run, and no stale files left behind."""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
from pathlib import Path

import pytest

import crossforge
from crossforge.measures import CollaborationNetworks
from crossforge.measures.networks import describe_network
from crossforge.report import figures as figures_module
from crossforge.report import write_report
from crossforge.report.manifest import MANIFEST, replace_manifest


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    return crossforge.demo(out, repositories_per_platform=20)["html"].parent / "demo.duckdb"


def test_report_builds_the_networks_once_and_draws_those_measure_described(
        demo_db, tmp_path, monkeypatch):
    built = []
    networks = CollaborationNetworks.networks
    monkeypatch.setattr(CollaborationNetworks, "networks",
                        lambda self, store: built.append(1) or networks(self, store))
    drawn = {}

    def spy(out, result, *, sources, graphs=None, **options):
        drawn.update(result=result, graphs=graphs)
        return {}

    monkeypatch.setattr(importlib.import_module("crossforge.report"), "write_report", spy)
    crossforge.report(demo_db, tmp_path)
    result = drawn["result"]
    assert len(built) == 1
    assert drawn["graphs"] is None and set(result.graphs) == {"github", "huggingface"}
    for platform, kept in result.graphs.items():     # only what the report draws is kept
        assert set(kept) == {"co_contribution"}
        assert result.networks[platform]["co_contribution"] == \
            describe_network(kept["co_contribution"])
    assert result.networks["github"]["co_contribution"]["nodes"] == \
        result.graphs["github"]["co_contribution"].vcount() > 0


def test_a_rewritten_report_removes_only_its_own_stale_files(demo_db, tmp_path):
    study = crossforge.open_study(demo_db, n_bootstrap=20)
    result = dataclasses.replace(study.result, graphs={})   # no network pictures: quicker
    out = tmp_path / "out"
    write_report(out, result, sources=[], figure_formats=figures_module.FORMATS)
    figures = out / "figures"
    assert (figures / "ecdf_derivatives.pdf").is_file()
    mine = [out / "notes.txt", figures / "my_plot.png"]    # the user's own files
    for path in mine:
        path.write_text("mine")
    edited = figures / "ecdf_tree_size.svg"                # crossforge's, edited since
    edited.write_text(edited.read_text() + "<!-- annotated -->")
    os.utime(edited, ns=(1, 1))

    fewer = result.repositories.drop(columns=["derivatives", "tree_size"])
    paths = write_report(out, dataclasses.replace(result, repositories=fewer), sources=[],
                         figure_formats=figures_module.FORMATS)

    assert not any(figures.glob("ecdf_derivatives.*"))     # the measure is gone: so are they
    assert all(path.read_text() == "mine" for path in mine)
    assert edited.is_file() and not (figures / "ecdf_tree_size.png").exists()
    recorded = {e["path"] for e in json.loads(paths["manifest"].read_text())["files"]}
    assert recorded == {p.relative_to(out).as_posix() for k, p in paths.items()
                        if k != "manifest"}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk - recorded == {MANIFEST, "notes.txt", "figures/my_plot.png",
                                  "figures/ecdf_tree_size.svg"}


def test_a_manifest_never_removes_files_outside_its_folder(tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside.txt"
    out.mkdir()
    outside.write_text("keep")
    (out / "link.txt").symlink_to(outside)
    stat = outside.stat()
    entry = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    (out / MANIFEST).write_text(json.dumps({"files": [
        {"path": "../outside.txt", **entry}, {"path": str(outside), **entry},
        {"path": "link.txt", **entry}, {"path": 3}, "junk"]}))
    _, removed = replace_manifest(out, [outside])
    assert removed == [] and outside.read_text() == "keep" and (out / "link.txt").exists()
    assert json.loads((out / MANIFEST).read_text())["files"] == []
