"""The mechanism card: what a task tests, as structured data rather than wording.

Every template carries one (offline operators fill it from their definition, llm proposals must
fill it, mutations and crossover derive it from their parents) and so does every known task. The
novelty verdict compares cards field by field and as text, and the search's archive files
candidates in cells of (cause family x lure x answer format).

The card is prose and vocabulary only: it never changes the datasets a template expands to, so it
is left out of the template's content hash.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from invscale.generator.template import TaskTemplate

_TASK_ID = re.compile(r"[a-z0-9][a-z0-9_./~:-]{0,119}")
_BINARY = {
    frozenset(p)
    for p in (
        ("yes", "no"),
        ("true", "false"),
        ("right", "wrong"),
        ("correct", "incorrect"),
        ("valid", "invalid"),
        ("agree", "disagree"),
        ("same", "different"),
    )
}


class CauseFamily(StrEnum):
    """Why scale hurts: the Inverse Scaling Prize's four causes, then others from the
    literature, then ``other``."""

    STRONG_PRIOR = "strong_prior"
    """A prior from pretraining (a fact, a meaning, a memorised text) overrides the prompt."""
    UNWANTED_IMITATION = "unwanted_imitation"
    """The model imitates patterns or human errors in text that the task does not want."""
    DISTRACTOR_TASK = "distractor_task"
    """An easier, related task in the prompt is done instead of the asked one."""
    SPURIOUS_FEW_SHOT = "spurious_few_shot"
    """Demonstrations carry a spurious regularity that fails on the test item."""
    SYCOPHANCY = "sycophancy"
    """The model tells the user what the user appears to believe or want."""
    COGNITIVE_BIAS = "cognitive_bias"
    """A human judgement heuristic (anchoring, framing, base rates, intuitive answers)."""
    SOCIAL_BIAS = "social_bias"
    """Social stereotypes decide the answer."""
    MEMORIZATION = "memorization"
    """Verbatim reproduction of training text."""
    HARMFUL_CONTENT = "harmful_content"
    """Toxic or harmful continuations."""
    MISALIGNMENT = "misalignment"
    """Stated goals or preferences a developer does not want (power, self-preservation)."""
    OTHER = "other"
    """None of the above (say which in the card's prose)."""


class Lure(StrEnum):
    """What the larger model is drawn to instead of the right answer."""

    MEMORISED_TEXT = "memorised_text"
    USUAL_MEANING = "usual_meaning"
    REAL_WORLD_FACT = "real_world_fact"
    PATTERN_CONTINUATION = "pattern_continuation"
    REPEATED_DEMO_ANSWER = "repeated_demo_answer"
    SPURIOUS_DEMO_FEATURE = "spurious_demo_feature"
    EASIER_TASK = "easier_task"
    SALIENT_DISTRACTOR = "salient_distractor"
    INJECTED_INSTRUCTION = "injected_instruction"
    USER_BELIEF = "user_belief"
    SUGGESTED_ANSWER = "suggested_answer"
    POPULAR_MISCONCEPTION = "popular_misconception"
    HUMAN_REASONING_ERROR = "human_reasoning_error"
    SURFACE_OVERLAP = "surface_overlap"
    STEREOTYPE = "stereotype"
    IRRELEVANT_NUMBER = "irrelevant_number"
    INTUITIVE_ANSWER = "intuitive_answer"
    FRAME_VALENCE = "frame_valence"
    REPRESENTATIVENESS = "representativeness"
    LIKELY_CONTINUATION = "likely_continuation"
    OTHER = "other"


class Behaviour(StrEnum):
    """What the task requires of the model."""

    FOLLOW_STIPULATION = "follow_stipulation"
    FOLLOW_INSTRUCTION = "follow_instruction"
    COPY_VERBATIM = "copy_verbatim"
    COMPUTE = "compute"
    JUDGE_VALIDITY = "judge_validity"
    JUDGE_DECISION = "judge_decision"
    READ_QUESTION_EXACTLY = "read_question_exactly"
    IGNORE_EMBEDDED = "ignore_embedded"
    STATE_TRUTH = "state_truth"
    SELECT_INFORMATIVE = "select_informative"
    APPLY_RULE = "apply_rule"
    USE_CONTEXT_EVIDENCE = "use_context_evidence"
    JUDGE_EQUIVALENCE = "judge_equivalence"
    REFUSE_OR_ABSTAIN = "refuse_or_abstain"
    OTHER = "other"


class AnswerFormat(StrEnum):
    """How the answer is asked for."""

    LETTERED = "lettered_options"
    """Labelled options (A/B, 1/2, X/Y) listed in the prompt."""
    WORDS = "word_choice"
    """Two or more words or phrases, scored as classes."""
    BINARY = "binary_label"
    """Yes/No, True/False and other fixed label pairs."""
    NUMBER = "number"
    """Numbers as classes."""
    COMPLETION = "completion"
    """A free continuation (sequence probability)."""


class ArchiveCell(BaseModel):
    """A cell of the search's archive: cause family x lure x answer format."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    family: str
    lure: str
    format: str

    @property
    def key(self) -> str:
        """``family/lure/format``: the cell's name as stored."""
        return f"{self.family}/{self.lure}/{self.format}"

    @classmethod
    def parse(cls, key: str) -> ArchiveCell:
        """The cell named by :attr:`key`.

        Raises:
            ValueError: not three ``/``-separated parts.
        """
        parts = key.split("/")
        if len(parts) != 3:
            raise ValueError(f"archive cell {key!r}: expected family/lure/format")
        return cls(family=parts[0], lure=parts[1], format=parts[2])


class MechanismCard(BaseModel):
    """What a task tests, independent of its wording and surface content."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    family: CauseFamily
    """The cause of inverse scaling it instantiates."""
    lure: Lure
    """What the larger model is drawn to."""
    lure_text: str = Field(min_length=1, max_length=400)
    """The lure in words, e.g. "the memorised last word of the proverb"."""
    behaviour: Behaviour
    """What the task requires."""
    behaviour_text: str = Field(min_length=1, max_length=400)
    """The required behaviour in words, e.g. "end the phrase with the word the instruction
    names"."""
    format: AnswerFormat = AnswerFormat.WORDS
    """How the answer is asked for (templates: recomputed from the template's structure)."""
    few_shot: bool = False
    """Whether demonstrations precede the item."""
    domain: str = Field(default="", max_length=200)
    """The surface domain (arithmetic, proverbs, geography, ...): what may change while the
    mechanism stays."""
    ancestors: tuple[str, ...] = ()
    """Known tasks (ids in ``datasets/known``) the mechanism descends from, closest first."""
    parts: tuple[MechanismCard, ...] = ()
    """For a composition of mechanisms: the cards of its parts (empty otherwise)."""

    @field_validator("ancestors")
    @classmethod
    def _check_ancestors(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for task in value:
            if not _TASK_ID.fullmatch(task):
                raise ValueError(f"ancestor {task!r} is not a task id")
        return tuple(dict.fromkeys(value))

    @property
    def composed(self) -> bool:
        """Whether the card composes two or more mechanisms."""
        return len(self.parts) > 1

    @property
    def cell(self) -> ArchiveCell:
        """The archive cell; a composition's family and lure name every part."""
        if self.composed:
            family = "+".join(sorted({str(p.family) for p in self.parts}))
            lure = "+".join(sorted({str(p.lure) for p in self.parts}))
            return ArchiveCell(family=family, lure=lure, format=str(self.format))
        return ArchiveCell(family=str(self.family), lure=str(self.lure), format=str(self.format))

    @property
    def text(self) -> str:
        """The mechanism in words, for embedding: the lure and the required behaviour, without
        boilerplate (shared wording would make every card alike) and without the surface
        domain (so two surfaces of one mechanism read alike)."""
        if self.composed:
            return " + ".join(p.text for p in self.parts)
        return f"{self.lure_text.rstrip('.')}; {self.behaviour_text.rstrip('.')}."

    def summary(self) -> str:
        """One line for people: cell, domain and ancestors."""
        tail = f"; descends from {', '.join(self.ancestors)}" if self.ancestors else ""
        where = f" in {self.domain}" if self.domain else ""
        return f"{self.cell.key}{where}{tail}"


def compose_cards(a: MechanismCard, b: MechanismCard) -> MechanismCard:
    """The card of a task putting both mechanisms in one item: both parts, both ancestries."""
    parts = tuple(p for card in (a, b) for p in (card.parts or (card,)))
    ancestors = tuple(dict.fromkeys(x for p in parts for x in p.ancestors))
    return MechanismCard(
        family=a.family,
        lure=a.lure,
        lure_text=f"{a.lure_text.rstrip('.')}, and {b.lure_text.rstrip('.')}",
        behaviour=a.behaviour,
        behaviour_text=a.behaviour_text,
        format=a.format,
        few_shot=a.few_shot or b.few_shot,
        domain=a.domain,
        ancestors=ancestors,
        parts=parts,
    )


def answer_format(template: TaskTemplate) -> AnswerFormat:
    """The answer format a template's structure gives."""
    if template.task_type == "sequence_prob":
        return AnswerFormat.COMPLETION
    if template.options:
        return AnswerFormat.LETTERED
    from invscale.generator.items import combination_values
    from invscale.generator.render import PatternError, render

    try:
        texts = [render(c, combination_values(template, 0)).strip() for c in template.classes]
    except PatternError:
        return AnswerFormat.WORDS
    if frozenset(t.lower() for t in texts) in _BINARY:
        return AnswerFormat.BINARY
    if all(_is_number(t) for t in texts):
        return AnswerFormat.NUMBER
    return AnswerFormat.WORDS


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def card_of(template: TaskTemplate) -> MechanismCard:
    """The template's card with its format taken from the template's structure; a fallback
    card (family from ``cause_family``, lure and behaviour ``other``) when it has none."""
    card = template.card
    if card is None:
        family = (
            CauseFamily(template.cause_family)
            if template.cause_family in set(CauseFamily)
            else CauseFamily.OTHER
        )
        card = MechanismCard(
            family=family,
            lure=Lure.OTHER,
            lure_text=template.hypothesis[:400],
            behaviour=Behaviour.OTHER,
            behaviour_text=template.instruction[:400] or template.title,
        )
    return card.model_copy(
        update={"format": answer_format(template), "few_shot": bool(template.demos)}
    )
