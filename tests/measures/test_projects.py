"""Hub–GitHub project pairs, documentation completeness and the model–dataset graph."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from crossforge import api
from crossforge.measures import (
    CollaborationIntensity,
    DatasetProvenance,
    DocumentationCompleteness,
    ProjectPairs,
    dataset_summary,
    dataset_table,
    documentation_summary,
    paired_comparison,
    paired_sides,
)
from crossforge.records import MODEL_CARD_SECTIONS, Commit, Provenance, Repository
from crossforge.sources import cards
from crossforge.store import Store
from tests.conftest import CORPUS

T0 = datetime(2025, 1, 1, tzinfo=UTC)

CARD = """---
license: apache-2.0
datasets:
- HuggingFaceH4/ultrachat_200k
- https://huggingface.co/datasets/tatsu-lab/alpaca
- generator
---

# Fancy-7B

Fancy-7B is a chat model fine-tuned from a base model on instruction data for long
multi-turn conversations in English and French, released by the Fancy lab.

Trained with [TRL](https://github.com/huggingface/trl); code at
https://github.com/Fancy-Lab/Fancy.git and a gist https://gist.github.com/fancy-lab/abc.
See also [the upstream](https://github.com/other/Upstream/tree/main).

## Intended uses & limitations

More information needed

## Training procedure

```python
# How to use
trainer.train()
```

Learning rate 2e-5 for three epochs.

## Citation

```bibtex
@misc{fancy}
```
"""

README = """Awesome tool
============

## Installation

pip install awesome

## Usage

    awesome run

## Contributing

<!-- TODO -->

## License

MIT
"""


def test_links_are_normalised_and_tools_kept_apart():
    links = {link.github_repo: link for link in cards.project_links(
        "huggingface", "fancy-lab/Fancy-7B", CARD, {"github": "https://github.com/fancy-lab/code"})}
    assert list(links) == ["fancy-lab/code", "huggingface/trl", "fancy-lab/fancy",
                           "other/upstream"]        # card data first; no gist
    assert links["fancy-lab/code"].source == "card_data:github"
    assert links["huggingface/trl"].is_tool and not links["fancy-lab/fancy"].is_tool
    assert links["fancy-lab/fancy"].same_owner and not links["other/upstream"].same_owner
    assert [link.position for link in links.values()] == [0, 1, 2, 3]


def test_model_card_sections_ignore_placeholders_and_code():
    doc = cards.documentation("huggingface", "fancy-lab/Fancy-7B", CARD, "model_card",
                              {"license": "apache-2.0"})
    # description from the lead paragraph, licence from card data; "Intended uses &
    # limitations" only holds a placeholder; "How to use" is a comment in a code block
    assert doc.sections == ("description", "training", "license", "citation")
    assert doc.completeness == pytest.approx(4 / 8) and doc.expected == 8
    assert doc.headings == 4


def test_readme_sections_and_setext_title():
    doc = cards.documentation("github", "o/awesome", README, "readme")
    assert doc.sections == ("installation", "usage", "license")   # contributing is a TODO
    assert doc.completeness == pytest.approx(3 / 6)
    assert doc.headings == 5 and doc.words == 13


def test_dataset_links_drop_loader_names():
    data = yaml.safe_load(CARD.split("---")[1])
    assert [d.dataset for d in cards.dataset_links("huggingface", "x/y", data)] == [
        "HuggingFaceH4/ultrachat_200k", "tatsu-lab/alpaca"]
    assert cards.dataset_links("huggingface", "x/y", {"datasets": "imdb"})[0].dataset == "imdb"


def _commits(platform, repo, authors):
    return [Commit(platform, repo, f"{repo}-{i}", a, a, None, T0, a, None, None, T0)
            for i, a in enumerate(authors)]


@pytest.fixture
def paired_store(tmp_path):
    """Three Hub models whose cards link their project; GitHub sides always larger."""
    records: list[object] = []
    for n in range(3):
        model, code = f"lab{n}/model", f"Lab{n}/Code"
        records += [Repository("huggingface", model, "model", f"lab{n}", "organization"),
                    Repository("github", code, "code", f"Lab{n}", "organization"),
                    *_commits("huggingface", model, ["a"]),
                    *_commits("github", code, [f"p{i}" for i in range(n + 2)] * 2)]
        records += cards.card_records(
            model, f"[tool](https://github.com/huggingface/peft) "
                   f"[other](https://github.com/x/y) [code](https://github.com/{code})",
            {"datasets": ["shared/data", f"own/data{n}"]})
    records += [Repository("huggingface", "solo/m", "model", "solo"),
                *cards.card_records("solo/m", "# Solo\n\nNo links here.", {})]
    with Store(tmp_path / "s.duckdb") as store:
        store.write(Provenance("t", "u", T0, "0"), records)
        yield store


def test_pairs_follow_the_rule_and_compare_within_pairs(paired_store):
    pairs = ProjectPairs().compute(paired_store)
    assert pairs["github_repo"].tolist() == ["Lab0/Code", "Lab1/Code", "Lab2/Code"]
    assert pairs["hub_stored"].all() and pairs["github_stored"].all()
    repositories = CollaborationIntensity().compute(paired_store)
    sides = paired_sides(pairs, repositories)
    assert sides["github_contributors"].tolist() == [2, 3, 4]
    assert sides["hub_contributors"].tolist() == [1, 1, 1]
    tests = paired_comparison(sides, ("contributors", "commits")).set_index("measure")
    expected = stats.wilcoxon([1 - 2, 1 - 3, 1 - 4])
    assert tests.loc["contributors", "p_value"] == pytest.approx(expected.pvalue)
    assert tests.loc["contributors", "effect_value"] == -1.0   # GitHub larger in every pair
    assert tests.loc["contributors", "median_difference"] == -2.0
    links = ProjectPairs().links(paired_store).set_index("platform")
    assert links.loc["huggingface", ["repositories", "documented", "linking_github",
                                     "linking_project", "paired"]].tolist() == [4, 4, 3, 3, 3]


def test_documentation_and_dataset_graph(paired_store):
    documents = DocumentationCompleteness().compute(paired_store)
    assert documents["repo"].tolist() == ["lab0/model", "lab1/model", "lab2/model", "solo/m"]
    assert documents["has_description"].tolist() == [False] * 4   # lead under 20 words
    summary = documentation_summary(documents)
    assert set(summary["section"]) == {*MODEL_CARD_SECTIONS, "(completeness)"}
    edges = DatasetProvenance().compute(paired_store)
    table = dataset_table(edges)
    assert table.iloc[0].tolist() == ["huggingface", "shared/data", 3]
    repositories = paired_store.frame("SELECT platform, repo FROM repositories")
    hub = dataset_summary(edges, repositories)["huggingface"]
    assert (hub["models"], hub["edges"], hub["datasets"]) == (4, 6, 4)
    assert hub["declaring_share"] == 0.75 and hub["components"] == 1
    assert hub["largest_component_share"] == 1.0     # 3 models and 4 datasets, all joined
    assert hub["top_datasets"][0] == {"dataset": "shared/data", "models": 3}


# -- validation on the real Hub metadata dump ------------------------------------------------

_RAW_GITHUB = re.compile(r"https?://(?:www\.)?github\.com/([\w-]+)/([\w.-]+)", re.IGNORECASE)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    dump = CORPUS / "hf_models.jsonl.gz"
    if not dump.exists():
        pytest.skip("../shared/corpus is absent: the card validation needs hf_models.jsonl.gz")
    db = tmp_path_factory.mktemp("cards") / "cards.duckdb"
    api.import_hub_metadata(dump, db=db)
    with gzip.open(dump, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    with Store(db, read_only=True) as store:
        tables = {t: store.frame(f"SELECT * FROM {t}")
                  for t in ("project_links", "documentation", "dataset_links")}
    return rows, tables


def _card_data(row: dict) -> dict:
    data = row["info"].get("card_data") or {}
    data = yaml.safe_load(data) if isinstance(data, str) else data
    return data if isinstance(data, dict) else {}


@pytest.mark.corpus
def test_corpus_github_links_match_an_independent_scan(corpus):
    rows, tables = corpus
    links = tables["project_links"]
    stored = {(r, g) for r, g in zip(links["repo"], links["github_repo"], strict=True)}
    independent = set()     # scheme-qualified links only (gist.github.com never matches)
    for row in rows:
        for owner, name in _RAW_GITHUB.findall(row.get("card") or ""):
            name = re.sub(r"(\.git)?\.*$", "", name.lower())
            if owner.lower() != "user-attachments" and name:
                independent.add((row["id"], f"{owner.lower()}/{name}"))
    assert independent <= stored
    texts = {row["id"]: (row.get("card") or "").lower() for row in rows}
    assert all(g in texts[r] for r, g in stored)    # every stored link is literally there
    assert len(independent) > 400
    # tools are a minority of projects but most links: the corpus is mostly TRL fine-tunes
    assert links["is_tool"].mean() > 0.5


@pytest.mark.corpus
def test_corpus_documentation_matches_raw_cards(corpus):
    rows, tables = corpus
    documents = tables["documentation"].set_index("repo")
    with_text = {row["id"] for row in rows if (row.get("card") or "").strip()}
    assert set(documents.index) == with_text
    assert documents["completeness"].between(0, 1).all()
    licensed = {row["id"] for row in rows if row["id"] in with_text and _card_data(row).get(
        "license")}
    assert all("license" in documents.loc[r, "sections"] for r in licensed)
    bibtex = {row["id"] for row in rows if re.search(
        r"^#{1,6}[^\n]*citation[^\n]*\n+```bibtex\n@", row.get("card") or "",
        re.IGNORECASE | re.MULTILINE)}
    assert bibtex and all("citation" in documents.loc[r, "sections"] for r in bibtex)
    # the Trainer's card template leaves "Intended uses & limitations" as a placeholder
    template = {row["id"] for row in rows if re.search(
        r"## Intended uses & limitations\n\nMore information needed\n\n## ",
        row.get("card") or "")}
    uses = documents.loc[sorted(template), "sections"].map(lambda s: "intended_uses" in s)
    assert len(template) > 100 and uses.mean() < 0.1
    spread = np.percentile(documents["completeness"], [10, 90])
    assert spread[0] < spread[1]


@pytest.mark.corpus
def test_corpus_dataset_edges_match_card_data(corpus):
    rows, tables = corpus
    independent = set()
    for row in rows:
        value = _card_data(row).get("datasets")
        for name in value if isinstance(value, list) else [value] if value else []:
            name = str(name).strip()
            if name and name.lower() not in cards.LOADER_NAMES:
                independent.add((row["id"], name.removeprefix(
                    "https://huggingface.co/datasets/")))
    edges = tables["dataset_links"]
    assert set(zip(edges["repo"], edges["dataset"], strict=True)) == independent
    per_dataset = pd.Series([d for _, d in independent]).value_counts()
    top = dataset_table(edges.assign(platform="huggingface")).iloc[0]
    assert top["models"] == per_dataset.max()


def test_pairs_survive_a_pseudonymised_snapshot(tmp_path):
    records = [Repository("huggingface", "ann/m", "model", "ann", "user"),
               Repository("github", "Ann/Code", "code", "Ann", "user"),
               *cards.card_records("ann/m", "Code: https://github.com/Ann/Code", {
                   "datasets": ["ann/private-data", "imdb"]})]
    with Store(tmp_path / "s.duckdb") as store:
        store.write(Provenance("t", "u", T0, "0"), records)
    api.export(tmp_path / "s.duckdb", tmp_path / "snap")
    api.import_snapshot(tmp_path / "snap", tmp_path / "p.duckdb")
    with Store(tmp_path / "p.duckdb", read_only=True) as store:
        pairs = ProjectPairs().compute(store)
        datasets = sorted(store.frame("SELECT dataset FROM dataset_links")["dataset"])
    assert len(pairs) == 1 and pairs["github_stored"].all()
    assert not pairs["hub_repo"].iloc[0].startswith("ann/")       # people are pseudonyms
    assert datasets[0] == "imdb" and datasets[1].endswith("/private-data")
    assert not datasets[1].startswith("ann/")
