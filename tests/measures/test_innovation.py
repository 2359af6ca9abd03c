from datetime import UTC, datetime

import pytest

from crossforge.measures import UserInnovation, adaptation_summary
from crossforge.records import (
    Account,
    Commit,
    Derivation,
    Provenance,
    Repository,
    Thread,
)
from crossforge.store import Store

T0 = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def frame(tmp_path):
    # the Hub counts 9 children of meta/base; the store holds 2 of them
    hub = [Repository("huggingface", name, "model", name.split("/")[0], "user",
                      children_count=9 if name == "meta/base" else None)
           for name in ("meta/base", "u1/ft", "u2/q", "u3/ft-of-ft", "u4/loop")]
    records = hub + [
        Derivation("huggingface", "u1/ft", "meta/base", "finetune"),
        Derivation("huggingface", "u2/q", "meta/base", "quantized"),
        Derivation("huggingface", "u3/ft-of-ft", "u1/ft", "finetune"),
        # dirty lineage: a cycle must not hang the tree walk
        Derivation("huggingface", "u4/loop", "u3/ft-of-ft", "merge"),
        Derivation("huggingface", "u1/ft", "u4/loop", "merge"),
        Repository("github", "o/lib", "code", "o", "user", forks=7),
        Account("github", "ext", "user"),
        Commit("github", "o/lib", "c1", "ext", "ext", None, T0, "ext", None, None, T0),
        Commit("github", "o/lib", "c2", "o", "o", None, T0, "o", None, None, T0),
        Thread("github", "o/lib", 1, "pull_request", "fix", "", "ext", "external", "merged",
               T0, T0, T0),
    ]
    with Store(tmp_path / "s.duckdb") as store:
        store.write(Provenance("t", "u", T0, "0"), records)
        yield UserInnovation().compute(store).set_index("repo")


def test_derivation_trees(frame):
    base = frame.loc["meta/base"]
    assert (base.derivatives_in_store, base.finetunes, base.quantizations) == (2, 1, 1)
    assert base.derivatives == 9 and base.derivatives_source == "childrenModelCount"
    assert base.tree_size == 4  # u1/ft, u2/q, u3/ft-of-ft, u4/loop
    assert base.tree_depth == 3
    assert base.adaptation_index == 1.0


def test_contributions_back_and_fork_fallback(frame):
    lib = frame.loc["o/lib"]
    assert lib.derivatives == 7 and lib.derivatives_source == "forks_count"
    assert lib.external_contributions == 2  # ext's commit and ext's merged pull request
    assert lib.adaptation_index == pytest.approx(7 / 9)


def test_adaptation_summary(frame):
    summary = adaptation_summary(frame.reset_index()).set_index("platform")
    assert summary.loc["huggingface", "derivatives"] == 9  # the one model the Hub counted
    assert summary.loc["huggingface", "derivatives_n"] == 1
    assert summary.loc["huggingface", "pooled_adaptation_index"] == 1.0
    assert summary.loc["huggingface", "finetunes_share"] == 2 / 5  # of the 5 stored edges
    assert summary.loc["github", "improved_share"] == 1.0
