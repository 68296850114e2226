"""An accepted task's folder, as the search writes it, read back for export.

A task folder holds ``data.csv`` (the Prize-format dataset), ``control.csv`` (its control variant),
``summary.json`` (per-model results and the fit), ``scaling.png`` and ``template.yaml`` (the
generator's template, which export treats as opaque YAML).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from invscale.scorer.errors import ExportError
from invscale.scorer.names import slug
from invscale.scorer.records import (
    LogoddsExample,
    SequenceProbExample,
    TaskDataset,
)
from invscale.scorer.taskio import TaskFormatError, load_task, parse_task_type

# A value of an exported JSON row: text, numbers, or a list of classes.
JsonValue = str | int | float | bool | None | list[str]
JsonRow = dict[str, JsonValue]


@dataclass(frozen=True)
class TaskFolder:
    """An accepted task, loaded from its folder.

    Attributes:
        path: The folder.
        name: Task name (``summary.json``'s ``task``, else the folder's name).
        slug: The name made safe for file and task names.
        dataset: The task's examples.
        control: The control variant's examples, when the folder has ``control.csv``.
        summary: ``summary.json`` as parsed JSON.
        template: ``template.yaml`` as parsed YAML (empty when missing or not a mapping).
        template_text: ``template.yaml`` verbatim ("" when missing).
        plot: ``scaling.png`` when present.
    """

    path: Path
    name: str
    slug: str
    dataset: TaskDataset
    control: TaskDataset | None
    summary: Mapping[str, object]
    template: Mapping[str, object]
    template_text: str
    plot: Path | None


def _read_summary(path: Path) -> Mapping[str, object]:
    file = path / "summary.json"
    if not file.exists():
        raise ExportError(f"{path}: not a task folder (no summary.json)")
    try:
        summary = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ExportError(f"{file}: invalid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(summary, dict) or "task_type" not in summary:
        raise ExportError(f"{file}: expected a JSON object with a 'task_type' key")
    return summary


def _read_template(path: Path) -> tuple[Mapping[str, object], str]:
    file = path / "template.yaml"
    if not file.exists():
        return {}, ""
    text = file.read_text(encoding="utf-8")
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ExportError(f"{file}: invalid YAML: {exc}") from None
    return (parsed if isinstance(parsed, dict) else {}), text


def load_task_folder(path: str | Path) -> TaskFolder:
    """Read a task folder.

    Raises:
        ExportError: the folder lacks ``summary.json`` or ``data.csv``, or a file is unreadable.
    """
    path = Path(path)
    summary = _read_summary(path)
    name = str(summary.get("task") or path.name)
    try:
        task_type = parse_task_type(str(summary["task_type"]))
        if not (path / "data.csv").exists():
            raise ExportError(f"{path}: task folder has no data.csv")
        dataset = load_task(path / "data.csv", task_type, name)
        control = None
        if (path / "control.csv").exists():
            control = load_task(path / "control.csv", task_type, f"{name}_control")
    except TaskFormatError as exc:
        raise ExportError(f"{path}: {exc}") from None
    template, text = _read_template(path)
    plot = path / "scaling.png"
    return TaskFolder(
        path,
        name,
        slug(name, 80) or "task",
        dataset,
        control,
        summary,
        template,
        text,
        plot if plot.exists() else None,
    )


def find_task_folders(path: str | Path) -> list[Path]:
    """The task folders at ``path``: itself when it is one, else every ``tasks/*`` of a run.

    Raises:
        ExportError: neither a task folder nor a run folder holding task folders.
    """
    path = Path(path)
    # A run folder has a summary.json too (the run's); a task folder also holds its data.
    if (path / "summary.json").exists() and (path / "data.csv").exists():
        return [path]
    tasks = sorted(p for p in (path / "tasks").glob("*") if (p / "summary.json").exists())
    if not tasks:
        raise ExportError(
            f"{path}: neither a task folder (summary.json) nor a run folder "
            "with tasks/<name>/summary.json"
        )
    return tasks


def json_rows(dataset: TaskDataset) -> list[JsonRow]:
    """Rows for JSON/Parquet export: classes as a real list, extra columns as text."""
    rows: list[JsonRow] = []
    for i, ex in enumerate(dataset.examples):
        row: JsonRow = {"idx": i, "prompt": ex.prompt}
        if isinstance(ex, SequenceProbExample):
            row["completion"] = ex.completion
        else:
            if isinstance(ex, LogoddsExample):
                row["other_prompt"] = ex.other_prompt
            row.update(classes=list(ex.classes), answer_index=ex.answer_index)
        # Extra CSV cells are text; keeping them text keeps every row's schema the same.
        row.update({k: None if v is None else str(v) for k, v in ex.extra if k not in row})
        rows.append(row)
    return rows
