"""Where data lives: a path as the user gave it, or the data shipped inside the package.

The seed lexicons, the known-task corpus and the recorded llm replies install as package data
(``invscale.datasets``), from a wheel or from a checkout alike. Config paths that start with
``datasets/`` name them: ``datasets/seeds`` is a folder of that name in the working directory
when there is one, else the shipped seeds.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

DATA_PACKAGE = "invscale.datasets"
DATA_PREFIX = "datasets"


@cache
def shipped_data() -> Path:
    """The folder of the installed ``invscale.datasets`` package data."""
    # importlib.resources.files() cannot be used: invscale.datasets is a namespace package (data
    # only, no __init__.py), and under an editable install its __path__ also holds the
    # setuptools finder's path-hook entry, which is not a folder ("MultiplexedPath only supports
    # directories"). The spec's real folders are what a wheel and a checkout both have.
    spec = importlib.util.find_spec(DATA_PACKAGE)
    for location in (spec.submodule_search_locations or []) if spec else []:
        if Path(location).is_dir():
            return Path(location)
    # Installed or checked out, the data folder is a sibling of this package's folder.
    return Path(__file__).resolve().parents[1] / DATA_PREFIX


def data_path(path: str | Path) -> Path:
    """``path`` as given when it exists or is absolute; a missing ``datasets/...`` path is the
    shipped data of that name; any other path is returned as given (its reader reports it)."""
    p = Path(path).expanduser()
    if p.exists() or p.is_absolute():
        return p
    if p.parts[:1] == (DATA_PREFIX,):
        return shipped_data().joinpath(*p.parts[1:])
    return p
