"""Interview coding: a codebook, coded segments from several coders, agreement and themes.

Inputs:

- a **codebook** (YAML)::

      themes:
        - name: Collaboration barriers
          codes:
            - id: compute-cost
              description: Training or fine-tuning is too expensive to contribute back.
              example: I cannot retrain a 7B model on my laptop.

  ``example`` is optional. ``crossforge interviews guide`` writes a starter codebook
  (``interview_templates/codebook.yaml``) and an interview guide beside it.

- **coded segments** (CSV) with columns ``interview, segment, coder, code``: one row per
  code a coder applied to a segment (several rows for several codes; a segment a coder
  read but coded with nothing gets ``code`` empty).

Outputs: agreement per code (is the code present in a segment, per coder: percent,
Cohen's kappa, Krippendorff's alpha) and theme frequencies counted on the *consensus*
coding — a code counts for a segment when at least half of the coders who coded that
segment applied it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from shutil import copyfile

import pandas as pd
import yaml

from crossforge.content.agreement import agreement
from crossforge.errors import ConfigError

SEGMENT_COLUMNS = ("interview", "segment", "coder", "code")
TEMPLATES = Path(__file__).parent / "interview_templates"
GUIDE_FILES = {"guide": "interview_guide.md", "codebook": "codebook.yaml"}


@dataclass(frozen=True, slots=True)
class Code:
    """One code of the codebook and the theme it belongs to."""

    id: str
    theme: str
    description: str = ""
    example: str = ""


def read_codebook(path: str | Path) -> list[Code]:
    """Parse a codebook YAML file; codes must be unique."""
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        codes = [Code(str(code["id"]), str(theme["name"]), str(code.get("description", "")),
                      str(code.get("example", "")))
                 for theme in document["themes"] for code in theme["codes"]]
    except FileNotFoundError:
        raise ConfigError(f"codebook {path} does not exist") from None
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        raise ConfigError(f"codebook {path} is malformed: {type(exc).__name__} {exc}") from None
    ids = [c.id for c in codes]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"codebook {path} defines a code twice")
    return codes


def read_segments(path: str | Path, codes: list[Code]) -> pd.DataFrame:
    """Read coded segments and check every code is in the codebook."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise ConfigError(f"segments file {path} does not exist") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ConfigError(f"segments file {path} is not a readable CSV: {exc}") from None
    missing = [c for c in SEGMENT_COLUMNS if c not in frame]
    if missing:
        raise ConfigError(f"segments file {path} lacks columns: {', '.join(missing)}")
    unknown = sorted(set(frame["code"]) - {c.id for c in codes} - {""})
    if unknown:
        raise ConfigError(f"segments use codes not in the codebook: {', '.join(unknown)}")
    return frame


def code_agreement(segments: pd.DataFrame, codes: list[Code]) -> pd.DataFrame:
    """Per code: agreement on its presence across segments and coders."""
    segments = segments.assign(unit=segments["interview"] + "\x1f" + segments["segment"])
    coded = segments[["unit", "coder"]].drop_duplicates()
    rows = []
    for code in codes:
        applied = set(map(tuple, segments.loc[segments["code"] == code.id,
                                             ["unit", "coder"]].to_numpy()))
        labels = coded.assign(label=[(u, c) in applied for u, c in coded.to_numpy()])
        result = agreement(labels)
        rows.append({"code": code.id, "theme": code.theme, "applications": len(applied),
                     **asdict(result)})
    return pd.DataFrame(rows)


def theme_frequencies(segments: pd.DataFrame, codes: list[Code]) -> pd.DataFrame:
    """Per theme and code: consensus segments and interviews where it appears."""
    coders_per_segment = segments.groupby(["interview", "segment"])["coder"].nunique()
    applied = (segments[segments["code"] != ""]
               .groupby(["interview", "segment", "code"])["coder"].nunique())
    share = applied / coders_per_segment.reindex(applied.index.droplevel("code")).to_numpy()
    consensus = share[share >= 0.5].reset_index()[["interview", "segment", "code"]]
    theme_of = {c.id: c.theme for c in codes}
    consensus["theme"] = consensus["code"].map(theme_of)
    total_segments = len(coders_per_segment)
    rows = []
    for level in ("theme", "code"):
        for name, group in consensus.groupby(level):
            rows.append({"level": level, "name": name, "theme": theme_of.get(name, name),
                         "segments": len(group[["interview", "segment"]].drop_duplicates()),
                         "interviews": group["interview"].nunique()})
    frame = pd.DataFrame(rows, columns=["level", "name", "theme", "segments", "interviews"])
    frame["segment_share"] = frame["segments"] / total_segments if total_segments else None
    return frame.sort_values(["level", "segments"], ascending=[False, False],
                             ignore_index=True)


def write_guide(out: Path) -> dict[str, Path]:
    """Copy the interview guide and the starter codebook into ``out``, never overwriting:
    a researcher's edited guide must not be lost to a second run."""
    paths = {name: out / filename for name, filename in GUIDE_FILES.items()}
    existing = [str(path) for path in paths.values() if path.exists()]
    if existing:
        raise ConfigError(f"{', '.join(existing)} exists; not overwriting it")
    out.mkdir(parents=True, exist_ok=True)
    copyfile(TEMPLATES / "guide.md", paths["guide"])
    copyfile(TEMPLATES / "codebook.yaml", paths["codebook"])
    return paths
