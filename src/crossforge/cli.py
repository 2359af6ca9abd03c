"""The ``crossforge`` command: each command is a thin wrapper over one ``crossforge.api`` call.

Errors crossforge raises on purpose become one line on stderr and exit code 2.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from crossforge import api
from crossforge.errors import ConfigError, CrossforgeError
from crossforge.store import DEFAULT_DB

app = typer.Typer(
    name="crossforge",
    help="Measure and compare collaboration on GitHub and the Hugging Face Hub.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
import_app = typer.Typer(help="Import data from local sources.", no_args_is_help=True)
app.add_typer(import_app, name="import")

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[Path, typer.Option("--db", help="The DuckDB store.")]
OutOption = Annotated[Path, typer.Option("--out", help="Output directory.")]

F = TypeVar("F", bound=Callable[..., Any])


def _one_line_errors(func: F) -> F:
    """Turn crossforge's own errors into a one-line message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CrossforgeError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err_console.print("interrupted; data already stored is kept")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


@import_app.command("git")
@_one_line_errors
def import_git(
    path: Annotated[Path, typer.Argument(help="A local clone (work tree or bare).")],
    repo: Annotated[str, typer.Option("--repo", help="OWNER/NAME the clone stands for.")],
    platform: Annotated[str, typer.Option("--platform", help="github or huggingface.")],
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Import a local git clone: commits, identities, pull-request refs."""
    with console.status(f"reading {path}"):
        counts = api.import_git(path, repo=repo, platform=platform, db=db)
    console.print(f"imported {repo}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


@import_app.command("hub-metadata")
@_one_line_errors
def import_hub_metadata(
    path: Annotated[Path, typer.Argument(help="ModelInfo rows: .jsonl[.gz] or .parquet.")],
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Import a Hub metadata dump: models and their derivation links."""
    with console.status(f"reading {path}"):
        counts = api.import_hub_metadata(path, db=db)
    console.print(f"imported {path}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


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
) -> None:
    """Compute per-repository measures into OUT (CSV, Parquet, summary.json)."""
    result = api.measure(db, out, engine=engine)
    for platform, entry in result.summary["platforms"].items():
        console.print(
            f"{platform}: {entry['repositories']:,} repositories, median contributors "
            f"{entry['contributors']['median']}, median commits {entry['commits']['median']}"
        )
    console.print(f"wrote {', '.join(str(p) for p in result.paths.values())}")


@app.command()
@_one_line_errors
def report(db: DbOption = Path(DEFAULT_DB), out: OutOption = Path("crossforge-out")) -> None:
    """Measure the store and write report.html and report.md into OUT."""
    paths = api.report(db, out)
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


@app.command("sample")
@_one_line_errors
def sample_command(
    platform: Annotated[str, typer.Argument(help="github or huggingface.")],
    from_list: Annotated[Path | None, typer.Option(
        "--from-list", help="A file of OWNER/NAME lines to use as the population.")] = None,
    size: Annotated[int | None, typer.Option("--size", help="How many to draw.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    author: Annotated[str | None, typer.Option(
        "--author", help="Hub: list one author's or organisation's models.")] = None,
    max_listed: Annotated[int | None, typer.Option(
        "--max-listed", help="Hub: stop the listing after this many models.")] = None,
    frame: Annotated[str, typer.Option("--frame", help="Frame name.")] = "main",
    endpoint: Annotated[str | None, typer.Option(
        "--endpoint", help="API base URL (e.g. an emulator).")] = None,
    token_env: Annotated[str | None, typer.Option(
        "--token-env", help="Environment variable holding the token.")] = None,
    db: DbOption = Path(DEFAULT_DB),
    raw: RawOption = Path(api.DEFAULT_RAW),
) -> None:
    """Draw a reproducible sampling frame (from a list, the Hub listing, or GitHub ids)."""
    repos = api.sample(platform, db=db, frame=frame, from_list=from_list, size=size, seed=seed,
                       author=author, max_listed=max_listed, raw=raw, endpoint=endpoint,
                       token_env=token_env)
    console.print(f"frame {frame!r}: {len(repos):,} {platform} repositories in {db}")


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
    db: DbOption = Path(DEFAULT_DB),
    raw: RawOption = Path(api.DEFAULT_RAW),
) -> None:
    """Collect every repository of a frame; re-run to continue after a stop or crash."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"),
                  TextColumn("{task.completed:,} pages"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        bars = {p: progress.add_task(p, total=None) for p in ("github", "huggingface")}

        def on_page(platform: str, repo: str) -> None:
            progress.update(bars[platform], advance=1, description=f"{platform} {repo}")

        summary = api.collect(db, frame=frame, raw=raw, github_url=github_url, hub_url=hub_url,
                              github_token_env=github_token_env, hf_token_env=hf_token_env,
                              on_page=on_page)
    for platform, count in summary.repositories.items():
        missing = summary.missing.get(platform, [])
        console.print(f"{platform}: {count:,} repositories collected, "
                      f"{summary.pages.get(platform, 0):,} pages this run"
                      + (f", {len(missing)} missing ({', '.join(missing[:5])})" if missing
                         else ""))


@app.command("rebuild")
@_one_line_errors
def rebuild_command(
    raw: RawOption = Path(api.DEFAULT_RAW),
    db: Annotated[Path, typer.Option("--db", help="The fresh database to write.")] = Path(
        "crossforge-rebuilt.duckdb"),
) -> None:
    """Parse the raw store again into a fresh database."""
    counts = api.rebuild(raw, db)
    console.print(f"rebuilt {db} from {sum(counts.values()):,} stored responses")


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
        "--model", help="A model file from 'classify train' (default: the shipped one).")] = None,
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Classify issues and discussions by type (bug, usage, feature, documentation, other)."""
    args = arguments or []
    subset = [x.strip() for x in labels.split(",") if x.strip()] if labels else None
    if args[:1] in (["train"], ["evaluate"]):
        if len(args) != 2:
            raise ConfigError(f"usage: crossforge classify {args[0]} LABELLED.csv")
        if args[0] == "train":
            target = output or Path("crossforge-model.npz")
            with console.status("training (with cross-validation)"):
                evaluation = api.train_classifier(args[1], target)
            console.print(f"wrote {target}")
        else:
            with console.status("cross-validating"):
                evaluation = api.evaluate_classifier(args[1])
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
        counts = api.classify_store(db, labels=subset, model=model)
        console.print("labelled threads in the store: "
                      + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


@app.command("interviews")
@_one_line_errors
def code_interviews(
    codebook: Annotated[Path, typer.Argument(help="Codebook YAML (themes and codes).")],
    segments: Annotated[Path, typer.Argument(help="CSV: interview, segment, coder, code.")],
    out: OutOption = Path("crossforge-out"),
) -> None:
    """Agreement per code and theme frequencies from coded interview segments."""
    paths = api.code_interviews(codebook, segments, out)
    console.print("wrote " + ", ".join(str(p) for p in paths.values()))


@app.command()
@_one_line_errors
def demo(
    out: OutOption = Path("crossforge-demo"),
    seed: Annotated[int, typer.Option(help="Seed of the synthetic world.")] = 2026,
    repositories: Annotated[int, typer.Option(help="Repositories per platform.")] = 150,
) -> None:
    """Run the offline demo study on a SYNTHETIC world, end to end, and write its report."""
    with console.status("generating, storing, measuring and reporting a synthetic world"):
        paths = api.demo(out, seed=seed, repositories_per_platform=repositories)
    console.print("[bold yellow]SYNTHETIC DEMO DATA[/]: not from GitHub or the Hub.")
    console.print(f"report: {paths['html']}\nmarkdown: {paths['md']}")


def main() -> None:
    """Entry point for ``python -m crossforge``."""
    app(prog_name="crossforge")


if __name__ == "__main__":
    sys.exit(main())
