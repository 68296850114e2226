"""``invscale ladder check``: which rungs of a ladder fit in this machine's memory."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import typer

from invscale.search.cli._common import load

if TYPE_CHECKING:
    from invscale.scorer.config import Rung
    from invscale.scorer.preflight import RungFit

_COLUMNS = ("model", "params", "dtype", "needs", "+others", "free", "fits")

app = typer.Typer(help="Inspect model ladders.", no_args_is_help=True)


@app.command("check")
def check_command(
    ladder: str | None = typer.Option(None, "--ladder", help="Ladder name from the config."),
    config: str | None = typer.Option(None, "--config", help="Config file (default config.yaml)."),
) -> None:
    """Say which rungs fit in memory, before loading anything; exit 1 when one does not."""
    from invscale.scorer.preflight import preflight

    cfg = load(config)
    rungs = cfg.scorer.ladder(ladder)
    fits = preflight(rungs)
    typer.echo(f"ladder {ladder or cfg.scorer.default_ladder}: memory pre-flight")
    for line in check_lines(rungs, fits):
        typer.echo(line)
    if any(f.fits is False for f in fits):
        raise typer.Exit(1)


def check_lines(rungs: Sequence[Rung], fits: Sequence[RungFit]) -> list[str]:
    """One line per rung in columns that fit 80 characters; where it goes and why, wrapped below
    (an endpoint's address would not fit in a column)."""
    from invscale.scorer.names import param_label

    rows = [
        (
            rung.name,
            param_label(rung.params),
            rung.dtype if fit.need is not None else "-",
            _gib(fit.need),
            _gib(fit.resident),
            _gib(fit.free),
            {True: "yes", False: "NO", None: "?"}[fit.fits],
        )
        for rung, fit in zip(rungs, fits, strict=True)
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(_COLUMNS)]
    lines = [_line(_COLUMNS, widths)]
    for row, fit in zip(rows, fits, strict=True):
        lines.append(_line(row, widths))
        lines += [f"    {part}" for part in textwrap.wrap(f"{fit.where}: {fit.note}", width=76)]
    return lines


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    first = cells[0].ljust(widths[0])
    rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
    return "  ".join([first, *rest]).rstrip()


def _gib(n: int | None) -> str:
    return "-" if n is None else f"{n / 2**30:.1f} GiB"
