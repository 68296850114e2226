from __future__ import annotations

import pytest

from invscale.generator.render import PatternError, escape, map_literals, parse, render, slots


def test_render_fills_table_slots_and_keeps_escaped_braces() -> None:
    out = render("{{x}} {t.a} and {name}", {"t.a": "A", "name": "N"})
    assert out == "{x} A and N"


def test_slots_lists_each_slot_once() -> None:
    assert slots("{t.a} {t.a} {u.b} {demos}") == {"t.a", "u.b", "demos"}


@pytest.mark.parametrize(
    "pattern",
    [
        "{0.__class__}",
        "{t.a.__globals__}",
        "{t[0]}",
        "{t.a!r}",
        "{t.a:>10}",
        "{__import__('os').system('true')}",
        "{{ 1 + 1 }}}",
        "lone { brace",
    ],
)
def test_patterns_beyond_plain_slots_are_rejected_not_evaluated(pattern: str) -> None:
    with pytest.raises(PatternError):
        parse(pattern)


def test_slot_values_are_inserted_literally_never_rendered_again() -> None:
    assert render("{t.a}", {"t.a": "{t.b} {{"}) == "{t.b} {{"


def test_missing_slot_value_names_the_slot() -> None:
    with pytest.raises(PatternError, match=r"\{t\.b\}"):
        render("{t.a} {t.b}", {"t.a": "x"})


def test_escape_round_trips_literal_text() -> None:
    text = "a {weird} }{ text"
    assert render(escape(text), {}) == text


def test_map_literals_changes_text_but_not_slots() -> None:
    out = map_literals("Answer {t.Answer}: Answer", lambda s: s.replace("Answer", "Reply"))
    assert out == "Reply {t.Answer}: Reply"
