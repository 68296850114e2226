"""Shared template builders for the generator tests."""

from __future__ import annotations

from typing import Any

import pytest

from invscale.generator import TaskTemplate, build_template


def memo_data(**changes: Any) -> dict[str, Any]:
    """Fields of a small valid template (a memorised-phrase trap over made-up phrases), big enough
    for a selection set and a disjoint confirmation set of 300 items each."""
    data: dict[str, Any] = {
        "title": "memo",
        "hypothesis": "larger models continue the memorised phrase",
        "cause_family": "strong_prior",
        "mechanism": "memo_trap",
        "prompt": 'Write a quote that ends in the word "{w.word}": {p.stem}',
        "control_prompt": "Write a quote: {p.stem}",
        "classes": [" {w.word}", " {p.end}"],
        "answer": {"kind": "fixed", "index": 0},
        "control_answer": {"kind": "fixed", "index": 1},
        "tables": {
            "p": [{"stem": f"Saying number {i} ends with", "end": f"end{i}"} for i in range(60)],
            "w": [{"word": f"word{i}"} for i in range(40)],
        },
        "card": {
            "family": "strong_prior",
            "lure": "memorised_text",
            "lure_text": "the memorised ending of the phrase",
            "behaviour": "follow_instruction",
            "behaviour_text": "end the phrase with the named word",
            "domain": "made-up sayings",
            "ancestors": ["prize-memo-trap"],
        },
    }
    data.update(changes)
    return data


def make(**changes: Any) -> TaskTemplate:
    """A validated template from :func:`memo_data` with ``changes``."""
    return build_template(memo_data(**changes))


@pytest.fixture
def memo() -> TaskTemplate:
    return make()
