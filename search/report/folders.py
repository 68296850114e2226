"""A candidate's task folder read for the report: plot, first items with per-model results, extras.

Everything here tolerates a folder that is missing files or is half-written (the run may still be
going): what cannot be read becomes a problem note, never an exception.
"""

from __future__ import annotations

import ast
import base64
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from invscale.search.report.records import ExamplePair, LadderCheck, ModelCell, PromptView

PROB_LABELS = {
    "classification": "P(answer)",
    "sequence_prob": "P(completion)",
}


@dataclass(frozen=True)
class FolderInfo:
    """What a task folder adds to the store's numbers."""

    path: str
    summary: Mapping[str, Any]
    plot: str
    examples: tuple[ExamplePair, ...]
    problems: tuple[str, ...]


def png_data_uri(path: Path) -> str:
    """A PNG file as a ``data:`` URI, so the report needs no other file."""
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def read_summary(folder: Path) -> tuple[Mapping[str, Any], str | None]:
    """``summary.json`` as a mapping, and a problem note when it is missing or unreadable."""
    file = folder / "summary.json"
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, f"{file.name} is missing"
    except (OSError, json.JSONDecodeError) as exc:
        return {}, f"{file.name} cannot be read ({exc})"
    if not isinstance(data, dict):
        return {}, f"{file.name} is not a JSON object"
    return data, None


def model_names(summary: Mapping[str, Any], fallback: Sequence[str]) -> list[str]:
    """Model names smallest first, from ``summary.json`` (else ``fallback``)."""
    models = [m for m in summary.get("models") or [] if isinstance(m, dict) and "name" in m]
    if not models:
        return list(fallback)
    return [str(m["name"]) for m in sorted(models, key=lambda m: m.get("params") or 0)]


def _classes(row: Mapping[str, Any]) -> tuple[str, ...]:
    raw = row.get("classes")
    if isinstance(raw, list):
        return tuple(str(c) for c in raw)
    if isinstance(raw, str):
        try:
            parsed = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            return (raw,)
        if isinstance(parsed, list | tuple):
            return tuple(str(c) for c in parsed)
    return ()


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def model_cell(row: Mapping[str, Any], model: str, task_type: str) -> ModelCell:
    """One model's result on a labelled row (the Prize's ``<model>_<column>`` cells)."""
    loss = _number(row.get(f"{model}_loss", row.get(f"{model}_logodds_difference")))
    correct = row.get(f"{model}_correct")
    total = _number(row.get(f"{model}_total_logprob"))
    prob = math.exp(-loss) if loss is not None and task_type in PROB_LABELS else None
    return ModelCell(
        model=model,
        loss=loss,
        correct=None if correct is None else bool(correct),
        prob=prob,
        class_mass=None if total is None else _one_prompt_mass(total, task_type),
    )


def _one_prompt_mass(total_logprob: float, task_type: str) -> float:
    # The logodds column is log(m1 + m2) over two prompts (the Prize's); show one prompt's mass.
    if task_type in ("logodds", "absolute_logodds"):
        return math.exp(total_logprob) / 2
    return math.exp(total_logprob)


def prompt_view(row: Mapping[str, Any], models: Sequence[str], task_type: str) -> PromptView:
    """A labelled row as shown in the report."""
    classes = _classes(row)
    index = row.get("answer_index")
    if "completion" in row:
        answer = str(row["completion"])
    elif isinstance(index, int) and 0 <= index < len(classes):
        answer = classes[index]
    else:
        answer = "?"
    other = row.get("other_prompt")
    return PromptView(
        prompt=str(row.get("prompt", "")),
        other_prompt=None if other is None else str(other),
        classes=classes,
        answer=answer,
        cells=tuple(model_cell(row, m, task_type) for m in models),
    )


def read_rows(file: Path, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` rows of a JSON Lines file.

    Raises:
        ValueError: naming the file and line of a row that is not a JSON object.
    """
    rows = []
    with file.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(islice(fh, limit), start=1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{file.name} line {lineno}: invalid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise ValueError(f"{file.name} line {lineno}: not a JSON object")
            rows.append(row)
    return rows


def read_examples(
    folder: Path, models: Sequence[str], task_type: str, limit: int
) -> tuple[tuple[ExamplePair, ...], list[str]]:
    """The first ``limit`` items of the manipulated set beside their controls."""
    problems: list[str] = []
    try:
        task = read_rows(folder / "labelled_data.jsonl", limit)
    except (OSError, ValueError) as exc:
        return (), [f"examples not shown: {exc}"]
    try:
        control: list[dict[str, Any]] = read_rows(folder / "control_labelled_data.jsonl", limit)
    except (OSError, ValueError) as exc:
        control = []
        problems.append(f"control examples not shown: {exc}")
    pairs = tuple(
        ExamplePair(
            i,
            prompt_view(row, models, task_type),
            prompt_view(control[i], models, task_type) if i < len(control) else None,
        )
        for i, row in enumerate(task)
    )
    return pairs, problems


def read_folder(
    folder: Path, run_dir: Path, fallback_models: Sequence[str], n_examples: int
) -> FolderInfo:
    """Read what the report needs from one task folder, noting whatever is missing."""
    summary, problem = read_summary(folder)
    problems = [problem] if problem else []
    plot = ""
    try:
        plot = png_data_uri(folder / "scaling.png")
    except OSError:
        problems.append("scaling.png is missing")
    task_type = str(summary.get("task_type", ""))
    models = model_names(summary, fallback_models)
    examples, more = read_examples(folder, models, task_type, n_examples)
    return FolderInfo(
        path=str(folder.relative_to(run_dir)),
        summary=summary,
        plot=plot,
        examples=examples,
        problems=tuple(problems + more),
    )


def ladder_checks(summary: Mapping[str, Any]) -> tuple[LadderCheck, ...]:
    """The ``other_ladders`` entries of a task's summary."""
    out = []
    for name, raw in (summary.get("other_ladders") or {}).items():
        try:
            low, high = raw["gap_ci"]
            out.append(LadderCheck(str(name), float(raw["gap"]), low, high, bool(raw["holds"])))
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(out)


def robustness_share(summary: Mapping[str, Any]) -> float | None:
    """Share of rewordings that keep the trend (None when not measured)."""
    robust = summary.get("robustness")
    if not isinstance(robust, dict):
        return None
    return _number(robust.get("share_keeping_trend"))
