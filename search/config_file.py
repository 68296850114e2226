"""``invscale init``: a config file with every setting, its default and its documentation."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from invscale.scorer.errors import ConfigError
from invscale.search.config import DEFAULT_CONFIG, Config

WIDTH = 100
_HEADER = """\
# invscale configuration, written by `invscale init`: every setting with its default value and
# what it does. Edit what you need; a setting you delete keeps its default. Unknown keys are
# errors. Use it with `invscale search --config FILE` (or name it config.yaml in the folder you
# run from).
"""


def annotated_config(cfg: Config | None = None) -> str:
    """The YAML text of ``cfg`` (the defaults when None), each field under its docstring."""
    lines = [_HEADER]
    lines += _model(cfg or Config(), 0)
    return "\n".join(lines) + "\n"


def write_config(folder: str | Path = ".", force: bool = False) -> Path:
    """Write ``folder/config.yaml`` with every default, annotated; create ``folder`` if needed.

    Raises:
        ConfigError: the file exists and ``force`` is False.
    """
    path = Path(folder) / DEFAULT_CONFIG
    if path.exists() and not force:
        raise ConfigError(f"{path} exists; edit it, or pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(annotated_config(), encoding="utf-8")
    return path


def _comment(text: str, pad: str, hang: str = "") -> list[str]:
    """``text`` (a docstring) as comment lines; continuation lines indented by ``hang``."""
    flat = " ".join(text.replace("``", "`").split())
    lines = textwrap.wrap(
        flat, WIDTH - len(pad) - 2, subsequent_indent=hang, break_on_hyphens=False
    )
    return [f"{pad}# {line}" for line in lines]


def _model(model: BaseModel, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if indent == 0 and lines:
            lines.append("")
        lines += _comment(field.description or "", pad)
        if isinstance(value, BaseModel):
            lines.append(f"{pad}{name}:")
            lines += _model(value, indent + 2)
        elif isinstance(value, dict) and value and _models_in(value):
            lines += _entry_fields(next(iter(_models_in(value))), pad)
            lines.append(f"{pad}{name}:")
            lines += _table(value, indent + 2)
        else:
            lines.append(f"{pad}{name}: {_flow(model.model_dump(mode='json')[name])}")
    return lines


def _models_in(table: dict[str, Any]) -> list[BaseModel]:
    return [v for row in table.values() for v in row if isinstance(v, BaseModel)]


def _entry_fields(example: BaseModel, pad: str) -> list[str]:
    """What each entry of a table of records may set (a ladder's rungs)."""
    lines = [f"{pad}# Each entry's fields (default in brackets):"]
    for name, field in type(example).model_fields.items():
        default = "required" if field.is_required() else _flow(field.get_default())
        lines += _comment(f"  {name} [{default}]: {field.description or ''}", pad, "    ")
    return lines


def _table(table: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines = []
    for key, rows in table.items():
        lines.append(f"{pad}{key}:")
        for row in rows:
            data = row.model_dump(mode="json", exclude_defaults=True, exclude={"params"})
            # params first after name, and as a number people can read (135e6 is valid YAML too)
            ordered = {"name": data.pop("name"), "params": row.params, **data}
            lines.append(f"{pad}  - {_flow(ordered)}")
    return lines


def _flow(value: Any) -> str:
    """A value as YAML flow text (JSON is a subset of YAML)."""
    return json.dumps(value, ensure_ascii=False)
