"""Human labelling: the stratified sample, the loopback page, agreement, stored human labels."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from crossforge import api
from crossforge.cli import app
from crossforge.content import classify, labelling
from crossforge.content.labelling.server import LabellingSession, make_server
from crossforge.content.shares import MIN_HUMAN_VALIDATION, confusion
from crossforge.errors import ConfigError
from crossforge.records import Thread
from crossforge.store import Store
from crossforge.worlds import synthetic
from tests.conftest import CORPUS

RUNNER = CliRunner()
HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SYNTHETIC world's store whose threads the shipped model has classified."""
    db = tmp_path_factory.mktemp("world") / "world.duckdb"
    with Store(db) as store:
        store.write(api._provenance(synthetic.SOURCE, "seed=3"), synthetic.generate_world(60, 3))
    api.classify_store(db)
    return db


def _threads(db: Path) -> pd.DataFrame:
    with Store(db, read_only=True) as store:
        return store.frame("SELECT t.platform, t.repo, t.number, t.kind, t.title, t.body, "
                           "l.label AS predicted FROM threads t "
                           "LEFT JOIN thread_labels l USING (platform, repo, number)")


def test_sample_is_reproducible_stratified_with_a_minimum_and_weighted(world_db: Path) -> None:
    threads = _threads(world_db)
    # 13 strata (GitHub discussions are a kind of their own): 4 each fit in 60
    sample = labelling.draw_sample(threads, size=60, seed=4, minimum=4)
    again = labelling.draw_sample(threads.sample(frac=1, random_state=1), size=60, seed=4,
                                  minimum=4)
    assert sample["id"].tolist() == again["id"].tolist()  # input order does not matter
    assert set(sample["id"]) != set(labelling.draw_sample(threads, size=60, seed=5,
                                                          minimum=4)["id"])
    assert len(sample) == 60 and sample["id"].is_unique
    population = threads.assign(stratum=[
        f"platform={p}|kind={k}|label={label}" for p, k, label in
        threads[["platform", "kind", "predicted"]].fillna("unclassified")
        .itertuples(index=False)])
    sizes = population.groupby("stratum").size()
    drawn = sample.groupby("stratum").size().reindex(sizes.index, fill_value=0)
    assert (drawn >= np.minimum(4, sizes)).all()
    # each stratum's weights add up to its population: the sample stands for every thread
    assert sample.groupby("stratum")["weight"].sum().to_dict() == pytest.approx(
        sizes.astype(float).to_dict())
    assert sample["weight"].sum() == pytest.approx(len(threads))


def test_sample_minimums_above_the_size_and_unknown_strata_are_errors(world_db: Path) -> None:
    threads = _threads(world_db)
    with pytest.raises(ConfigError, match="below the minimum of 5 threads in each of"):
        labelling.draw_sample(threads, size=8, minimum=5)
    with pytest.raises(ConfigError, match="--strata repo"):
        labelling.draw_sample(threads, size=8, strata=["repo"])


def _coded(a: list[str], b: list[str]) -> pd.DataFrame:
    rows = [{"platform": "github", "repo": "o/r", "number": i + 1, "coder": coder,
             "label": label, "weight": 1.0}
            for coder, labels in (("alice", a), ("bob", b)) for i, label in enumerate(labels)]
    return pd.DataFrame(rows)


def test_agreement_of_two_coders_matches_the_hand_computation() -> None:
    alice = ["bug"] * 4 + ["usage"] * 3 + ["feature"] * 3
    bob = ["bug"] * 3 + ["usage"] * 4 + ["feature"] * 2 + ["bug"]
    result = labelling.compare(_coded(alice, bob), ["bug", "usage", "feature"])
    # p_o = 8/10; p_e = (4·4 + 3·4 + 3·2)/100 = 0.34; kappa = (0.8 − 0.34)/0.66
    assert result.overall.cohen_kappa == pytest.approx(0.46 / 0.66)
    # alpha = 1 − (n − 1)·D_o/D_e with n = 20 values, 4 disagreeing ordered pairs,
    # D_e = 20² − (8² + 7² + 5²) = 262
    assert result.overall.krippendorff_alpha == pytest.approx(1 - 19 * 4 / 262)
    assert result.overall.percent == pytest.approx(0.8) and result.overall.units == 10
    per_class = result.per_class.set_index("class")
    assert per_class.loc["bug", "specific_agreement"] == pytest.approx(2 * 3 / (4 + 4))
    assert per_class.loc["feature", "specific_agreement"] == pytest.approx(2 * 2 / (3 + 2))
    assert per_class.loc["bug", "labels"] == 8
    assert result.disagreements[["number", "label_alice", "label_bob"]].values.tolist() == [
        [4, "bug", "usage"], [10, "feature", "bug"]]
    carol = _coded(alice, alice).query("coder == 'alice'").assign(coder="carol")
    three = labelling.compare(pd.concat([_coded(alice, bob), carol]), ["bug", "usage", "feature"])
    # mean of the pairwise kappas: (alice, bob), (alice, carol) = 1, (bob, carol)
    assert three.overall.cohen_kappa == pytest.approx((2 * 0.46 / 0.66 + 1) / 3)
    assert three.overall.coders == 3
    agreed = labelling.consensus(_coded(alice, bob))
    assert agreed["number"].tolist() == [1, 2, 3, 5, 6, 7, 8, 9]
    assert agreed["coders"].unique().tolist() == ["alice,bob"]


def test_coder_files_keep_formulas_in_thread_text_inert(tmp_path: Path) -> None:
    sample = pd.DataFrame({"id": ["a", "b", "c"], "platform": "github", "repo": "o/r",
                           "number": [1, 2, 3], "kind": "issue", "weight": 1.0,
                           "title": ["=HYPERLINK(\"http://x\")", "@SUM(A1)", "Crash = bad"],
                           "body": ["- item", "+1", "fine"], "predicted": "",
                           "stratum": "all"})
    _, coder = labelling.write_sample(sample, tmp_path / "s.csv", ["alice"])
    blank = pd.read_csv(coder, dtype=str, keep_default_na=False)
    assert blank["title"].tolist() == ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "Crash = bad"]
    assert blank["body"].tolist() == ["'- item", "'+1", "fine"]
    assert sample["title"].iloc[0].startswith("=")  # the frame in memory is left as it was


def test_confusion_weights_undo_oversampling_of_a_stratum() -> None:
    # bugs predicted as usage were drawn 3 times as often as the rest: weight 1/3 each
    true = ["bug", "bug", "bug", "bug", "usage"]
    predicted = ["bug", "usage", "usage", "usage", "usage"]
    matrix = confusion(true, predicted, ["bug", "usage"], [1, 1 / 3, 1 / 3, 1 / 3, 1])
    assert matrix[:, 0] == pytest.approx([0.5, 0.5])


def _fill(path: Path, labels: list[str]) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["label"] = labels
    frame.to_csv(path, index=False)


def test_cli_export_import_resolve_and_store_human_labels(world_db: Path, tmp_path: Path
                                                          ) -> None:
    db = tmp_path / "study.duckdb"
    db.write_bytes(world_db.read_bytes())
    sample = tmp_path / "sample.csv"
    result = RUNNER.invoke(app, ["label", "export", "--db", str(db), "--out", str(sample),
                                 "--size", "60", "--min-per-stratum", "4", "--seed", "2",
                                 "--coders", "alice,bob"])
    assert result.exit_code == 0, result.output
    master = pd.read_csv(sample, dtype=str, keep_default_na=False)
    alice_file, bob_file = tmp_path / "sample.alice.csv", tmp_path / "sample.bob.csv"
    coder_file = pd.read_csv(alice_file, dtype=str, keep_default_na=False)
    assert "predicted" not in coder_file and (coder_file["label"] == "").all()
    assert coder_file["id"].tolist() == master["id"].tolist()
    # alice agrees with the model; bob differs on the first 6 threads and skips the 7th
    truth = [p or "other" for p in master["predicted"]]
    flipped = ["documentation" if t != "documentation" else "other" for t in truth[:6]]
    _fill(alice_file, truth)
    _fill(bob_file, flipped + ["skip"] + truth[7:])
    result = RUNNER.invoke(app, ["label", "import", str(alice_file), str(bob_file),
                                 "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "threads labelled by ≥ 2 coders: 59" in result.output
    assert "agreement: 0.898" in result.output  # 53 of 59
    assert "6 disagreements written to" in result.output
    assert "stored 53 agreed and 0 resolved labels" in result.output
    differing = pd.read_csv(tmp_path / "disagreements.csv", dtype=str, keep_default_na=False)
    assert set(differing.columns) >= {"platform", "repo", "number", "title", "body",
                                      "label_alice", "label_bob", "label"}
    assert differing["label_bob"].isin(["documentation", "other"]).all() and len(differing) == 6
    differing["label"] = differing["label_alice"]
    differing.to_csv(tmp_path / "disagreements.csv", index=False)
    again = RUNNER.invoke(app, ["label", "import", str(alice_file), str(bob_file),
                                "--db", str(db)])
    assert again.exit_code == 2 and "holds resolved labels" in again.output
    result = RUNNER.invoke(app, ["label", "import", str(alice_file), str(bob_file), "--db",
                                 str(db), "--resolved", str(tmp_path / "disagreements.csv")])
    assert result.exit_code == 0, result.output
    assert "stored 53 agreed and 6 resolved labels" in result.output
    with Store(db, read_only=True) as store:
        human = store.frame("SELECT h.*, p.source, p.origin FROM human_labels h "
                            "JOIN provenance p ON p.id = h.provenance_id")
    assert len(human) == 59 and set(human["source"]) == {"human-labels"}
    assert human["resolution"].value_counts().to_dict() == {"agreed": 53, "resolved": 6}
    assert str(alice_file.resolve()) in human["origin"].iloc[0]
    expected = master.set_index("id")["weight"].astype(float)
    ids = [labelling.thread_id(*k) for k in human[labelling.KEY].itertuples(index=False)]
    assert human["weight"].tolist() == pytest.approx(expected[ids].tolist())


@pytest.mark.parametrize(("files", "message"), [
    (["alice"], "at least two coder files"),
    (["alice", "alice"], "same coder"),
    (["alice", "unknown_label"], "label 'spam' is not in the taxonomy"),
    (["alice", "no_label_column"], "lacks columns: label"),
    (["alice", "foreign"], "5 labelled threads are not in"),
    (["alice", "elsewhere"], "share no thread labelled by two coders"),
])
def test_label_import_bad_input_is_one_line(world_db: Path, tmp_path: Path, files: list[str],
                                            message: str) -> None:
    threads = _threads(world_db).head(5)
    base = threads[["platform", "repo", "number"]].assign(label="bug")
    variants = {
        "alice": base.assign(coder="alice"),
        "unknown_label": base.assign(coder="bob", label=["bug", "spam", "bug", "bug", "bug"]),
        "no_label_column": base.drop(columns="label").assign(coder="bob"),
        "foreign": base.assign(coder="bob", repo=[f"nobody/n{i}" for i in range(5)]),
        "elsewhere": _threads(world_db).iloc[5:10][["platform", "repo", "number"]].assign(
            coder="bob", label="usage"),
    }
    paths = []
    for name in files:
        paths.append(tmp_path / f"{name}.csv")
        variants[name].to_csv(paths[-1], index=False)
    result = RUNNER.invoke(app, ["label", "import", *map(str, paths), "--db", str(world_db)])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


@pytest.fixture
def served(world_db: Path, tmp_path: Path) -> Iterator[tuple[str, LabellingSession, str]]:
    sample = tmp_path / "sample.csv"
    api.export_labelling_sample(world_db, sample, size=12, seed=1, coders=0,
                                strata=["platform"])
    frame = pd.read_csv(sample, dtype=str, keep_default_na=False)
    frame.loc[0, "title"] = HOSTILE
    frame.loc[0, "body"] = "</pre>" + HOSTILE
    frame.to_csv(sample, index=False)
    session = LabellingSession(sample, "carol", ["bug", "usage", "feature"])
    server = make_server(session, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", session, server.token
    finally:
        server.shutdown()
        server.server_close()


def test_page_shows_hostile_text_inert_and_binds_loopback(served) -> None:
    url, session, _ = served
    assert url.startswith("http://127.0.0.1:")
    page = httpx.get(url + "/")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page.text
    assert "&lt;/pre&gt;" in page.text
    assert page.text.count("<script") == 1  # only the page's own, allowed by nonce
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'nonce-" in policy
    assert "http" not in page.text.replace(url, "")  # nothing loaded from elsewhere
    assert "0 of 12 labelled" in page.text and "data-key='4'>" in page.text  # 3 classes + skip
    foreign = httpx.get(url + "/", headers={"Host": "attacker.example"})
    assert foreign.status_code == 403


def test_posted_label_is_saved_at_once_and_a_new_session_resumes(served, tmp_path: Path
                                                                 ) -> None:
    url, session, token = served
    first, second = session.frame["id"].iloc[0], session.frame["id"].iloc[1]
    answer = httpx.post(url + "/label", data={"token": token, "id": first, "label": "usage"})
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    saved = pd.read_csv(tmp_path / "sample.carol.csv", dtype=str, keep_default_na=False)
    assert saved.loc[0, "label"] == "usage" and saved.loc[0, "coder"] == "carol"
    assert (saved["label"].iloc[1:] == "").all()
    assert not list(tmp_path.glob(".sample.carol.csv.*"))  # no temporary file left behind
    httpx.post(url + "/label", data={"token": token, "id": second, "label": "skip"})
    assert "2 of 12 labelled" in httpx.get(url + "/").text
    assert httpx.post(url + "/label", data={"token": "forged", "id": first,
                                            "label": "bug"}).status_code == 403
    wrong = httpx.post(url + "/label", data={"token": token, "id": "github:x/y#1",
                                             "label": "bug"})
    assert wrong.status_code == 400 and "not in the sample" in wrong.text
    assert httpx.post(url + "/label", data={"token": token, "id": first,
                                            "label": "spam"}).status_code == 400
    resumed = LabellingSession(tmp_path / "sample.csv", "carol", ["bug", "usage", "feature"])
    assert resumed.next_row() == 2 and resumed.done == 2
    assert resumed.frame.loc[1, "label"] == "skip"
    with pytest.raises(ConfigError, match="not 'dave'"):
        LabellingSession(tmp_path / "sample.carol.csv", "dave")
    port = int(url.rsplit(":", 1)[1])
    with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
        make_server(resumed, port)


def _store_human_labels(db: Path, labels: pd.DataFrame) -> None:
    rows = labels.assign(resolution="agreed", coders="alice,bob", weight=1.0)
    with Store(db) as store:
        store.write_human_labels(rows, api._provenance("human-labels", "test"))


def _study_with_agreeing_github_labels(world_db: Path, tmp_path: Path
                                       ) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """A copy of the world whose classified GitHub threads (issues; pull requests are not
    classified) all carry a human label equal to the prediction; returns the store, those
    GitHub threads and every classified thread."""
    db = tmp_path / "study.duckdb"
    db.write_bytes(world_db.read_bytes())
    threads = _threads(db).dropna(subset=["predicted"])
    github = threads[threads["platform"] == "github"]
    _store_human_labels(db, github.rename(columns={"predicted": "label"}))
    return db, github, threads


def test_type_shares_use_human_labels_once_a_platform_has_enough(world_db: Path,
                                                                  tmp_path: Path) -> None:
    # humans agree with every GitHub prediction: no correction is needed there
    db, github, threads = _study_with_agreeing_github_labels(world_db, tmp_path)
    assert len(github) >= MIN_HUMAN_VALIDATION
    hub = threads[threads["platform"] == "huggingface"].head(10)
    _store_human_labels(db, hub.rename(columns={"predicted": "label"}))
    shares = api.measure(db, tmp_path / "out", n_bootstrap=50).evolution["type_shares"]
    by_platform = shares.groupby("group")
    assert by_platform["validation"].first().to_dict() == {
        "github": "human labels", "huggingface": "model card cross-validation"}
    gh = shares[shares["group"] == "github"]
    assert gh["adjusted_share"].to_numpy() == pytest.approx(gh["raw_share"].to_numpy(),
                                                            abs=1e-6)
    assert (gh["validation_n"] == len(github)).all()
    hf = shares[shares["group"] == "huggingface"]
    assert (hf["validation_n"] == 1500).all()


def test_human_labels_travel_in_a_snapshot_and_the_report_names_them(world_db: Path,
                                                                     tmp_path: Path) -> None:
    db, github, _ = _study_with_agreeing_github_labels(world_db, tmp_path)
    api.export(db, tmp_path / "snap")
    coders = duckdb.sql(f"SELECT DISTINCT coders FROM '{tmp_path / 'snap'}/human_labels.parquet'"
                        ).fetchall()
    assert len(coders) == 1 and "alice" not in coders[0][0] and coders[0][0].count(",") == 1
    api.import_snapshot(tmp_path / "snap", tmp_path / "copy.duckdb")
    before = api.measure(db, tmp_path / "a", n_bootstrap=50).evolution["type_shares"]
    after = api.measure(tmp_path / "copy.duckdb", tmp_path / "b",
                        n_bootstrap=50).evolution["type_shares"]
    pd.testing.assert_frame_equal(before, after)
    assert set(after.loc[after["group"] == "github", "validation"]) == {"human labels"}
    api.report(tmp_path / "copy.duckdb", tmp_path / "report")
    markdown = (tmp_path / "report" / "report.md").read_text()
    # a platform's own human labels correct it by its own confusion matrix (ACC), the model
    # card's cross-validation by EMQ on the stored posteriors
    assert f"| human labels (n = {len(github):,}), ACC |" in markdown
    assert "| model card cross-validation (n = 1,500), EMQ |" in markdown
    assert "corrected with" in (tmp_path / "report" / "tables" / "type_shares.tex").read_text()


def test_classify_train_and_evaluate_from_store(world_db: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "study.duckdb"
    db.write_bytes(world_db.read_bytes())
    result = RUNNER.invoke(app, ["classify", "evaluate", "--from-store", "--db", str(db)])
    assert result.exit_code == 2 and "no human labels" in result.output
    threads = _threads(db).dropna(subset=["predicted"]).reset_index(drop=True)
    # humans disagree with the model on every fifth thread
    labels = threads["predicted"].where(threads.index % 5 != 0, "documentation")
    _store_human_labels(db, threads.assign(label=labels))
    evaluation = api.evaluate_classifier(None, from_store=db)
    assert len(evaluation.predictions) == len(threads)
    agreeing = (threads.index % 5 != 0) | (threads["predicted"] == "documentation")
    assert (evaluation.predictions["true"] == evaluation.predictions["predicted"]).mean() == (
        pytest.approx(agreeing.mean()))
    documentation = labels == "documentation"  # relabelled, or named so by the title rule
    assert evaluation.per_class.set_index("class").loc["documentation", "recall"] == (
        pytest.approx((threads["predicted"][documentation] == "documentation").mean()))
    trained: list[pd.DataFrame] = []

    def train(frame: pd.DataFrame, out: Path, **_: object) -> tuple[Path, classify.Evaluation]:
        trained.append(frame)  # fitting itself is tested in test_classify.py
        return Path(out), classify.score(frame["label"], frame["label"], "recorded")

    monkeypatch.setattr(classify, "train", train)
    extra = tmp_path / "extra.csv"
    pd.DataFrame({"repo": ["a/b", "a/b"], "title": ["Crash", "How to"], "body": ["", ""],
                  "label": ["bug", "question"]}).to_csv(extra, index=False)
    for arguments, rows in ((["--from-store"], len(threads)),
                            ([str(extra), "--from-store"], len(threads) + 2)):
        result = RUNNER.invoke(app, ["classify", "train", *arguments, "--db", str(db),
                                     "--output", str(tmp_path / "m.npz")])
        assert result.exit_code == 0, result.output
        assert len(trained[-1]) == rows and "documentation" in set(trained[-1]["label"])
    assert trained[-1]["label"].iloc[1] == "usage"  # the CSV's alias mapped
    assert {"repo", "title", "body"} <= set(trained[0].columns)


@pytest.mark.skipif(not (CORPUS / "issues_labeled_train.csv").exists(),
                    reason="../shared/corpus is absent: the labelled issues are needed")
def test_human_labels_of_real_issues_score_the_shipped_model(tmp_path: Path) -> None:
    """Real GitHub issues stored as threads, their corpus labels imported as two coders'
    agreed labels: the shipped model scores on them as its training set says."""
    corpus = pd.read_csv(CORPUS / "issues_labeled_train.csv", dtype=str,
                         keep_default_na=False).groupby("label").head(40).reset_index(drop=True)
    corpus["number"] = corpus.index + 1
    db = tmp_path / "real.duckdb"
    records = [Thread(platform="github", repo=r.repo, number=int(r.number), kind="issue",
                      title=r.title, body=r.body, author="someone", author_role="unknown")
               for r in corpus.itertuples()]
    api.write_records(records, source="corpus", origin="issues_labeled_train.csv", db=db)
    for coder in ("alice", "bob"):
        corpus.assign(coder=coder, platform="github")[
            ["platform", "repo", "number", "coder", "label"]].to_csv(
            tmp_path / f"{coder}.csv", index=False)
    result = api.import_labels([tmp_path / "alice.csv", tmp_path / "bob.csv"], db=db)
    assert result.agreed == len(corpus) == 120
    assert result.comparison.overall.cohen_kappa == pytest.approx(1.0)
    evaluation = api.evaluate_classifier(None, from_store=db)
    assert set(evaluation.per_class["class"]) == {"bug", "feature", "usage"}  # question→usage
    assert 0.8 < evaluation.macro_f1 <= 1.0  # the shipped model was trained on these issues
