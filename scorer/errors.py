"""The errors invscale reports to its user, as opposed to its own bugs.

An :class:`InvscaleError` means the input or the environment cannot do what was asked: a file
that does not parse, a setting that does not exist, a model that is not on this machine, a run
folder that holds no run, an endpoint that stops answering. The command line prints its message
on one line and exits with status 2. Every other exception is a bug and keeps its traceback.

They live in the bottom layer (the scorer) because imports flow search -> generator -> scorer:
every layer can raise them. The generator and the search add their own subclasses beside the code
that raises them. Most also derive from ``ValueError``, as they did before the family existed, so
callers that caught ``ValueError`` keep working.
"""

from __future__ import annotations


class InvscaleError(Exception):
    """Something the user can fix: an input file, a setting, a model source, a run folder."""


class ConfigError(InvscaleError, ValueError):
    """The configuration is missing, unreadable or invalid, or names something that is not in it
    (an unknown ladder, operator or key)."""


class UsageError(InvscaleError, ValueError):
    """A command-line value cannot be used (a malformed ``--params``, conflicting options)."""


class TaskFormatError(InvscaleError, ValueError):
    """A task file cannot be read; the message names the file, row and column."""


class RunError(InvscaleError, ValueError):
    """The run folder cannot be started, resumed or read as asked."""


class ExportError(InvscaleError, ValueError):
    """A task folder cannot be exported; the message names the folder and the problem."""


class BackendError(InvscaleError):
    """A model backend cannot load or score a rung: an unknown backend, weights that are not on
    this machine (``ModelSourceError``), an endpoint that fails, a request it cannot encode."""
