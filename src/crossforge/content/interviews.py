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

import hashlib
import re
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
# Taguette's highlights export (``id, document, tag, content``: one row per highlight and
# tag, ``tag`` empty for an untagged highlight) read as segments: the interview is the
# document, the segment is the highlighted text, the code is the tag.
TAGUETTE_COLUMNS = {"interview": "document", "segment": "content", "code": "tag"}
DOCUMENT_SUFFIXES = frozenset({".txt", ".md", ".doc", ".docx", ".odt", ".pdf", ".html", ".rtf"})


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


def parse_column_mapping(text: str) -> dict[str, str]:
    """``interview=Document,segment=Quote,code=Code`` as a mapping; the fields not named
    keep Taguette's columns."""
    mapping = dict(TAGUETTE_COLUMNS)
    for item in filter(None, (part.strip() for part in text.split(","))):
        field, _, column = item.partition("=")
        if field.strip() not in TAGUETTE_COLUMNS or not column.strip():
            raise ConfigError(f"column mapping {item!r} is not FIELD=COLUMN with FIELD one of "
                              f"{', '.join(TAGUETTE_COLUMNS)}")
        mapping[field.strip()] = column.strip()
    return mapping


def segment_key(text: str) -> str:
    """A stable id for a coded passage: the same passage (whitespace aside) highlighted by two
    coders gets the same id, and the segments file carries no transcript text."""
    normalised = re.sub(r"\s+", " ", text).strip()
    return "s-" + hashlib.sha256(normalised.encode()).hexdigest()[:12]


def interview_name(document: str) -> str:
    """The interview a document holds: its name without a document file suffix, so
    ``p-3f2a.docx`` is interview ``p-3f2a``."""
    path = Path(document.strip())
    return path.stem if path.suffix.lower() in DOCUMENT_SUFFIXES else document.strip()


def import_coded_csv(exports: list[Path], coders: list[str],
                     columns: dict[str, str] | None = None) -> pd.DataFrame:
    """One QDA export per coder as segments (``interview, segment, coder, code``).

    A passage one coder coded and another did not, in an interview both exported, becomes an
    empty-code row for the other: coders read whole transcripts, so not coding a passage is
    a judgement that none of the codes applies, and agreement must count it.
    """
    if len(exports) != len(coders) or len(set(coders)) != len(coders) or "" in coders:
        raise ConfigError(f"give one distinct coder name per export: {len(exports)} exports, "
                          f"coders {', '.join(coders) or 'none'}")
    mapping = columns or TAGUETTE_COLUMNS
    frames = []
    for export, coder in zip(exports, coders, strict=True):
        try:
            frame = pd.read_csv(export, dtype=str, keep_default_na=False)
        except FileNotFoundError:
            raise ConfigError(f"export {export} does not exist") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise ConfigError(f"export {export} is not a readable CSV: {exc}") from None
        missing = [column for column in mapping.values() if column not in frame]
        if missing:
            raise ConfigError(f"export {export} lacks columns {', '.join(missing)} (has "
                              f"{', '.join(frame.columns)}): map them with --columns")
        frames.append(pd.DataFrame({
            "interview": frame[mapping["interview"]].map(interview_name),
            "segment": frame[mapping["segment"]].map(segment_key),
            "coder": coder,
            "code": frame[mapping["code"]].str.strip()}))
    coded = pd.concat(frames, ignore_index=True).drop_duplicates()
    units = coded[["interview", "segment"]].drop_duplicates()
    exported = coded[["interview", "coder"]].drop_duplicates()
    expected = units.merge(exported, on="interview")
    seen = coded[["interview", "segment", "coder"]].drop_duplicates()
    left_uncoded = (expected.merge(seen, how="left", indicator=True)
              .query("_merge == 'left_only'").drop(columns="_merge").assign(code=""))
    return (pd.concat([coded, left_uncoded], ignore_index=True)
            .sort_values(["interview", "segment", "coder", "code"], ignore_index=True))
