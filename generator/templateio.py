"""Templates on disk: JSONL (one per line) or YAML (a list, or one mapping), chosen by suffix."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from invscale.generator.template import TaskTemplate
from invscale.scorer.errors import InvscaleError
from invscale.scorer.fileio import atomic_write, jsonl_text

_YAML = (".yaml", ".yml")
_JSON = (".jsonl", ".json")


class TemplateFormatError(InvscaleError, ValueError):
    """A template file cannot be read; the message names the file, entry and field."""


def validation_summary(exc: ValidationError) -> str:
    """A pydantic error as one line per problem: ``field.path: message``."""
    problems = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "template"
        problems.append(f"{loc}: {err['msg']}")
    return "; ".join(problems)


def _entries(path: Path) -> list[tuple[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix in _YAML:
        try:
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
        except yaml.YAMLError as exc:
            raise TemplateFormatError(f"{path}: not valid YAML: {exc}") from None
        items = docs[0] if len(docs) == 1 and isinstance(docs[0], list) else docs
        return [(f"entry {i + 1}", item) for i, item in enumerate(items)]
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TemplateFormatError(f"{path}: not valid JSON: {exc}") from None
        items = data if isinstance(data, list) else [data]
        return [(f"entry {i + 1}", item) for i, item in enumerate(items)]
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append((f"line {number}", json.loads(line)))
        except json.JSONDecodeError as exc:
            raise TemplateFormatError(f"{path}: line {number}: not valid JSON: {exc}") from None
    return entries


def load_templates(path: str | Path) -> list[TaskTemplate]:
    """Read templates from a ``.jsonl``/``.json`` or ``.yaml``/``.yml`` file.

    Raises:
        TemplateFormatError: unreadable file, bad syntax, an invalid template or a repeated id,
            naming the file, the line or entry, and the field.
    """
    path = Path(path)
    if path.suffix not in _YAML + _JSON:
        raise TemplateFormatError(f"{path}: unknown suffix; use .jsonl, .json, .yaml or .yml")
    try:
        entries = _entries(path)
    except OSError as exc:
        raise TemplateFormatError(f"{path}: cannot read: {exc}") from None
    templates: list[TaskTemplate] = []
    seen: dict[str, str] = {}
    for where, item in entries:
        if not isinstance(item, dict):
            raise TemplateFormatError(f"{path}: {where}: expected a mapping of template fields")
        try:
            template = TaskTemplate.model_validate(item)
        except ValidationError as exc:
            name = item.get("id", "?")
            raise TemplateFormatError(
                f"{path}: {where} (id {name!r}): {validation_summary(exc)}"
            ) from None
        if template.id in seen:
            raise TemplateFormatError(
                f"{path}: {where}: id {template.id!r} repeats {seen[template.id]}"
            )
        seen[template.id] = where
        templates.append(template)
    return templates


def save_templates(templates: Iterable[TaskTemplate], path: str | Path) -> Path:
    """Write templates as JSONL, or as a YAML list when the suffix is ``.yaml``/``.yml``."""
    path = Path(path)
    if path.suffix not in _YAML + _JSON:
        raise TemplateFormatError(f"{path}: unknown suffix; use .jsonl, .json, .yaml or .yml")
    data = [t.model_dump(mode="json") for t in templates]
    if path.suffix in _YAML:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    elif path.suffix == ".json":
        text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    else:
        text = jsonl_text(data)
    return atomic_write(path, text)
