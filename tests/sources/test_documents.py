"""READMEs and model cards travel from a world through the emulator and the collectors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from crossforge import api
from crossforge.collection.collector import Collector
from crossforge.emulator import Emulator
from crossforge.records import DocumentText, Repository
from crossforge.sources import cards
from crossforge.sources.github import GitHubSource
from crossforge.sources.http import ApiClient
from crossforge.sources.hub import HubSource
from crossforge.sources.raw import RawStore
from crossforge.store import Store
from crossforge.worlds import synthetic

WORLD = list(synthetic.generate_world(10, 11))
SYNTHETIC_DOCUMENTS = list(synthetic.generate_documents(WORLD, 11))


def _as_rst(markdown: str) -> str:
    """A Markdown README rewritten as reStructuredText: ATX headings become underlined
    titles, one adornment character per level."""
    lines = []
    for line in markdown.splitlines():
        level = len(line) - len(line.lstrip("#"))
        if 0 < level <= 4 and line[level:].startswith(" "):
            title = line[level:].strip()
            lines += [title, "=-~^"[level - 1] * len(title)]
        else:
            lines.append(line)
    return "\n".join(lines)


def _other_readme_names(documents: list[DocumentText]) -> list[DocumentText]:
    """Two GitHub READMEs moved to other names GitHub recognises: ``README.rst`` (rewritten
    as reStructuredText) and ``readme.md``."""
    github = [i for i, d in enumerate(documents) if d.platform == "github"]
    out = list(documents)
    rst, lower = out[github[0]], out[github[1]]
    out[github[0]] = replace(rst, text=_as_rst(rst.text), path="README.rst")
    out[github[1]] = replace(lower, path="readme.md")
    return out


DOCUMENTS = _other_readme_names(SYNTHETIC_DOCUMENTS)
FRAME = sorted((r.platform, r.repo) for r in WORLD if isinstance(r, Repository))
TABLES = {"documentation": "platform, repo, document, sections, completeness, words, digest",
          "project_links": "platform, repo, github_repo, source, position, same_owner, is_tool",
          "dataset_links": "platform, repo, dataset"}


def _rows(db: Path, table: str) -> list[tuple]:
    with Store(db, read_only=True) as store:
        return store.query(f"SELECT {TABLES[table]} FROM {table} ORDER BY ALL").fetchall()


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Emulator]:
    tmp = tmp_path_factory.mktemp("documents")
    db, raw = tmp / "db.duckdb", RawStore(tmp / "raw")
    with Emulator.from_records(WORLD + DOCUMENTS) as emulator:
        github_client = ApiClient(emulator.url, "github", raw, tokens=["t"])
        hub_client = ApiClient(emulator.url, "huggingface", raw, tokens=["t"])
        with Store(db) as store:
            Collector(store, github_source=GitHubSource(github_client),
                      hub_source=HubSource(hub_client)).collect(FRAME)
        missing = httpx.get(f"{emulator.url}/{FRAME[-1][1]}/resolve/main/config.json")
        served = emulator.requests
    raw.close()
    assert missing.status_code == 404
    return db, tmp / "raw", served


def test_synthetic_documents_are_labelled_and_cover_every_repository():
    assert {(d.platform, d.repo) for d in DOCUMENTS} == set(FRAME)
    assert all("(SYNTHETIC)" in d.text for d in DOCUMENTS)
    assert list(synthetic.generate_documents(WORLD, 11)) == SYNTHETIC_DOCUMENTS  # seeded


def test_collected_features_equal_the_world_texts_features(collected):
    db = collected[0]
    direct = db.parent / "direct.duckdb"
    extracted: list[object] = []
    for document in DOCUMENTS:
        if document.platform == "github":
            extracted += cards.readme_records(document.repo, document.text, document.path)
        else:
            extracted += cards.card_records(document.repo, document.text,
                                            cards.front_matter(document.text))
    with Store(direct) as store:
        store.write(api._provenance("test", "world texts"), extracted)
    for table in TABLES:
        assert _rows(db, table) == _rows(direct, table), table
    documents = _rows(db, "documentation")
    assert {d[2] for d in documents} == {"readme", "model_card"}
    by_repo = {d[1]: d for d in documents}
    for renamed, original in zip(DOCUMENTS, SYNTHETIC_DOCUMENTS, strict=True):
        if renamed.path != "README.md":    # found under its other name, sections read alike
            assert tuple(by_repo[renamed.repo][3]) == next(cards.readme_records(
                original.repo, original.text)).sections, renamed.path
    assert any(link[5] and not link[6] for link in _rows(db, "project_links"))  # pairable


def test_cards_cost_one_resolver_call_per_model_and_readmes_nothing(collected):
    served = collected[2]
    models = sum(1 for p, _ in FRAME if p == "huggingface")
    assert served["/{owner}/{repo}/resolve/{revision}/README.md"] == models
    assert not any("readme" in endpoint for endpoint in served)     # in the GraphQL batch


def test_rebuild_reproduces_the_document_tables(collected, tmp_path):
    db, raw, _ = collected
    rebuilt = tmp_path / "rebuilt.duckdb"
    api.rebuild(raw, rebuilt)
    for table in TABLES:
        assert _rows(rebuilt, table) == _rows(db, table), table


def test_pairs_are_complete_in_a_collected_world(collected, tmp_path):
    from crossforge.measures import ProjectPairs

    with Store(collected[0], read_only=True) as store:
        pairs = ProjectPairs().compute(store)
    assert len(pairs) and (pairs["hub_stored"] & pairs["github_stored"]).all()


def test_documents_round_trip_through_a_world_file(tmp_path):
    from crossforge.worlds.files import read_world, write_world

    path = tmp_path / "world.jsonl.gz"
    write_world(path, WORLD + DOCUMENTS)
    assert list(read_world(path)) == WORLD + DOCUMENTS
