"""Interview coding: a codebook, coded segments from several coders, agreement and themes.

Inputs:

- a **codebook** (YAML)::

      themes:
        - name: Collaboration barriers
          codes:
            - id: compute-cost
              description: Training or fine-tuning is too expensive to contribute back.
              example: I cannot retrain a 7B model on my laptop.

  ``example`` is optional; a theme's optional ``explains`` lists the compared measures
  (``crossforge.measures.COMPARED_MEASURES``) whose platform difference the theme may
  explain, which the joint display sets beside it. ``crossforge interviews codebook``
  writes a starter codebook (``interview_templates/codebook.yaml``), ``crossforge
  interviews guide`` an interview guide.

- **coded segments** (CSV) with columns ``interview, segment, coder, code``: one row per
  code a coder applied to a segment (several rows for several codes; a segment a coder
  read but coded with nothing gets ``code`` empty). An optional ``quote`` column holds the
  passages the researcher chose to quote, on a row of the code the quote illustrates.

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
QUOTE_COLUMN = "quote"
TEMPLATES = Path(__file__).parent / "interview_templates"
#: Each template ``interviews guide`` / ``interviews codebook`` writes: (shipped, written).
TEMPLATE_FILES = {"guide": ("guide.md", "interview_guide.md"),
                  "codebook": ("codebook.yaml", "codebook.yaml")}
#: The SYNTHETIC coded interviews the demo reports (invented text, invented people).
DEMO_SEGMENTS = TEMPLATES / "synthetic-demo-segments.csv"
DEMO_INTERVIEWEES = TEMPLATES / "synthetic-demo-interviewees.csv"
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


def theme_measures(path: str | Path) -> dict[str, list[str]]:
    """Per theme of a codebook, the compared measures it names under ``explains``."""
    read_codebook(path)  # the one place a malformed codebook is reported
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    explained = {}
    for theme in document["themes"]:
        measures = theme.get("explains") or []
        if not isinstance(measures, list):
            raise ConfigError(f"codebook {path}: explains of {theme['name']} is not a list")
        explained[str(theme["name"])] = [str(m) for m in measures]
    return explained


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


def write_template(name: str, out: Path) -> Path:
    """Copy the template ``name`` (``guide`` or ``codebook``) into ``out``, never
    overwriting: a researcher's edited guide or codebook must not be lost to a second run."""
    shipped, written = TEMPLATE_FILES[name]
    path = out / written
    if path.exists():
        raise ConfigError(f"{path} exists; not overwriting it")
    out.mkdir(parents=True, exist_ok=True)
    copyfile(TEMPLATES / shipped, path)
    return path


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


def theme_frequencies_by_group(segments: pd.DataFrame, codes: list[Code],
                               groups: pd.Series) -> pd.DataFrame:
    """``theme_frequencies`` within each group of interviews (``groups``: interview → group,
    e.g. the platform of ``interviewees.csv``), plus the group ``all``; an interview without
    a group is counted in ``all`` only."""
    parts = [theme_frequencies(segments, codes).assign(group="all")]
    grouped = segments["interview"].map(groups)
    for group in sorted(grouped.dropna().unique()):
        parts.append(theme_frequencies(segments[grouped == group], codes).assign(group=group))
    return pd.concat(parts, ignore_index=True)


def read_groups(path: str | Path, column: str = "platform") -> pd.Series:
    """Interview → group from an ``interviewees.csv`` (the pseudonym is the interview's id)."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    except FileNotFoundError:
        raise ConfigError(f"interviewees file {path} does not exist") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ConfigError(f"interviewees file {path} is not a readable CSV: {exc}") from None
    missing = [c for c in ("pseudonym", column) if c not in frame]
    if missing:
        raise ConfigError(f"interviewees file {path} lacks columns: {', '.join(missing)}")
    return frame.set_index("pseudonym")[column]


def chosen_quotes(segments: pd.DataFrame, codes: list[Code]) -> pd.DataFrame:
    """The quotes the researcher chose (the ``quote`` column), with the theme of the code
    on their row: ``theme, code, interview, quote``."""
    if QUOTE_COLUMN not in segments:
        return pd.DataFrame(columns=["theme", "code", "interview", "quote"])
    theme_of = {c.id: c.theme for c in codes}
    quoted = segments[(segments[QUOTE_COLUMN].str.strip() != "") & (segments["code"] != "")]
    return (quoted.assign(theme=quoted["code"].map(theme_of),
                          quote=quoted[QUOTE_COLUMN].str.strip())
            [["theme", "code", "interview", "quote"]].drop_duplicates(ignore_index=True))


#: The columns of a compared measure the joint display shows (``statistics.json`` rows).
DIFFERENCE_COLUMNS = ("n_github", "n_huggingface", "median_github", "median_huggingface",
                      "ratio_of_means", "ratio_of_means_ci_low", "ratio_of_means_ci_high",
                      "effect", "effect_value", "effect_ci_low", "effect_ci_high", "p_holm")


def joint_display(segments: pd.DataFrame, codes: list[Code], explains: dict[str, list[str]],
                  statistics: pd.DataFrame | None,
                  groups: pd.Series | None = None) -> list[dict]:
    """One row per theme (codebook order): how often the consensus coding finds it, overall
    and per group, beside the raw platform comparison of each measure it ``explains`` and
    the quotes the researcher chose. A measure the statistics lack is listed with
    ``measured`` false, never as a zero difference."""
    frequencies = (theme_frequencies_by_group(segments, codes, groups) if groups is not None
                   else theme_frequencies(segments, codes).assign(group="all"))
    themes = frequencies[frequencies["level"] == "theme"]
    raw = ({} if statistics is None or statistics.empty else
           {r["measure"]: r for r in statistics[statistics["comparison"] == "raw"]
            .to_dict("records")})
    quotes = chosen_quotes(segments, codes)
    total_interviews = segments["interview"].nunique()
    rows = []
    for theme in dict.fromkeys(c.theme for c in codes):
        found = themes[themes["name"] == theme].set_index("group")
        by_group = {str(g): {"segments": int(r["segments"]), "interviews": int(r["interviews"])}
                    for g, r in found.iterrows() if g != "all"}
        overall = found.loc["all"] if "all" in found.index else None
        differences = []
        for measure in explains.get(theme, []):
            row = raw.get(measure)
            differences.append({"measure": measure, "measured": row is not None,
                                **{c: (row or {}).get(c) for c in DIFFERENCE_COLUMNS}})
        rows.append({
            "theme": theme,
            "codes": [c.id for c in codes if c.theme == theme],
            "segments": 0 if overall is None else int(overall["segments"]),
            "interviews": 0 if overall is None else int(overall["interviews"]),
            "total_interviews": total_interviews,
            "segment_share": 0.0 if overall is None else float(overall["segment_share"]),
            "by_group": by_group,
            "differences": differences,
            "quotes": quotes[quotes["theme"] == theme][["interview", "quote"]]
            .to_dict("records")})
    return rows
