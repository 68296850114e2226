"""``invscale search``: the main job."""

from __future__ import annotations

from pathlib import Path

import typer

from invscale.search.cli._common import load, user_errors


def search_command(
    out: Path = typer.Option(Path("runs/default"), "--out", help="Run folder."),
    config: str | None = typer.Option(None, "--config", help="Config file (default config.yaml)."),
    resume: Path | None = typer.Option(None, "--resume", help="Resume the run in this folder."),
    max_candidates: int | None = typer.Option(None, "--max-candidates", help="Budget: candidates."),
    max_minutes: float | None = typer.Option(None, "--max-minutes", help="Budget: wall minutes."),
    max_model_requests: int | None = typer.Option(
        None, "--max-model-requests", help="Budget: log-likelihood requests run on models."
    ),
    live: bool = typer.Option(True, "--live/--no-live", help="Live progress display."),
) -> None:
    """Search for novel inverse-scaling tasks; every step is stored in the run folder."""
    from invscale.search.display import RichDisplay
    from invscale.search.run import run_search

    budget = {
        k: v
        for k, v in {
            "max_candidates": max_candidates,
            "max_minutes": max_minutes,
            "max_model_requests": max_model_requests,
        }.items()
        if v is not None
    }
    cfg = None if resume else load(config)
    run_dir = resume or out
    with user_errors():
        if live:
            with RichDisplay() as display:
                outcome = run_search(
                    cfg, run_dir, resume=resume is not None, budget=budget, display=display
                )
        else:
            outcome = run_search(cfg, run_dir, resume=resume is not None, budget=budget)
    typer.echo(f"stopped: {outcome.stop_reason}")
    typer.echo(f"accepted as new: {len(outcome.accepted)} -> {outcome.run_dir}/tasks/")
    typer.echo(
        f"rediscoveries of known tasks: {len(outcome.rediscoveries)} -> "
        f"{outcome.run_dir}/rediscoveries/"
    )
    typer.echo(
        f"best candidates (labelled) -> {outcome.run_dir}/best/; "
        f"summary -> {outcome.run_dir}/summary.json"
    )
