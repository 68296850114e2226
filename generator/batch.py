"""Expand a file of templates into Prize CSVs (task and control) plus a rejection log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from invscale.generator.expand import DEFAULT_EXAMPLES, expand
from invscale.generator.gates import GateError, Rejection
from invscale.generator.template import TaskTemplate
from invscale.generator.templateio import load_templates
from invscale.scorer.fileio import write_jsonl
from invscale.scorer.records import TaskDataset
from invscale.scorer.taskio import save_task


@dataclass(frozen=True)
class ExpandReport:
    """What :func:`expand_to_dir` wrote.

    Attributes:
        written: Paths of the task CSVs (controls sit beside them as ``<id>.control.csv``).
        rejections: Templates that failed a gate, with the reason.
        rejection_log: The JSONL file holding the rejections.
    """

    written: tuple[Path, ...]
    rejections: tuple[Rejection, ...]
    rejection_log: Path


def write_prize_csv(dataset: TaskDataset, path: str | Path) -> Path:
    """Write a dataset as a Prize CSV (classes as a Python-list string, no index column)."""
    return save_task(dataset, Path(path).with_suffix(".csv"))


def expand_to_dir(
    templates: Sequence[TaskTemplate],
    out_dir: str | Path,
    n: int = DEFAULT_EXAMPLES,
    seed: int = 0,
    max_prompt_tokens: int | None = None,
) -> ExpandReport:
    """Expand every template; write ``<id>.csv``, ``<id>.control.csv`` and ``rejections.jsonl``.

    A template that fails a gate is logged with its reason and skipped; the others are written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    rejections: list[Rejection] = []
    for template in templates:
        try:
            expansion = expand(template, n=n, seed=seed, max_prompt_tokens=max_prompt_tokens)
        except GateError as exc:
            rejections.append(exc.rejection or Rejection(template.id, "invalid_template", str(exc)))
            continue
        written.append(write_prize_csv(expansion.dataset, out / f"{template.id}.csv"))
        write_prize_csv(expansion.control, out / f"{template.id}.control.csv")
    log = out / "rejections.jsonl"
    write_jsonl([r.to_dict() for r in rejections], log)
    return ExpandReport(tuple(written), tuple(rejections), log)


def expand_file(
    path: str | Path,
    out_dir: str | Path,
    n: int = DEFAULT_EXAMPLES,
    seed: int = 0,
    max_prompt_tokens: int | None = None,
) -> ExpandReport:
    """Load templates from ``path`` (JSONL or YAML) and :func:`expand_to_dir` them.

    Raises:
        TemplateFormatError: the file cannot be read or holds an invalid template.
    """
    return expand_to_dir(load_templates(path), out_dir, n, seed, max_prompt_tokens)
