import pandas as pd
import pytest

from crossforge.content.agreement import agreement, disagreements
from crossforge.content.interviews import (
    code_agreement,
    read_codebook,
    read_segments,
    theme_frequencies,
)
from crossforge.errors import ConfigError

CODEBOOK = """
themes:
  - name: Barriers to contributing back
    codes:
      - id: compute-cost
        description: Fine-tuning or retraining is too expensive to share upstream.
      - id: no-pr-culture
        description: Model repositories do not expect pull requests.
  - name: Adaptation
    codes:
      - id: fine-tune-locally
        description: Users adapt a model for their own task instead of improving it.
"""

# Two coders, three interviews, six segments.
SEGMENTS = """interview,segment,coder,code
i1,1,ana,compute-cost
i1,1,ben,compute-cost
i1,2,ana,fine-tune-locally
i1,2,ben,fine-tune-locally
i1,2,ben,no-pr-culture
i2,1,ana,no-pr-culture
i2,1,ben,no-pr-culture
i2,2,ana,
i2,2,ben,compute-cost
i3,1,ana,fine-tune-locally
i3,1,ben,fine-tune-locally
i3,2,ana,
i3,2,ben,
"""


@pytest.fixture
def coded(tmp_path):
    (tmp_path / "codebook.yaml").write_text(CODEBOOK)
    (tmp_path / "segments.csv").write_text(SEGMENTS)
    codes = read_codebook(tmp_path / "codebook.yaml")
    return codes, read_segments(tmp_path / "segments.csv", codes)


def test_agreement_per_code(coded):
    codes, segments = coded
    table = code_agreement(segments, codes).set_index("code")
    fine = table.loc["fine-tune-locally"]
    assert fine.units == 6 and fine.percent == 1.0 and fine.cohen_kappa == pytest.approx(1.0)
    cost = table.loc["compute-cost"]
    # ana: yes, no, no, no, no, no; ben: yes, no, no, yes, no, no over the six segments.
    assert cost.percent == pytest.approx(5 / 6)
    assert cost.cohen_kappa == pytest.approx(0.5714285714, rel=1e-6)
    assert -1 <= cost.krippendorff_alpha <= 1


def test_theme_frequencies_use_consensus(coded):
    codes, segments = coded
    themes = theme_frequencies(segments, codes)
    by_theme = themes[themes.level == "theme"].set_index("name")
    # compute-cost: i1/1 both; i2/2 only ben of two coders = half → counts.
    # no-pr-culture: i2/1 both; i1/2 ben only (half) → counts. Barriers: 4 segments.
    assert by_theme.loc["Barriers to contributing back", "segments"] == 4
    assert by_theme.loc["Adaptation", "segments"] == 2
    assert by_theme.loc["Adaptation", "interviews"] == 2
    assert by_theme.loc["Adaptation", "segment_share"] == pytest.approx(2 / 6)


def test_disagreements_are_listed():
    labels = pd.DataFrame({"unit": [1, 1, 2, 2], "coder": ["a", "b"] * 2,
                           "label": ["bug", "bug", "usage", "feature"]})
    assert disagreements(labels)["unit"].tolist() == [2]
    assert agreement(labels).percent == 0.5


def test_bad_inputs(tmp_path, coded):
    codes, _ = coded
    (tmp_path / "bad.yaml").write_text("themes: [{name: x}]")
    with pytest.raises(ConfigError, match="malformed"):
        read_codebook(tmp_path / "bad.yaml")
    (tmp_path / "unknown.csv").write_text("interview,segment,coder,code\ni,1,a,made-up\n")
    with pytest.raises(ConfigError, match="not in the codebook: made-up"):
        read_segments(tmp_path / "unknown.csv", codes)
    with pytest.raises(ConfigError, match="at least two coders"):
        agreement(pd.DataFrame({"unit": [1], "coder": ["a"], "label": ["x"]}))


FACTORS = {"Black-box nature", "Compute", "Skills", "Licences and gating", "Platform features"}


def test_guide_and_starter_codebook(tmp_path):
    from crossforge.content.interviews import write_guide

    paths = write_guide(tmp_path)
    codes = read_codebook(paths["codebook"])
    assert {code.theme for code in codes} == FACTORS
    assert all(code.description and code.example for code in codes)
    guide = paths["guide"].read_text(encoding="utf-8")
    for heading in ("Collaboration intensity", "Openness", "User innovation", "Consent"):
        assert heading in guide
    # the starter codebook is the one `interviews code` reads: a segment coded with it passes
    (tmp_path / "s.csv").write_text("interview,segment,coder,code\np-1,1,ana,compute-cost\n")
    assert len(read_segments(tmp_path / "s.csv", codes)) == 1
    with pytest.raises(ConfigError, match="not overwriting"):
        write_guide(tmp_path)


# Taguette highlights exports of two coders (one project each), SYNTHETIC passages; bob's
# first highlight is ana's first with other whitespace, so it is the same segment.
TAGUETTE_ANA = '''id,document,tag,content
1,p-1.docx,compute-cost,We cannot retrain it.
1,p-1.docx,skills-ml-expertise,We cannot retrain it.
2,p-1.docx,gating-access,Access took a week.
3,p-2.txt,,Nothing to say here.
'''
TAGUETTE_BOB = '''id,document,tag,content
7,p-1.docx,compute-cost,"We cannot  retrain it.
"
8,p-1.docx,platform-pr-workflow,Nobody expects pull requests.
9,p-2.txt,compute-cost,Nothing to say here.
'''


@pytest.fixture
def taguette(tmp_path):
    from crossforge.content.interviews import write_guide

    (tmp_path / "ana.csv").write_text(TAGUETTE_ANA)
    (tmp_path / "bob.csv").write_text(TAGUETTE_BOB)
    codebook = write_guide(tmp_path / "guide")["codebook"]
    return tmp_path, read_codebook(codebook)


def test_taguette_import_aligns_passages_and_counts_uncoded_ones(taguette):
    from crossforge.content.interviews import import_coded_csv, segment_key

    folder, codes = taguette
    segments = import_coded_csv([folder / "ana.csv", folder / "bob.csv"], ["ana", "bob"])
    assert set(segments["interview"]) == {"p-1", "p-2"}
    assert "We cannot retrain it." not in segments.to_csv()  # no transcript text
    passage = segment_key("We cannot retrain it.")
    # four passages x two coders, one more for ana's second code on the first passage
    assert len(segments) == 9
    by_coder = segments[segments["segment"] == passage].groupby("coder")["code"].apply(set)
    assert by_coder.to_dict() == {"ana": {"compute-cost", "skills-ml-expertise"},
                                  "bob": {"compute-cost"}}
    pr = segments[segments["segment"] == segment_key("Nobody expects pull requests.")]
    assert pr.set_index("coder")["code"].to_dict() == {"ana": "", "bob": "platform-pr-workflow"}
    # compute-cost over the four passages: ana 1,0,0,0, bob 1,0,0,1 (hand-computed):
    # agreement 3/4; chance (1/4)(2/4) + (3/4)(2/4) = 1/2; kappa (3/4 - 1/2) / (1/2) = 1/2
    cost = code_agreement(segments, codes).set_index("code").loc["compute-cost"]
    assert cost.units == 4 and cost.percent == pytest.approx(0.75)
    assert cost.cohen_kappa == pytest.approx(0.5)
    themes = theme_frequencies(segments, codes).set_index(["level", "name"])
    # consensus (at least half the coders): compute-cost on the first passage and on p-2's
    assert themes.loc[("code", "compute-cost"), "segments"] == 2
    assert themes.loc[("code", "compute-cost"), "interviews"] == 2
    assert themes.loc[("theme", "Compute"), "segment_share"] == pytest.approx(2 / 4)


def test_other_tools_through_a_column_mapping_and_bad_input(taguette):
    from crossforge.content.interviews import import_coded_csv, parse_column_mapping

    folder, _ = taguette
    (folder / "other.csv").write_text("Interview,Quote,Code\nP-9,Some text,compute-cost\n")
    mapping = parse_column_mapping("interview=Interview, segment=Quote, code=Code")
    segments = import_coded_csv([folder / "other.csv"], ["cy"], mapping)
    assert segments[["interview", "coder", "code"]].to_numpy().tolist() == [
        ["P-9", "cy", "compute-cost"]]
    with pytest.raises(ConfigError, match="map them with --columns"):
        import_coded_csv([folder / "other.csv"], ["cy"])
    with pytest.raises(ConfigError, match="one distinct coder"):
        import_coded_csv([folder / "ana.csv", folder / "bob.csv"], ["ana"])
    with pytest.raises(ConfigError, match="FIELD=COLUMN"):
        parse_column_mapping("speaker=Name")
