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
