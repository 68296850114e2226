from __future__ import annotations

import random
import re

import pytest

from invscale.generator import TaskTemplate, expand
from invscale.generator.offline.lexicon import load_lexicon
from invscale.generator.offline.operators import OPERATORS
from invscale.scorer.records import ClassificationExample, SequenceProbExample

SEEDS = range(6)


def _built(name: str, seed: int, examples: int = 300) -> TaskTemplate:
    return OPERATORS[name].build(load_lexicon(), random.Random(seed), examples)


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_every_operator_expands_300_items_through_the_gates(name: str) -> None:
    for seed in SEEDS:
        template = _built(name, seed)
        exp = expand(template, n=300, seed=seed, max_prompt_tokens=1024)
        assert len(exp.dataset) == len(exp.control) == 300
        assert template.mechanism == name == template.lineage.operator
        assert template.cause_family == OPERATORS[name].cause_family


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_operator_controls_differ_only_in_prompt(name: str) -> None:
    exp = expand(_built(name, 0), n=300, seed=0)
    for item, control in zip(exp.dataset.examples, exp.control.examples, strict=True):
        assert item.prompt != control.prompt
        if isinstance(item, ClassificationExample):
            assert isinstance(control, ClassificationExample)
            assert item.classes == control.classes
            assert all(c.startswith(" ") for c in item.classes)
        else:
            assert isinstance(item, SequenceProbExample)


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_operator_answers_are_balanced_in_both_variants(name: str) -> None:
    stats = expand(_built(name, 1), n=300, seed=0).stats
    assert stats.answer_counts == (150, 150)
    assert all(abs(c - 150) <= 30 for c in stats.control_answer_counts)


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_operator_varies_with_its_seed(name: str) -> None:
    ids = {_built(name, seed).id for seed in SEEDS}
    assert len(ids) == len(SEEDS)


def test_memo_trap_items_ask_for_the_named_word() -> None:
    exp = expand(_built("memo_trap", 2), n=300, seed=0)
    for item, control in zip(exp.dataset.examples, exp.control.examples, strict=True):
        assert isinstance(item, ClassificationExample)
        assert isinstance(control, ClassificationExample)
        named = item.classes[item.answer_index].strip()
        assert named in item.prompt and named not in control.prompt
        assert control.answer_index != item.answer_index


def test_redefinition_items_answer_with_the_new_category() -> None:
    exp = expand(_built("redefine_word", 0), n=300, seed=0)
    for item, control in zip(exp.dataset.examples, exp.control.examples, strict=True):
        assert isinstance(item, ClassificationExample)
        assert isinstance(control, ClassificationExample)
        assert item.prompt.endswith(control.prompt)
        redefinition = item.prompt.removesuffix(control.prompt)
        new = item.classes[item.answer_index].strip()
        usual = control.classes[control.answer_index].strip()
        assert new != usual
        assert re.search(rf"\b{new}\b", redefinition)
        assert not re.search(rf"\b{usual}\b", redefinition)


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_operators_leave_room_for_a_fresh_confirmation_set(name: str) -> None:
    template = _built(name, 3)
    selection = expand(template, n=300, seed=0)
    confirmation = expand(template, n=600, seed=7919)
    used = {ex.prompt for ex in selection.dataset.examples}
    fresh = [ex for ex in confirmation.dataset.examples if ex.prompt not in used]
    assert len(fresh) >= 300


@pytest.mark.parametrize("name", ["memo_trap", "negation", "pattern_suppression"])
def test_operators_built_for_1000_items_reach_1000(name: str) -> None:
    exp = expand(_built(name, 0, examples=1000), n=1000, seed=0)
    assert len(exp.dataset) == 1000
