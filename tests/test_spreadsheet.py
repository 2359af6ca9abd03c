"""Hostile card and thread values never reach a CSV as a live spreadsheet formula, and the
labelling workflow reads its own files back to the text the store holds."""

from __future__ import annotations

import csv
import dataclasses
import shutil
from pathlib import Path

import pandas as pd
import pytest

from crossforge import api
from crossforge.content.classify import read_threads
from crossforge.content.labelling.server import LabellingSession
from crossforge.records import DatasetLink, Derivation, Repository, Thread
from crossforge.spreadsheet import FORMULA_STARTS, neutralise, restore, write_csv
from crossforge.store import Store
from crossforge.worlds import synthetic

#: What OWASP's CSV injection page shows, plus the quoted forms that must survive a round trip.
HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+cmd|' /C calc'!A0",
           "@SUM(A1)", "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "-", "'=1+1", "''@x"]


def _cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def _live(cell: str) -> bool:
    """A cell a spreadsheet would evaluate: it starts a formula and is not a plain number."""
    if not cell.startswith(FORMULA_STARTS):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


def test_neutralise_quotes_formula_text_only_and_restore_gives_it_back() -> None:
    frame = pd.DataFrame({"text": [*HOSTILE, "Crash = bad", "'quoted", None],
                          "effect": [-0.70] * 12, "flag": [True] * 12})
    written = neutralise(frame)
    assert written["text"].tolist()[:9] == [
        "'=HYPERLINK(\"http://evil.example\",\"click\")", "'+cmd|' /C calc'!A0", "'@SUM(A1)",
        "'-2+3+cmd|' /C calc'!A0", "'\t=1+1", "'\r=1+1", "'-", "''=1+1", "'''@x"]
    assert written["text"].tolist()[9:11] == ["Crash = bad", "'quoted"]
    assert written["effect"].tolist() == [-0.70] * 12  # a number is not a formula
    assert frame["text"].iloc[0].startswith("=")  # the caller's frame is left alone
    assert restore(written).equals(frame)
    plain = pd.DataFrame({"repo": ["acme/m"], "effect": [-1.5]})
    assert neutralise(plain) is plain and restore(plain) is plain


def _hostile_world() -> list[object]:
    """A SYNTHETIC world whose thread titles and bodies, a card's datasets and a derivation
    parent are formulas."""
    world = list(synthetic.generate_world(12, 7))
    threads = [r for r in world if isinstance(r, Thread)]
    for i, thread in enumerate(threads):
        world[world.index(thread)] = dataclasses.replace(
            thread, title=HOSTILE[i % len(HOSTILE)], body=HOSTILE[(i + 1) % len(HOSTILE)])
    model = next(r.repo for r in world if isinstance(r, Repository)
                 and r.platform == "huggingface")
    world += [DatasetLink("huggingface", model, HOSTILE[0]),
              DatasetLink("huggingface", model, HOSTILE[2]),
              Derivation("huggingface", model, HOSTILE[1], "finetune", "card")]
    return world


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    api.write_records(_hostile_world(), source=synthetic.SOURCE, origin="seed=7", db=db)
    return db


def test_every_measure_csv_cell_is_inert(hostile_db: Path, tmp_path: Path) -> None:
    result = api.measure(hostile_db, tmp_path / "out", n_bootstrap=20)
    written = sorted((tmp_path / "out").glob("*.csv"))
    assert {"datasets.csv", "derivations.csv", "repositories.csv"} <= {p.name for p in written}
    for path in written:
        live = [cell for cell in _cells(path) if _live(cell)]
        assert not live, f"{path.name}: {live[:3]}"
    datasets = pd.read_csv(tmp_path / "out" / "datasets.csv", dtype=str)
    assert "'" + HOSTILE[0] in datasets["dataset"].tolist()
    assert result.evolution["datasets"]["dataset"].isin([HOSTILE[0]]).any()  # frame as is
    derivations = pd.read_csv(tmp_path / "out" / "derivations.csv", dtype=str)
    assert "'" + HOSTILE[1] in derivations["parent"].tolist()


def test_classify_output_is_inert_and_the_returned_frame_is_not(tmp_path: Path) -> None:
    source = tmp_path / "threads.csv"
    pd.DataFrame({"title": HOSTILE, "body": HOSTILE[::-1]}).to_csv(source, index=False)
    result = api.classify_csv(source, tmp_path / "labelled.csv")
    assert not [cell for cell in _cells(tmp_path / "labelled.csv") if _live(cell)]
    assert result["title"].tolist() == read_threads(source)["title"].tolist()
    assert result["title"].iloc[0] == HOSTILE[0]


def test_label_export_serve_and_import_give_back_the_stored_text(hostile_db: Path,
                                                                  tmp_path: Path) -> None:
    db = Path(shutil.copy(hostile_db, tmp_path / "labelled.duckdb"))  # import writes to it
    sample = tmp_path / "sample.csv"
    written = api.export_labelling_sample(db, sample, size=20, minimum=1,
                                          coders="alice,bob")
    for path in written:
        live = [cell for cell in _cells(path) if _live(cell)]
        assert not live, f"{path.name}: {live[:3]}"
    with Store(db, read_only=True) as store:
        stored = store.frame("SELECT platform, repo, number, title, body FROM threads")
    for coder, label in (("alice", "bug"), ("bob", "usage")):
        session = LabellingSession(sample, coder)
        shown = session.frame[["platform", "repo", "number", "title", "body"]].merge(
            stored, on=["platform", "repo", "number"], suffixes=("", "_stored"))
        assert len(shown) == 20
        assert shown["title"].tolist() == shown["title_stored"].tolist()
        assert shown["body"].tolist() == shown["body_stored"].tolist()
        for i, thread in enumerate(session.frame["id"]):
            session.record(thread, label if i % 2 else "bug")
        assert not [cell for cell in _cells(session.path) if _live(cell)]
    reopened = LabellingSession(tmp_path / "sample.alice.csv", "alice")
    assert reopened.frame["title"].tolist() == session.frame["title"].tolist()
    imported = api.import_labels([tmp_path / "sample.alice.csv", tmp_path / "sample.bob.csv"],
                                 db=db)
    assert imported.agreed == 10
    assert not [cell for cell in _cells(imported.disagreements_path) if _live(cell)]
    sheet = pd.read_csv(imported.disagreements_path, dtype=str, keep_default_na=False)
    assert set(restore(sheet)["title"]) <= set(HOSTILE)


def test_write_csv_writes_the_bytes_pandas_writes(tmp_path: Path) -> None:
    """The block writer's cells are pandas': floats in numpy's shortest layout (whole numbers
    with ``.0``, exponents past 1e16 and below 1e-4), booleans, nullable integers, text
    quoted where Python's CSV writer quotes it, missing values empty."""
    import numpy as np

    rng = np.random.default_rng(5)
    n = 30_000
    floats = rng.standard_normal(n) * 10.0 ** rng.integers(-12, 22, n)
    floats[: n // 3] = np.round(floats[: n // 3])
    floats[rng.random(n) < 0.1] = np.nan
    floats[:8] = [np.inf, -np.inf, 0.0, -0.0, 5e-324, 1e16, 2.0**53, 1e-4]
    texts = np.array(["acme/m", "a,b", 'say "hi"', "two\nlines", "", "=1+1", "é 漢", None],
                     dtype=object)[rng.integers(0, 8, n)]
    frame = pd.DataFrame({
        "share": floats, "single": floats.astype("float32"),
        "count": rng.integers(-10**12, 10**12, n), "flag": rng.random(n) < 0.5,
        "known": pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(0, 9, n)),
                          dtype="Int64"),
        "maybe": pd.array(np.where(rng.random(n) < 0.2, None, rng.random(n) < 0.5),
                          dtype="boolean"),
        "text": pd.array(texts, dtype="str"), "raw": texts, 'odd,"name': 1})
    expected = tmp_path / "pandas.csv"
    neutralise(frame).to_csv(expected, index=False)
    written = tmp_path / "written.csv"
    write_csv(frame, written)
    assert written.read_bytes() == expected.read_bytes()
    assert 'say ""hi""' in written.read_text(encoding="utf-8")
    write_csv(frame.iloc[:0], written)
    assert written.read_text(encoding="utf-8") == (
        'share,single,count,flag,known,maybe,text,raw,"odd,""name"\n')
