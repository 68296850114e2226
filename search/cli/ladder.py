"""``invscale ladder check``: which rungs of a ladder fit in this machine's memory."""

from __future__ import annotations

import typer

from invscale.search.cli._common import load

_COLUMNS = ("model", "params", "dtype", "where", "needs", "with others", "free", "fits", "note")

app = typer.Typer(help="Inspect model ladders.", no_args_is_help=True)


@app.command("check")
def check_command(
    ladder: str | None = typer.Option(None, "--ladder", help="Ladder name from the config."),
    config: str | None = typer.Option(None, "--config", help="Config file (default config.yaml)."),
) -> None:
    """Say which rungs fit in memory, before loading anything; exit 1 when one does not."""
    from rich.console import Console
    from rich.table import Table

    from invscale.scorer.preflight import preflight

    cfg = load(config)
    rungs = cfg.scorer.ladder(ladder)
    fits = preflight(rungs)
    table = Table(title=f"ladder {ladder or cfg.scorer.default_ladder}: memory pre-flight")
    for col in _COLUMNS:
        table.add_column(col, justify="left" if col in ("model", "where", "note") else "right")
    for rung, fit in zip(rungs, fits, strict=True):
        verdict = {True: "yes", False: "[red]NO[/red]", None: "?"}[fit.fits]
        table.add_row(
            rung.name,
            f"{rung.params:,}",
            rung.dtype if fit.need is not None else "-",
            fit.where,
            _gib(fit.need),
            _gib(fit.resident),
            _gib(fit.free),
            verdict,
            fit.note,
        )
    Console(width=160).print(table)
    if any(f.fits is False for f in fits):
        raise typer.Exit(1)


def _gib(n: int | None) -> str:
    return "-" if n is None else f"{n / 2**30:.1f} GiB"
