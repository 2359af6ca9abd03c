"""The labelling workflow's reads of the store: threads to sample, threads coders labelled,
the human labels kept, and the text of threads the coders disagree on."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crossforge.content import labelling
from crossforge.errors import ConfigError
from crossforge.store import Store

HUMAN_LABELS_SQL = """
SELECT h.platform, h.repo, h.number, t.kind, coalesce(t.title, '') AS title,
       coalesce(t.body, '') AS body, h.label, h.resolution, h.weight
FROM human_labels h JOIN threads t USING (platform, repo, number)
ORDER BY h.platform, h.repo, h.number
"""


def read_human_labels(store: Store) -> pd.DataFrame:
    """The store's human type labels with their threads' text (``platform, repo, number,
    kind, title, body, label, resolution, weight``); empty when none were imported."""
    return store.frame(HUMAN_LABELS_SQL)


def sample_threads(store: Store) -> pd.DataFrame:
    """Every thread as ``draw_sample`` takes it, with the classifier's label as
    ``predicted`` (empty when the threads were not classified)."""
    return store.frame(
        "SELECT t.platform, t.repo, t.number, t.kind, coalesce(t.title, '') AS title, "
        "coalesce(t.body, '') AS body, l.label AS predicted FROM threads t "
        "LEFT JOIN thread_labels l USING (platform, repo, number)")


def check_threads(store: Store, keys: pd.DataFrame) -> None:
    """Raise ``ConfigError`` unless every labelled thread (``platform, repo, number``) is in
    the store: labels from another store's sample would be stored against nothing."""
    known = store.frame("SELECT platform, repo, number FROM threads WHERE repo IN "
                        "(SELECT unnest(?))", [sorted(set(keys["repo"]))])
    missing = keys.merge(known, on=labelling.KEY, how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"]
    if len(missing):
        first = missing.iloc[0]
        raise ConfigError(f"{len(missing):,} labelled threads are not in {store.path}, e.g. "
                          f"{labelling.thread_id(first.platform, first.repo, first.number)}; "
                          "was the sample drawn from another store?")


def write_disagreements(store: Store, differing: pd.DataFrame, target: Path) -> None:
    """The disagreements with their text and an empty ``label`` column for the resolution;
    a file already holding resolutions is never overwritten."""
    if target.exists():
        held = pd.read_csv(target, dtype=str, keep_default_na=False)
        if "label" in held and (held["label"].str.strip() != "").any():
            raise ConfigError(f"{target} holds resolved labels: import it with --resolved, "
                              "or choose another --disagreements path")
    text = store.frame("SELECT platform, repo, number, kind, title, body FROM threads "
                       "WHERE repo IN (SELECT unnest(?))", [sorted(set(differing["repo"]))])
    labelling.write_csv_atomically(labelling.resolution_sheet(differing, text), target)
