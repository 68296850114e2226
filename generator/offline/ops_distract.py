"""Distractor-task and spurious few-shot operators: the prompt invites an easier, related task
(or a pattern in the demonstrations) whose answer differs from the one asked for."""

from __future__ import annotations

import random

from invscale.generator.offline.common import (
    LETTERED,
    Operator,
    assemble,
    capacity,
    choice_format,
    choices,
    fixed,
    tables,
    words_or,
)
from invscale.generator.offline.lexicon import Lexicon
from invscale.generator.render import render
from invscale.generator.template import TaskTemplate

# (negated, plain) question stems, inline-choices form then listed-options form.
_NEGATION_STEMS = (
    (
        (
            "Which of these is not {n.article} {n.category}: {option_0} or {option_1}?",
            "Which of these is {n.article} {n.category}: {option_0} or {option_1}?",
        ),
        (
            "Question: Which of these is not {n.article} {n.category}?",
            "Question: Which of these is {n.article} {n.category}?",
        ),
    ),
    (
        (
            "Which word does not name {n.article} {n.category}, '{option_0}' or '{option_1}'?",
            "Which word names {n.article} {n.category}, '{option_0}' or '{option_1}'?",
        ),
        (
            "Which word does not name {n.article} {n.category}?",
            "Which word names {n.article} {n.category}?",
        ),
    ),
    (
        (
            "Q: Name the one that is not {n.article} {n.category}: {option_0}, {option_1}.",
            "Q: Name the one that is {n.article} {n.category}: {option_0}, {option_1}.",
        ),
        (
            "Q: Name the one that is not {n.article} {n.category}.",
            "Q: Name the one that is {n.article} {n.category}.",
        ),
    ),
)


def negation(lex: Lexicon, rng: random.Random, examples: int) -> TaskTemplate:
    """A category question with a negation that flips its answer."""
    fmt = choice_format(rng)
    inline, listed = rng.choice(_NEGATION_STEMS)
    negated, plain = words_or(fmt, inline[0], listed[0]), words_or(fmt, inline[1], listed[1])
    cue = rng.choice(("Answer:", "A:", "The answer is"))
    return assemble(
        "negation",
        "distractor_task",
        title="Negated category question",
        hypothesis="Larger models associate the category with its member more strongly and "
        "answer the easier un-negated question, ignoring the 'not'.",
        prompt=fmt.question(negated, cue),
        control_prompt=fmt.question(plain, cue),
        **choices(fmt, "{n.other}", "{n.member}"),
        answer=fixed(0),
        control_answer=fixed(1),
        tables=tables(lex, rng, {"n": ("negation_pairs", capacity(examples))}),
    )


_TWO_QUESTION_RULES = (
    "Two questions follow. Answer only the second one.",
    "Ignore the first question below and answer the second.",
    "The first question is only an example; do not answer it. Answer the second question.",
    "Only the last question counts.",
)


def distractor_question(lex: Lexicon, rng: random.Random, examples: int) -> TaskTemplate:
    """A first question to skip, whose salient answer competes with the asked one."""
    rule = rng.choice(_TWO_QUESTION_RULES)
    cue = rng.choice(("Answer:", "A:"))
    size = capacity(examples)
    return assemble(
        "distractor_question",
        "distractor_task",
        title="Answer the second of two questions",
        hypothesis="Larger models answer the first, salient question more readily and carry "
        "its answer over, instead of answering only the second.",
        prompt=f"{rule}\n1. {{g.question}}\n2. {{f.question}}\n{cue}",
        control_prompt=f"Answer the question.\n{{f.question}}\n{cue}",
        classes=(" {f.right}", " {g.right}"),
        answer=fixed(0),
        tables=tables(lex, rng, {"f": ("qa", size), "g": ("qa", 60)}),
    )


_DECIMAL_STEMS = (
    "Question: Which number is larger?",
    "Which of the two values is greater?",
    "Pick the bigger number.",
)


def _decimal_pair(rng: random.Random, longer_wins: bool) -> tuple[str, str]:
    """(longer, shorter) decimals with the same whole part."""
    whole, short = rng.randint(1, 99), rng.randint(2, 8)
    first = rng.randint(short + 1, 9) if longer_wins else rng.randint(1, short - 1)
    return f"{whole}.{first}{rng.randint(1, 9)}", f"{whole}.{short}"


def _demos(item: str, labels: tuple[str, str], pairs: list[tuple[str, str, bool]]) -> list[str]:
    """Rendered demonstrations of (longer, shorter, longer_wins); the winner's position
    alternates so the demonstrations carry no label streak."""
    out = []
    for i, (longer, shorter, longer_wins) in enumerate(pairs):
        winner, loser = (longer, shorter) if longer_wins else (shorter, longer)
        shown = (winner, loser) if i % 2 == 0 else (loser, winner)
        text = render(item, {"option_0": shown[0], "option_1": shown[1]})
        out.append(text + labels[i % 2])
    return out


def spurious_fewshot(lex: Lexicon, rng: random.Random, examples: int) -> TaskTemplate:
    """Demonstrations where the longer decimal is always larger; test items where it is not."""
    fmt = rng.choice(LETTERED)
    assert fmt.labels is not None
    item = fmt.question(rng.choice(_DECIMAL_STEMS), rng.choice(("Answer:", "A:")))
    k = rng.choice((4, 6, 8))
    spurious = [(*_decimal_pair(rng, True), True) for _ in range(k)]
    # Longer-wins and shorter-wins alternate in pairs, so neither lines up with the position.
    balanced = [(*_decimal_pair(rng, i % 4 < 2), i % 4 < 2) for i in range(k)]
    intro = rng.choice(("", "Compare the numbers.\n\n", "Decimal comparison practice.\n\n"))
    return assemble(
        "spurious_fewshot",
        "spurious_few_shot",
        title="Decimal comparison after demonstrations where longer means larger",
        hypothesis="Larger models pick up the spurious rule of the demonstrations (more digits "
        "means larger) and apply it to items where it fails.",
        prompt=intro + "{demos}" + item,
        control_prompt=intro + "{demos}" + item,
        classes=fmt.labels,
        options=("{d.long}", "{d.short}"),
        answer={"kind": "compare", "left": "d.long", "right": "d.short", "op": "gt"},
        demos=tuple(_demos(item, fmt.labels, spurious)),
        control_demos=tuple(_demos(item, fmt.labels, balanced)),
        tables=tables(lex, rng, {"d": ("decimal_traps", capacity(examples))}),
    )


_SUM_FORMATS = (
    ("Q: What is {a} + {b}?\nA:", "Q: What is {x.a} + {x.b}?\nA:"),
    ("{a} + {b} =", "{x.a} + {x.b} ="),
    ("Compute {a} plus {b}.\nResult:", "Compute {x.a} plus {x.b}.\nResult:"),
)


def repeated_answer(lex: Lexicon, rng: random.Random, examples: int) -> TaskTemplate:
    """Arithmetic demonstrations that all share one answer, then items with other answers."""
    demo_form, item = rng.choice(_SUM_FORMATS)
    streak = rng.randint(6, 9)
    k = rng.choice((4, 5, 6, 8))
    firsts = rng.sample(range(1, streak), min(k, streak - 1))
    same = [demo_form.format(a=a, b=streak - a) + f" {streak}" for a in firsts]
    varied = []
    for _ in range(len(same)):
        a, b = rng.randint(1, 20), rng.randint(1, 20)
        varied.append(demo_form.format(a=a, b=b) + f" {a + b}")
    return assemble(
        "repeated_answer",
        "spurious_few_shot",
        title="Arithmetic after demonstrations that all share one answer",
        hypothesis="Larger models imitate the demonstrations' repeated answer more and give it "
        "again instead of computing the new sum.",
        prompt="{demos}" + item,
        control_prompt="{demos}" + item,
        classes=(" {x.sum}", f" {streak}"),
        answer=fixed(0),
        demos=tuple(same),
        control_demos=tuple(varied),
        tables=tables(lex, rng, {"x": (f"sums:{streak}", capacity(examples))}),
    )


OPERATORS = (
    Operator("negation", "distractor_task", "a negated category question", negation),
    Operator(
        "distractor_question",
        "distractor_task",
        "answer the second of two questions",
        distractor_question,
    ),
    Operator(
        "spurious_fewshot",
        "spurious_few_shot",
        "demonstrations where longer means larger",
        spurious_fewshot,
    ),
    Operator(
        "repeated_answer", "spurious_few_shot", "demonstrations sharing one answer", repeated_answer
    ),
)
