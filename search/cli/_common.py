"""Helpers shared by CLI commands: config loading with command-line overrides, a progress bar."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from invscale.search.config import Config


def load(config: str | Path | None, section: str = "search", **fields: Any) -> Config:
    """The config tree from ``config`` (``./config.yaml`` or the defaults when None), with the
    fields of ``section`` given here (None values ignored) overriding it.

    Raises:
        ConfigError: the file or an override is invalid.
    """
    from invscale.search.config import load_config, with_overrides

    return with_overrides(load_config(config), section, **fields)


def check_output(path: Path, option: str = "--out") -> None:
    """Fail before any work when ``path`` (a folder to create or fill) could not be written.

    Creates nothing: the nearest existing folder on the path must be a writable folder.

    Raises:
        UsageError: naming the option, the path and what is in the way.
    """
    from invscale.scorer.errors import UsageError

    probe = path.absolute()
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"{option} {path}: {probe} is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: {probe} is not writable")


def progress_bar() -> tuple[object, Callable[[str, int, int], None]]:
    """A rich progress display and the callback that drives it (one bar per model)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )
    tasks: dict[str, object] = {}

    def update(model: str, done: int, total: int) -> None:
        if model not in tasks:
            tasks[model] = bar.add_task(f"scoring {model}", total=total)
        bar.update(tasks[model], completed=done)  # type: ignore[arg-type]

    return bar, update
