"""The public operations; the CLI is a thin wrapper over each of them.

Example:
    >>> import crossforge
    >>> crossforge.import_git("clones/requests", repo="psf/requests", platform="github",
    ...                       db="study.duckdb")                       # doctest: +SKIP
    {'repositories': 1, 'commits': 6489, 'accounts': 803}
    >>> crossforge.measure(db="study.duckdb", out="out")              # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pandas as pd

from crossforge._version import __version__
from crossforge.clones import ClonesSummary as ClonesSummary
from crossforge.clones import import_clones as import_clones
from crossforge.clones import import_git
from crossforge.collection import frames
from crossforge.collection.collector import Caps, CollectionProgress, CollectionSummary, Collector
from crossforge.collection.collector import rebuild as rebuild_store
from crossforge.collection.design import Design
from crossforge.collection.forum_plan import ForumCaps, ForumPlan, ForumSummary
from crossforge.defaults import COMPARED_KINDS, DEFAULT_RAW
from crossforge.errors import ConfigError, writing_into
from crossforge.records import Commit, Provenance, Repository, check_platform, check_repo_id
from crossforge.sources import hub_metadata
from crossforge.sources.discourse import HF_FORUM_URL, DiscourseSource
from crossforge.sources.github import GitHubSource
from crossforge.sources.github_app import AppCredentials, InstallationAuth
from crossforge.sources.http import GITHUB_SECONDARY_POINTS, ApiClient
from crossforge.sources.hub import HubSource
from crossforge.sources.raw import RawStore
from crossforge.spreadsheet import write_csv
from crossforge.store import DEFAULT_DB, Store, queries, shards, snapshot, verification
from crossforge.store.snapshot import export_snapshot
from crossforge.store.verification import TableCheck
from crossforge.study import IncompleteStep, Step, Study, write_template
from crossforge.worlds import corpus as corpus_source
from crossforge.worlds import synthetic
from crossforge.worlds.files import read_world, unobserved_values


class Stage(NamedTuple):
    """How far a step of a long command has come, for a progress display: ``done`` of
    ``total`` (``None`` when unknown beforehand) ``unit``. A stage ends when the next one
    starts, or the command returns."""

    name: str
    done: int
    total: int | None
    unit: str


#: GitHub's documented primary rate limits, requests an hour.
GITHUB_HOURLY = {"anonymous": 60, "token": 5_000, "app": 5_000}
#: The Hub's documented API limits, calls per 5 minutes.
HUB_PER_5_MINUTES = {"anonymous": 500, "token": 1_000}


if TYPE_CHECKING:  # imported where used: scikit-learn, SciPy, igraph and matplotlib are slow
    from crossforge.collection.collector import RebuildSummary
    from crossforge.content import classify, labelling
    from crossforge.emulator import Emulator
    from crossforge.measures import MeasureResult
    from crossforge.report.interviews import CodedInterviews

GITHUB_API = "https://api.github.com"
HUB_URL = "https://huggingface.co"


class GitHubApp(NamedTuple):
    """A GitHub App to collect as: each ``None`` falls back to its ``GITHUB_APP_*`` variable
    (unless ``environment`` is false, as for the demo's own emulator)."""

    app_id: str | None = None
    installation_id: str | None = None
    private_key_path: str | Path | None = None
    environment: bool = True


def _provenance(source: str, origin: str) -> Provenance:
    return Provenance(source=source, origin=origin, fetched_at=datetime.now(UTC),
                      tool_version=__version__)


def import_hub_metadata(path: str | Path, *, db: str | Path = DEFAULT_DB) -> dict[str, int]:
    """Import a Hub metadata dump (``ModelInfo`` rows as JSON lines or Parquet).

    Models become repositories; base-model links and lineage lists become derivations
    (see ``crossforge.sources.hub_metadata``). Importing the same dump twice changes nothing.
    """
    records = hub_metadata.list_records(path)
    with Store(db) as store:
        return store.write(_provenance(hub_metadata.SOURCE, str(Path(path).resolve())), records)


def world_from_corpus(corpus: str | Path, out: str | Path, *,
                      repos: Iterable[str] | None = None,
                      models: int | None = None) -> dict[str, int]:
    """Build an emulator world file from a directory of real public data.

    Args:
        corpus: a directory with the corpus files (``git_commits.csv.gz``,
            ``git_pull_heads.csv.gz``, ``hf_models.jsonl.gz``, ``github_issues_*.jsonl.gz``).
        out: the world file to write (JSON lines; gzip-compressed when it ends in ``.gz``).
        repos: only these repositories of the commit, pull-request and issue files
            (default: all of them).
        models: only this many Hub models, drawn deterministically (default: all, or only
            those named in ``repos`` when ``repos`` is given).

    Returns:
        Records written per record type. What the corpus lacks and the world derives is
        listed in ``docs/worlds.md``.

    Raises:
        ConfigError: the corpus directory is missing or holds no corpus file, a repository
            id is malformed, or ``models`` is negative.
    """
    chosen = tuple(check_repo_id(r) for r in repos) if repos is not None else None
    if models is not None and models < 0:
        raise ConfigError(f"--models must be 0 or more, not {models}")
    selection = corpus_source.CorpusSelection(repos=chosen, models=models)
    return corpus_source.write_corpus_world(corpus, out, selection)


def mark_unobserved(world: str | Path, *, db: str | Path = DEFAULT_DB) -> dict[str, int]:
    """Make unknown in a store collected from ``world`` (through the emulator) the values the
    world did not observe, which the emulator served as the contracts' placeholders (0 forks
    or stars, a user owner): run it after every collection from such a world.

    Returns:
        Per field, how many stored values were made unknown.

    Raises:
        ConfigError: the world file or the store is missing, or a world line is bad.
    """
    if not Path(db).is_file():
        raise ConfigError(f"store {db} does not exist")
    unobserved = unobserved_values(read_world(world))
    with Store(db) as store:
        return {field: store.forget_values(field, pairs) for field, pairs in unobserved.items()}


def validate_relations(path: str | Path) -> dict:
    """Agreement of relation inference with the Hub's hidden relation tags on a dump."""
    from crossforge.measures.relations import validate_relation_inference

    checks = (hub_metadata.hidden_tag_check(e) for e in hub_metadata.read_entries(path))
    return validate_relation_inference(c for c in checks if c is not None)


def classify_csv(path: str | Path, output: str | Path, *, labels: list[str] | None = None,
                 model: str | Path | None = None) -> pd.DataFrame:
    """Label the threads of a CSV (``title``, ``body``) and write them back with ``label`` and
    one ``p_<class>`` column per class; ``labels`` restricts the prediction to a subset.
    Text a spreadsheet would run as a formula is quoted in the file, not in the frame
    returned (``crossforge.spreadsheet``)."""
    from crossforge.content import classify

    result = classify.classify_frame(classify.read_threads(path), classify.load_model(model),
                                     labels)
    write_csv(result, output)
    return result


def classify_store(db: str | Path = DEFAULT_DB, *, labels: list[str] | None = None,
                   model: str | Path | None = None,
                   include: Sequence[str] = ()) -> dict[str, int]:
    """Label the store's issues and discussions by people (table ``thread_labels``), plus
    ``pull_requests`` and/or ``bots`` when ``include`` names them; returns counts per type."""
    from crossforge.content import classify
    from crossforge.content.classify.stored import ThreadScope, classify_threads

    scope = ThreadScope.including(include)
    classifier = classify.load_model(model)
    with Store(db) as store:
        return classify_threads(store, classifier, str(model or "default"), labels, scope)


def thread_scope(include: Sequence[str] = ()) -> str:
    """In words, which threads ``classify_store`` labels and type shares count with
    ``include`` (``pull_requests``, ``bots``)."""
    from crossforge.content.classify.stored import ThreadScope

    return ThreadScope.including(include).describe()


def train_classifier(labelled: str | Path | None, out: str | Path, *,
                     embeddings: bool = False, finetuned: bool = False,
                     from_store: str | Path | None = None) -> classify.Evaluation:
    """Train a model from a labelled CSV and save it to ``out``
    (see ``crossforge.content.classify``);
    ``embeddings`` adds sentence-embedding features (optional package); ``finetuned``
    fine-tunes the sentence encoder and writes a directory (needs torch). ``from_store`` adds
    the human labels of that store (``crossforge label import``) to the CSV's, or replaces it
    when ``labelled`` is ``None``."""
    from crossforge.content import classify

    frames = [classify.read_labelled(labelled)] if labelled is not None else []
    if from_store is not None:
        frames.append(human_labels(from_store))
    if not frames:
        raise ConfigError("train needs a labelled CSV, --from-store, or both")
    return classify.train(pd.concat(frames, ignore_index=True), out, embeddings=embeddings,
                          finetuned=finetuned)[1]


def evaluate_classifier(labelled: str | Path | None, *, from_store: str | Path | None = None,
                        model: str | Path | None = None) -> classify.Evaluation:
    """Cross-validated scores of the default configuration on a labelled CSV; or, with
    ``from_store``, the scores of ``model`` (default: the shipped one) against that store's
    human labels, which it was not trained on unless you trained it ``--from-store``."""
    from crossforge.content import classify

    if from_store is None:
        if labelled is None:
            raise ConfigError("evaluate needs a labelled CSV or --from-store")
        return classify.evaluate(classify.read_labelled(labelled))
    frame = human_labels(from_store)
    predicted = classify.classify_frame(frame, classify.load_model(model))["label"]
    return classify.score(frame["label"], predicted,
                          f"model {model or 'default'} against {len(frame):,} human labels")


def human_labels(db: str | Path = DEFAULT_DB) -> pd.DataFrame:
    """The store's human type labels with their threads' text (``platform, repo, number,
    kind, title, body, label, resolution, weight``)."""
    from crossforge.content.labelling.stored import read_human_labels

    with Store(db, read_only=True) as store:
        frame = read_human_labels(store)
    if frame.empty:
        raise ConfigError(f"{db} holds no human labels: run crossforge label import first")
    return frame


def export_labelling_sample(db: str | Path = DEFAULT_DB, out: str | Path = "sample.csv", *,
                            size: int = 300, seed: int = 0,
                            strata: Sequence[str] | None = None, minimum: int = 5,
                            coders: str | int | Sequence[str] = 2) -> list[Path]:
    """Draw a stratified sample of the store's threads for human labelling and write it to
    ``out`` with one blank file per coder (``OUT.CODER.csv``); returns the paths written.

    Strata (default): ``platform``, ``kind`` and ``label`` (the classifier's prediction, when
    the threads were classified); proportional allocation with at least ``minimum`` threads per
    stratum, so rare types appear; each row carries its design weight.
    """
    from crossforge.content import labelling
    from crossforge.content.labelling.stored import sample_threads

    names = labelling.coder_names(coders)
    with Store(db, read_only=True) as store:
        threads = sample_threads(store)
    sample = labelling.draw_sample(threads, size=size, seed=seed,
                                   strata=labelling.STRATA if strata is None else strata,
                                   minimum=minimum)
    return labelling.write_sample(sample, out, names)


def serve_labelling(sample: str | Path, coder: str, *, labels: Sequence[str] | None = None,
                    port: int = 8765, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve the labelling page for ``coder`` on ``http://127.0.0.1:PORT`` until Ctrl-C.

    Labels go to ``SAMPLE.CODER.csv`` (see ``crossforge.content.labelling.server``); ``on_ready``
    gets the page's URL once the server listens.
    """
    from crossforge.content import classify
    from crossforge.content.labelling.server import LabellingSession, make_server

    _check_port(port)
    session = LabellingSession(sample, coder, labels or classify.TAXONOMY)
    server = make_server(session, port)
    try:
        if on_ready is not None:
            on_ready(f"http://127.0.0.1:{server.server_address[1]}/")
        server.serve_forever()
    finally:
        server.server_close()


def import_labels(coder_files: Sequence[str | Path], *, db: str | Path = DEFAULT_DB,
                  resolved: str | Path | None = None, disagreements: str | Path | None = None,
                  labels: Sequence[str] | None = None) -> labelling.LabelImport:
    """Compare coders' label files, list their disagreements, store the agreed labels.

    Args:
        coder_files: two or more coder files (``crossforge label export`` / ``serve``).
        db: the store the sample was drawn from; labels are stored in ``human_labels``.
        resolved: a CSV (``platform, repo, number, label``; the disagreements file with its
            ``label`` column filled in) whose labels are stored too, as ``resolved``.
        disagreements: where to write the disagreements (default ``disagreements.csv``
            beside the first coder file).
        labels: the taxonomy (default: ``crossforge.content.classify.TAXONOMY``).

    Raises:
        ConfigError: fewer than two files, a coder twice, a file without labels, a label
            outside the taxonomy, missing columns, or threads not in the store.
    """
    from crossforge.content import classify, labelling
    from crossforge.content.labelling.stored import check_threads, write_disagreements

    classes = list(labels or classify.TAXONOMY)
    coded = labelling.read_coders(coder_files, classes)
    fixed = (labelling.read_resolved(resolved, classes) if resolved is not None
             else pd.DataFrame(columns=[*labelling.KEY, "label"]))
    target = Path(disagreements or Path(coder_files[0]).with_name("disagreements.csv"))
    rewrite = resolved is None or target.resolve() != Path(resolved).resolve()
    with Store(db) as store:
        check_threads(store, pd.concat([coded[labelling.KEY], fixed[labelling.KEY]]))
        comparison = labelling.compare(coded, classes)
        if comparison.overall.units == 0:
            raise ConfigError("the coder files share no thread labelled by two coders: were "
                              "they exported from the same sample?")
        if rewrite:
            write_disagreements(store, comparison.disagreements, target)
        stored = labelling.human_labels(coded, fixed)
        origin = ", ".join(str(Path(p).resolve()) for p in [*coder_files, *(
            [resolved] if resolved is not None else [])])
        store.write_human_labels(stored, _provenance("human-labels", origin))
    counts = stored["resolution"].value_counts()
    return labelling.LabelImport(comparison, int(counts.get("agreed", 0)),
                                 int(counts.get("resolved", 0)), target if rewrite else None)


def measure(
    db: str | Path = DEFAULT_DB,
    out: str | Path = "crossforge-out",
    *,
    n_bootstrap: int = 1000,
    seed: int = 0,
    engine: str = "duckdb",
    threads: int | None = None,
    memory_limit: str | None = None,
    kinds: Sequence[str] = COMPARED_KINDS,
    frame: str | None = None,
    type_shares_include: Sequence[str] = (),
) -> MeasureResult:
    """Compute every measure and the platform comparison, and write them into ``out``.

    Writes ``repositories.csv`` and ``.parquet`` (per repository), ``organisations.csv``
    and ``innovation.csv`` (per platform), ``derivations.csv`` (``child, parent, relation,
    relation_source``), ``networks.json``, ``statistics.json`` and ``.parquet`` (tests,
    effect sizes, intervals) and ``summary.json`` (per-platform medians and means); beyond
    the seed study ``trends.csv``, ``survival.csv``, ``migration.csv``, ``pairs.csv`` and
    ``paired_tests.csv`` (Hub–GitHub project pairs), ``documentation.csv`` (section shares)
    and ``datasets.csv`` (the model–dataset graph's datasets); knowledge exchange by channel
    in ``knowledge_exchange.csv`` (per repository and channel),
    ``knowledge_exchange_channels.csv`` (per platform and channel) and
    ``knowledge_exchange_tests.csv`` (the platforms compared);
    ``size_strata.csv`` and ``size_trends.csv`` (openness and improvement by size,
    ``docs/statistics.md``); ``people_matches.csv`` (Hub and GitHub accounts
    matched, ``docs/people.md``; their share in ``statistics.json``).

    Args:
        db: the store, opened read-only.
        out: output directory.
        n_bootstrap: bootstrap resamples for effect-size intervals.
        seed: seed of the bootstrap.
        engine: where the measures' SQL runs: ``duckdb`` (the store itself) or ``spark``
            (local Apache Spark on a Parquet export of the store; needs the ``spark`` extra).
            Both run the same SQL text and give the same results (``docs/measures.md``).
        threads: worker threads of the engine (default: all cores).
        memory_limit: the engine's memory cap, e.g. ``"6GB"`` (default: the engine's own).
        kinds: the repository kinds measured: GitHub ``code`` and Hub ``model`` by default,
            so Hub datasets and spaces in the same store never enter the model comparison;
            add ``dataset`` or ``space`` (or measure them alone) deliberately.
        frame: measure only this frame's repositories. By default the study's: every
            frame's plus those ``import git`` brought, or everything stored when the store
            holds no frame (so a Hub metadata dump adds lineage, not measured repositories);
            lineage reads every stored derivation either way.
        type_shares_include: thread-type shares are of issues and discussions by people;
            ``pull_requests`` and/or ``bots`` add those threads.

    Raises:
        StoreError: the store does not exist or cannot be read.
        ConfigError: ``out`` exists and is not a directory, the engine is unknown or
            not installed, or the store holds no such frame.
    """
    from crossforge.content.classify.stored import ThreadScope
    from crossforge.measures.pipeline import run_measures

    scope = ThreadScope.including(type_shares_include)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"output path {out} exists and is not a directory")
    with Store(db, read_only=True) as store:
        return run_measures(store, out, synthetic=queries.has_source(store, synthetic.SOURCE),
                            n_bootstrap=n_bootstrap, seed=seed, engine=engine,
                            threads=threads, memory_limit=memory_limit, kinds=kinds,
                            frame=frame, type_share_scope=scope)


def report(db: str | Path = DEFAULT_DB, out: str | Path = "crossforge-out", *,
           kinds: Sequence[str] = COMPARED_KINDS, frame: str | None = None,
           figure_formats: Sequence[str] = ("svg",),
           on_stage: Callable[[Stage], None] | None = None,
           interviews: CodedInterviews | None = None, n_bootstrap: int = 1000,
           seed: int = 0) -> dict[str, Path]:
    """Measure the store and write the report into ``out``: ``report.html`` (self-contained),
    ``report.md``, LaTeX tables in ``tables/`` and figures in ``figures/`` (SVG, plus PNG
    and PDF when ``figure_formats`` names them). ``kinds``, ``frame``, ``n_bootstrap`` and
    ``seed`` as for ``measure`` (the study's code and models by default). ``on_stage`` hears
    the stages ``measure``, ``figures`` (a count per figure drawn) and ``report``.
    ``interviews`` (``coded_interviews``) adds the interviews' joint display."""
    from crossforge.measures.engine import restrict_repositories
    from crossforge.report import write_report
    from crossforge.report.figures import report_formats
    from crossforge.report.interviews import interview_context

    formats = report_formats(figure_formats)
    if interviews is not None:  # a bad codebook or segments file fails before the measures
        interview_context(interviews, None)
    tell = on_stage or (lambda stage: None)
    tell(Stage("measure", 0, None, "repositories"))
    result = measure(db, out, kinds=kinds, frame=frame, n_bootstrap=n_bootstrap, seed=seed)
    tell(Stage("measure", len(result.repositories), len(result.repositories), "repositories"))
    with Store(db, read_only=True) as store:
        restrict_repositories(store, kinds=tuple(kinds), frame=frame)
        sources = queries.provenance_summary(store)
    section = (None if interviews is None
               else interview_context(interviews, result.statistics))
    return {**result.paths, **write_report(
        Path(out), result, sources=sources, figure_formats=formats,
        on_file=lambda stage, done: tell(Stage(stage, done, None, "figures" if stage == "figures"
                                               else "files")), interviews=section)}


def sample(platform: str, *, db: str | Path = DEFAULT_DB, frame: str = "main",
           from_list: str | Path | None = None, search: str | None = None,
           created: str | None = None, stars: str | None = None,
           from_gharchive: Sequence[str | Path] = (), from_frame: str | None = None,
           size: int | None = None, seed: int = 0, strata: Sequence[str] = (),
           allocation: str = "proportional", min_activity: int | None = None,
           min_popularity: int | None = None, exclude_forks: bool = False,
           exclude_mirrors: bool = False, exclude_archived: bool = False,
           author: str | None = None, max_listed: int | None = None, kind: str = "models",
           max_id: int = frames.GITHUB_MAX_ID, raw: str | Path = DEFAULT_RAW,
           endpoint: str | None = None, token_env: str | Sequence[str] | None = None,
           github_app: GitHubApp | None = None, replace: bool = False,
           on_window: Callable[[str, int], None] | None = None) -> frames.SampledFrame:
    """Draw a reproducible sampling frame and store it with its parameters.

    The population comes from one method: ``from_list`` (a file of ``OWNER/NAME`` lines),
    ``search`` (GitHub search windows over ``created`` and ``stars``), ``from_gharchive``
    (GH Archive dump files or directories), ``from_frame`` (an earlier frame with its
    collected metadata), or, with none of these, the Hub listing or uniform random GitHub
    repository ids. Filters apply to what the method knows at sampling time; the design is
    simple random or stratified. ``docs/collection.md`` lists what each method costs.

    Args:
        size: how many to draw (all eligible, shuffled, when None; random ids need it).
        seed: the random seed; the same seed and population give the same frame.
        created: ``FROM..TO`` dates: the search's range, otherwise a filter.
        stars: ``MIN..MAX`` (``*`` for no maximum), search only.
        strata: ``year``, ``popularity`` and/or ``activity``; ``allocation`` proportional
            or equal.
        min_activity: GH Archive events (not stars or forks) or Hub downloads.
        min_popularity: GitHub stars or Hub likes.
        author: Hub only, restrict the listing to one author or organisation.
        max_listed: Hub only, stop the listing after this many models.
        kind: Hub listing only, ``models`` (default), ``datasets`` or ``spaces``; the frame
            holds repository keys (``datasets/OWNER/NAME``) and ``params.kind`` says which.
        max_id: GitHub random ids only, the largest repository id to draw.
        endpoint, token_env: API base URL and the environment variable(s) holding tokens.
        github_app: a GitHub App instead of tokens (see ``collect``).
        replace: replace the platform's part of ``frame`` when it exists (otherwise that is
            an error, raised before any request); an empty draw never replaces it.
        on_window: called after each search window with its query and the repositories
            found so far (for progress displays).
    """
    check_platform(platform)
    methods = [name for name, given in (("--from-list", from_list is not None),
                                         ("--search", search is not None),
                                         ("--from-gharchive", bool(from_gharchive)),
                                         ("--from-frame", from_frame is not None)) if given]
    if len(methods) > 1:
        raise ConfigError(f"choose one population: {' or '.join(methods)}")
    if (search is not None or from_gharchive) and platform != "github":
        raise ConfigError(f"{methods[0]} builds GitHub frames: use crossforge sample github")
    if kind not in ("models", "datasets", "spaces"):
        raise ConfigError(f"unknown --kind {kind!r}: use models, datasets or spaces")
    if kind != "models" and (platform != "huggingface" or methods):
        raise ConfigError("--kind lists Hub datasets or spaces: use it with crossforge sample "
                          "huggingface and no other population option")
    if stars is not None and search is None:
        raise ConfigError("--stars is a search range: use it with --search "
                          "(--min-popularity filters other frames)")
    filters = frames.Filters(
        min_activity=min_activity, min_popularity=min_popularity, exclude_forks=exclude_forks,
        exclude_mirrors=exclude_mirrors, exclude_archived=exclude_archived,
        created=frames.parse_dates(created) if created else None)
    design = Design(size=size, seed=seed, strata=tuple(strata), allocation=allocation)
    population = frames.Population(
        platform, from_list=from_list, search=search,
        stars=frames.parse_counts(stars) if stars else (0, None),
        from_gharchive=tuple(from_gharchive), from_frame=from_frame, kind=kind[:-1],
        author=author, max_listed=max_listed, max_id=max_id)
    filters.check(population.method)
    design.check(population.method)
    if population.method == "github-random-ids":
        if size is None:
            raise ConfigError("a GitHub random-id sample needs --size")
        if strata:
            raise ConfigError("--strata needs a whole population: random ids draw one "
                              "repository at a time")
    return frames.sample_frame(
        db, frame, population, filters, design, replace=replace, on_window=on_window,
        clients=lambda: _clients(raw, github_url=endpoint, hub_url=endpoint,
                                 github_token_env=token_env, hf_token_env=token_env,
                                 github_app=github_app))


def collect(db: str | Path = DEFAULT_DB, *, frame: str = "main", raw: str | Path = DEFAULT_RAW,
            github_url: str | None = None, hub_url: str | None = None,
            github_token_env: str | Sequence[str] | None = None,
            hf_token_env: str | Sequence[str] | None = None,
            on_progress: Callable[[CollectionProgress], None] | None = None,
            shard: str | None = None, conditional: bool = False,
            github_app: GitHubApp | None = None,
            max_commits: int | None = None, max_threads: int | None = None,
            max_comments: int | None = None,
            on_notice: Callable[[str], None] | None = None,
            max_profiles: int = 0,
            forum_url: str | None = None, forum_name: str | None = None,
            forum_categories: Sequence[str] = (), forum_max_topics: int | None = None,
            forum_since: str | None = None, forum_sample: int | None = None,
            forum_seed: int = 0,
            on_forum_page: Callable[[ForumSummary], None] | None = None) -> CollectionSummary:
    """Collect every repository of a stored frame; re-running continues where it stopped.

    Tokens are read from the environment variables named (a name or a list of names; default
    ``GITHUB_TOKEN``, which may hold several tokens separated by commas, and ``HF_TOKEN``);
    they are never written.
    ``on_progress`` gets a ``CollectionProgress`` after every page and finished repository:
    repositories done of the frame and the remaining rate-limit budget with its reset.
    ``shard="I/N"`` collects only the repositories of shard I of N (``crossforge.store.shards``).
    ``conditional`` asks with the ETags of answers already in ``raw``: re-collecting into a
    fresh database costs nothing for unchanged pages (GitHub does not charge a 304).
    ``github_app`` (app id, installation id, private key file; each ``None`` falls back to
    ``GITHUB_APP_ID``, ``GITHUB_APP_INSTALLATION_ID``, ``GITHUB_APP_PRIVATE_KEY_PATH`` or
    the PEM in ``GITHUB_APP_PRIVATE_KEY``) collects GitHub as an App installation instead of
    with tokens: installation tokens are made from a signed JWT and renewed before they
    expire (``crossforge.sources.github_app``); none of the three secrets is ever written.
    ``max_commits``, ``max_threads`` and ``max_comments`` cap what one repository may take
    (default: no cap); a repository stopped at a cap is listed in ``summary.truncated`` and
    the store's ``collection_truncations``. A repository whose answers stay unusable is
    listed in ``summary.failed`` (and ``collection_failures``) while the others are
    collected; running again retries it from its checkpoint. ``on_notice`` gets one line per
    platform at the start (the credentials found, the budget they give, how to add one) and
    one before every wait for a rate limit's reset (how long, from when until when).
    ``max_profiles`` looks up the profiles of up to that many contributors per platform
    after the repositories, for matching people across platforms (one Hub request, two
    GitHub requests each; ``docs/people.md``); 0, the default, looks up none.
    ``forum_url`` (e.g. ``HF_FORUM_URL``) also collects that Discourse forum after the
    frame's repositories (with ``shard``, only shard 1 does), under ``forum_name`` (default
    its host): the categories named (default all), at most ``forum_max_topics`` topics per
    category, topics created since ``forum_since`` (``YYYY-MM-DD``), or instead a simple
    random sample of ``forum_sample`` topics drawn by id with ``forum_seed``; its topics are
    linked
    to the frame's repositories (``crossforge.collection.forum_plan``); ``on_forum_page``
    gets the forum's summary so far after every topic-list page.
    """
    caps = Caps(max_commits, max_threads, max_comments)
    if forum_url and not forum_url.startswith(("http://", "https://")):
        raise ConfigError(f"--forum-url {forum_url!r} is not an http(s) URL "
                          f"(e.g. {HF_FORUM_URL})")
    forum_caps = ForumCaps(tuple(forum_categories), forum_max_topics, _day(forum_since),
                           forum_sample, forum_seed)
    if max_profiles < 0:
        raise ConfigError(f"--max-profiles must be at least 0, not {max_profiles}")
    part = shards.parse_shard(shard) if shard else None
    with Store(db) as store:
        repos = store.read_frame(frame)
        if not repos:
            raise ConfigError(f"frame {frame!r} is empty or missing in {db}: "
                              "run crossforge sample first")
        if part is not None:
            repos = shards.select(repos, part)
        with _clients(raw, github_url=github_url, hub_url=hub_url,
                      github_token_env=github_token_env, hf_token_env=hf_token_env,
                      conditional=conditional, github_app=github_app) as (gh, hb):
            if on_notice is not None:
                platforms = {p for p, _ in repos}
                for client, variable in (
                        (gh, ", $".join(_variables(github_token_env, "GITHUB_TOKEN"))),
                        (hb, ", $".join(_variables(hf_token_env, "HF_TOKEN")))):
                    if client.platform in platforms:
                        on_notice(credential_notice(client, variable))
                    client.on_wait = lambda platform, seconds: on_notice(
                        wait_notice(platform, seconds))
            collector = Collector(store, github_source=GitHubSource(gh),
                                  hub_source=HubSource(hb), on_progress=on_progress, caps=caps,
                                  profiles=max_profiles)
            summary = collector.collect(repos)
            if forum_url and (part is None or part[0] == 1):
                summary.forum = _collect_forum(store, gh.raw, forum_url, forum_name,
                                               forum_caps, repos, on_notice, on_forum_page)
            return summary


def _day(text: str | None) -> datetime | None:
    """A ``YYYY-MM-DD`` date as midnight UTC, or a one-line ``ConfigError``."""
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise ConfigError(f"--forum-since {text!r} is not a date (YYYY-MM-DD)") from None


def _collect_forum(store: Store, raw: RawStore, url: str, name: str | None, caps: ForumCaps,
                   frame: list[tuple[str, str]], on_notice: Callable[[str], None] | None,
                   on_page: Callable[[ForumSummary], None] | None) -> ForumSummary:
    """Collect a Discourse forum into ``store`` and link its topics to ``frame``."""
    client = ApiClient(url, "discourse", raw)
    if on_notice is not None:
        client.on_wait = lambda platform, seconds: on_notice(wait_notice("forum", seconds))
    try:
        return ForumPlan(store, DiscourseSource(client, name), caps, on_page).collect(frame)
    finally:
        client.close()


def credential_notice(client: ApiClient, variable: str) -> str:
    """What a platform's client authenticates with, the budget that gives, and how to add
    more: one line, naming the variable, never a token."""
    if client.platform == "github":
        tokens = sum(1 for t in client.tokens if t)
        if client.app is not None:
            return (f"github: a GitHub App installation: {GITHUB_HOURLY['app']:,} requests an "
                    "hour or more (it grows with the installation's repositories and users)")
        if tokens:
            return (f"github: {tokens} token{'s' if tokens > 1 else ''} from ${variable}: "
                    f"{GITHUB_HOURLY['token'] * tokens:,} requests an hour"
                    + (f" ({GITHUB_HOURLY['token']:,} each)" if tokens > 1 else "")
                    + "; several tokens, comma-separated, add up")
        return (f"github: no token (${variable} is empty): {GITHUB_HOURLY['anonymous']} "
                "requests an hour, then a wait of up to an hour; add one with "
                f"export {variable}=<token> (a token with no scopes reads public data: "
                f"{GITHUB_HOURLY['token']:,} an hour; several, comma-separated, add up) or "
                "collect as a GitHub App (--github-app-id)")
    if any(client.tokens):
        return (f"huggingface: a token from ${variable}: {HUB_PER_5_MINUTES['token']:,} API "
                "calls per 5 minutes (a free account; PRO and Enterprise accounts more)")
    return (f"huggingface: no token (${variable} is empty): {HUB_PER_5_MINUTES['anonymous']} "
            f"API calls per 5 minutes from this address; add one with export "
            f"{variable}=<token> (a read token from huggingface.co/settings/tokens: "
            f"{HUB_PER_5_MINUTES['token']:,} per 5 minutes)")


def wait_notice(platform: str, seconds: float, now: datetime | None = None) -> str:
    """The line said before waiting for a rate limit's reset: how long, from when, until
    when (UTC)."""
    start = now or datetime.now(UTC)
    until = start + timedelta(seconds=seconds)
    day = f" on {until:%Y-%m-%d}" if until.date() != start.date() else ""
    return (f"{platform}: rate limit spent; waiting {seconds:,.0f} s for its reset, from "
            f"{start:%H:%M:%S} until {until:%H:%M:%S} UTC{day}")


def merge(shard_dbs: list[str | Path], db: str | Path, *, raw_from: list[str | Path] = (),
          raw: str | Path | None = None) -> dict[str, int]:
    """Combine the stores of ``crossforge collect --shard`` runs into one fresh database
    (and their raw stores into ``raw``); returns rows per table."""
    return shards.merge(shard_dbs, db, raws=raw_from, out_raw=raw)


def rebuild(raw: str | Path = DEFAULT_RAW, db: str | Path = "crossforge-rebuilt.duckdb"
            ) -> RebuildSummary:
    """Parse the raw store again into a fresh database; returns the responses parsed per
    kind and the damaged stretches of the raw store that were skipped (every readable
    response around them is parsed)."""
    if not Path(raw).is_dir():
        raise ConfigError(f"raw store {raw} does not exist")
    if Path(db).exists():
        raise ConfigError(f"{db} exists: rebuild writes a fresh database")
    with Store(db) as store:
        return rebuild_store(RawStore(raw), store)


class Verification(NamedTuple):
    """A store compared with a rebuild of its raw store: per table (the tables a rebuild
    cannot make only read, ``verifiable`` false), and what of the raw store could not be
    read."""

    tables: list[TableCheck]
    rebuild: RebuildSummary

    @property
    def equal(self) -> bool:
        """Every verifiable table equals its rebuild, and the raw store was read whole."""
        return all(t.equal for t in self.tables) and not self.rebuild.damaged


def verify(db: str | Path = DEFAULT_DB, raw: str | Path = DEFAULT_RAW) -> Verification:
    """Rebuild the raw store into a temporary store and compare it with ``db`` row by row,
    in every table a rebuild makes (``store.verification.REBUILT_TABLES``; the others are
    ``UNVERIFIABLE_TABLES``, read in full so DuckDB checks their blocks' checksums). ``db``
    is attached read-only and never written."""
    if not Path(db).is_file():
        raise ConfigError(f"database {db} does not exist")
    if not Path(raw).is_dir():
        raise ConfigError(f"raw store {raw} does not exist")
    with tempfile.TemporaryDirectory(prefix="crossforge-verify-") as folder, \
            Store(Path(folder) / "rebuilt.duckdb") as rebuilt:
        summary = rebuild_store(RawStore(raw), rebuilt)
        return Verification(verification.compare_with_rebuild(db, rebuilt), summary)


def _variables(names: str | Sequence[str] | None, default: str) -> list[str]:
    """The environment variables named for a platform's tokens (``default`` when none)."""
    if names is None or isinstance(names, str):
        return [names or default]
    return list(names) or [default]


def _tokens(names: str | Sequence[str] | None, default: str) -> list[str]:
    """Every token the variables hold, in order (a variable may hold several, comma-separated;
    empty ones are skipped); ``[""]`` (anonymous) when they hold none. Read, never written."""
    held = [token.strip() for name in _variables(names, default)
            for token in os.environ.get(name, "").split(",") if token.strip()]
    return held or [""]


@contextmanager
def _clients(raw: str | Path, *, github_url: str | None, hub_url: str | None,
             github_token_env: str | Sequence[str] | None,
             hf_token_env: str | Sequence[str] | None,
             conditional: bool = False, github_app: GitHubApp | None = None
             ) -> Iterator[tuple[ApiClient, ApiClient]]:
    app_id, installation, key_path, environment = github_app or GitHubApp()
    credentials = AppCredentials.from_environment(app_id, installation, key_path,
                                                  os.environ if environment else {})
    store = RawStore(raw)
    github_tokens = _tokens(github_token_env, "GITHUB_TOKEN")
    hub_tokens = _tokens(hf_token_env, "HF_TOKEN")[:1]
    app = InstallationAuth(credentials, github_url or GITHUB_API) if credentials else None
    # GitHub's documented secondary limits are paced on GitHub itself; another host (an
    # emulator, GitHub Enterprise Server) sets its own, met as its 403 or 429 says
    gh = ApiClient(github_url or GITHUB_API, "github", store,
                   tokens=() if app else github_tokens, conditional=conditional, app=app,
                   secondary_points=GITHUB_SECONDARY_POINTS
                   if (github_url or GITHUB_API).rstrip("/") == GITHUB_API else None)
    hb = ApiClient(hub_url or HUB_URL, "huggingface", store, tokens=hub_tokens,
                   conditional=conditional)
    try:
        yield gh, hb
    finally:
        gh.close()
        hb.close()
        store.close()


def demo(out: str | Path = "crossforge-demo", *, seed: int = 2026,
         repositories_per_platform: int = 150, figure_formats: Sequence[str] = ("svg",),
         on_stage: Callable[[Stage], None] | None = None) -> dict[str, Path]:
    """Run the offline demo study end to end on a SYNTHETIC world and write its report.

    The world is generated (``crossforge.worlds.synthetic``) and served by the API emulator
    on loopback; crossforge samples and collects it through its real collectors (raw store
    in ``OUT/raw``), classifies the threads, measures, and reports. ``on_stage`` hears each
    stage with its count: ``generate``, ``serve``, ``collect GitHub``, ``collect Hub``,
    ``collect forum`` (the SYNTHETIC forum's topics), ``classify``, ``measure``,
    ``figures``, ``report``; ``figure_formats`` as for ``report``.
    The collection looks up as many contributors' profiles per platform as there are
    repositories per platform (people on both platforms, ``docs/people.md``).
    """
    from crossforge.emulator import Emulator
    from crossforge.report.figures import report_formats

    report_formats(figure_formats)  # a bad format fails before the minutes of work
    tell = on_stage or (lambda stage: None)
    out = Path(out)
    with writing_into(out):
        out.mkdir(parents=True, exist_ok=True)
    db, raw = out / "demo.duckdb", out / "raw"
    db.unlink(missing_ok=True)
    shutil.rmtree(raw, ignore_errors=True)
    tell(Stage("generate", 0, None, "records"))
    world = list(synthetic.generate_world(repositories_per_platform, seed))
    world += list(synthetic.generate_documents(world, seed))
    world = synthetic.generate_people(world, seed)
    world += list(synthetic.generate_forum(
        world, seed, topics=synthetic.FORUM_TOPICS_PER_REPOSITORY * repositories_per_platform))
    tell(Stage("generate", len(world), len(world), "records"))
    with Store(db) as store:
        store.write(_provenance(synthetic.SOURCE, f"seed={seed}, served by the emulator"), [])
        for platform in ("github", "huggingface"):
            store.write_frame("main", platform, sorted(
                r.repo for r in world if isinstance(r, Repository) and r.platform == platform),
                {"method": "synthetic world", "seed": seed})
    # generous budgets: the demo shows the pipeline; rate limiting has its own tests
    tell(Stage("serve", 0, None, "repositories"))
    with Emulator.from_records(world, anonymous_limit=10**6, hub_limit=10**6,
                               forum_limit=10**6) as emulator:
        served = sum(1 for r in world if isinstance(r, Repository))
        tell(Stage("serve", served, served, "repositories"))
        names = {"github": "collect GitHub", "huggingface": "collect Hub"}
        completed: set[str] = set()

        def collected(progress: CollectionProgress) -> None:
            """A platform's stage, once per count; the profile lookups after both platforms'
            repositories report pages again, which are no new repositories."""
            if progress.platform in completed:
                return
            if progress.finished >= progress.total:
                completed.add(progress.platform)
            tell(Stage(names[progress.platform], progress.finished, progress.total,
                       "repositories"))

        collect(db, raw=raw, github_url=emulator.url, hub_url=emulator.url,
                github_token_env="CROSSFORGE_DEMO_NO_TOKEN",
                hf_token_env="CROSSFORGE_DEMO_NO_TOKEN",
                github_app=GitHubApp(environment=False), on_progress=collected,
                max_profiles=repositories_per_platform, forum_url=emulator.url,
                forum_name=synthetic.FORUM,
                on_forum_page=lambda forum: tell(Stage("collect forum", forum.topics, None,
                                                       "topics")))
    _synthetic_clone_paths(db, world, seed)
    tell(Stage("classify", 0, None, "threads"))
    labels = classify_store(db)
    tell(Stage("classify", sum(labels.values()), sum(labels.values()), "threads"))
    return report(db, out, figure_formats=figure_formats, on_stage=tell,
                  interviews=_demo_interviews())


def _demo_interviews() -> CodedInterviews:
    """The SYNTHETIC coded interviews shipped for the demo's report section."""
    from crossforge.content import interviews
    from crossforge.report.interviews import CodedInterviews

    return CodedInterviews(interviews.TEMPLATES / "codebook.yaml", interviews.DEMO_SEGMENTS,
                           interviews.DEMO_INTERVIEWEES, synthetic=True)


def _synthetic_clone_paths(db: Path, world: list[object], seed: int) -> int:
    """Give the demo's collected commits the file classes their world records carry, as an
    import of every repository's clone would (the platforms' commit listings name no paths),
    so the socio-technical section has shares to show; recorded as its own SYNTHETIC
    provenance. Returns the commits that gained their classes."""
    touched = [(c.platform, c.repo, c.sha, list(c.touched)) for c in world
               if isinstance(c, Commit) and c.touched is not None]
    with Store(db) as store:
        store.write(_provenance(synthetic.SOURCE, f"seed={seed}, changed-file classes of the "
                                "world's commits standing in for clones (SYNTHETIC)"), [])
        return store.write_touched(touched)


def emulate(world: str | Path, *, port: int = 8000, faults: str | None = None,
            on_ready: Callable[[Emulator], None] | None = None,
            github_apps: Sequence[str] = (), **limits: int) -> None:
    """Serve a world file on ``http://127.0.0.1:PORT`` until interrupted (Ctrl-C).

    Args:
        world: a world file (``crossforge.worlds.files``, JSON lines, optionally gzipped).
        port: the loopback port; 0 picks a free one.
        faults: a fault specification, see ``crossforge.emulator.faults``.
        on_ready: called with the running emulator once it listens (to print its URL).
        github_apps: GitHub Apps it accepts, ``APP_ID:INSTALLATION_ID:PUBLIC_KEY_FILE``
            each (``crossforge.emulator.apps``).
        limits: ``github_limit``, ``hub_limit``, ``anonymous_limit``, ``search_limit``.

    Raises:
        ConfigError: the world file is missing or malformed, the fault specification is
            malformed, or the port is not 0-65535 or cannot be bound.
    """
    from crossforge.emulator import Emulator, GitHubApps, World

    _check_port(port)
    apps = GitHubApps.parse(list(github_apps)) if github_apps else None
    emulator = Emulator(World.from_records(read_world(world)), faults=faults, port=port,
                        github_apps=apps, **limits)
    emulator.start()
    try:
        if on_ready is not None:
            on_ready(emulator)
        emulator.wait()
    finally:
        emulator.stop()


def _check_port(port: int) -> int:
    """``port`` if it is a TCP port (0 for any free one): the socket library refuses others
    with an ``OverflowError``, a traceback instead of a one-line error."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ConfigError(f"port {port!r} is not a port number: use 0 (any free port) to 65535")
    return port


def export(db: str | Path = DEFAULT_DB, out: str | Path = "crossforge-snapshot", *,
           pseudonymize: bool = True, drop_text: bool = False) -> dict[str, int]:
    """Write a replication package: every table as Parquet, people pseudonymised.

    The HMAC key comes from the ``CROSSFORGE_PSEUDONYM_KEY`` environment variable when set
    (so two exports can be linked), otherwise it is random and forgotten. See
    ``crossforge.store.snapshot`` for what is pseudonymised.
    """
    key = os.environ.get("CROSSFORGE_PSEUDONYM_KEY")
    return export_snapshot(db, out, pseudonymize=pseudonymize, drop_text=drop_text,
                           key=key.encode() if key else None)


def import_snapshot(path: str | Path, db: str | Path = DEFAULT_DB) -> dict[str, int]:
    """Load a replication package written by ``export`` into a new store."""
    return snapshot.import_snapshot(path, db)


def code_interviews(codebook: str | Path, segments: str | Path,
                    out: str | Path = "crossforge-out", *,
                    interviewees: str | Path | None = None) -> dict[str, Path]:
    """Agreement per code and theme frequencies from coded interview segments.

    Writes ``interview_agreement.csv`` and ``interview_themes.csv`` into ``out``; formats
    are described in ``crossforge.content.interviews``. With ``interviewees`` (the sample's
    ``interviewees.csv``) the themes are also counted per platform (column ``group``).
    """
    from crossforge.content import interviews

    codes = interviews.read_codebook(codebook)
    coded = interviews.read_segments(segments, codes)
    themes = (interviews.theme_frequencies(coded, codes) if interviewees is None else
              interviews.theme_frequencies_by_group(coded, codes,
                                                    interviews.read_groups(interviewees)))
    out = Path(out)
    paths = {"agreement": out / "interview_agreement.csv", "themes": out / "interview_themes.csv"}
    with writing_into(out):
        out.mkdir(parents=True, exist_ok=True)
        write_csv(interviews.code_agreement(coded, codes), paths["agreement"])
        write_csv(themes, paths["themes"])
    return paths


def interview_guide(out: str | Path = "interviews") -> dict[str, Path]:
    """Write the interview guide template (``interview_guide.md``) into ``out``; never
    overwrites."""
    from crossforge.content import interviews

    out = Path(out)
    with writing_into(out):
        return {"guide": interviews.write_template("guide", out)}


def interview_codebook(out: str | Path = "interviews") -> dict[str, Path]:
    """Write the starter codebook (``codebook.yaml``: the seed study's factors, each code
    with a definition and an example; the format ``code_interviews`` reads) into ``out``;
    never overwrites."""
    from crossforge.content import interviews

    out = Path(out)
    with writing_into(out):
        return {"codebook": interviews.write_template("codebook", out)}


def coded_interviews(folder: str | Path) -> CodedInterviews:
    """A study's interview coding in ``folder``, as the interview commands leave it:
    ``codebook.yaml``, ``segments.csv`` and, when present, ``interviewees.csv``."""
    from crossforge.report.interviews import CodedInterviews

    folder = Path(folder)
    for name in ("codebook.yaml", "segments.csv"):
        if not (folder / name).is_file():
            raise ConfigError(f"interview folder {folder} has no {name} (write it with "
                              f"crossforge interviews codebook / import)")
    interviewees = folder / "interviewees.csv"
    return CodedInterviews(folder / "codebook.yaml", folder / "segments.csv",
                           interviewees if interviewees.is_file() else None)


def interview_report(codebook: str | Path, segments: str | Path,
                     out: str | Path = "crossforge-out", *,
                     statistics: str | Path | None = None,
                     interviewees: str | Path | None = None) -> dict[str, Path]:
    """The joint display of coded interviews (``interviews.md``, ``interviews.html`` in
    ``out``): each theme's consensus frequency, per group when ``interviewees`` (the
    sample's ``interviewees.csv``) is given, beside the platform comparison of the measures
    the codebook's ``explains`` names, read from a ``statistics.json`` that ``measure``
    wrote, with the quotes the researcher chose."""
    from crossforge.content.interviews import DEMO_SEGMENTS
    from crossforge.report.interviews import (
        CodedInterviews,
        interview_context,
        write_interview_report,
    )

    compared, synthetic = None, Path(segments).resolve() == DEMO_SEGMENTS.resolve()
    if statistics is not None:
        try:
            document = json.loads(Path(statistics).read_text(encoding="utf-8"))
            compared = pd.DataFrame(document["comparisons"])
        except FileNotFoundError:
            raise ConfigError(f"statistics file {statistics} does not exist") from None
        except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
            raise ConfigError(f"{statistics} is not a statistics.json written by crossforge "
                              "measure") from None
        synthetic = synthetic or bool(document.get("synthetic"))
    coded = CodedInterviews(Path(codebook), Path(segments),
                            Path(interviewees) if interviewees else None, synthetic)
    return write_interview_report(Path(out), interview_context(coded, compared))


def import_coded_segments(exports: Sequence[str | Path], coders: Sequence[str],
                          out: str | Path = "segments.csv", *,
                          columns: str | None = None,
                          codebook: str | Path | None = None) -> tuple[Path, int]:
    """Turn one QDA export per coder (Taguette's highlights CSV, or another tool's CSV through
    ``columns``, ``interview=COL,segment=COL,code=COL``) into the segments file
    ``code_interviews`` reads; with ``codebook``, every code must be in it. Returns the
    path and the number of rows."""
    from crossforge.content import interviews

    mapping = interviews.parse_column_mapping(columns or "")
    segments = interviews.import_coded_csv([Path(e) for e in exports], list(coders), mapping)
    if codebook is not None:
        codes = {code.id for code in interviews.read_codebook(codebook)}
        unknown = sorted(set(segments["code"]) - codes - {""})
        if unknown:
            raise ConfigError(f"exports use codes not in the codebook: {', '.join(unknown)}")
    out = Path(out)
    with writing_into(out.parent):
        write_csv(segments, out)
    return out, len(segments)


def draw_interviewees(db: str | Path = DEFAULT_DB, out: str | Path = "crossforge-interviews",
                      *, per_cell: int = 3, seed: int = 0,
                      platforms: Sequence[str] | None = None, roles: Sequence[str] | None = None,
                      strata: Sequence[str] | None = None) -> dict[str, Path]:
    """Draw interviewees by platform, role and stratum (``crossforge.content.interviewees``).

    Writes ``contacts.csv`` (public handles: personal data the researcher keeps, headed by a
    warning line) and ``interviewees.csv`` (pseudonyms only). Pseudonyms are keyed by
    ``CROSSFORGE_PSEUDONYM_KEY`` when set (so they match an ``export``), otherwise by a
    random key that is forgotten: the contact file is then the only link back.
    """
    from crossforge.content import interviewees
    from crossforge.measures.roles import PERSON_ROLES_SQL

    for platform in platforms or []:
        check_platform(platform)
    env_key = os.environ.get("CROSSFORGE_PSEUDONYM_KEY")
    key = env_key.encode() if env_key else os.urandom(32)
    with Store(db, read_only=True) as store:
        people = interviewees.candidates(store, PERSON_ROLES_SQL)
    drawn = interviewees.draw_interviewees(
        people, per_cell=per_cell, seed=seed, key=key, platforms=list(platforms or []),
        roles=list(roles or []), strata=list(strata or []))
    out = Path(out)
    paths = {"contacts": out / "contacts.csv", "interviewees": out / "interviewees.csv"}
    with writing_into(out):
        out.mkdir(parents=True, exist_ok=True)
        with paths["contacts"].open("w", encoding="utf-8", newline="") as handle:
            handle.write(f"# {interviewees.CONTACT_WARNING}\n")
            write_csv(interviewees.contact_file(drawn), handle)
        write_csv(interviewees.interviewee_list(drawn), paths["interviewees"])
    return paths


def init(path: str | Path = "study.toml") -> Path:
    """Write a commented ``study.toml`` template (never overwrites)."""
    return write_template(path)


def study(path: str | Path, *,
          on_step: Callable[[str, str], None] | None = None) -> dict[str, str]:
    """Run a study file's steps in order, skipping steps already finished unchanged.

    The steps: each ``[[sample]]`` frame (``sample``), the frames' collection
    (``collect``: re-run until nothing failed, so a failure or an interruption is retried
    where it stopped), each ``[[sources.git]]`` clone (``import-git``), labelling threads by
    type (``classify``), then ``measure-and-report``. A step re-runs when its settings or the
    data it reads changed. Tokens are read from the variables ``[tokens]`` names.

    Args:
        path: a ``study.toml`` (see ``crossforge init``).
        on_step: called with (step name, ``"run"`` | ``"skip"``) before each step.

    Returns:
        The outcome of each step (``"skipped"`` or what it did).
    """
    config = Study.read(path)
    outcomes: dict[str, str] = {}
    for step in _steps(config):     # each step is built once the steps before it have run
        outcomes[step.name] = _run_step(config.database, step, on_step)
    return outcomes


def _steps(config: Study) -> Iterator[Step]:
    """A study's steps in order. A generator, so that a step's settings are read after the
    steps before it ran: the collection's frame after sampling, the data's fingerprint
    after the imports and the labelling."""
    tokens = config.raw.get("tokens", {})
    for entry in config.samples:
        settings = {"seed": config.seed, "frame": "main", **entry}
        yield Step(f"sample:{settings['platform']}:{settings['frame']}", settings,
                   lambda s=settings: _sampled_text(sample(
                       db=config.database, raw=config.raw_store, replace=True,
                       token_env=tokens.get("github" if s["platform"] == "github"
                                            else "huggingface"), **s)))
    if config.collection is not None:
        settings = {"frame": "main", **config.collection}
        with Store(config.database) as store:
            repositories = store.read_frame(settings["frame"])
        yield Step("collect", {**settings, "repositories": repositories},
                   lambda: _collected_text(collect(
                       config.database, raw=config.raw_store,
                       github_token_env=tokens.get("github"),
                       hf_token_env=tokens.get("huggingface"), **settings)))
    for source in config.git_sources:
        yield Step(f"import-git:{source['repo']}", source,
                   lambda source=source: _counts_text(import_git(
                       source["path"], repo=source["repo"], platform=source["platform"],
                       db=config.database)))
    if config.classify:
        yield Step("classify", {"model": "default", "data": _fingerprint(config.database)},
                   lambda: "labelled " + (_counts_text(classify_store(config.database))
                                          or "no threads (none stored)"))
    yield Step("measure-and-report",
               {"bootstrap": config.bootstrap, "seed": config.seed,
                "report": config.report, "output": str(config.output),
                "figure_formats": list(config.figure_formats),
                "interviews": _interviews_fingerprint(config.interviews),
                "data": _fingerprint(config.database)},
               lambda: _analyse(config))


def _fingerprint(db: Path) -> dict[str, object]:
    """What a step that reads the store depends on: its row counts and sources."""
    with Store(db) as store:
        return {"counts": store.counts(), "sources": queries.provenance_fingerprint(store)}


def _interviews_fingerprint(folder: Path | None) -> dict[str, int] | None:
    """The coded interviews' files by modification time (None without interviews)."""
    if folder is None or not folder.is_dir():
        return None
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.iterdir()) if p.is_file()}


def _sampled_text(frame: frames.SampledFrame) -> str:
    return f"{len(frame.repos):,} repositories in the frame"


def _collected_text(summary: CollectionSummary) -> str:
    """One line on a collection; raises ``IncompleteStep`` while repositories failed, so the
    step is not recorded as finished and the next run retries them."""
    text = ", ".join(f"{platform}: {count:,} repositories"
                     for platform, count in sorted(summary.repositories.items()))
    failed = sum(len(v) for v in summary.failed.values())
    if failed:
        raise IncompleteStep(f"{text}; {failed:,} failed (run the study again to retry them)")
    return text or "nothing to collect"


def _analyse(config: Study) -> str:
    if config.report:
        interviews = (None if config.interviews is None
                      else coded_interviews(config.interviews))
        written = report(config.database, config.output, n_bootstrap=config.bootstrap,
                         seed=config.seed, figure_formats=config.figure_formats,
                         interviews=interviews)
        return f"report {written['html']}"
    measure(config.database, config.output, n_bootstrap=config.bootstrap, seed=config.seed)
    return f"measures in {config.output}"


def _run_step(db: Path, step: Step, on_step: Callable[[str, str], None] | None) -> str:
    with Store(db) as store:
        done = store.finished_step(step.name) == step.config_hash
    if on_step:
        on_step(step.name, "skip" if done else "run")
    if done:
        return "skipped"
    try:
        outcome = step.run()
    except IncompleteStep as incomplete:
        return str(incomplete)
    with Store(db) as store:
        store.mark_step(step.name, step.config_hash, outcome)
    return outcome


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{v:,} {k}" for k, v in counts.items())


def write_records(records: Iterable[object], *, source: str, origin: str,
                  db: str | Path = DEFAULT_DB) -> dict[str, int]:
    """Store records from any source (used by sources added later and by tests)."""
    with Store(db) as store:
        return store.write(_provenance(source, origin), records)
