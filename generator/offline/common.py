"""What the offline mechanism operators share: their record, formats and template assembly."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from invscale.generator.card import MechanismCard
from invscale.generator.offline.cards import operator_card
from invscale.generator.offline.lexicon import Lexicon
from invscale.generator.offline.tables import build_table
from invscale.generator.template import TaskTemplate, build_template

Build = Callable[[Lexicon, random.Random, int], TaskTemplate]


@dataclass(frozen=True)
class Operator:
    """A mechanism operator: builds a fresh template for one known cause of inverse scaling.

    Attributes:
        name: Operator name (also the template's ``mechanism``).
        cause_family: The cause it instantiates.
        summary: One line on what it does.
        build: ``(lexicon, rng, examples) -> TaskTemplate``; tables are sized to give at least
            ``examples`` items.
    """

    name: str
    cause_family: str
    summary: str
    build: Build

    @property
    def card(self) -> MechanismCard | None:
        """The mechanism card its templates carry (see :mod:`.cards`)."""
        return operator_card(self.name)


@dataclass(frozen=True)
class ChoiceFormat:
    """How two choices are asked for: as words, or as labelled options."""

    labels: tuple[str, str] | None
    lines: str

    def question(self, stem: str, answer_cue: str) -> str:
        """The question stem, the option lines when labelled, and the answer cue."""
        if self.labels is None:
            return f"{stem}\n{answer_cue}"
        return f"{stem}\n{self.lines}\n{answer_cue}"


WORDS = ChoiceFormat(None, "")
LETTERED = (
    ChoiceFormat((" A", " B"), "A) {option_0}\nB) {option_1}"),
    ChoiceFormat((" 1", " 2"), "1. {option_0}\n2. {option_1}"),
    ChoiceFormat((" X", " Y"), "(X) {option_0}\n(Y) {option_1}"),
)


def choice_format(rng: random.Random, lettered_share: float = 0.3) -> ChoiceFormat:
    """Words or one of the labelled formats.

    Labelled formats are the minority: measured on the offline ladder (SmolLM2-135M,
    Gemma-3-270M), both models were at or below chance on plain lettered questions, so a
    manipulation has no prior to fight there.
    """
    return rng.choice(LETTERED) if rng.random() < lettered_share else WORDS


def choices(fmt: ChoiceFormat, first: str, second: str) -> dict[str, Any]:
    """``classes``/``options`` fields for two choice patterns (without leading spaces)."""
    if fmt.labels is None:
        return {"classes": (f" {first}", f" {second}")}
    return {"classes": fmt.labels, "options": (first, second)}


def words_or(fmt: ChoiceFormat, words: str, lettered: str) -> str:
    """Pick the question wording that suits the format (inline words vs listed options)."""
    return words if fmt.labels is None else lettered


def tables(
    lex: Lexicon, rng: random.Random, spec: dict[str, tuple[str, int]]
) -> dict[str, dict[str, Any]]:
    """Build tables from ``{name: (source, rows)}``."""
    return {
        name: build_table(source, lex, rng, size).model_dump()
        for name, (source, size) in spec.items()
    }


def assemble(op_name: str, cause: str, domain: str | None = None, **fields: Any) -> TaskTemplate:
    """A validated template with a content id, fresh-operator lineage and the operator's card
    (``domain`` names the surface when it is not the operator's default one)."""
    fields.setdefault("cause_family", cause)
    card = operator_card(op_name, domain)
    fields.setdefault("card", None if card is None else card.model_dump())
    return build_template(
        {**fields, "mechanism": op_name, "lineage": {"parents": (), "operator": op_name}}
    )


def capacity(examples: int) -> int:
    """Rows to aim for: a selection set and a fresh, disjoint confirmation set, plus slack."""
    return 2 * examples + 100


def fixed(index: int) -> dict[str, Any]:
    """An answer rule picking choice ``index``."""
    return {"kind": "fixed", "index": index}
