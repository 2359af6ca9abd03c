"""The report's figures: what they draw, their files, the synthetic mark, hostile text."""

import io
import re
import zlib

import igraph as ig
import matplotlib as mpl
import numpy as np
import pandas as pd

from crossforge.report import figures

HOSTILE = '$\\alpha$ <script>alert(1)</script> & "x"'


def _repositories() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return pd.DataFrame({
        "platform": ["github"] * 40 + ["huggingface"] * 25,
        "commits": np.r_[rng.pareto(1.2, 40) * 10, rng.pareto(2.0, 25)].round(),
        "external_commit_share": np.r_[rng.uniform(0, 1, 40), np.zeros(25)],
    })


def test_ecdf_draws_each_platforms_sorted_values_and_reaches_one():
    repositories = _repositories()
    figure = figures.ecdf_figure(repositories, "commits")
    axes = figure.axes[0]
    assert [line.get_label().rsplit(" (n", 1)[0] for line in axes.lines] == [
        "GitHub (OSS)", "Hugging Face Hub (OSM)"]
    for line, (_, group) in zip(axes.lines, repositories.groupby("platform"), strict=True):
        assert list(line.get_xdata()) == sorted(group["commits"])
        assert line.get_ydata()[-1] == 1.0
    assert axes.get_xscale() == "symlog"  # heavy-tailed counts
    assert figures.ecdf_figure(repositories, "external_commit_share").axes[0].get_xscale() \
        == "linear"  # shares are bounded: no log


def test_synthetic_mark_only_on_synthetic_figures(tmp_path):
    repositories = _repositories()
    marked = figures.inline_svg(figures.ecdf_figure(repositories, "commits", synthetic=True))
    plain = figures.inline_svg(figures.ecdf_figure(repositories, "commits"))
    assert figures.SYNTHETIC_MARK in marked and "SYNTHETIC" not in plain
    assert marked.startswith("<svg") and "<?xml" not in marked and "<script" not in marked


def test_save_writes_svg_png_and_pdf_without_type3_fonts_and_reproducibly(tmp_path):
    figure = figures.survival_figure(pd.DataFrame({
        "platform": ["github", "github", "huggingface"], "days": [10.0, 40.0, 5.0],
        "survival": [0.8, 0.5, 0.6], "ci_low": [0.6, 0.3, 0.4], "ci_high": [0.9, 0.7, 0.8]}),
        synthetic=True)
    paths = figures.save(figure, tmp_path / "a", "survival")
    assert [p.name for p in paths] == ["survival.svg", "survival.png", "survival.pdf"]
    assert paths[1].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = paths[2].read_bytes()
    assert pdf.startswith(b"%PDF") and b"/Type3" not in pdf  # ACM/IEEE reject Type 3 fonts
    again = figures.save(figure, tmp_path / "b", "survival")
    assert again[0].read_bytes() == paths[0].read_bytes()  # no dates or random ids


def test_hostile_labels_are_drawn_literally_and_stay_inert():
    shares = pd.DataFrame({"group": ["github", "github"], "class": [HOSTILE, "bug"],
                           "n": [10, 10], "raw_share": [0.4, 0.6], "adjusted_share": [0.3, 0.7],
                           "ci_low": [0.1, 0.5], "ci_high": [0.5, 0.9]})
    svg = figures.inline_svg(figures.type_shares_figure(shares))
    assert "<script" not in svg
    assert "$\\alpha$ &lt;script&gt;alert(1)&lt;/script&gt; &amp;" in svg  # text, no mathtext


def test_network_picture_shows_the_best_connected_and_no_names():
    graph = ig.Graph.Star(30) + ig.Graph.Ring(20)
    graph.vs["name"] = [f"secret-login-{i}" for i in range(graph.vcount())]
    figure = figures.network_figure(graph, title="GitHub co-contribution", max_nodes=10)
    axes = figure.axes[0]
    assert len(axes.collections[-1].get_offsets()) == 10
    assert "the 10 best connected shown" in axes.get_title()
    assert "50 people, 49 ties" in axes.get_title()
    assert "secret-login" not in figures.inline_svg(figure)


def test_tiny_and_empty_inputs_still_give_a_figure(tmp_path):
    assert figures.network_figure(ig.Graph()).axes
    for graph in (ig.Graph(n=1), ig.Graph(n=2, edges=[(0, 1)])):
        assert figures.save(figures.network_figure(graph), tmp_path, f"n{graph.vcount()}")
    one_each = pd.DataFrame({"platform": ["github", "huggingface"], "commits": [3, 3]})
    assert figures.save(figures.ecdf_figure(one_each, "commits"), tmp_path, "one")
    empty = pd.DataFrame(columns=["group", "class", "raw_share", "adjusted_share", "ci_low",
                                  "ci_high"])
    assert "no classified threads" in figures.inline_svg(figures.type_shares_figure(empty))


def _png(figure, style: dict) -> bytes:
    buffer = io.BytesIO()
    with mpl.rc_context(figures._STYLE), mpl.rc_context(style):
        figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def test_pdfs_embed_cut_down_truetype_fonts_that_draw_exactly_like_the_originals(tmp_path):
    figure = figures.ecdf_figure(_repositories(), "commits", synthetic=True)  # ≤, bold mark
    pdf = figures.save(figure, tmp_path, "ecdf", formats=("pdf",))[0].read_bytes()
    assert b"/FontFile2" in pdf and b"/Type3" not in pdf
    assert pdf.count(b"_crossforge") >= 2          # regular and bold, from the cut-down copies
    style = figures._pdf_fonts(figure)
    assert style
    _png(figure, {})                               # the first draw settles the layout
    assert _png(figure, style) == _png(figure, {})  # same outlines, metrics and kerning


def test_pdfs_with_characters_beyond_the_cut_down_fonts_embed_the_original_fonts(tmp_path):
    shares = pd.DataFrame({"group": ["github"], "class": ["שאלה"], "n": [3], "raw_share": [1.0],
                           "adjusted_share": [1.0], "ci_low": [0.8], "ci_high": [1.0]})
    figure = figures.type_shares_figure(shares)
    pdf = figures.save(figure, tmp_path, "shares", formats=("pdf",))[0].read_bytes()
    assert figures._pdf_fonts(figure) == {}
    assert b"/FontFile2" in pdf and b"/Type3" not in pdf and b"_crossforge" not in pdf
    streams = b"".join(zlib.decompress(raw) for raw in re.findall(
        rb"stream\n(.*?)\nendstream", pdf, re.S) if raw.startswith(b"x"))
    assert b"<05e9>" in streams.lower()            # the Hebrew letter shin stays searchable


def test_pdfs_embed_the_original_fonts_when_no_copy_can_be_written(tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setattr(figures.mpl, "get_cachedir", lambda: str(blocked))
    figures._pdf_font_family.cache_clear()
    try:
        figure = figures.ecdf_figure(_repositories(), "commits")
        assert figures._pdf_fonts(figure) == {}
        pdf = figures.save(figure, tmp_path, "ecdf", formats=("pdf",))[0].read_bytes()
    finally:
        figures._pdf_font_family.cache_clear()
    assert b"/FontFile2" in pdf and b"/Type3" not in pdf and b"_crossforge" not in pdf


def test_png_and_pdf_saved_in_worker_processes_are_the_bytes_save_writes(tmp_path):
    drawn = {"commits": figures.ecdf_figure(_repositories(), "commits", synthetic=True)}
    with figures.FigureWriter(tmp_path / "pool", figures.FORMATS) as writer:
        written = {name: writer.save(figure, name) for name, figure in drawn.items()}
        assert written["commits"][0].is_file()   # the SVG at once: the pages inline it
    for name, figure in drawn.items():
        alone = figures.save(figure, tmp_path / "alone", name)
        assert [p.name for p in written[name]] == [p.name for p in alone]
        assert [p.read_bytes() for p in written[name]] == [p.read_bytes() for p in alone]


def test_svg_alone_starts_no_worker_process(tmp_path):
    with figures.FigureWriter(tmp_path, ("svg",)) as writer:
        paths = writer.save(figures.ecdf_figure(_repositories(), "commits"), "commits")
        assert writer._pool is None
    assert [p.name for p in paths] == ["commits.svg"]
