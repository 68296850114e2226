"""``invscale expand``: expand templates into Prize CSVs with paired controls."""

from __future__ import annotations

from pathlib import Path

import typer

from invscale.search.cli._common import load


def expand_command(
    templates: Path = typer.Argument(..., help="Templates file (.jsonl or .yaml)."),
    out_dir: Path = typer.Option(..., "--out-dir", help="Folder for the CSVs and rejections."),
    n: int = typer.Option(300, "--n", min=1, help="Examples per task (the Prize asks >= 300)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the expansion."),
    max_prompt_tokens: int | None = typer.Option(
        None, "--max-prompt-tokens", help="Context limit (default: the config's)."
    ),
    config: str | None = typer.Option(None, "--config", help="Config file (default config.yaml)."),
) -> None:
    """Write OUT_DIR/<id>.csv and <id>.control.csv per template, and rejections.jsonl."""
    from invscale.generator import expand_file

    limit = max_prompt_tokens or load(config).generator.max_prompt_tokens
    report = expand_file(templates, out_dir, n, seed, limit)
    typer.echo(f"wrote {len(report.written)} tasks (+ controls) to {out_dir}")
    for rejection in report.rejections:
        typer.echo(f"rejected {rejection.template_id}: {rejection.reason}: {rejection.detail}")
    if report.rejections:
        typer.echo(f"{len(report.rejections)} rejections logged in {report.rejection_log}")
