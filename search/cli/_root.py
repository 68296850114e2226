"""What every command shares: the exit-status policy, ``--debug``, and logging (``-v``).

Only an :class:`~invscale.scorer.errors.InvscaleError` is the user's to fix: its message goes to
stderr on one line and the command exits with status 2 (``--debug`` adds the traceback). Any other
exception is a bug and keeps its traceback (exit status 1). Ctrl-C exits with status 130, after
the command has saved what it had (the search does).
"""

from __future__ import annotations

import logging
import sys
import traceback
from enum import StrEnum
from typing import Any

import typer
from typer.core import TyperGroup

USER_ERROR = 2
INTERRUPTED = 130  # 128 + SIGINT, what shells report for a command stopped by Ctrl-C
LOGGER = "invscale"
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class LogLevel(StrEnum):
    """The levels ``--log-level`` accepts."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class InvscaleGroup(TyperGroup):
    """The root command: runs a subcommand under the one exit-status policy."""

    # typer.Context is the public name of the (vendored) click context that TyperGroup takes.
    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        """Run the command line; user errors and Ctrl-C become exit statuses, bugs propagate."""
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # Not imported at the top: the scorer package imports numpy, and --help must stay
            # instant. An InvscaleError can only come after its module was imported.
            errors = sys.modules.get("invscale.scorer.errors")
            if errors is None or not isinstance(exc, errors.InvscaleError):
                raise
            if ctx.params.get("debug"):
                traceback.print_exc()
            typer.secho(f"error: {_one_line(exc)}", err=True, fg=typer.colors.RED)
            raise typer.Exit(USER_ERROR) from None
        except KeyboardInterrupt:
            typer.secho("interrupted", err=True, fg=typer.colors.YELLOW)
            raise typer.Exit(INTERRUPTED) from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def level_of(verbose: int, log_level: LogLevel | None) -> int:
    """The logging level asked for: ``--log-level`` when given, else by the count of ``-v``."""
    if log_level is not None:
        return int(logging.getLevelName(log_level.value.upper()))
    return {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)


def setup_logging(level: int) -> None:
    """Send invscale's log records at ``level`` and above to stderr (once per process).

    Called for every command line, so a second call (tests invoke many) replaces the handler,
    writing to the stderr of the moment.
    """
    logger = logging.getLogger(LOGGER)
    for old in [h for h in logger.handlers if getattr(h, "_invscale_cli", False)]:
        logger.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT, datefmt="%H:%M:%S"))
    handler.setLevel(level)
    handler._invscale_cli = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)


def root(
    verbose: int = typer.Option(
        0,
        "-v",
        "--verbose",
        count=True,
        help="Log what is happening to stderr: -v model loading, GGUF conversion, scoring, "
        "retries and budget decisions; -vv debugging detail.",
    ),
    log_level: LogLevel | None = typer.Option(
        None, "--log-level", case_sensitive=False, help="Log level (overrides -v)."
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Show the traceback of user errors too (bugs always show it)."
    ),
) -> None:
    """Search for inverse-scaling tasks: generate, score on a model ladder, keep what is new.

    Exit status: 0 done, 1 a bug (with its traceback) or a negative verdict (novelty, ladder
    check), 2 a user error (one line on stderr), 130 interrupted.
    """
    del debug  # read back from the context by InvscaleGroup when an error comes
    setup_logging(level_of(verbose, log_level))
