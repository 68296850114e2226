"""A fake accepted-task folder, built the way the search writes one (scored on the fake ladder)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from invscale.scorer import Rung, ScorerConfig, TaskDataset, save_task, score_dataset
from invscale.scorer.records import (
    ClassificationExample,
    Example,
    LogoddsExample,
    SequenceProbExample,
)
from invscale.scorer.results import write_summary

FAKE = (
    Rung(name="fake-s", params=10**7, backend="fake"),
    Rung(name="fake-l", params=10**9, backend="fake"),
)
WORDS = ("apple", "river", "stone", "cloud", "maple", "tiger", "lemon", "glass", "piano", "ember")


def _example(task_type: str, i: int, control: bool) -> Example:
    word, other = WORDS[i % len(WORDS)], WORDS[(i + 3) % len(WORDS)]
    lead = "Say the word" if control else f"Ignore '{other}' and say the word"
    prompt = f"{lead} {word} (item {i}).\nA:"
    if task_type == "sequence_prob":
        return SequenceProbExample(prompt, f" {word}")
    classes = (f" {word}", f" {other}")
    answer = i % 2
    if answer:
        classes = classes[::-1]
    if task_type == "classification":
        return ClassificationExample(prompt, classes, answer, (("source_row", str(i)),))
    return LogoddsExample(prompt, f"Q: {word} or {other}? (item {i})\nA:", classes, answer)


def build_task_folder(
    root: Path,
    task_type: str,
    name: str = "copy-trap",
    n: int = 300,
    template: dict[str, object] | None = None,
) -> Path:
    """Write data.csv, control.csv, summary.json, scaling.png and template.yaml under root/name."""
    folder = root / name
    data = TaskDataset(name, task_type, tuple(_example(task_type, i, False) for i in range(n)))
    control = TaskDataset(
        f"{name}_control", data.task_type, tuple(_example(task_type, i, True) for i in range(n))
    )
    save_task(data, folder / "data.csv")
    save_task(control, folder / "control.csv")
    cfg = ScorerConfig(cache_path=str(root.parent / "scores.sqlite"), bootstrap_samples=100)
    result = score_dataset(data, FAKE, cfg)
    write_summary(result, folder, {"operator": "mutate", "seed": 7, "accepted": True})
    template = (
        template
        if template is not None
        else {
            "id": "tpl-001",
            "title": "Copy the distractor",
            "hypothesis": "Bigger models copy more.",
            "cause_family": "strong prior",
            "instruction": "Ignore '{other}' and say {word}",
        }
    )
    (folder / "template.yaml").write_text(yaml.safe_dump(template, sort_keys=False))
    return folder


@pytest.fixture
def task_folder(tmp_path: Path) -> Callable[..., Path]:
    """Build a fake task folder under tmp_path: ``task_folder(task_type, **kwargs)``."""

    def make(task_type: str = "classification", **kwargs: object) -> Path:
        return build_task_folder(tmp_path / "run" / "tasks", task_type, **kwargs)

    return make
