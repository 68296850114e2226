"""Slot-table builders of the cognitive-bias operators (rows from ``seeds/biases.yaml``)."""

from __future__ import annotations

import random
from collections.abc import Callable

from invscale.generator.offline.lexicon import Lexicon

Rows = list[dict[str, str]]


def _sample(rng: random.Random, rows: Rows, size: int) -> Rows:
    return rng.sample(rows, min(size, len(rows)))


def _all(rng: random.Random, rows: Rows) -> Rows:
    # Every row, shuffled: these tables have few entities (their key column), each with many
    # surface variants, and a subsample could starve one of the two entity pools.
    return rng.sample(rows, len(rows))


def _rows(lex: Lexicon, key: str) -> list[list[str]]:
    return [list(map(str, r)) for r in lex.biases.get(key, [])]


def numeric_facts(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """A question with a well-known number as its answer."""
    return _sample(
        rng, [{"question": q, "number": n} for q, n in _rows(lex, "numeric_facts")], size
    )


def anchors(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """An irrelevant number with a lead-in that states it."""
    intros = [str(i) for i in lex.biases.get("anchor_intros", [])]
    rows = [{"intro": i, "value": str(v)} for i in intros for v in range(13, 100, 7)]
    return _sample(rng, rows, size)


def crt_prices(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """Price puzzles: two things cost ``total`` together, one costs ``diff`` more than the
    other; the cheaper one costs ``right``, and the quick answer is ``intuitive``."""
    rows = []
    for x, y in _rows(lex, "crt_pairs"):
        for diff in (1, 2, 3, 5, 10, 20):
            for cents in (5, 10, 15, 20, 25, 40, 50):
                small = cents / 100
                rows.append(
                    {
                        "x": x,
                        "y": y,
                        "total": f"{diff + 2 * small:.2f}",
                        "diff": f"{diff:.2f}",
                        "xprice": f"{diff + small:.2f}",
                        "right": f"{small:.2f}",
                        "intuitive": f"{2 * small:.2f}",
                    }
                )
    return _all(rng, rows)


def base_rates(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """A common and a rare group with their shares, a sketch that fits the rare one, a name."""
    people = [str(p) for p in lex.biases.get("people", [])]
    rows = []
    for common, rare, sketch, place in _rows(lex, "base_rates"):
        for share in (90, 93, 95, 97, 98, 99):
            for name in people:
                rows.append(
                    {
                        "common": common,
                        "rare": rare,
                        "sketch": sketch,
                        "place": place,
                        "share": str(share),
                        "rest": str(100 - share),
                        "name": name,
                    }
                )
    return _all(rng, rows)


def frames(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """Two statements about one rate, framed as gain and as loss; ``same`` is 0 when they
    describe the same outcome (complementary figures) and 1 when they do not."""
    rows = []
    for good, bad, thing in _rows(lex, "frames"):
        for pct in range(51, 100):
            for same in (True, False):
                shown = 100 - pct if same else pct
                rows.append(
                    {
                        "good": good,
                        "bad": bad,
                        "thing": thing,
                        "pct": str(pct),
                        "other": str(shown),
                        "plain": str(100 - shown),
                        "same": "0" if same else "1",
                    }
                )
    return _all(rng, rows)


def people(lex: Lexicon, rng: random.Random, size: int, arg: str) -> Rows:
    """First names."""
    return _sample(rng, [{"name": str(p)} for p in lex.biases.get("people", [])], size)


NOVEL_BUILDERS: dict[str, Callable[[Lexicon, random.Random, int, str], Rows]] = {
    "numeric_facts": numeric_facts,
    "anchors": anchors,
    "crt_prices": crt_prices,
    "base_rates": base_rates,
    "frames": frames,
    "people": people,
}
