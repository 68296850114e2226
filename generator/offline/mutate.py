"""Offline mutation and crossover of templates: each returns a new template or None when it
does not apply to the template given."""

from __future__ import annotations

import functools
import random
import re
from typing import Any

from invscale.generator.card import card_of, compose_cards
from invscale.generator.consistent import consistent_changed
from invscale.generator.expand import expand_pool
from invscale.generator.gates import GateError
from invscale.generator.items import combination_values, render_item
from invscale.generator.offline.lexicon import Lexicon
from invscale.generator.offline.tables import BUILDERS, build_table
from invscale.generator.pools import entity, key_column, pool_view
from invscale.generator.render import escape, map_literals
from invscale.generator.template import (
    DEMOS_SLOT,
    CompareAnswer,
    TaskTemplate,
    derive,
)
from invscale.scorer.records import ClassificationExample, SequenceProbExample

_LABEL_SETS = (("Yes", "No"), ("True", "False"), ("Right", "Wrong"), ("Correct", "Incorrect"))
_FLIP_WORDS = {
    "larger": "smaller",
    "bigger": "smaller",
    "greater": "less",
    "more": "fewer",
    "smaller": "larger",
    "less": "greater",
    "fewer": "more",
}


def swap_slots(template: TaskTemplate, lex: Lexicon, rng: random.Random) -> TaskTemplate | None:
    """Draw fresh rows for the tables that name a known source; else keep a random 80%."""
    tables: dict[str, Any] = {}
    for name, table in template.tables.items():
        source = table.source or ""
        if source.partition(":")[0] in BUILDERS:
            tables[name] = build_table(source, lex, rng, len(table.rows)).model_dump()
        else:
            tables[name] = table.model_dump()
    operator = "swap_slots"
    if all(
        t.source is None or t.source.partition(":")[0] not in BUILDERS
        for t in template.tables.values()
    ):
        name = max(template.tables, key=lambda n: len(template.tables[n].rows))
        rows = list(template.tables[name].rows)
        if len(rows) < 10:
            return None
        keep = sorted(rng.sample(range(len(rows)), int(len(rows) * 0.8)))
        tables[name] = {
            "rows": [rows[i] for i in keep],
            "source": None,
            "key": template.tables[name].key,
        }
        operator = "subsample_rows"
    return derive(template, operator, (template.id,), tables=tables)


def _demo_text(example: ClassificationExample | SequenceProbExample, answer: int | None) -> str:
    if isinstance(example, SequenceProbExample):
        return example.prompt + example.completion
    return example.prompt + example.classes[example.answer_index if answer is None else answer]


def add_demos(template: TaskTemplate, lex: Lexicon, rng: random.Random) -> TaskTemplate | None:
    """Add 2-4 solved items of the template itself as demonstrations (misleading at random:
    the manipulated demonstrations then carry the control's answer)."""
    if template.demos or template.control_demos or template.other_prompt is not None:
        return None
    differs = template.control_answer is not None and template.control_answer != template.answer
    misleading = differs and rng.random() < 0.5
    want = rng.randint(2, 4)
    # Demonstrations come from the selection pool, and every row of their entities leaves the
    # table, so no entity is both shown solved and asked.
    view = pool_view(template, "selection")
    first = sorted(template.tables)[0]
    key = key_column(template.tables[first])
    total = 1
    for table in view.tables.values():
        total *= len(table.rows)
    demos: list[str] = []
    control_demos: list[str] = []
    used: set[str] = set()
    for index in rng.sample(range(total), min(total, 40)):
        values = combination_values(view, index)
        item = render_item(view, values, len(demos) % 2)
        if item is None:
            continue
        assert isinstance(item.example, ClassificationExample | SequenceProbExample)
        assert isinstance(item.control, ClassificationExample | SequenceProbExample)
        shown = item.control_answer if misleading else None
        demos.append(_demo_text(item.example, shown))
        control_demos.append(_demo_text(item.control, None))
        used.add(entity(values[f"{first}.{key}"]))
        if len(demos) == want:
            break
    if len(demos) < 2:
        return None
    rows = [r for r in template.tables[first].rows if entity(r[key]) not in used]
    tables = {n: t.model_dump() for n, t in template.tables.items()}
    tables[first] = {**tables[first], "rows": rows}
    prefix = "" if DEMOS_SLOT in template.prompt else "{demos}"
    return derive(
        template,
        "add_misleading_demos" if misleading else "add_demos",
        (template.id,),
        prompt=prefix + template.prompt,
        control_prompt=("" if DEMOS_SLOT in template.control_prompt else "{demos}")
        + template.control_prompt,
        demos=tuple(demos),
        control_demos=tuple(control_demos),
        tables=tables,
        consistent_control=None,  # it has no demonstrations: it would no longer be comparable
    )


def remove_demos(template: TaskTemplate, lex: Lexicon, rng: random.Random) -> TaskTemplate | None:
    """Drop demonstrations: all of them, or half when the manipulation lives in them."""
    if not template.demos and not template.control_demos:
        return None
    in_demos = (template.prompt, template.other_prompt) == (
        template.control_prompt,
        template.control_other_prompt,
    )
    if in_demos:
        keep = max(1, len(template.demos) // 2)
        if keep == len(template.demos):
            return None
        return derive(
            template,
            "remove_demos",
            (template.id,),
            demos=template.demos[:keep],
            control_demos=template.control_demos[: max(1, len(template.control_demos) // 2)],
        )
    return derive(template, "remove_demos", (template.id,), demos=(), control_demos=())


def _replace_words(text: str, mapping: dict[str, str]) -> str:
    """Replace whole words by ``mapping`` in one pass (so a swap does not swap back)."""
    pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, mapping)) + r")(?!\w)")
    return pattern.sub(lambda m: mapping[m.group(1)], text)


def relabel(template: TaskTemplate, lex: Lexicon, rng: random.Random) -> TaskTemplate | None:
    """Swap a word label pair (Yes/No -> True/False, ...) in the classes and the prompts."""
    words = tuple(c.strip() for c in template.classes)
    current = next((s for s in _LABEL_SETS if words == s), None)
    if current is None or template.options:
        return None
    new = rng.choice([s for s in _LABEL_SETS if s != current])
    pairs = list(zip(current, new, strict=True))

    def change(text: str) -> str:
        return _replace_words(text, dict(pairs))

    changes: dict[str, Any] = {
        name: map_literals(value, change)
        for name in ("prompt", "control_prompt", "other_prompt", "control_other_prompt")
        if (value := getattr(template, name)) is not None
    }
    changes["classes"] = tuple(f" {w}" for w in new)
    changes["demos"] = tuple(change(d) for d in template.demos)
    changes["control_demos"] = tuple(change(d) for d in template.control_demos)
    changes["consistent_control"] = consistent_changed(
        template, functools.partial(map_literals, change=change), change
    )
    return derive(template, "relabel", (template.id,), **changes)


def flip_comparison(
    template: TaskTemplate, lex: Lexicon, rng: random.Random
) -> TaskTemplate | None:
    """Ask for the smaller instead of the larger (rule and wording together)."""
    rules = [r for r in (template.answer, template.control_answer) if r is not None]
    if template.demos or not any(isinstance(r, CompareAnswer) for r in rules):
        return None
    flipped = {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge", "eq": "eq", "ne": "ne"}

    def flip(rule: Any) -> Any:
        if isinstance(rule, CompareAnswer):
            return rule.model_copy(update={"op": flipped[rule.op]}).model_dump()
        return None if rule is None else rule.model_dump()

    def change(text: str) -> str:
        return _replace_words(text, _FLIP_WORDS)

    changes = {
        name: map_literals(value, change)
        for name in ("prompt", "control_prompt")
        if (value := getattr(template, name)) is not None
    }
    if changes == {"prompt": template.prompt, "control_prompt": template.control_prompt}:
        return None
    return derive(
        template,
        "flip_comparison",
        (template.id,),
        answer=flip(template.answer),
        control_answer=flip(template.control_answer),
        consistent_control=consistent_changed(
            template, functools.partial(map_literals, change=change)
        ),
        **changes,
    )


def convert_type(template: TaskTemplate, lex: Lexicon, rng: random.Random) -> TaskTemplate | None:
    """Classification <-> sequence_prob (the right class becomes the completion)."""
    if template.task_type == "classification" and not template.options:
        return derive(template, "convert_type", (template.id,), task_type="sequence_prob")
    if template.task_type == "sequence_prob" and len(template.classes) >= 2:
        return derive(template, "convert_type", (template.id,), task_type="classification")
    return None


def crossover(
    a: TaskTemplate, b: TaskTemplate, lex: Lexicon, rng: random.Random
) -> TaskTemplate | None:
    """Merge the tables of two templates of one schema, or put a solved item of ``b`` before
    both variants of ``a`` (an unrelated task as a distractor preamble)."""
    schema = {n: t.columns for n, t in a.tables.items()}
    if schema == {n: t.columns for n, t in b.tables.items()} and a.tables != b.tables:
        tables = {}
        for name, table in a.tables.items():
            rows = list(dict.fromkeys(tuple(r.items()) for r in table.rows + b.tables[name].rows))
            tables[name] = {
                "rows": [dict(r) for r in rows[:5000]],
                "source": table.source,
                "key": table.key,
            }
        return derive(a, "crossover", (a.id, b.id), tables=tables, card=_crossed_card(a, b))
    try:
        # From b's selection pool: the graft is shown in every item, confirmation ones included.
        item = expand_pool(b, "selection", n=1, seed=rng.randrange(1 << 30)).dataset.examples[0]
    except GateError:
        return None
    if not isinstance(item, ClassificationExample | SequenceProbExample):
        return None
    block = escape(_demo_text(item, None)) + "\n\n"
    changes: dict[str, Any] = {
        name: block + value
        for name in ("prompt", "control_prompt", "other_prompt", "control_other_prompt")
        if (value := getattr(a, name)) is not None
    }
    changes["consistent_control"] = consistent_changed(a, functools.partial(_prepend, block))
    return derive(a, "crossover", (a.id, b.id), card=_crossed_card(a, b), **changes)


def _crossed_card(a: TaskTemplate, b: TaskTemplate) -> dict[str, Any] | None:
    """The child's card: a's when both parents test one mechanism, else a composed card
    naming both parents' mechanisms and ancestors."""
    if a.card is None and b.card is None:
        return None
    ca, cb = card_of(a), card_of(b)
    same = (ca.family, ca.lure, ca.behaviour) == (cb.family, cb.lure, cb.behaviour)
    return (ca if same else compose_cards(ca, cb)).model_dump()


def _prepend(block: str, pattern: str) -> str:
    return block + pattern


MUTATIONS = {
    "swap_slots": swap_slots,
    "add_demos": add_demos,
    "remove_demos": remove_demos,
    "relabel": relabel,
    "flip_comparison": flip_comparison,
    "convert_type": convert_type,
}
