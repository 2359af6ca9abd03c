"""Type shares: the scope of threads, the correction for classifier error, cluster
bootstrap intervals and the flags on corrections their confusion matrix cannot support."""

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from crossforge import api
from crossforge.cli import app
from crossforge.content.classify.stored import ThreadScope
from crossforge.content.shares import (
    MAX_CONDITION,
    TypeShares,
    adjusted_shares,
    confusion,
    stored_type_shares,
)
from crossforge.errors import ConfigError
from crossforge.records import Account, Provenance, Thread
from crossforge.store import Store

CLASSES = ["bug", "usage", "feature"]
TRUTH = np.array([0.5, 0.3, 0.2])
# P(predicted i | true j): this classifier over-predicts usage for bugs and under-reports bugs.
CONFUSION = np.array([[0.75, 0.2, 0.1], [0.2, 0.7, 0.1], [0.05, 0.1, 0.8]])


def _draw(rng, n):
    true = rng.choice(3, n, p=TRUTH)
    cumulative = CONFUSION.cumsum(axis=0)[:, true]
    predicted = (rng.random(n) > cumulative).sum(axis=0)
    names = np.array(CLASSES)
    return names[true], names[predicted]


def test_adjustment_recovers_shares_from_an_exact_confusion_matrix():
    observed = CONFUSION @ TRUTH
    assert adjusted_shares(observed, CONFUSION) == pytest.approx(TRUTH, abs=1e-6)


def test_confusion_matrix_columns_are_conditional_on_the_true_class():
    matrix = confusion(["bug", "bug", "usage"], ["bug", "usage", "usage"], CLASSES)
    assert matrix[:, 0] == pytest.approx([0.5, 0.5, 0.0])
    assert matrix[:, 2] == pytest.approx([0, 0, 1])  # no 'feature' in the sample: identity


def test_corrected_shares_are_less_biased_and_intervals_cover():
    rng = np.random.default_rng(11)
    raw_error = adjusted_error = 0.0
    covered = np.zeros(3)
    reps = 40
    for rep in range(reps):
        _, predicted = _draw(rng, 3000)
        true, validation_predicted = _draw(rng, 400)
        result = TypeShares(classes=CLASSES, n_bootstrap=200, seed=rep).compute(
            pd.DataFrame({"platform": "huggingface", "label": predicted}),
            pd.DataFrame({"true": true, "predicted": validation_predicted}))
        raw_error += np.abs(result.raw_share.to_numpy() - TRUTH).sum()
        adjusted_error += np.abs(result.adjusted_share.to_numpy() - TRUTH).sum()
        covered += (result.ci_low.to_numpy() <= TRUTH) & (result.ci_high.to_numpy() >= TRUTH)
    assert adjusted_error < raw_error
    assert (covered / reps >= 0.8).all()


def test_validation_sample_must_have_true_and_predicted():
    with pytest.raises(ConfigError, match="lacks columns: predicted"):
        TypeShares().compute(pd.DataFrame({"platform": ["github"], "label": ["bug"]}),
                             pd.DataFrame({"true": ["bug"]}))


def _scope_store(path: Path) -> Path:
    """A store holding the thread kinds type shares must tell apart: issues and discussions
    by people, pull requests, and bot threads (the Hub's librarian-bot and SFconvertbot
    pull requests, a discussion by an account stored as a bot), and an issue whose author
    deleted their account (GitHub's ``ghost``, stored with no author): a person's."""
    hub = "meta-llama/Llama-2-7b-hf"
    threads = [
        Thread("github", "psf/requests", 1, "issue", "Crash when posting a file",
               "Traceback ...", "alice", "external"),
        Thread("github", "psf/requests", 2, "issue", "How do I set a timeout?", "", "bob",
               "external"),
        Thread("github", "psf/requests", 3, "pull_request", "Fix the crash", "", "carol",
               "member"),
        Thread("github", "psf/requests", 4, "pull_request", "Bump urllib3", "",
               "dependabot[bot]", "external"),
        Thread("github", "psf/requests", 5, "issue", "Upload fails with a 413", "", None,
               "unknown"),
        Thread("huggingface", hub, 1, "discussion", "Please release a GGUF version", "",
               "dave", "external"),
        Thread("huggingface", hub, 2, "pull_request", "Adding `safetensors` variant", "",
               "SFconvertbot", "external"),
        Thread("huggingface", hub, 3, "pull_request", "Librarian Bot: Add base_model", "",
               "librarian-bot", "external"),
        Thread("huggingface", hub, 4, "discussion", "Update the model card metadata", "",
               "model-card-updater", "external"),
    ]
    accounts = [Account("huggingface", "model-card-updater", "bot")]
    with Store(path) as store:
        store.write(Provenance("test", "hand-made", datetime.now(UTC), "0"), threads + accounts)
    return path


def test_type_shares_are_of_issues_and_discussions_by_people_unless_widened(
        tmp_path: Path) -> None:
    db = _scope_store(tmp_path / "scope.duckdb")
    assert sum(api.classify_store(db).values()) == 4  # three GitHub issues, one Hub discussion
    with Store(db, read_only=True) as store:
        shares = stored_type_shares(store, n_bootstrap=20, seed=0)
    counts = shares.groupby("group")["n"].first().to_dict()
    assert counts == {"github": 3, "huggingface": 1}
    first = shares.iloc[0]
    assert (first.excluded_pull_requests, first.excluded_bot_threads) == (4, 1)
    assert first.scope == "issues and discussions (pull requests excluded); " \
                          "bot-authored threads excluded"

    assert sum(api.classify_store(db, include=["pull_requests", "bots"]).values()) == 9
    with Store(db, read_only=True) as store:
        wide = stored_type_shares(store, n_bootstrap=20, seed=0,
                                  scope=ThreadScope.including(["pull_requests", "bots"]))
    assert wide.groupby("group")["n"].first().to_dict() == {"github": 5, "huggingface": 4}
    assert (wide["excluded_pull_requests"] == 0).all()
    # labels written for the wider scope do not leak into the default shares
    with Store(db, read_only=True) as store:
        again = stored_type_shares(store, n_bootstrap=20, seed=0)
    assert again.groupby("group")["n"].first().to_dict() == {"github": 3, "huggingface": 1}


def test_the_cli_says_what_it_labelled_and_an_unknown_inclusion_is_one_line(tmp_path: Path) -> None:
    db = _scope_store(tmp_path / "scope.duckdb")
    with pytest.raises(ConfigError, match="cannot include forks in type shares"):
        api.classify_store(db, include=["forks"])
    said = CliRunner().invoke(app, ["classify", "--db", str(db)])
    assert said.exit_code == 0
    assert ("labelled issues and discussions (pull requests excluded); bot-authored threads "
            "excluded in the store: ") in " ".join(said.output.split())
    result = CliRunner().invoke(app, ["classify", "--db", str(db), "--include", "forks"])
    assert result.exit_code != 0 and "cannot include forks" in result.output
    assert "Traceback" not in result.output


def _clustered(rng: np.random.Generator, repositories: int, per_repository: int,
               spread: float) -> pd.DataFrame:
    """Predicted labels of threads whose type mix varies between repositories (a Dirichlet
    draw around ``TRUTH`` per repository, more varied the smaller ``spread``)."""
    rows = []
    for r in range(repositories):
        mix = rng.dirichlet(TRUTH * spread)
        true = rng.choice(3, per_repository, p=mix)
        cumulative = CONFUSION.cumsum(axis=0)[:, true]
        predicted = (rng.random(per_repository) > cumulative).sum(axis=0)
        rows += [{"platform": "github", "repo": f"r{r}", "label": CLASSES[p]}
                 for p in predicted]
    return pd.DataFrame(rows)


def test_the_bootstrap_resamples_repositories_not_threads() -> None:
    rng = np.random.default_rng(5)
    true, predicted = _draw(rng, 2000)
    validation = pd.DataFrame({"true": true, "predicted": predicted})
    threads = _clustered(rng, repositories=30, per_repository=100, spread=3.0)
    clustered = TypeShares(classes=CLASSES, n_bootstrap=200, seed=0).compute(
        threads, validation)
    independent = TypeShares(classes=CLASSES, n_bootstrap=200, seed=0).compute(
        threads.drop(columns="repo"), validation)
    width = (clustered.raw_ci_high - clustered.raw_ci_low).to_numpy()
    naive = (independent.raw_ci_high - independent.raw_ci_low).to_numpy()
    assert (width > 2 * naive).all()  # 30 varied repositories carry less than 3,000 threads
    assert (clustered["clusters"] == 30).all() and (independent["clusters"] == 3000).all()


def test_cluster_intervals_cover_the_mean_share_across_repositories() -> None:
    rng = np.random.default_rng(8)
    covered, reps = np.zeros(3), 20
    for rep in range(reps):
        true, predicted = _draw(rng, 1500)
        threads = _clustered(rng, repositories=25, per_repository=60, spread=4.0)
        result = TypeShares(classes=CLASSES, n_bootstrap=100, seed=rep).compute(
            threads, pd.DataFrame({"true": true, "predicted": predicted}))
        covered += (result.ci_low.to_numpy() <= TRUTH) & (result.ci_high.to_numpy() >= TRUTH)
    assert (covered / reps >= 0.8).all()


def test_a_correction_its_confusion_matrix_cannot_support_is_flagged() -> None:
    rng = np.random.default_rng(2)
    true, predicted = _draw(rng, 600)
    validation = pd.DataFrame({"true": true, "predicted": predicted})
    sound = _clustered(rng, repositories=20, per_repository=80, spread=50.0)
    result = TypeShares(classes=CLASSES, n_bootstrap=100, seed=0).compute(sound, validation)
    assert (result["flag"] == "").all()
    # raw shares no mixture can produce: 2% usage predicted although a third of bugs are
    # taken for usage questions (as the demo's 20% usage corrected to 0 was)
    odd = pd.DataFrame({"platform": "github", "repo": [f"r{i % 20}" for i in range(1000)],
                        "label": ["bug"] * 700 + ["usage"] * 20 + ["feature"] * 280})
    skewed = np.array([[0.6, 0.1, 0.1], [0.35, 0.8, 0.1], [0.05, 0.1, 0.8]])
    true, predicted = _draw_with(rng, skewed, 600)
    flagged = TypeShares(classes=CLASSES, n_bootstrap=100, seed=0).compute(
        odd, pd.DataFrame({"true": true, "predicted": predicted}))
    usage = flagged[flagged["class"] == "usage"].iloc[0]
    assert usage.adjusted_share == 0.0
    assert "pushed the share to 0" in usage.flag
    assert "no mixture of types" in usage.flag
    few = TypeShares(classes=CLASSES, n_bootstrap=50, seed=0).compute(
        sound, validation.head(30))
    assert few["flag"].str.contains("only 30 labelled threads").all()


def test_a_near_singular_confusion_matrix_is_flagged() -> None:
    rng = np.random.default_rng(4)
    blurred = np.array([[0.4, 0.35, 0.3], [0.35, 0.4, 0.3], [0.25, 0.25, 0.4]])
    true, predicted = _draw_with(rng, blurred, 3000)
    threads = _clustered(rng, repositories=20, per_repository=50, spread=50.0)
    result = TypeShares(classes=CLASSES, n_bootstrap=50, seed=0).compute(
        threads, pd.DataFrame({"true": true, "predicted": predicted}))
    assert result["condition_number"].iloc[0] > MAX_CONDITION
    assert result["flag"].str.contains("near-singular confusion matrix").all()


def _draw_with(rng: np.random.Generator, matrix: np.ndarray,
               n: int) -> tuple[np.ndarray, np.ndarray]:
    true = rng.choice(3, n, p=TRUTH)
    predicted = (rng.random(n) > matrix.cumsum(axis=0)[:, true]).sum(axis=0)
    names = np.array(CLASSES)
    return names[true], names[predicted]


def test_stored_shares_use_emq_on_stored_posteriors_and_fall_back_without_them(
        tmp_path: Path) -> None:
    import json

    db = _scope_store(tmp_path / "scope.duckdb")
    api.classify_store(db)
    with Store(db, read_only=True) as store:
        stored = store.frame("SELECT label, probabilities FROM thread_labels")
        shares = stored_type_shares(store, n_bootstrap=20, seed=0)
    posteriors = [json.loads(text) for text in stored["probabilities"]]
    assert all(set(p) == {"bug", "feature", "usage"}
               and sum(p.values()) == pytest.approx(1, abs=1e-5) for p in posteriors)
    assert (shares["method"] == "emq").all()  # corrected by the model card's cross-validation
    assert shares.groupby("group")["adjusted_share"].sum().to_numpy() == pytest.approx(1)
    with Store(db) as store:  # labels stored before posteriors were
        store.query("UPDATE thread_labels SET probabilities = NULL")
    with Store(db, read_only=True) as store:
        old = stored_type_shares(store, n_bootstrap=20, seed=0)
    assert (old["method"] == "acc").all()


def test_an_em_share_driven_next_to_the_boundary_is_flagged() -> None:
    rng = np.random.default_rng(6)
    names = np.array(CLASSES)
    true = rng.choice(3, 900, p=TRUTH)
    validation = pd.DataFrame({"true": names[true], "predicted": names[true]})
    # confident posteriors on the truth in the labelled sample; on the target the classifier
    # says bug for 30% of threads but only at 0.4, so EM moves bug towards nothing
    for i, name in enumerate(CLASSES):
        validation[f"p_{name}"] = np.where(true == i, 0.9, 0.05)
    threads = pd.DataFrame({"platform": "huggingface",
                            "repo": [f"m{i % 30}" for i in range(900)],
                            "label": ["bug"] * 270 + ["usage"] * 630,
                            "p_bug": [0.4] * 270 + [0.0] * 630,
                            "p_usage": [0.35] * 270 + [1.0] * 630,
                            "p_feature": [0.25] * 270 + [0.0] * 630})
    result = TypeShares(classes=CLASSES, n_bootstrap=30, seed=0).compute(threads, validation)
    bug = result[result["class"] == "bug"].iloc[0]
    assert bug.method == "emq" and 0 < bug.adjusted_share <= 0.005
    assert "pushed the share to 0" in bug.flag


def test_type_shares_do_not_depend_on_the_order_labels_are_stored_in(tmp_path: Path) -> None:
    texts = ["Crash when posting a file", "How do I set a timeout?", "Add a retry option",
             "Segfault on import", "Which version supports Python 3.12?", "Docs typo"]
    threads = [Thread("github", f"team/project{r}", n, "issue", texts[(r + n) % len(texts)], "",
                      f"user{r}{n}", "external") for r in range(8) for n in range(1, 4)]
    db = tmp_path / "order.duckdb"
    with Store(db) as store:
        store.write(Provenance("test", "hand-made", datetime.now(UTC), "0"), threads)
    api.classify_store(db)
    with Store(db, read_only=True) as store:
        stored_order = stored_type_shares(store, n_bootstrap=50, seed=0)
    with Store(db) as store:    # the same labels, stored in the opposite order
        store.query("CREATE TEMP TABLE held AS SELECT * FROM thread_labels")
        store.query("DELETE FROM thread_labels")
        store.query("INSERT INTO thread_labels SELECT * FROM held ORDER BY repo DESC, "
                    "number DESC")
    with Store(db, read_only=True) as store:
        reversed_order = stored_type_shares(store, n_bootstrap=50, seed=0)
    assert stored_order["n"].iloc[0] == 24
    pd.testing.assert_frame_equal(stored_order, reversed_order)
