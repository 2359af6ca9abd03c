"""Generate ``docs/cli.md`` from the commands' own ``--help``, so the reference cannot drift.

Run ``python -m crossforge.cli_reference > docs/cli.md``; a test fails when the file is stale.
"""

from __future__ import annotations

from typing import Any

import typer

from crossforge.cli import app


def _commands(group: Any, prefix: str) -> list[tuple[str, Any]]:
    # Typer vendors its own click, so groups are recognised by their ``commands``.
    found = []
    for name in sorted(group.commands):
        command = group.commands[name]
        path = f"{prefix} {name}"
        if getattr(command, "commands", None):
            found += _commands(command, path)
        else:
            found.append((path, command))
    return found


def render() -> str:
    """The Markdown reference: one section per command with its usage and options."""
    root = typer.main.get_command(app)
    lines = ["# Command-line reference", "",
             "Generated from `--help` by `python -m crossforge.cli_reference`; do not edit.", ""]
    for path, command in _commands(root, "crossforge"):
        context = command.context_class(command, info_name=path)
        lines += [f"## `{path}`", "", (command.help or "").strip(), "", "```text"]
        lines += [f"Usage: {path} {' '.join(command.collect_usage_pieces(context))}", ""]
        for param in command.get_params(context):
            record = param.get_help_record(context)
            if record:
                lines.append(f"  {record[0]:<34} {record[1]}")
        lines += ["```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
