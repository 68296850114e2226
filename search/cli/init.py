"""``invscale init``: write an annotated config file to edit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def init_command(
    folder: Annotated[
        Path, typer.Argument(help="Folder for config.yaml (created if needed).")
    ] = Path("."),
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing config.yaml.")
    ] = False,
) -> None:
    """Write FOLDER/config.yaml: every setting with its default and what it does."""
    from invscale.search.config_file import write_config

    path = write_config(folder, force)
    typer.echo(f"wrote {path}; edit it, then run e.g. invscale search --config {path}")
