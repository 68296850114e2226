"""Exemplars: many example prompts per known task, across surfaces and formats, each with its
control (the same item without the manipulation).

They are built from two sources, both written for this project: the hand-written frames of
``datasets/known/frames/*.yaml`` (a prompt pattern, its control and rows of slot values), and the
offline operators whose mechanism card names the task as its closest ancestor, rendered with
several seeds (each seed picks other wordings, answer formats and lexicon rows). The result is
stored as data in ``datasets/known/exemplars.jsonl`` by ``bench/build_exemplars.py``; the
novelty filter only reads that file.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from invscale.scorer.paths import data_path
from invscale.search.novelty.records import NoveltyInputError

EXEMPLARS_FILE = "exemplars.jsonl"
FRAMES_DIR = "frames"
OPERATOR_PROMPTS = 30  # per known task, shared among the operators that descend from it
PROMPTS_PER_TEMPLATE = 3


@dataclass(frozen=True)
class Exemplar:
    """One example prompt of a known task.

    Attributes:
        task: The known task's id.
        prompt: The prompt (for a completion task, the text before the completion).
        control: The same item without the manipulation ("" when the frame has none).
        origin: Where it came from: ``frame:<file>#<n>`` or ``operator:<name>@<seed>``.
    """

    task: str
    prompt: str
    control: str
    origin: str


def render_frames(folder: str | Path) -> list[Exemplar]:
    """Every row of every frame in ``folder/frames/*.yaml``, rendered.

    Raises:
        NoveltyInputError: a frame is malformed or a row lacks a slot its patterns use.
    """
    from invscale.generator.render import PatternError, render

    out: list[Exemplar] = []
    for path in sorted((data_path(folder) / FRAMES_DIR).glob("*.yaml")):
        frames = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        for n, frame in enumerate(frames, start=1):
            where = f"{path.name}#{n}"
            _check_frame(frame, where)
            for row in frame["rows"]:
                values = {str(k): str(v) for k, v in row.items()}
                try:
                    prompt = render(frame["prompt"], values)
                    control = render(frame.get("control", ""), values)
                except PatternError as exc:
                    raise NoveltyInputError(f"{path}: frame {n}: {exc}") from None
                out.append(Exemplar(frame["task"], prompt, control, f"frame:{where}"))
    return out


def _check_frame(frame: Any, where: str) -> None:
    if not isinstance(frame, dict) or not {"task", "prompt", "rows"} <= set(frame):
        raise NoveltyInputError(f"{where}: a frame needs task, prompt and rows")
    if not isinstance(frame["rows"], list) or not all(isinstance(r, dict) for r in frame["rows"]):
        raise NoveltyInputError(f"{where}: rows must be a list of mappings")


def operator_exemplars(seeds_dir: str, per_task: int = OPERATOR_PROMPTS) -> list[Exemplar]:
    """Prompts of the offline operators that descend from a known task, about ``per_task`` per
    task (shared among its operators, so a task with many operators is not over-represented);
    an operator renders its closest ancestor (the first it names)."""
    from invscale.generator.expand import expand
    from invscale.generator.gates import GateError
    from invscale.generator.offline.lexicon import load_lexicon
    from invscale.generator.offline.operators import OPERATORS

    lex = load_lexicon(seeds_dir)
    ops = {n: op for n, op in OPERATORS.items() if op.card is not None and op.card.ancestors}
    per_op = Counter(op.card.ancestors[0] for op in ops.values() if op.card is not None)
    out: list[Exemplar] = []
    for name, op in sorted(ops.items()):
        card = op.card
        assert card is not None
        seeds = max(2, -(-per_task // (PROMPTS_PER_TEMPLATE * per_op[card.ancestors[0]])))
        for seed in range(seeds):
            template = op.build(lex, random.Random(seed), 40)
            try:
                pairs = expand(template, PROMPTS_PER_TEMPLATE, seed)
            except GateError:
                continue
            for ex, ctl in zip(pairs.dataset.examples, pairs.control.examples, strict=True):
                out.append(
                    Exemplar(card.ancestors[0], ex.prompt, ctl.prompt, f"operator:{name}@{seed}")
                )
    return out


def build_exemplars(known_path: str | Path, seeds_dir: str) -> list[Exemplar]:
    """Frames and operator renderings, sorted by task, without repeated prompts."""
    seen: set[tuple[str, str]] = set()
    out = []
    for ex in render_frames(known_path) + operator_exemplars(seeds_dir):
        if (ex.task, ex.prompt) not in seen:
            seen.add((ex.task, ex.prompt))
            out.append(ex)
    return sorted(out, key=lambda e: e.task)


def write_exemplars(path: str | Path, exemplars: list[Exemplar]) -> None:
    """Write exemplars as JSONL."""
    lines = (json.dumps(asdict(e), ensure_ascii=False) + "\n" for e in exemplars)
    Path(path).write_text("".join(lines), encoding="utf-8")


def load_exemplars(known_path: str | Path) -> list[Exemplar]:
    """The stored exemplars of a known-task folder (none when it has no exemplars file).

    Raises:
        NoveltyInputError: a malformed line (named by file:line).
    """
    path = data_path(known_path) / EXEMPLARS_FILE
    if not path.is_file():
        return []
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            out.append(Exemplar(raw["task"], raw["prompt"], raw.get("control", ""), raw["origin"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise NoveltyInputError(f"{path}:{number}: not an exemplar ({exc})") from None
    return out
