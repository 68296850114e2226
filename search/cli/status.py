"""``invscale status``: leaderboard and counts of a run."""

from __future__ import annotations

from pathlib import Path

import typer

from invscale.search.cli._common import user_errors


def status_command(run: Path = typer.Argument(..., help="Run folder.")) -> None:
    """Print the leaderboard and counts of a finished or running search."""
    from rich.console import Console

    from invscale.search.display import render
    from invscale.search.run import run_status
    from invscale.search.store import RunStore

    with user_errors():
        summary = run_status(run)
    store = RunStore.open(run)
    try:
        Console().print(render(store, f"{run}: {summary['stop_reason'] or 'running'}"))
    finally:
        store.close()
    ladder = summary["ladder"]
    if ladder["kind"]:
        extra = ", ".join(ladder["extra_ladders"]) or "none"
        typer.echo(
            f"ladder {ladder['name']}: {ladder['kind']} (accepted tasks re-scored on: {extra})"
        )
    halving = summary["halving"]
    if halving["share_saved"] is not None:
        typer.echo(f"successive halving saved {halving['share_saved']:.0%} of selection compute")
