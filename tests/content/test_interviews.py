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
    from crossforge.content.interviews import theme_measures, write_template

    codebook = write_template("codebook", tmp_path)
    assert not (tmp_path / "interview_guide.md").exists()  # each command writes its own file
    codes = read_codebook(codebook)
    assert {code.theme for code in codes} == FACTORS
    assert all(code.description and code.example for code in codes)
    explains = theme_measures(codebook)
    assert set(explains) == FACTORS and all(explains.values())
    guide = write_template("guide", tmp_path).read_text(encoding="utf-8")
    for heading in ("Collaboration intensity", "Openness", "User innovation", "Consent"):
        assert heading in guide
    # the starter codebook is the one `interviews code` reads: a segment coded with it passes
    (tmp_path / "s.csv").write_text("interview,segment,coder,code\np-1,1,ana,compute-cost\n")
    assert len(read_segments(tmp_path / "s.csv", codes)) == 1
    for name in ("guide", "codebook"):
        with pytest.raises(ConfigError, match="not overwriting"):
            write_template(name, tmp_path)


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
    from crossforge.content.interviews import write_template

    (tmp_path / "ana.csv").write_text(TAGUETTE_ANA)
    (tmp_path / "bob.csv").write_text(TAGUETTE_BOB)
    codebook = write_template("codebook", tmp_path / "guide")
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


# A hand-computed example: two coders, two interviews (g1 on GitHub, h1 on the Hub), five
# segments. Presence of compute-cost per segment (h1/1, h1/2, h1/3, g1/1, g1/2):
#   ana 1 0 0 0 1, ben 1 1 0 0 0.
#   agreement 3/5 = 0.6; kappa: chance 0.4·0.4 + 0.6·0.6 = 0.52, (0.6 − 0.52) / 0.48 = 1/6.
#   alpha: coincidences yes-yes 2, no-no 4, yes-no 2 + no-yes 2 over n = 10 values (4 yes,
#   6 no): D_o = 4/10, D_e = 2·4·6 / (10·9) = 48/90, alpha = 1 − 0.4 / (48/90) = 0.25.
# Presence of blackbox-opaque-behaviour: ana 0 1 1 0 0, ben 0 0 1 0 0.
#   agreement 4/5; kappa: chance 0.4·0.2 + 0.6·0.8 = 0.56, (0.8 − 0.56) / 0.44 = 6/11.
#   alpha: yes-yes 2, no-no 6, disagreeing pairs 2 over 10 values (3 yes, 7 no):
#   D_o = 2/10, D_e = 2·3·7 / 90 = 42/90, alpha = 1 − 0.2 / (42/90) = 4/7.
# Themes by consensus (a code counts when at least half of the 2 coders applied it):
#   Compute on h1/1, h1/2, g1/2: 3 segments in 2 interviews (Hub 2 in 1, GitHub 1 in 1);
#   Black-box nature on h1/2, h1/3: 2 segments in 1 interview (Hub only).
HAND_SEGMENTS = """interview,segment,coder,code,quote
h1,1,ana,compute-cost,We cannot retrain it.
h1,1,ben,compute-cost,
h1,2,ana,blackbox-opaque-behaviour,
h1,2,ben,compute-cost,
h1,3,ana,blackbox-opaque-behaviour,
h1,3,ben,blackbox-opaque-behaviour,
g1,1,ana,,
g1,1,ben,,
g1,2,ana,compute-cost,
g1,2,ben,,
"""
HAND_INTERVIEWEES = "pseudonym,platform,role,stratum\nh1,huggingface,adapter,\ng1,github,owner,\n"


@pytest.fixture
def hand(tmp_path):
    from crossforge.content.interviews import write_template

    codebook = write_template("codebook", tmp_path)
    (tmp_path / "segments.csv").write_text(HAND_SEGMENTS)
    (tmp_path / "interviewees.csv").write_text(HAND_INTERVIEWEES)
    return tmp_path, codebook


def test_agreement_and_theme_counts_match_the_hand_computation(hand):
    from crossforge.content.interviews import read_groups, theme_frequencies_by_group

    folder, codebook = hand
    codes = read_codebook(codebook)
    segments = read_segments(folder / "segments.csv", codes)
    table = code_agreement(segments, codes).set_index("code")
    cost, opaque = table.loc["compute-cost"], table.loc["blackbox-opaque-behaviour"]
    assert (cost.units, cost.percent) == (5, pytest.approx(0.6))
    assert cost.cohen_kappa == pytest.approx(1 / 6)
    assert cost.krippendorff_alpha == pytest.approx(0.25)
    assert opaque.percent == pytest.approx(0.8)
    assert opaque.cohen_kappa == pytest.approx(6 / 11)
    assert opaque.krippendorff_alpha == pytest.approx(4 / 7)
    themes = theme_frequencies_by_group(segments, codes, read_groups(folder / "interviewees.csv"))
    counts = themes[themes.level == "theme"].set_index(["group", "name"])
    assert counts.loc[("all", "Compute"), ["segments", "interviews"]].tolist() == [3, 2]
    assert counts.loc[("all", "Compute"), "segment_share"] == pytest.approx(3 / 5)
    assert counts.loc[("huggingface", "Compute"), "segments"] == 2
    assert counts.loc[("github", "Compute"), "segments"] == 1
    assert counts.loc[("all", "Black-box nature"), ["segments", "interviews"]].tolist() == [2, 1]
    assert ("github", "Black-box nature") not in counts.index


def test_the_joint_display_sets_themes_beside_measured_differences_and_chosen_quotes(hand):
    from crossforge.content.interviews import joint_display, read_groups, theme_measures

    folder, codebook = hand
    codes = read_codebook(codebook)
    segments = read_segments(folder / "segments.csv", codes)
    statistics = pd.DataFrame([
        {"measure": "external_merged_pr_share", "comparison": "raw", "n_github": 40,
         "n_huggingface": 12, "median_github": 0.3, "median_huggingface": 0.0,
         "effect": "cliffs_delta", "effect_value": 0.55, "effect_ci_low": 0.3,
         "effect_ci_high": 0.75},
        {"measure": "external_merged_pr_share", "comparison": "stratified",
         "effect_value": 0.1}])
    display = {row["theme"]: row for row in joint_display(
        segments, codes, theme_measures(codebook), statistics,
        read_groups(folder / "interviewees.csv"))}
    compute = display["Compute"]
    assert (compute["segments"], compute["interviews"], compute["total_interviews"]) == (3, 2, 2)
    assert compute["by_group"] == {"github": {"segments": 1, "interviews": 1},
                                   "huggingface": {"segments": 2, "interviews": 1}}
    merged, external = compute["differences"]
    assert merged["measured"] and merged["effect_value"] == 0.55  # the raw row, not stratified
    assert external == {"measure": "has_external_contribution", "measured": False,
                        **{k: None for k in external if k not in ("measure", "measured")}}
    assert compute["quotes"] == [{"interview": "h1", "quote": "We cannot retrain it."}]
    assert display["Skills"]["segments"] == 0 and display["Skills"]["segment_share"] == 0.0
