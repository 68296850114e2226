"""``invscale export``: an accepted task (or every task of a run) as Prize, lm-eval or HF files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from invscale.search.cli._common import check_output


def export_command(
    path: Annotated[Path, typer.Argument(help="A task folder (tasks/<name>/) or a run folder.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder; a subfolder per format.")],
    formats: Annotated[
        list[str] | None,
        typer.Option("--format", help="prize, lm-eval, hf or all (repeatable; default all)."),
    ] = None,
    licence: Annotated[str, typer.Option("--licence", help="Dataset licence to record.")] = (
        "CC-BY-4.0"
    ),
    min_rows: Annotated[
        int, typer.Option("--min-rows", help="Fewest examples a Prize export accepts.")
    ] = 300,
) -> None:
    """Export PATH's task(s) for a Prize submission, lm-evaluation-harness or Hugging Face."""
    from invscale.search.export import export_path

    check_output(out)
    written = export_path(path, out, formats or ["all"], licence, min_rows)
    for folder in written:
        typer.echo(f"wrote {folder}")
