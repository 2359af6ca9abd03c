"""The taxonomy's two types the training data cannot teach: ``other`` by abstention below a
calibrated confidence, ``documentation`` by the title rule; neither when ``--labels``
leaves them out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crossforge.content import classify
from crossforge.content.classify import open_set
from crossforge.errors import ConfigError

# Written in the style of GitHub issues and Hub discussions (not from any corpus).
THREADS = pd.DataFrame({
    "title": ["Crash when loading tokenizer: KeyError 'model_type'",
              "Typo in the README quick start",
              "Docs: the model card does not say which license applies",
              "thanks",
              "Add an option to disable telemetry"],
    "body": ["Traceback (most recent call last):\n  File \"a.py\", line 3\nKeyError: 'x'\n"
             "Steps to reproduce: load it. Expected behavior: it loads.",
             "It says `pip install foo` but the package is called `foo-bar`.",
             "Please state the license in the card.",
             "",
             "Please add a flag so that usage statistics are not sent."],
})


def test_the_threshold_is_where_the_model_stops_being_mostly_wrong() -> None:
    confidence = np.array([0.35, 0.40, 0.45, 0.50, 0.60, 0.70, 0.80, 0.90])
    correct = np.array([False, False, True, False, True, True, True, True])
    # the isotonic accuracy is 0, 0, 1/2, 1/2, 1, 1, 1, 1: at most a half up to 0.50, so the
    # threshold lies halfway to the next prediction, 0.60
    assert open_set.abstention_threshold(correct, confidence) == pytest.approx(0.55)
    early = np.array([False, True, False, True, True, True, True, True])
    assert open_set.abstention_threshold(early, confidence) == pytest.approx(0.475)
    assert open_set.abstention_threshold(np.ones(4, bool), confidence[:4]) == 0.0
    assert open_set.abstention_threshold(np.zeros(3, bool), confidence[:3]) == 1.0


def test_documentation_is_named_by_the_title() -> None:
    assert list(open_set.documentation_titles(THREADS["title"])) == [
        False, True, True, False, False]
    assert not open_set.documentation_titles(["Doctor says hello", "dockerfile broken"]).any()


def test_unsure_threads_are_other_and_doc_titles_documentation() -> None:
    model = classify.load_model()
    model.card_ = {**model.card_, "abstain_below": 0.6}
    result = classify.classify_frame(THREADS, model)
    confidence = result[[f"p_{c}" for c in model.classes_]].max(axis=1).to_numpy()
    assert result["label"].iloc[0] == "bug"
    assert list(result["label"].iloc[1:3]) == ["documentation", "documentation"]
    assert ((result["label"] == "other") == ((confidence < 0.6)
                                              & ~result.index.isin([1, 2]))).all()
    assert (result["label"] == "other").any()  # "thanks" is no bug, feature or question


def test_named_labels_switch_the_rules_off() -> None:
    model = classify.load_model()
    model.card_ = {**model.card_, "abstain_below": 0.99}
    forced = classify.classify_frame(THREADS, model, ["bug", "feature", "usage"])
    assert set(forced["label"]) <= {"bug", "feature", "usage"}
    only_other = classify.classify_frame(THREADS, model, ["bug", "feature", "usage", "other"])
    assert "documentation" not in set(only_other["label"])
    assert (only_other["label"] == "other").all()
    with pytest.raises(ConfigError, match="name at least one of the types the model predicts"):
        classify.classify_frame(THREADS, model, ["other"])


def test_a_model_without_a_threshold_never_abstains() -> None:
    model = classify.load_model()
    model.card_ = {k: v for k, v in model.card_.items() if k != "abstain_below"}
    result = classify.classify_frame(THREADS, model)
    assert "other" not in set(result["label"])
    with pytest.raises(ConfigError, match="does not know other"):
        classify.classify_frame(THREADS, model, ["bug", "other"])


def test_the_shipped_model_carries_its_calibrated_threshold_and_five_class_card() -> None:
    card = classify.load_model().card_
    assert 0.34 < card["abstain_below"] < 0.9
    assert set(card["cv_predicted"]) == {"bug", "feature", "usage", "other", "documentation"}
    assert len(card["cv_repo"]) == card["trained_on"] == 1500
    assert card["open_set"]["accuracy_of_other"] <= 0.5 < card["open_set"]["accuracy_kept"]
