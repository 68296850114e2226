"""``invscale report``: a self-contained HTML report of a finished or running run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def report_command(
    run: Annotated[Path, typer.Argument(help="Run folder (holding run.sqlite).")],
) -> None:
    """Write RUN/report.html: leaderboard, plots, examples, funnel, ladder and config."""
    from invscale.search.report import write_report

    path = write_report(run)
    typer.echo(f"wrote {path}")
