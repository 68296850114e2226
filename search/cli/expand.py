"""``invscale expand``: expand templates into Prize CSVs with paired controls."""

from __future__ import annotations

from pathlib import Path

import typer


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
    from invscale.search.config import load_config

    try:
        limit = max_prompt_tokens or load_config(config).generator.max_prompt_tokens
        report = expand_file(templates, out_dir, n, seed, limit)
    except (ValueError, OSError) as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {len(report.written)} tasks (+ controls) to {out_dir}")
    for rejection in report.rejections:
        typer.echo(f"rejected {rejection.template_id}: {rejection.reason}: {rejection.detail}")
    if report.rejections:
        typer.echo(f"{len(report.rejections)} rejections logged in {report.rejection_log}")
