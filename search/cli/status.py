"""``invscale status``: funnel counts and leaderboard of a run, as plain text in 80 columns."""

from __future__ import annotations

from pathlib import Path

import typer


def status_command(run: Path = typer.Argument(..., help="Run folder.")) -> None:
    """Print the funnel and the leaderboard of a finished or running search."""
    from invscale.search.run import status_text

    typer.echo(status_text(run))
