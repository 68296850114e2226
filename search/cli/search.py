"""``invscale search``: the main job."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from invscale.search.cli._common import check_output, load
from invscale.search.cli._root import INTERRUPTED

if TYPE_CHECKING:
    from invscale.search.state import Display

_RESUME_HELP = (
    "Continue the run in this folder, with the config it started with (budgets may be raised; "
    "--config, --ladder and --seed are refused)."
)


def search_command(
    out: Path = typer.Option(Path("runs/default"), "--out", help="Run folder."),
    config: str | None = typer.Option(
        None, "--config", help="Config file (default ./config.yaml, else the defaults)."
    ),
    resume: Path | None = typer.Option(None, "--resume", help=_RESUME_HELP),
    ladder: str | None = typer.Option(
        None, "--ladder", help="Ladder to search on (default: the config's search.ladder)."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the run (default: the config's)"),
    max_candidates: int | None = typer.Option(None, "--max-candidates", help="Budget: candidates."),
    max_minutes: float | None = typer.Option(None, "--max-minutes", help="Budget: wall minutes."),
    max_model_requests: int | None = typer.Option(
        None, "--max-model-requests", help="Budget: log-likelihood requests run on models."
    ),
    live: bool = typer.Option(True, "--live/--no-live", help="Live progress display."),
) -> None:
    """Search for novel inverse-scaling tasks; every step is stored in the run folder.

    Ctrl-C stops it cleanly (exit status 130): what it found is written, and --resume continues.
    """
    from invscale.scorer.errors import UsageError
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
    if resume is not None:
        options = (("--config", config), ("--ladder", ladder), ("--seed", seed))
        given = [flag for flag, value in options if value is not None]
        if given:
            raise UsageError(
                f"{' and '.join(given)} cannot be combined with --resume: a resumed run keeps the "
                "config it started with (its budgets can be raised with --max-candidates, "
                "--max-minutes and --max-model-requests)"
            )
    cfg = None if resume else load(config, ladder=ladder, seed=seed)
    run_dir = resume or out
    if resume is None:
        check_output(out)
    with _display(live) as display:
        outcome = run_search(cfg, run_dir, resume is not None, budget, display)
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
    if outcome.interrupted:
        raise typer.Exit(INTERRUPTED)


def _display(live: bool) -> AbstractContextManager[Display | None]:
    from invscale.search.display import RichDisplay

    return RichDisplay() if live else nullcontext(None)
