"""The report's figures, drawn once with matplotlib and used by the report and by notebooks.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (so nothing
depends on a display or a global figure registry); ``save`` writes it as SVG, PNG and PDF and
``inline_svg`` gives the markup the HTML report embeds. Figures of synthetic data carry a
visible "SYNTHETIC DEMO DATA" mark. No personal identifiers are drawn: network pictures show
people as anonymous dots.

Example:
    >>> import crossforge
    >>> study = crossforge.open_study("study.toml")                  # doctest: +SKIP
    >>> figure = ecdf_figure(study.measures, "contributors")         # doctest: +SKIP
    >>> save(figure, "figures", "ecdf_contributors")                 # doctest: +SKIP
"""

from __future__ import annotations

import functools
import hashlib
import io
import multiprocessing
import os
import pickle
import random
import re
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import ParamSpec

import igraph as ig
import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter

from crossforge.errors import ConfigError

PLATFORM_LABELS = {"github": "GitHub (OSS)", "huggingface": "Hugging Face Hub (OSM)"}
PLATFORM_COLORS = {"github": "#1f6feb", "huggingface": "#d97706"}
SYNTHETIC_MARK = "SYNTHETIC DEMO DATA"
FORMATS = ("svg", "png", "pdf")
#: What a report writes unless asked for more: the HTML inlines SVG and the Markdown links
#: it. PNG (slides) and PDF (a paper; a third of the report's time when always drawn) are
#: drawn only when asked for (``crossforge report --figure-formats svg,png,pdf``).
REPORT_FORMATS = ("svg",)
#: Largest number of people a network picture draws; bigger networks show their best connected.
NETWORK_NODES = 400
#: Above this many people and ties, a network is embedded as one image (small SVG and PDF).
RASTER_ELEMENTS = 1000
P = ParamSpec("P")
_STYLE = {"svg.fonttype": "none", "font.size": 9,
          "axes.spines.top": False, "axes.spines.right": False, "pdf.fonttype": 42}
#: What the fonts embedded in PDFs are cut down to first (``_pdf_fonts``): Latin (ASCII,
#: Latin-1, Extended-A), Greek, punctuation, arrows and mathematical operators.
PDF_FONT_RANGES = ((0x20, 0x7F), (0xA0, 0x180), (0x370, 0x400), (0x2010, 0x2070),
                   (0x2190, 0x2300))
_PDF_FONT_CHARACTERS = frozenset(
    "\n" + "".join(chr(c) for low, high in PDF_FONT_RANGES for c in range(low, high)))


def _styled(draw: Callable[P, Figure]) -> Callable[P, Figure]:
    """Draw under the report's style (rcParams are read when each artist is created)."""

    @functools.wraps(draw)
    def styled(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with mpl.rc_context(_STYLE):
            return draw(*args, **kwargs)

    return styled


def _figure(width: float = 5.6, height: float = 3.2) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _mark(figure: Figure, synthetic: bool) -> Figure:
    if synthetic:
        figure.suptitle(SYNTHETIC_MARK, x=0.99, ha="right", color="#b45309", fontsize=10,
                        fontweight="bold")
    return figure


def literal(text: object) -> str:
    """Text from the data drawn as written: a ``$`` would otherwise start mathtext."""
    return str(text).replace("$", r"\$")


def _plain_number(value: float, _position: object = None) -> str:
    """Tick labels as readers write numbers (1, 10, 1,000), not as powers of ten."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def _label(platform: object) -> str:
    return literal(PLATFORM_LABELS.get(str(platform), str(platform)))


@_styled
def ecdf_figure(repositories: pd.DataFrame, column: str, *, synthetic: bool = False) -> Figure:
    """ECDF of one measure per platform; a symmetric-log x-axis for values above 1.

    Heavy-tailed counts (commits, contributors) are unreadable on a linear axis, and a plain
    log axis would drop the many repositories with zero; shares (0 to 1) stay linear.
    """
    figure, axes = _figure()
    top = 1.0
    for platform, group in repositories.groupby("platform", sort=True):
        values = np.sort(pd.to_numeric(group[column], errors="coerce").dropna().to_numpy(float))
        if len(values) == 0:
            continue
        top = max(top, float(values[-1]))
        share = np.arange(1, len(values) + 1) / len(values)
        axes.step(values, share, where="post", color=PLATFORM_COLORS.get(str(platform)),
                  label=f"{_label(platform)} (n = {len(values):,})", linewidth=1.6)
    if top > 1:  # counts and durations are heavy-tailed; shares in [0, 1] are not
        axes.set_xscale("symlog", linthresh=1.0)
        axes.xaxis.set_major_formatter(FuncFormatter(_plain_number))
        axes.set_xlabel(f"{literal(column)} (symmetric log scale)")
    else:
        axes.set_xlabel(literal(column))
    return _finish_share_axes(figure, axes, "share of repositories ≤ x", "lower right",
                              synthetic)


@_styled
def survival_figure(curves: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Kaplan–Meier share of repositories still maintained, by days since release, with
    its 95% band (columns ``platform, days, survival, ci_low, ci_high``)."""
    figure, axes = _figure()
    for platform, group in curves.groupby("platform", sort=True):
        days = np.concatenate([[0.0], group["days"].to_numpy(float)])
        color = PLATFORM_COLORS.get(str(platform))
        axes.step(days, np.concatenate([[1.0], group["survival"].to_numpy(float)]),
                  where="post", color=color, label=_label(platform), linewidth=1.6)
        if {"ci_low", "ci_high"} <= set(group.columns):
            axes.fill_between(days, np.concatenate([[1.0], group["ci_low"].to_numpy(float)]),
                              np.concatenate([[1.0], group["ci_high"].to_numpy(float)]),
                              step="post", color=color, alpha=0.15, linewidth=0)
    axes.set_xlabel("days since release")
    return _finish_share_axes(figure, axes, "share still maintained", "upper right", synthetic)


def _finish_share_axes(figure: Figure, axes: Axes, ylabel: str, legend: str,
                       synthetic: bool) -> Figure:
    axes.set_ylabel(ylabel)
    axes.set_ylim(0, 1.02)
    axes.grid(alpha=0.3)
    if axes.lines:
        axes.legend(loc=legend, frameon=False)
    return _mark(figure, synthetic)


@_styled
def type_shares_figure(type_shares: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Thread types per platform: corrected shares as bars with 95% intervals, raw shares as
    dots (columns ``group, class, raw_share, adjusted_share, ci_low, ci_high``, and ``flag``:
    a flagged correction is no finding, so it gets no bar, only its raw dot)."""
    figure, axes = _figure(5.6, 3.4)
    classes = sorted(type_shares["class"].astype(str).unique()) if len(type_shares) else []
    groups = sorted(type_shares["group"].astype(str).unique()) if len(type_shares) else []
    width = 0.8 / max(len(groups), 1)
    for i, group in enumerate(groups):
        rows = (type_shares[type_shares["group"].astype(str) == group]
                .assign(cls=lambda f: f["class"].astype(str)).set_index("cls").reindex(classes))
        x = np.arange(len(classes)) + (i - (len(groups) - 1) / 2) * width
        flagged = (rows["flag"].fillna("").astype(str).ne("").to_numpy() if "flag" in rows
                   else np.zeros(len(rows), dtype=bool))
        share = np.where(flagged, 0.0, rows["adjusted_share"].to_numpy(float))
        errors = np.vstack([share - rows["ci_low"].to_numpy(float),
                            rows["ci_high"].to_numpy(float) - share]).clip(min=0)
        errors[:, flagged] = 0.0
        color = PLATFORM_COLORS.get(group, "#666")
        axes.bar(x, share, width, color=color, alpha=0.8, label=f"{_label(group)} corrected",
                 yerr=np.nan_to_num(errors), capsize=2, error_kw={"linewidth": 0.8})
        axes.plot(x, rows["raw_share"].to_numpy(float), "o", color="black", markersize=3,
                  label="raw share" if i == 0 else None)
    axes.set_xticks(np.arange(len(classes)), [literal(c) for c in classes], rotation=30,
                   ha="right")
    axes.set_ylabel("share of threads")
    axes.set_ylim(0, 1.05)
    axes.grid(axis="y", alpha=0.3)
    if groups:
        axes.legend(frameon=False, loc="upper right")
    else:
        axes.text(0.5, 0.5, "no classified threads", ha="center", transform=axes.transAxes)
    return _mark(figure, synthetic)


#: What each size stratification cuts by, in words.
SIZE_NAMES = {"parameters": "parameter count", "storage_bytes": "disk usage"}


@_styled
def size_strata_figure(strata: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Share of repositories improved by an outsider per size stratum, one panel per
    platform, with 95% intervals and each stratum's n (columns of ``size_strata.csv``);
    the unknown-size stratum stands last, apart from the ordered ones."""
    platforms = list(dict.fromkeys(strata["platform"].astype(str)))
    figure = Figure(figsize=(6.4, 3.0), layout="constrained")
    FigureCanvasAgg(figure)
    panels = figure.subplots(1, max(len(platforms), 1), sharey=True, squeeze=False)
    for axes, platform in zip(panels[0], platforms, strict=False):
        rows = strata[strata["platform"].astype(str) == platform]
        share = pd.to_numeric(rows["improved_share"], errors="coerce").to_numpy(float)
        low = pd.to_numeric(rows["improved_share_ci_low"], errors="coerce").to_numpy(float)
        high = pd.to_numeric(rows["improved_share_ci_high"], errors="coerce").to_numpy(float)
        x = np.arange(len(rows))
        axes.errorbar(x, share, yerr=np.nan_to_num(np.vstack([share - low, high - share])
                                                   .clip(min=0)),
                      fmt="o", color=PLATFORM_COLORS.get(platform, "#666"), capsize=3)
        axes.set_xticks(x, [f"{literal(s)}\nn={n}" for s, n in
                            zip(rows["stratum"], rows["repositories"], strict=True)], fontsize=7)
        size_by = str(rows["size_by"].iloc[0])
        axes.set_title(f"{_label(platform)} by {SIZE_NAMES.get(size_by, literal(size_by))}",
                       fontsize=9)
        axes.set_ylim(-0.05, 1.05)
        axes.grid(axis="y", alpha=0.3)
    panels[0][0].set_ylabel("improved by an outsider")
    return _mark(figure, synthetic)


@_styled
def network_figure(graph: ig.Graph, *, title: str = "", synthetic: bool = False,
                   max_nodes: int = NETWORK_NODES, seed: int = 0) -> Figure:
    """A co-contribution (or reply) network: people as dots coloured by k-core, sized by
    degree, ties as faint lines. Networks larger than ``max_nodes`` show the ``max_nodes``
    best-connected people (ties broken by name, so the picture is reproducible)."""
    figure, axes = _figure(4.2, 4.2)
    shown = _best_connected(graph, max_nodes)
    n = shown.vcount()
    caption = f"{graph.vcount():,} people, {graph.ecount():,} ties"
    if n < graph.vcount():
        caption += f"; the {n:,} best connected shown"
    axes.set_title(f"{literal(title)}\n{caption}" if title else caption, fontsize=9)
    axes.set_axis_off()
    if n == 0:
        return _mark(figure, synthetic)
    undirected = shown.as_undirected() if shown.is_directed() else shown
    positions = _layout(undirected, seed)
    edges = np.asarray(undirected.get_edgelist(), dtype=int).reshape(-1, 2)
    raster = n + len(edges) > RASTER_ELEMENTS
    if len(edges):
        lines = LineCollection(positions[edges], colors="#777", linewidths=0.3, alpha=0.35,
                               rasterized=raster)
        axes.add_collection(lines)
    degree = np.asarray(undirected.degree(), dtype=float)
    core = np.asarray(undirected.coreness(), dtype=float)
    size = 6 + 40 * np.sqrt(degree / max(degree.max(), 1))
    dots = axes.scatter(positions[:, 0], positions[:, 1], s=size, c=core, cmap="viridis",
                        linewidths=0, zorder=2, rasterized=raster)
    figure.colorbar(dots, ax=axes, shrink=0.6, label="k-core")
    low, high = positions.min(axis=0), positions.max(axis=0)
    pad = np.maximum((high - low) * 0.05, 1.0)  # one person alone has no extent to scale
    axes.set_xlim(low[0] - pad[0], high[0] + pad[0])
    axes.set_ylim(low[1] - pad[1], high[1] + pad[1])
    axes.set_aspect("equal")
    return _mark(figure, synthetic)


def _layout(graph: ig.Graph, seed: int) -> np.ndarray:
    """Fruchterman–Reingold positions, the same on every run: igraph's layout draws from
    igraph's random generator, seeded here and given back afterwards."""
    ig.set_random_number_generator(random.Random(seed))
    try:
        return np.asarray(graph.layout_fruchterman_reingold(niter=300).coords)
    finally:
        ig.set_random_number_generator(random)


def _best_connected(graph: ig.Graph, limit: int) -> ig.Graph:
    if graph.vcount() <= limit:
        return graph
    names = graph.vs["name"] if "name" in graph.vs.attributes() else range(graph.vcount())
    degree = graph.degree()
    order = sorted(range(graph.vcount()), key=lambda v: (-degree[v], str(names[v])))
    return graph.induced_subgraph(sorted(order[:limit]))


def report_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """The figure formats a report writes: SVG (its pages need it), then the others asked
    for, each once, in ``FORMATS`` order.

    Raises:
        ConfigError: a format crossforge does not write.
    """
    asked = {f.strip().lower().lstrip(".") for f in formats if f.strip()}
    unknown = sorted(asked - set(FORMATS))
    if unknown:
        raise ConfigError(f"figure format {', '.join(unknown)} is not one of "
                          f"{', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f == "svg" or f in asked)


def save(figure: Figure, folder: str | Path, name: str,
         formats: Iterable[str] = FORMATS) -> list[Path]:
    """Write ``folder/name.svg``, ``.png`` (200 dpi) and ``.pdf``; returns the paths.

    The same figure gives byte-identical SVG files (no dates, ids numbered in order).
    PDFs embed TrueType (Type 42) fonts, not Type 3: ACM's and IEEE's checks reject Type 3;
    the fonts are subset from cut-down copies, which is much quicker (``_pdf_fonts``).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = folder / f"{name}.{fmt}"
        if fmt == "svg":
            path.write_text(_svg(figure, name), encoding="utf-8")
        else:
            with mpl.rc_context(_STYLE), mpl.rc_context(_pdf_fonts(figure) if fmt == "pdf" else {}):
                figure.savefig(path, format=fmt, dpi=200, metadata=_metadata(fmt))
        paths.append(path)
    return paths


#: Worker processes saving the PNG and PDF files of a report's figures.
SAVE_WORKERS = 2


class FigureWriter:
    """Saves a report's figures: each SVG at once (the pages inline it), and the PNG and
    PDF files, when asked for, in ``SAVE_WORKERS`` processes beside the drawing of the next
    figures. They are most of the time of a report with them (about 0.2 s a PDF), and a
    figure pickles in milliseconds; with SVG alone no process is started. Every file is
    written by the time the ``with`` block ends, the same bytes ``save`` writes."""

    def __init__(self, folder: str | Path, formats: Iterable[str] = FORMATS) -> None:
        self.folder, self.formats = Path(folder), tuple(formats)
        self._pool: ProcessPoolExecutor | None = None
        self._pending: list[Future[list[Path]]] = []

    def __enter__(self) -> FigureWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            for saving in self._pending:
                saving.result()     # a worker's error (a full disk) is raised here
        finally:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)

    def save(self, figure: Figure, name: str) -> list[Path]:
        """``save(figure, folder, name, formats)``: the paths, in ``formats`` order."""
        later = tuple(f for f in self.formats if f != "svg")
        now = tuple(f for f in self.formats if f == "svg")
        written = save(figure, self.folder, name, now) if now else []
        if later and (os.cpu_count() or 1) > 1:
            if self._pool is None:
                # Not forked from this process, which may hold DuckDB's threads; the server
                # imports matplotlib once for both workers.
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload([__name__])
                self._pool = ProcessPoolExecutor(SAVE_WORKERS, mp_context=context)
            # Pickled here, not in the pool's feeder thread, while the figure is as drawn.
            self._pending.append(self._pool.submit(
                _save_pickled, pickle.dumps(figure), self.folder, name, later))
        elif later:
            save(figure, self.folder, name, later)
        paths = {p.suffix[1:]: p for p in written}
        return [paths.get(fmt, self.folder / f"{name}.{fmt}") for fmt in self.formats]


def _save_pickled(figure: bytes, folder: Path, name: str, formats: tuple[str, ...]
                  ) -> list[Path]:
    """``save`` of a pickled figure (in a ``FigureWriter`` worker)."""
    return save(pickle.loads(figure), folder, name, formats)  # noqa: S301 - our own bytes


def _pdf_fonts(figure: Figure) -> dict[str, list[str]]:
    """rcParams that draw ``figure`` as PDF with cut-down copies of its fonts.

    matplotlib embeds a subset of each font in every PDF (Type 42), and fontTools builds
    that subset from the whole font: for DejaVu Sans, about 6,000 glyphs and their kerning
    and substitution tables, three times per figure (regular, bold, and the glyphs above
    U+00FF), which made PDFs most of the report's figure time. A copy of the font cut down
    to ``PDF_FONT_RANGES``, made once and kept in matplotlib's cache folder, has the same
    outlines, metrics, kerning and substitutions for those characters, so the figure is laid
    out and drawn exactly as before. A figure with any other character (a label in Cyrillic,
    say) embeds the original fonts.
    """
    if not set("".join(t.get_text() for t in figure.findobj(Text))) <= _PDF_FONT_CHARACTERS:
        return {}
    generic = mpl.rcParams["font.family"][0]
    key = f"font.{generic}"
    if key not in mpl.rcParams:  # a named family, not sans-serif etc.: keep it as it is
        return {}
    families = list(mpl.rcParams[key])
    lean = _pdf_font_family(tuple(families))
    return {key: [lean, *families]} if lean else {}


@functools.cache
def _pdf_font_family(families: tuple[str, ...]) -> str | None:
    """The family name of cut-down copies of the regular and bold fonts that ``families``
    resolve to, registered with matplotlib; None when they cannot be made (no TrueType
    file, or no writable cache folder), and PDFs then embed the original fonts."""
    sources = [font_manager.findfont(font_manager.FontProperties(
        family=list(families), weight=weight)) for weight in ("normal", "bold")]
    names = {font_manager.get_font(path).family_name for path in sources}
    if len(names) != 1 or not all(path.lower().endswith(".ttf") for path in sources):
        return None
    family = names.pop()
    lean = f"{family} crossforge"
    folder = Path(mpl.get_cachedir()) / "crossforge-fonts"
    try:
        for source in sources:
            font_manager.fontManager.addfont(_cut_down_font(source, family, lean, folder))
    except OSError:
        return None
    return lean


def _cut_down_font(source: str, family: str, lean: str, folder: Path) -> str:
    """``source`` kept to ``PDF_FONT_RANGES`` and renamed ``lean`` (once: cached on disk)."""
    from fontTools import subset, ttLib  # matplotlib's own dependency, as its PDF backend's

    # fontTools' default layout features are those text shapers apply unasked, and so
    # matplotlib's layout: kerning, ligatures, contextual forms, marks
    options = subset.Options(glyph_names=True, legacy_kern=True, name_IDs=["*"],
                             name_languages=["*"], name_legacy=True, notdef_outline=True,
                             hinting=True)
    options.drop_tables += ["FFTM"]  # FontForge's timestamp, which fontTools cannot subset
    data = Path(source).read_bytes()
    recipe = repr((PDF_FONT_RANGES, sorted(vars(options).items()))).encode()
    key = hashlib.sha256(data + recipe).hexdigest()[:16]   # a new recipe makes new copies
    target = folder / f"{Path(source).stem}-crossforge-{key}.ttf"
    if target.is_file():
        return str(target)
    font = ttLib.TTFont(io.BytesIO(data))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for low, high in PDF_FONT_RANGES for c in range(low, high)])
    subsetter.subset(font)
    postscript = family.replace(" ", "")
    for record in font["name"].names:  # e.g. DejaVu Sans crossforge, DejaVuSans_crossforge
        if record.nameID in (1, 4, 16):
            record.string = str(record).replace(family, lean)
        elif record.nameID == 6:
            record.string = str(record).replace(postscript, f"{postscript}_crossforge")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".part", delete=False) as part:
        font.save(part)
    os.replace(part.name, target)  # atomic: a parallel run never reads half a font
    return str(target)


def inline_svg(figure: Figure | str, name: str = "figure") -> str:
    """The figure (or an SVG file's text) as an ``<svg>`` element to embed in HTML: no XML
    prolog, no metadata, no scripts (matplotlib writes none), text kept as text.

    ``name`` prefixes the ids of clip paths, so several figures on one page never share one.
    """
    text = figure if isinstance(figure, str) else _svg(figure, name)
    # HTML needs neither the RDF metadata nor the xlink namespace (its parser knows xlink:)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text[text.index("<svg"):], flags=re.S)
    return text.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', "", 1)


def _svg(figure: Figure, name: str) -> str:
    buffer = io.StringIO()
    with mpl.rc_context({**_STYLE, "svg.hashsalt": name}):  # salted ids: unique per figure
        figure.savefig(buffer, format="svg", dpi=150, metadata=_metadata("svg"))
    text = buffer.getvalue()
    # matplotlib derives clip-path ids from object addresses too: number them instead
    prefix = slug(name)
    for number, old in enumerate(dict.fromkeys(re.findall(r'<clipPath id="([^"]+)"', text)), 1):
        text = text.replace(f'id="{old}"', f'id="{prefix}-clip{number}"').replace(
            f"url(#{old})", f"url(#{prefix}-clip{number})")
    return text


def _metadata(fmt: str) -> dict[str, str | None]:
    # no creation date: the same data gives byte-identical figures
    return {"Date": None} if fmt in ("svg", "png") else {"CreationDate": None}


def slug(text: str) -> str:
    """A file-name-safe form of a measure or platform name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "figure"
