from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from invscale.generator import TaskTemplate, build_template
from invscale.generator.template import content_hash

from .conftest import make, memo_data


def _numbers(n: int) -> list[dict[str, str]]:
    return [{"a": str(i), "b": str(i + 1), "k": str(i % 2)} for i in range(n)]


INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("unknown slot", {"prompt": "Say {w.wrd}: {p.stem}"}, r"unknown slot.*\{w\.wrd\}"),
    ("unknown table", {"classes": [" {x.word}", " {p.end}"]}, r"classes\[0\].*\{x\.word\}"),
    ("fixed index out of range", {"answer": {"kind": "fixed", "index": 2}}, "out of range"),
    (
        "slot rule column missing",
        {"answer": {"kind": "slot", "slot": "p.idx"}},
        r"unknown slot.*p\.idx",
    ),
    (
        "slot rule value not an index",
        {"answer": {"kind": "slot", "slot": "p.end"}},
        "not a choice index",
    ),
    (
        "compare on text",
        {"answer": {"kind": "compare", "left": "p.end", "right": "w.word"}},
        "not a number",
    ),
    ("unknown rule kind", {"answer": {"kind": "oracle"}}, "kind"),
    ("bad id", {"id": "../etc/passwd"}, "id"),
    ("control identical", {"control_prompt": memo_data()["prompt"]}, "identical"),
    ("demos without slot", {"demos": ["Q: x\nA: y"]}, r"no \{demos\} slot"),
    ("logodds without other prompt", {"task_type": "logodds"}, "other_prompt"),
    ("options length", {"options": ["{w.word}"], "classes": [" A", " B"]}, "options"),
    ("one class", {"classes": [" {w.word}"]}, "at least 2 classes"),
    ("extra field", {"secret": "x"}, "Extra inputs"),
    ("lone brace", {"prompt": "Say { {p.stem}"}, "lone"),
    ("rows with different columns", {"tables": {"p": [{"a": "1"}, {"b": "2"}]}}, "columns"),
    ("cause family not a name", {"cause_family": "Strong Prior!"}, "snake_case"),
]


@pytest.mark.parametrize(("case", "changes", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_templates_are_refused_with_a_clear_message(
    case: str, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        TaskTemplate.model_validate({"id": "t-1", **memo_data(**changes)})


def test_tables_may_be_bare_row_lists_with_numbers() -> None:
    t = make(tables={"p": [{"stem": "x", "end": 3}], "w": [{"word": 2.5}]})
    assert t.tables["p"].rows[0]["end"] == "3"
    assert t.tables["w"].rows[0]["word"] == "2.5"


def test_valid_rules_of_every_kind_are_accepted() -> None:
    tables = {"n": _numbers(10)}
    base = memo_data(
        prompt="Is {n.a} more than {n.b}?",
        control_prompt="Is {n.a} at least {n.b}?",
        classes=[" Yes", " No"],
        tables=tables,
        control_answer=None,
    )
    for rule in (
        {"kind": "fixed", "index": 1},
        {"kind": "slot", "slot": "n.k"},
        {"kind": "compare", "left": "n.a", "right": "n.b", "op": "lt"},
    ):
        assert build_template({**base, "answer": rule}).answer.kind == rule["kind"]


def test_id_comes_from_content_so_equal_content_equal_id() -> None:
    a, b = make(title="one"), make(title="two")
    assert a.id == b.id
    assert make(prompt='End with "{w.word}": {p.stem}').id != a.id
    assert a.id.startswith("memo_trap-")
    assert content_hash(a) == content_hash(b)


def test_instruction_is_the_readable_manipulated_prompt() -> None:
    t = make(prompt='{demos}Write a quote that ends in "{w.word}": {p.stem}', demos=["Q\nA"])
    assert t.instruction == 'Write a quote that ends in "[w.word]": [p.stem]'
