"""Instruction rewording: the same task in other words, for robustness checks and mutation."""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from invscale.generator.consistent import consistent_changed
from invscale.generator.offline.lexicon import load_lexicon
from invscale.generator.render import escape, map_literals, parse
from invscale.generator.template import TaskTemplate, derive

DEFAULT_SEEDS_DIR = "datasets/seeds"
_PATTERN_FIELDS = ("prompt", "control_prompt", "other_prompt", "control_other_prompt")


def _phrase(phrase: str) -> re.Pattern[str]:
    # Whole words only: "word" must not match inside "words" or "password".
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)")


def _literals(template: TaskTemplate) -> str:
    texts = [
        text
        for name in _PATTERN_FIELDS
        if (pattern := getattr(template, name)) is not None
        for is_slot, text in parse(pattern)
        if not is_slot
    ]
    return "\n".join(texts + list(template.demos + template.control_demos))


def _substitutions(
    groups: tuple[tuple[str, ...], ...], text: str, rng: random.Random
) -> list[tuple[str, str]]:
    """(old, new) phrase pairs: one random alternative for a random subset of present groups."""
    present = []
    for group in groups:
        found = [p for p in group if _phrase(p).search(text)]
        if found:
            present.append((found[0], [p for p in group if p != found[0]]))
    rng.shuffle(present)
    chosen = present[: rng.randint(1, len(present))] if present else []
    return [(old, rng.choice(alternatives)) for old, alternatives in chosen]


def _preamble_change(
    template: TaskTemplate, preambles: tuple[str, ...], rng: random.Random
) -> Callable[[str], str]:
    """Remove a known neutral first line, or add one; the same change for every prompt."""
    for line in preambles:
        head = line + "\n"
        if template.prompt.startswith(head) and template.control_prompt.startswith(head):
            return functools.partial(_drop_prefix, head)
    return functools.partial(_add_prefix, escape(rng.choice(preambles)) + "\n")


def _drop_prefix(head: str, pattern: str) -> str:
    return pattern.removeprefix(head)


def _add_prefix(head: str, pattern: str) -> str:
    return head + pattern


def reword(
    template: TaskTemplate, seed: int, seeds_dir: str | Path = DEFAULT_SEEDS_DIR
) -> TaskTemplate:
    """Reword the instruction text of both variants alike, keeping slots, classes and answers.

    Phrases from the rewording lexicon are swapped for synonyms (the same choice in the
    manipulated prompt, the control prompt and the demonstrations), and a neutral first line
    may be added or removed, so the pair still differs only by the manipulation.

    Raises:
        pydantic.ValidationError: never for a valid template; the result is re-validated.
    """
    lex = load_lexicon(seeds_dir)
    rng = random.Random(f"reword|{seed}|{template.id}")
    subs = _substitutions(lex.reword_groups, _literals(template), rng)

    def change(text: str) -> str:
        for old, new in subs:
            text = _phrase(old).sub(new.replace("\\", "\\\\"), text)
        return text

    preamble = _preamble_change(template, lex.preambles, rng)
    toggle_preamble = not subs or rng.random() < 0.3
    changes: dict[str, Any] = {}
    for name in _PATTERN_FIELDS:
        pattern = getattr(template, name)
        if pattern is not None:
            pattern = map_literals(pattern, change)
            changes[name] = preamble(pattern) if toggle_preamble else pattern
    changes["demos"] = tuple(change(d) for d in template.demos)
    changes["control_demos"] = tuple(change(d) for d in template.control_demos)

    def consistent(pattern: str) -> str:
        pattern = map_literals(pattern, change)
        return preamble(pattern) if toggle_preamble else pattern

    changes["consistent_control"] = consistent_changed(template, consistent, change)
    return derive(template, "reword", (template.id,), **changes)
