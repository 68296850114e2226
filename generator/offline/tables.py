"""Slot-table builders over the seed lexicons: each draws fresh rows from a named source.

A table records its source (``name`` or ``name:argument``) so the ``swap_slots`` mutation can
draw new rows of the same kind without knowing what the template does with them.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from invscale.generator.offline.lexicon import Lexicon
from invscale.generator.offline.tables_novel import NOVEL_BUILDERS
from invscale.generator.template import SlotTable

Rows = list[dict[str, str]]
Builder = Callable[[Lexicon, random.Random, int, str], Rows]


def _sample(rng: random.Random, rows: Rows, size: int) -> Rows:
    return rng.sample(rows, min(size, len(rows)))


def _lower_words(lex: Lexicon) -> list[tuple[str, str, str]]:
    """(word, category, category article), without capitalised words (country names)."""
    return [(w, c.name, c.article) for w, c in lex.words if w.islower()]


def word_redefinitions(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """A word, its category and a different category it is redefined as."""
    rows = []
    names = [c.name for c in lex.categories if c.name != "country"]
    for word, cat, true_article in _lower_words(lex):
        for new in rng.sample([n for n in names if n != cat], 3):
            article = lex.category(new).article
            rows.append(
                {
                    "word": word,
                    "true_cat": cat,
                    "new_cat": new,
                    "new_article": article,
                    "true_article": true_article,
                }
            )
    return _sample(rng, rows, size)


def phrases(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """Memorised phrases: stem and usual last word."""
    return _sample(rng, [{"stem": p.stem, "end": p.end} for p in lex.phrases], size)


def filler_words(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """Plain lowercase nouns."""
    return _sample(rng, [{"word": w} for w, _, _ in _lower_words(lex)], size)


def capital_swaps(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """A country, its capital and another country's capital to redefine it as."""
    rows = []
    for cap in lex.capitals:
        others = [c.capital for c in lex.capitals if c.country != cap.country]
        for city in rng.sample(others, 8):
            rows.append({"country": cap.country, "capital": cap.capital, "city": city})
    return _sample(rng, rows, size)


def qa(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """Questions with a right and a plausible wrong one-word answer, from several lexicons."""
    rows = [
        {"question": f.question, "right": f.right, "wrong": f.wrong, "topic": f.question}
        for f in lex.facts
    ]
    for cap in lex.capitals:
        question = f"What is the capital of {cap.country}?"
        rows.append(
            {
                "question": question,
                "right": cap.capital,
                "wrong": cap.other_city,
                "topic": cap.country,
            }
        )
    names = [c.name for c in lex.categories if c.name != "country"]
    for word, cat, _ in _lower_words(lex):
        for wrong in rng.sample([n for n in names if n != cat], 2):
            # Either category may come first, so the question's order gives nothing away.
            first, second = rng.sample([cat, wrong], 2)
            question = (
                f"Does the word '{word}' name {_article(first)} {first} "
                f"or {_article(second)} {second}?"
            )
            rows.append({"question": question, "right": cat, "wrong": wrong, "topic": word})
    return _sample(rng, rows, size)


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def belief_leads(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """Lead-ins that state a belief before an answer."""
    return _sample(rng, [{"lead": lead} for lead in lex.belief_leads], size)


def cues(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """Labels that present an answer as a hint."""
    return _sample(rng, [{"cue": cue} for cue in lex.cues], size)


def negation_pairs(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """A category, a member word and a word from another category."""
    rows = []
    words = _lower_words(lex)
    for word, cat, article in words:
        for other, other_cat, _ in rng.sample(words, 6):
            if other_cat != cat:
                rows.append({"category": cat, "article": article, "member": word, "other": other})
    return _sample(rng, rows, size)


def statements(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """True and false statements; ``truth`` is 0 for true, 1 for false (Yes/No order)."""
    rows = []
    for pair in lex.statements:
        rows += [
            {"text": pair.true, "truth": "0", "topic": pair.true},
            {"text": pair.false, "truth": "1", "topic": pair.true},
        ]
    for cap in lex.capitals:
        for city, truth in ((cap.capital, "0"), (cap.other_city, "1")):
            text = f"The capital of {cap.country} is {city}."
            rows.append({"text": text, "truth": truth, "topic": cap.country})
    names = [c.name for c in lex.categories if c.name != "country"]
    for word, cat, _ in _lower_words(lex):
        wrong = rng.choice([n for n in names if n != cat])
        for named, truth in ((cat, "0"), (wrong, "1")):
            text = f"The word '{word}' names {_article(named)} {named}."
            rows.append({"text": text, "truth": truth, "topic": word})
    rows = _sample(rng, rows, size)
    for row in rows:
        row["flipped"] = "1" if row["truth"] == "0" else "0"
    return rows


def decimal_traps(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """Two decimals where the one with more digits is the smaller (9.11 vs 9.9)."""
    rows: Rows = []
    seen: set[tuple[int, int, str]] = set()
    while len(rows) < size and len(seen) < 20 * size:
        whole, short = rng.randint(1, 99), rng.randint(2, 9)
        long = f"{whole}.{rng.randint(1, short - 1)}{rng.randint(1, 9)}"
        key = (whole, short, long)
        if key not in seen:
            seen.add(key)
            rows.append({"long": long, "short": f"{whole}.{short}"})
    return rows


def sums(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """Additions ``a + b`` whose sum differs from ``arg`` (the repeated demo answer)."""
    avoid = int(arg) if arg else -1
    rows = [
        {"a": str(a), "b": str(b), "sum": str(a + b), "problem": f"{a}+{b}"}
        for a in range(1, 30)
        for b in range(1, 30)
        if a + b != avoid and str(a + b)[0] != str(avoid)[0]
    ]
    return _sample(rng, rows, size)


def arithmetic(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """Two numbers ``a > b`` with their sum, difference and product."""
    rows = [
        {
            "a": str(a),
            "b": str(b),
            "sum": str(a + b),
            "difference": str(a - b),
            "product": str(a * b),
            "problem": f"{a},{b}",
        }
        for a in range(3, 45)
        for b in range(2, a)
    ]
    return _sample(rng, rows, size)


def word_pairs(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """Two different words, for an alternating pattern."""
    words = [w for w, _, _ in _lower_words(lex)]
    rows: Rows = []
    seen: set[tuple[str, str]] = set()
    while len(rows) < size and len(seen) < 10 * size:
        a, b = rng.sample(words, 2)
        if (a, b) not in seen and a[0] != b[0]:
            seen.add((a, b))
            rows.append({"a": a, "b": b})
    return rows


BUILDERS: dict[str, Builder] = {
    "word_redefinitions": word_redefinitions,
    "phrases": phrases,
    "filler_words": filler_words,
    "capital_swaps": capital_swaps,
    "qa": qa,
    "belief_leads": belief_leads,
    "cues": cues,
    "negation_pairs": negation_pairs,
    "statements": statements,
    "decimal_traps": decimal_traps,
    "sums": sums,
    "arithmetic": arithmetic,
    "word_pairs": word_pairs,
    **NOVEL_BUILDERS,
}


# The column naming a row's entity where it is not the first: what selection and confirmation
# items must not share (the same fact asked or stated in other words shares its topic).
KEYS: dict[str, str] = {
    "qa": "topic",
    "statements": "topic",
    "negation_pairs": "member",
    "sums": "problem",
    "arithmetic": "problem",
}


def build_table(source: str, lex: Lexicon, rng: random.Random, size: int) -> SlotTable:
    """Draw a table of up to ``size`` rows from ``source`` (``name`` or ``name:argument``).

    Raises:
        KeyError: no builder has that name.
    """
    name, _, arg = source.partition(":")
    rows = BUILDERS[name](lex, rng, size, arg)
    return SlotTable(rows=tuple(rows), source=source, key=KEYS.get(name))
