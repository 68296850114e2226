"""``invscale novelty``: is a dataset or task new against the known inverse-scaling tasks?"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from invscale.search.cli._common import load

if TYPE_CHECKING:
    from rich.console import Console

    from invscale.search.novelty.records import NoveltyReport

_DESCRIPTION_HELP = "what a data file's task tests, in words (makes the check stronger)"
_PATH_HELP = (
    "Prize data file (.csv, .jsonl) or query file (.yaml, .json: title, description, prompts)"
)


def novelty_command(
    path: Annotated[Path, typer.Argument(help=_PATH_HELP)],
    config: Annotated[Path | None, typer.Option("--config", help="config file")] = None,
    k: Annotated[int | None, typer.Option("--k", min=1, help="neighbours to show")] = None,
    description: Annotated[str | None, typer.Option(help=_DESCRIPTION_HELP)] = None,
) -> None:
    """Print the nearest known tasks with their similarities and a verdict.

    Exit status: 0 when every task is new, 1 when one is not, 2 on bad input.
    """
    from rich.console import Console

    from invscale.search.novelty import check_path

    cfg = load(config)
    reports = check_path(path, cfg.novelty, k, description=description)
    render(reports, Console())
    raise typer.Exit(0 if all(r.verdict.novel for r in reports) else 1)


def render(reports: list[NoveltyReport], console: Console) -> None:
    """Print one table and verdict line per report."""
    from rich.table import Table

    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    for report in reports:
        verdict = report.verdict
        table = Table(title=f"nearest known tasks to {report.query.title!r}", title_justify="left")
        for name in ("#", "id", "title", "source", "similarity", "description", "prompts"):
            table.add_column(name, justify="right" if name in {"#", "similarity"} else "left")
        for rank, n in enumerate(verdict.neighbours, start=1):
            table.add_row(
                str(rank),
                n.id,
                n.title,
                n.source,
                f"{n.similarity:.3f}",
                cell(n.description_similarity),
                cell(n.prompt_similarity),
            )
        console.print(table)
        if verdict.novel:
            line = f"[green]NEW[/green]: novelty {verdict.score:.3f} >= {verdict.threshold:.2f}"
        else:
            nearest = verdict.neighbours[0]
            line = (
                f"[red]NOT NEW[/red]: novelty {verdict.score:.3f} < {verdict.threshold:.2f}; "
                f"closest is {nearest.id} ({nearest.title}) at similarity {nearest.similarity:.3f}"
            )
        console.print(line, highlight=False)
        if not report.query.description:
            console.print(
                "[yellow]note:[/yellow] compared on prompts only; --description says what the "
                "task tests and catches more rediscoveries",
                highlight=False,
            )
