"""The ``invscale`` command: a thin typer app, one module per command, heavy imports deferred."""

from __future__ import annotations

import typer

from invscale.search.cli import analyze as _analyze
from invscale.search.cli import expand as _expand
from invscale.search.cli import export as _export
from invscale.search.cli import generate as _generate
from invscale.search.cli import init as _init
from invscale.search.cli import ladder as _ladder
from invscale.search.cli import novelty as _novelty
from invscale.search.cli import report as _report
from invscale.search.cli import score as _score
from invscale.search.cli import search as _search
from invscale.search.cli import status as _status
from invscale.search.cli._root import InvscaleGroup, root

app = typer.Typer(
    name="invscale",
    cls=InvscaleGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.callback()(root)
app.command("search")(_search.search_command)
app.command("score")(_score.score_command)
app.command("status")(_status.status_command)
app.command("analyze")(_analyze.analyze_command)
app.command("export")(_export.export_command)
app.command("report")(_report.report_command)
app.add_typer(_ladder.app, name="ladder")
app.command("novelty")(_novelty.novelty_command)
app.command("generate")(_generate.generate_command)
app.command("expand")(_expand.expand_command)
app.command("init")(_init.init_command)


def main() -> None:
    """Console-script entry point."""
    app()
