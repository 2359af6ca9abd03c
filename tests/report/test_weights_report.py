"""The report says which estimates it shows (unweighted, design-weighted beside them where a
frame is stratified) and gives an interval and an n to every pooled share it presents."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

import crossforge
from crossforge.records import Commit, Derivation, Provenance, Repository
from crossforge.store import Store

START = datetime(2023, 5, 1, tzinfo=UTC)
PROV = Provenance("test", "unit", datetime(2026, 1, 1, tzinfo=UTC), "0")
#: Hub models (repository, stratum, committers, owner type, children as the Hub counts them):
#: 90 quiet user models in the population, 3 drawn, 2 collected; 10 liked organisation models,
#: 2 drawn and collected, the first the base of the second.
HUB = (("a/quiet-1", "popularity=0", 1, "user", 0),
       ("a/quiet-2", "popularity=0", 1, "user", 0),
       ("b/liked-1", "popularity=10-99", 6, "organization", 12),
       ("b/liked-2", "popularity=10-99", 8, "organization", 1))
STRATIFIED = {"method": "hub-listing", "design": "stratified", "strata": ["popularity"],
              "allocation": "equal", "strata_sizes": {"popularity=0": {"N": 90, "n": 3},
                                                      "popularity=10-99": {"N": 10, "n": 2}}}
GITHUB = (("x/tool", 3, "organization", 4), ("y/lib", 5, "user", 0), ("z/app", 2, "user", 1))


def records(platform: str, repo: str, committers: int, owner_type: str, derivatives: int
            ) -> list[object]:
    hub = platform == "huggingface"
    out: list[object] = [Repository(
        platform, repo, "model" if hub else "code", repo.split("/")[0], owner_type, START,
        START, 1, forks=None if hub else derivatives,
        children_count=derivatives if hub else None)]
    out += [Commit(platform, repo, f"{repo}{i}".encode().hex()[:40].ljust(40, "0"),
                   f"dev{i}", None, None, START + timedelta(days=i), None, None, None,
                   START + timedelta(days=i)) for i in range(committers)]
    return out


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("weights")
    db = tmp / "study.duckdb"
    with Store(db) as store:
        for repo, _, committers, owner, children in HUB:
            store.write(PROV, records("huggingface", repo, committers, owner, children))
        for repo, committers, owner, forks in GITHUB:
            store.write(PROV, records("github", repo, committers, owner, forks))
        store.write(PROV, [Derivation("huggingface", "b/liked-2", "b/liked-1", "finetune")])
        drawn = [*HUB, ("a/quiet-3", "popularity=0", 0, "user", 0)]
        store.write_frame("main", "huggingface", [h[0] for h in drawn], STRATIFIED,
                          strata=[h[1] for h in drawn])
        store.write_frame("main", "github", [g[0] for g in GITHUB], {"method": "list",
                                                                    "design": "simple"})
    paths = crossforge.report(db, tmp / "r")
    return {name: paths[name].read_text(encoding="utf-8") for name in ("md", "html")}


def _section(text: str, heading: str) -> str:
    return text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_the_report_says_which_estimates_it_shows(report: dict[str, str]) -> None:
    weights = _section(report["md"], "Design weights")
    assert ("- GitHub (OSS): frame main: a list of repositories, not a probability sample: "
            "weights do not apply") in weights
    assert "stratified frame `main` (popularity; 2 strata, population 100)" in weights
    assert "Shown in this report: unweighted estimates" in weights
    row = next(line for line in weights.splitlines() if line.startswith("| contributors |"))
    # Hub weighted mean (45·1 + 45·1 + 5·6 + 5·8) ÷ 100 = 1.6 beside GitHub's 10/3.
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "design: huggingface" and cells[5] == "1.6"
    assert cells[6].startswith("0.48 [") and cells[7].startswith("1.2 [")
    assert "<h2>Design weights</h2>" in report["html"]
    assert "population 100" in report["html"]


def test_pooled_shares_have_an_interval_and_an_n(report: dict[str, str]) -> None:
    interval = r"\d[\d.]* \[\d[\d.e-]*, \d[\d.e-]*\]"
    organisations = _section(report["md"], "Organisations and individuals")
    hub = next(line for line in organisations.splitlines() if line.startswith("| Hugging Face Hub"))
    assert re.search(rf"\| 4 \| 4 \| {interval} \| {interval} \|", hub), hub
    assert "Design-weighted, Hugging Face Hub (OSM): owned by organisations 0.1 [" in organisations
    innovation = _section(report["md"], "User innovation: adapting vs improving")
    assert re.search(rf"\| {interval}; design-weighted {interval} \|", innovation), innovation
    beyond = _section(report["md"], "Beyond the seed study")
    assert re.search(rf"Hub \(OSM\) {interval} \(n = 1 upstream repositories\)", beyond), beyond
    seed = _section(report["md"], "Seed comparison: published reference figures beside your "
                                  "data")
    organisation_row = next(line for line in seed.splitlines() if "49.8%" in line)
    assert re.search(r"\d+\.\d% \[\d+\.\d%, \d+\.\d%\].*n = 4 Hub repositories",
                     organisation_row), organisation_row
    adaptation_row = next(line for line in seed.splitlines() if "adaptive utilisation" in line)
    assert re.search(rf"Hub \(OSM\) {interval} \(n = 4\), design-weighted {interval}",
                     adaptation_row), adaptation_row
    assert "design-weighted (design: huggingface) Hub ÷ GitHub = " in seed
    assert "contributions back)): GitHub " in report["html"]


def test_every_seed_row_names_its_quantity_and_every_ratio_has_an_interval(
        report: dict[str, str]) -> None:
    seed = _section(report["md"], "Seed comparison: published reference figures beside your "
                                  "data")
    rows = [line for line in seed.splitlines() if line.startswith("| ")][2:]
    findings = {line.split(" | ")[0].lstrip("| ") for line in rows}
    assert {"Openness: direct contribution vs knowledge exchange, OSM vs OSS",
            "User innovation: adaptive utilisation vs collaborative improvement"} <= findings
    for line in rows:
        yours = line.rstrip(" |").rsplit(" | ", 1)[1]
        assert re.search(r"`[a-z_]+`", yours) or "not measured" in yours, line
        for ratio in re.finditer(r"Hub ÷ GitHub = ([^;|]+)", yours):
            assert re.fullmatch(r"[\d.e-]+ \[[\d.e-]+, [\d.e-]+\](, n = .*)?", ratio[1].strip()), \
                ratio[1]
