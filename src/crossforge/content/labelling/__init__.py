"""Human labelling of thread types: a stratified sample, coder files, agreement, consensus.

The workflow (``docs/content.md``, *Labelling workflow*):

1. ``draw_sample`` draws threads from the store, stratified by platform, thread kind and the
   classifier's predicted type, proportionally with a minimum per stratum so that rare types
   appear. Every row carries its design ``weight`` (stratum population / stratum draw), since
   the minimum makes the sample not self-weighting.
2. ``write_sample`` writes the sample file and one file per coder (``SAMPLE.CODER.csv``) with
   an empty ``label`` column. Coder files leave out the prediction so coders are not anchored
   on it. Coders fill ``label`` in a spreadsheet or in the local page of
   ``crossforge.content.labelling.server``.
3. ``read_coder_file`` and ``compare`` give agreement (overall and per class) and the
   disagreements; ``consensus`` keeps the threads on which every coder who labelled them
   agrees, to be stored as human labels.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crossforge.allocation import largest_remainder
from crossforge.content.agreement import Agreement, agreement, disagreements
from crossforge.content.classify import LABEL_ALIASES, TAXONOMY, read_threads
from crossforge.errors import ConfigError, writing_into
from crossforge.spreadsheet import restore, write_csv

STRATA = ("platform", "kind", "label")
KEY = ["platform", "repo", "number"]
SAMPLE_COLUMNS = ["id", *KEY, "kind", "title", "body", "predicted", "stratum", "weight"]
CODER_COLUMNS = ["id", *KEY, "kind", "title", "body", "weight", "coder", "label"]
#: A label a coder gives when the thread cannot be typed; it counts as not labelled.
SKIP = "skip"
#: Matched whole (``fullmatch``): ``$`` would also accept a trailing newline.
_CODER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def thread_id(platform: str, repo: str, number: int | str) -> str:
    """A thread's stable id in sample files: ``platform:owner/name#number``."""
    return f"{platform}:{repo}#{int(number)}"


def draw_sample(threads: pd.DataFrame, *, size: int, seed: int = 0,
                strata: Sequence[str] = STRATA, minimum: int = 5) -> pd.DataFrame:
    """A reproducible stratified sample of ``threads`` (``platform, repo, number, kind, title,
    body, predicted``; ``predicted`` is empty for unclassified threads).

    Each stratum first gets ``min(minimum, its size)`` threads, the rest of ``size`` is
    allocated in proportion to what the strata have left (largest remainder). Each stratum is
    drawn with its own seeded generator; the rows are then shuffled so coders do not meet
    the strata in blocks.

    Raises:
        ConfigError: an unknown stratum, a negative size, or minimums above ``size``.
    """
    unknown = sorted(set(strata) - set(STRATA))
    if unknown:
        raise ConfigError(f"--strata {', '.join(unknown)}: choose from {', '.join(STRATA)}")
    if size < 1 or minimum < 0:
        raise ConfigError("--size must be at least 1 and --min-per-stratum at least 0")
    if threads.empty:
        raise ConfigError("the store holds no threads to sample")
    rows = threads.sort_values(KEY, ignore_index=True)
    rows["predicted"] = rows["predicted"].fillna("").astype(str)
    columns = {"label": "predicted"}
    rows["stratum"] = (rows.apply(lambda r: "|".join(
        f"{name}={r[columns.get(name, name)] or 'unclassified'}" for name in strata), axis=1)
        if strata else "all")
    sizes = rows.groupby("stratum").size().to_dict()
    total = min(size, len(rows))
    floor = {k: min(minimum, n) for k, n in sizes.items()}
    if sum(floor.values()) > total:
        raise ConfigError(f"--size {size} is below the minimum of {minimum} threads in each "
                          f"of {len(sizes)} strata; raise --size or lower --min-per-stratum")
    rng = random.Random(seed)
    extra = largest_remainder({k: n - floor[k] for k, n in sizes.items()},
                              total - sum(floor.values()), rng)
    chosen = []
    for key in sorted(sizes):
        members = rows.index[rows["stratum"] == key].tolist()
        n = floor[key] + extra[key]
        picked = random.Random(f"{seed}:{key}").sample(members, n)
        chosen.append(rows.loc[picked].assign(weight=sizes[key] / n))
    sample = pd.concat(chosen).sample(frac=1, random_state=seed).reset_index(drop=True)
    sample["id"] = [thread_id(*k) for k in sample[KEY].itertuples(index=False)]
    return sample[SAMPLE_COLUMNS]


def coder_names(coders: str | int | Sequence[str]) -> list[str]:
    """Coder names from a count (``2`` → ``coder1, coder2``) or a comma-separated list."""
    if isinstance(coders, int) or (isinstance(coders, str) and coders.strip().isdigit()):
        return [f"coder{i}" for i in range(1, int(coders) + 1)]
    names = ([c.strip() for c in coders.split(",") if c.strip()] if isinstance(coders, str)
             else list(coders))
    for name in names:
        check_coder(name)
    if len(set(names)) != len(names):
        raise ConfigError("--coders names a coder twice")
    return names


def check_coder(name: str) -> str:
    """A coder name becomes part of a file name: letters, digits, ``-`` and ``_`` only."""
    if not _CODER_NAME.fullmatch(name):
        raise ConfigError(f"coder name {name!r}: use letters, digits, '-' and '_' only")
    return name


def coder_path(sample: str | Path, coder: str) -> Path:
    """``SAMPLE.csv`` → ``SAMPLE.CODER.csv`` beside it."""
    sample = Path(sample)
    return sample.with_name(f"{sample.stem}.{check_coder(coder)}{sample.suffix or '.csv'}")


def coder_frame(sample: pd.DataFrame, coder: str) -> pd.DataFrame:
    """A coder's blank copy of a sample: no prediction, an empty ``label``."""
    return sample.assign(coder=check_coder(coder), label="")[CODER_COLUMNS]


def write_csv_atomically(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to a temporary file beside ``path``, then rename it over ``path``:
    a crash leaves either the old file or the new one, never half of one. Text a
    spreadsheet would run as a formula is quoted (``crossforge.spreadsheet``); ``read_csv``
    removes the quote again."""
    path = Path(path)
    with writing_into(path.parent, target=path):
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
                write_csv(frame, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return path


def write_sample(sample: pd.DataFrame, out: str | Path, coders: Sequence[str]) -> list[Path]:
    """Write the sample and one blank file per coder (existing coder files are kept: they
    may hold labels). Returns the paths written."""
    out = Path(out)
    written = [write_csv_atomically(sample, out)]
    for coder in coders:
        path = coder_path(out, coder)
        if path.exists():
            raise ConfigError(f"{path} exists and may hold labels; move it or choose "
                              "another --out")
        written.append(write_csv_atomically(coder_frame(sample, coder), path))
    return written


def read_csv(path: str | Path, required: Sequence[str]) -> pd.DataFrame:
    """A labelling file crossforge wrote (sample, coder or disagreements file), read as text
    with its required columns checked (one-line errors) and the spreadsheet quotes of
    ``write_csv_atomically`` removed, so every text is what the store holds."""
    frame = restore(read_threads(path))
    missing = [c for c in required if c not in frame]
    if missing:
        raise ConfigError(f"{path} lacks columns: {', '.join(missing)}")
    try:
        frame["number"] = frame["number"].astype(int)
    except ValueError:
        raise ConfigError(f"{path}: column number must hold whole numbers") from None
    return frame


def normalise_labels(labels: pd.Series, classes: Sequence[str], path: str | Path) -> pd.Series:
    """Lower-case labels with aliases mapped (``question`` → ``usage``); an empty label or
    ``skip`` becomes empty. A label outside ``classes`` is an error naming its row."""
    values = labels.str.strip().str.lower().replace(LABEL_ALIASES).replace(SKIP, "")
    bad = values[(values != "") & ~values.isin(list(classes))]
    if len(bad):
        raise ConfigError(f"{path} row {int(bad.index[0]) + 2}: label {bad.iloc[0]!r} is not "
                          f"in the taxonomy ({', '.join(classes)})")
    return values


def read_coder_file(path: str | Path, classes: Sequence[str] = TAXONOMY) -> pd.DataFrame:
    """One coder's labels: ``platform, repo, number, coder, label, weight`` (labelled rows).

    The coder is the ``coder`` column, or the file name's last part (``SAMPLE.alice.csv`` →
    ``alice``) when the column is absent.
    """
    frame = read_csv(path, [*KEY, "label"])
    if "coder" not in frame:
        frame["coder"] = Path(path).stem.rsplit(".", 1)[-1]
    if frame["coder"].nunique() > 1:
        raise ConfigError(f"{path} holds several coders; give one file per coder")
    if frame.duplicated(KEY).any():
        raise ConfigError(f"{path} lists a thread twice")
    frame["label"] = normalise_labels(frame["label"], classes, path)
    frame["weight"] = pd.to_numeric(frame.get("weight", 1.0), errors="coerce")
    frame["weight"] = frame["weight"].fillna(1.0)
    return frame.loc[frame["label"] != "", [*KEY, "coder", "label", "weight"]]


def read_coders(paths: Sequence[str | Path], classes: Sequence[str] = TAXONOMY
                ) -> pd.DataFrame:
    """Two or more coders' files as one frame (``read_coder_file`` rows).

    Raises:
        ConfigError: fewer than two files, a file without labels, or one coder twice.
    """
    if len(paths) < 2:
        raise ConfigError("agreement needs at least two coder files (one per coder)")
    frames = []
    for path in paths:
        frame = read_coder_file(path, classes)
        if frame.empty:
            raise ConfigError(f"{path} holds no labels yet")
        frames.append(frame)
    names = [f["coder"].iloc[0] for f in frames]
    if len(set(names)) < len(names):
        raise ConfigError(f"two files are from the same coder ({', '.join(names)}); "
                          "each coder's labels belong in one file")
    return pd.concat(frames, ignore_index=True)


def read_resolved(path: str | Path, classes: Sequence[str] = TAXONOMY) -> pd.DataFrame:
    """Resolved labels (``platform, repo, number, label``); rows left empty are dropped."""
    frame = read_csv(path, [*KEY, "label"])
    frame["label"] = normalise_labels(frame["label"], classes, path)
    return frame.loc[frame["label"] != "", [*KEY, "label"]]


def resolution_sheet(differing: pd.DataFrame, text: pd.DataFrame) -> pd.DataFrame:
    """The disagreements with their threads' text (``platform, repo, number, kind, title,
    body``) and an empty ``label`` column for whoever resolves them."""
    rows = differing.merge(text, on=KEY, how="left")
    front = [*KEY, "kind", "title", "body"]
    return rows[front + [c for c in rows if c not in front]].assign(label="")


@dataclass(frozen=True, slots=True)
class Comparison:
    """How several coders' labels of the same threads compare.

    Attributes:
        overall: agreement over every class (Cohen's kappa is the mean over coder pairs,
            which for two coders is their kappa; Krippendorff's alpha is nominal).
        per_class: per class: ``labels`` given with it, ``specific_agreement`` (agreeing
            pairs on the class over all pairs where one coder chose it), and kappa and alpha
            of the yes/no decision "is it this class".
        disagreements: one row per thread whose coders differ, one column per coder.
    """

    overall: Agreement
    per_class: pd.DataFrame
    disagreements: pd.DataFrame


def compare(labels: pd.DataFrame, classes: Sequence[str] = TAXONOMY) -> Comparison:
    """Agreement of ``labels`` (one row per thread and coder, from ``read_coder_file``)."""
    coded = labels.assign(unit=[thread_id(*k) for k in labels[KEY].itertuples(index=False)])
    overall = agreement(coded)
    wide = coded.pivot(index="unit", columns="coder", values="label")
    wide = wide[wide.notna().sum(axis=1) >= 2]
    shared = coded[coded["unit"].isin(wide.index)]
    rows = []
    for cls in classes:
        agreeing = chosen = 0
        for _, row in wide.iterrows():
            values = row.dropna().tolist()
            pairs = [(a, b) for i, a in enumerate(values) for b in values[i + 1:]]
            agreeing += 2 * sum(a == b == cls for a, b in pairs)
            chosen += sum((a == cls) + (b == cls) for a, b in pairs)
        binary = agreement(shared.assign(label=shared["label"] == cls)) if len(shared) else None
        rows.append({"class": cls, "labels": int((shared["label"] == cls).sum()),
                     "specific_agreement": agreeing / chosen if chosen else None,
                     "cohen_kappa": binary.cohen_kappa if binary else None,
                     "krippendorff_alpha": binary.krippendorff_alpha if binary else None})
    differing = disagreements(coded).rename(columns=lambda c: c if c == "unit" else f"label_{c}")
    keys = coded[["unit", *KEY]].drop_duplicates("unit")
    differing = keys.merge(differing, on="unit").drop(columns="unit")
    return Comparison(overall, pd.DataFrame(rows), differing)


def consensus(labels: pd.DataFrame) -> pd.DataFrame:
    """Threads labelled by at least two coders who all agree: ``platform, repo, number,
    label, coders, weight``."""
    grouped = labels.groupby(KEY).agg(label=("label", "unique"), n=("coder", "size"),
                                      coders=("coder", lambda c: ",".join(sorted(c))),
                                      weight=("weight", "first")).reset_index()
    agreed = grouped[(grouped["n"] >= 2) & (grouped["label"].map(len) == 1)].copy()
    agreed["label"] = agreed["label"].map(lambda v: v[0])
    return agreed[[*KEY, "label", "coders", "weight"]].reset_index(drop=True)


def human_labels(coded: pd.DataFrame, resolved: pd.DataFrame) -> pd.DataFrame:
    """The rows to store: the coders' consensus (``agreed``), overridden by ``resolved``
    labels; columns ``platform, repo, number, label, coders, weight, resolution``."""
    agreed = consensus(coded).assign(resolution="agreed")
    coders = coded.groupby(KEY).agg(coders=("coder", lambda c: ",".join(sorted(c))),
                                    weight=("weight", "first")).reset_index()
    fixed = resolved.merge(coders, on=KEY, how="left").fillna(
        {"coders": "", "weight": 1.0}).assign(resolution="resolved")
    return pd.concat([agreed, fixed], ignore_index=True).drop_duplicates(KEY, keep="last")


@dataclass(frozen=True, slots=True)
class LabelImport:
    """What ``crossforge label import`` found and stored.

    Attributes:
        comparison: agreement overall and per class, and the disagreements.
        agreed: threads stored with the label all their coders gave.
        resolved: threads stored with a label from the resolution file.
        disagreements_path: where the disagreements were written (``None``: not rewritten,
            because it is the resolution file being imported).
    """

    comparison: Comparison
    agreed: int
    resolved: int
    disagreements_path: Path | None
