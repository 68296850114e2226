"""Helpers shared by CLI commands: config loading and clean error exits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from invscale.search.config import Config

# Errors that are the user's input, not our bug: print them plainly, no traceback.
USER_ERRORS: tuple[type[Exception], ...] = (ValueError, KeyError, FileNotFoundError, OSError)


def load(config: str | None) -> Config:
    """Load the config tree, exiting with a clear message when it is invalid."""
    from invscale.search.config import load_config

    with user_errors():
        return load_config(config)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn input errors into a one-line message on stderr and exit code 2."""
    try:
        yield
    except USER_ERRORS as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None


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
