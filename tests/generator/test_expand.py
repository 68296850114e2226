from __future__ import annotations

import ast
import csv
from pathlib import Path
from typing import Any

import pytest

from invscale.generator import GateError, TaskTemplate, build_template, expand, write_prize_csv
from invscale.generator.gates import REJECT_REASONS, Rejection
from invscale.scorer.records import ClassificationExample, LogoddsExample, SequenceProbExample

from .conftest import make, memo_data


def _numbers(n: int) -> list[dict[str, str]]:
    return [{"a": str(i), "b": str(i * 37 % n)} for i in range(n)]


def test_expansion_is_deterministic_for_a_seed(memo: TaskTemplate) -> None:
    first, again = expand(memo, n=300, seed=4), expand(memo, n=300, seed=4)
    assert first.dataset == again.dataset
    assert first.control == again.control


def test_different_seeds_give_different_items(memo: TaskTemplate) -> None:
    a, b = expand(memo, n=300, seed=0), expand(memo, n=300, seed=1)
    assert a.dataset.examples != b.dataset.examples


def test_controls_pair_item_by_item(memo: TaskTemplate) -> None:
    exp = expand(memo, n=300, seed=0)
    assert len(exp.control) == len(exp.dataset) == 300
    for item, control in zip(exp.dataset.examples, exp.control.examples, strict=True):
        assert isinstance(item, ClassificationExample)
        assert isinstance(control, ClassificationExample)
        assert item.classes == control.classes
        assert item.prompt != control.prompt
        assert item.prompt.endswith(control.prompt.removeprefix("Write a quote: "))
        # The manipulated answer is the instructed word; the control's the usual ending.
        assert item.classes[item.answer_index].startswith(" word")
        assert control.classes[control.answer_index].startswith(" end")


def test_answers_are_balanced_across_positions(memo: TaskTemplate) -> None:
    exp = expand(memo, n=301, seed=0)
    assert sorted(exp.stats.answer_counts) == [150, 151]
    positions = [ex.answer_index for ex in exp.dataset.examples]
    assert abs(positions.count(0) - positions.count(1)) <= 1


def test_prompts_are_distinct(memo: TaskTemplate) -> None:
    exp = expand(memo, n=600, seed=0)
    assert len({ex.prompt for ex in exp.dataset.examples}) == 600


def test_constant_labels_are_balanced_by_choosing_items() -> None:
    t = build_template(
        memo_data(
            prompt="Is {n.a} greater than {n.b}? Answer:",
            control_prompt="Is {n.a} a larger number than {n.b}? Answer:",
            classes=[" Yes", " No"],
            answer={"kind": "compare", "left": "n.a", "right": "n.b", "op": "gt"},
            control_answer=None,
            tables={"n": _numbers(400)},
        )
    )
    exp = expand(t, n=200, seed=0)
    assert exp.stats.answer_counts == (100, 100)
    for ex in exp.dataset.examples:
        assert isinstance(ex, ClassificationExample)
        assert ex.classes == (" Yes", " No")
        a, b = (int(x) for x in ex.prompt.removeprefix("Is ").split("?")[0].split(" greater than "))
        assert ex.answer_index == (0 if a > b else 1)


def test_options_are_reordered_and_labels_stay() -> None:
    t = make(
        prompt="Pick the new ending.\n{p.stem}\nA) {option_0}\nB) {option_1}\nAnswer:",
        control_prompt="Pick the usual ending.\n{p.stem}\nA) {option_0}\nB) {option_1}\nAnswer:",
        classes=[" A", " B"],
        options=["{w.word}", "{p.end}"],
    )
    exp = expand(t, n=100, seed=0)
    assert exp.stats.answer_counts == (50, 50)
    for ex in exp.dataset.examples:
        assert isinstance(ex, ClassificationExample)
        assert ex.classes == (" A", " B")
        right_line = ex.prompt.splitlines()[2 + ex.answer_index]
        assert right_line.split(") ")[1].startswith("word")


def test_sequence_prob_completion_is_the_right_class() -> None:
    # The control names the word too, so its (prompt, completion) pairs stay distinct.
    t = make(task_type="sequence_prob", control_prompt="Write a quote for {w.word}: {p.stem}")
    exp = expand(t, n=300, seed=0)
    for item, control in zip(exp.dataset.examples, exp.control.examples, strict=True):
        assert isinstance(item, SequenceProbExample)
        assert isinstance(control, SequenceProbExample)
        assert item.completion.startswith(" word") and control.completion.startswith(" end")


def test_logodds_pairs_two_prompts_per_item(memo: TaskTemplate) -> None:
    t = make(
        task_type="logodds",
        other_prompt="Continue the quote: {p.stem}",
        control_other_prompt="Continue it: {p.stem}",
    )
    exp = expand(t, n=20, seed=0)
    ex = exp.dataset.examples[0]
    assert isinstance(ex, LogoddsExample) and ex.other_prompt.startswith("Continue the quote: ")
    assert exp.dataset.columns == ("prompt", "other_prompt", "classes", "answer_index")


BAD: list[tuple[str, dict[str, Any], int, str]] = [
    (
        "few rows",
        {"tables": {"p": [{"stem": "S", "end": "e"}], "w": [{"word": f"w{i}"} for i in range(9)]}},
        300,
        "too_few_combinations",
    ),
    ("prompt ignores a table", {"prompt": 'End with "x": {p.stem}'}, 300, "duplicate_prompts"),
    (
        "same label always right",
        {
            "classes": [" Yes", " No"],
            "control_answer": {"kind": "fixed", "index": 0},
            "prompt": 'Is "{w.word}" the end of {p.stem}?',
            "control_prompt": "Is {p.stem} done?",
        },
        50,
        "unbalanced_answers",
    ),
    ("class without leading space", {"classes": ["{w.word}", " {p.end}"]}, 50, "class_format"),
    (
        "classes share a first word",
        {"classes": [" the {w.word}", " the {p.end}"]},
        50,
        "class_format",
    ),
    ("prompt too long", {"prompt": "x" * 4000 + ' "{w.word}": {p.stem}'}, 50, "prompt_too_long"),
    (
        "control renders the same",
        {
            "tables": {
                "p": [{"stem": f"S{i}", "end": f"e{i}", "dup": f"S{i}"} for i in range(30)],
                "w": [{"word": f"w{i}"} for i in range(20)],
            },
            "prompt": "{w.word} {p.stem}",
            "control_prompt": "{w.word} {p.dup}",
        },
        50,
        "control_identical",
    ),
]


@pytest.mark.parametrize(("case", "changes", "n", "reason"), BAD, ids=[b[0] for b in BAD])
def test_gates_reject_with_the_right_reason(
    case: str, changes: dict[str, Any], n: int, reason: str
) -> None:
    template = make(**changes)
    with pytest.raises(GateError) as info:
        expand(template, n=n, seed=0, max_prompt_tokens=1024)
    rejection = info.value.rejection
    assert isinstance(rejection, Rejection)
    assert rejection.reason == reason
    assert rejection.template_id == template.id
    assert reason in str(info.value)
    assert rejection.reason in REJECT_REASONS


def test_unvalidated_template_with_a_broken_rule_is_rejected_not_crashed() -> None:
    good = make()
    broken = TaskTemplate.model_construct(
        **{**dict(good), "answer": good.answer.model_copy(update={"index": 7})}
    )
    with pytest.raises(GateError) as info:
        expand(broken, n=10, seed=0)
    assert info.value.reason == "answer_rule"


def test_gate_error_accepts_a_plain_message() -> None:
    err = GateError("only 3 fresh items")
    assert str(err) == "only 3 fresh items" and err.rejection is None and err.reason == "other"


def test_prize_csv_round_trips(tmp_path: Path, memo: TaskTemplate) -> None:
    exp = expand(memo, n=30, seed=0)
    path = write_prize_csv(exp.dataset, tmp_path / "task.csv")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["prompt", "classes", "answer_index"]
    for row, ex in zip(rows, exp.dataset.examples, strict=True):
        assert isinstance(ex, ClassificationExample)
        assert row["prompt"] == ex.prompt
        assert tuple(ast.literal_eval(row["classes"])) == ex.classes
        assert int(row["answer_index"]) == ex.answer_index
