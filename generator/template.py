"""The task template: a validated, declarative recipe for a paired dataset (data, never code)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from invscale.generator.card import MechanismCard
from invscale.generator.consistent import ConsistentControl
from invscale.generator.render import IDENTIFIER, PatternError, describe, slots
from invscale.scorer.names import slug
from invscale.scorer.records import TaskType
from invscale.scorer.strict import StrictModel

# The Prize paper's four causes of inverse scaling; a template may also name another one.
CAUSE_FAMILIES = ("strong_prior", "unwanted_imitation", "distractor_task", "spurious_few_shot")
MAX_CHOICES = 10
DEMOS_SLOT = "demos"
OPTION_SLOTS = tuple(f"option_{k}" for k in range(MAX_CHOICES))
TEMPLATE_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")
_FAMILY = re.compile(r"[a-z][a-z0-9_]{2,40}")


def _number(value: str, slot: str) -> float:
    try:
        return float(value.strip())
    except ValueError:
        raise ValueError(f"slot {{{slot}}} value {value!r} is not a number") from None


class FixedAnswer(StrictModel):
    """The right answer is always the choice at ``index`` (before per-item reordering)."""

    kind: Literal["fixed"] = "fixed"
    index: int = Field(ge=0)
    """Position in ``options`` (or ``classes`` when there are no options)."""

    def pick(self, values: Mapping[str, str]) -> int:
        """The right choice's index for one item's slot values."""
        return self.index

    def used_slots(self) -> frozenset[str]:
        """Slots the rule reads."""
        return frozenset()


class SlotAnswer(StrictModel):
    """The right choice's index is written in a table column (one per row)."""

    kind: Literal["slot"] = "slot"
    slot: str
    """``table.column`` whose values are choice indices, e.g. ``"0"`` or ``"1"``."""

    def pick(self, values: Mapping[str, str]) -> int:
        """The right choice's index for one item's slot values."""
        raw = values[self.slot].strip()
        if not raw.isdigit():
            raise ValueError(f"slot {{{self.slot}}} value {raw!r} is not a choice index")
        return int(raw)

    def used_slots(self) -> frozenset[str]:
        """Slots the rule reads."""
        return frozenset({self.slot})


class CompareAnswer(StrictModel):
    """Choice 0 is right when ``left op right`` holds numerically, choice 1 otherwise."""

    kind: Literal["compare"] = "compare"
    left: str
    """``table.column`` holding a number."""
    right: str
    """``table.column`` holding a number."""
    op: Literal["gt", "lt", "ge", "le", "eq", "ne"] = "gt"
    """Comparison: greater, less, greater-or-equal, less-or-equal, equal, not equal."""

    def pick(self, values: Mapping[str, str]) -> int:
        """The right choice's index for one item's slot values."""
        a, b = _number(values[self.left], self.left), _number(values[self.right], self.right)
        holds = {"gt": a > b, "lt": a < b, "ge": a >= b, "le": a <= b, "eq": a == b, "ne": a != b}
        return 0 if holds[self.op] else 1

    def used_slots(self) -> frozenset[str]:
        """Slots the rule reads."""
        return frozenset({self.left, self.right})


AnswerRule = Annotated[FixedAnswer | SlotAnswer | CompareAnswer, Field(discriminator="kind")]


class SlotTable(StrictModel):
    """Rows of related slot values; an item takes one row from every table."""

    rows: tuple[dict[str, str], ...] = Field(min_length=1, max_length=5000)
    """Each row maps column name to value; all rows have the same columns."""
    source: str | None = None
    """Where the rows came from (a seed lexicon builder), so a mutation can draw fresh ones."""
    key: str | None = None
    """Column naming each row's entity (a word, a phrase, a country): selection and confirmation
    items never share one. None means the first column."""

    @model_validator(mode="before")
    @classmethod
    def _accept_bare_rows(cls, data: Any) -> Any:
        # A hand-written table may be just its list of rows; numbers become their text.
        if isinstance(data, list):
            data = {"rows": data}
        if isinstance(data, dict) and isinstance(data.get("rows"), list):
            rows = [
                {k: _as_text(v) for k, v in row.items()} if isinstance(row, dict) else row
                for row in data["rows"]
            ]
            data = {**data, "rows": rows}
        return data

    @model_validator(mode="after")
    def _same_columns(self) -> SlotTable:
        first = list(self.rows[0])
        if not first:
            raise ValueError("rows have no columns")
        for name in first:
            if not IDENTIFIER.fullmatch(name):
                raise ValueError(f"column name {name!r} is not an identifier")
        for i, row in enumerate(self.rows):
            if list(row) != first:
                raise ValueError(f"row {i} has columns {list(row)}, expected {first}")
        if self.key is not None and self.key not in first:
            raise ValueError(f"key {self.key!r} is not a column ({', '.join(first)})")
        return self

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names, in row order."""
        return tuple(self.rows[0])


def _as_text(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    return str(value) if isinstance(value, int | float) else value


class PartVariant(StrictModel):
    """One mechanism of a composed template, alone: the item with only that manipulation.

    Expanded with the composed template's tables and seed, a part gives the same rows as the
    composed task, so the composition can be tested against each part on matched items.
    """

    name: str = Field(min_length=1, max_length=40)
    """Which part (e.g. the operator it comes from)."""
    prompt: str = Field(min_length=1, max_length=8000)
    """Pattern of the prompt with this part's manipulation only."""
    answer: AnswerRule | None = None
    """Its answer rule (None: the composed template's ``answer``)."""
    demos: tuple[str, ...] | None = None
    """Its demonstrations (None: the composed template's ``demos``)."""


class Lineage(StrictModel):
    """Where a template came from."""

    parents: tuple[str, ...] = ()
    """Ids of the templates it was made from (empty for a fresh one)."""
    operator: str = "manual"
    """What made it: an offline mechanism operator, a mutation, ``crossover``, ``llm`` or
    ``manual``."""


class TaskTemplate(StrictModel):
    """A recipe for a paired task: manipulated items and their controls, item by item.

    Patterns use ``{table.column}`` slots filled from one row of each table, plus ``{demos}``
    (the few-shot block) and ``{option_k}`` (the k-th choice after per-item reordering).
    """

    id: str
    """Unique id (lowercase letters, digits, ``-``, ``_``); also the output file name."""
    title: str = Field(min_length=1, max_length=200)
    """Short human title."""
    hypothesis: str = Field(min_length=1, max_length=2000)
    """Why larger models should do worse on the manipulated items."""
    cause_family: str = Field(min_length=1, max_length=41)
    """One of the Prize paper's causes (strong_prior, unwanted_imitation, distractor_task,
    spurious_few_shot) or another named one."""
    mechanism: str = Field(default="custom", min_length=1, max_length=60)
    """The mechanism (offline operator) behind it; kept through mutations."""
    task_type: TaskType = "classification"
    """The Prize task type of the datasets it expands to."""
    prompt: str = Field(min_length=1, max_length=8000)
    """Pattern of the manipulated prompt."""
    control_prompt: str = Field(min_length=1, max_length=8000)
    """Pattern of the control prompt: the same item without the manipulation."""
    other_prompt: str | None = Field(default=None, max_length=8000)
    """Pattern of the second prompt of a logodds task (manipulated variant)."""
    control_other_prompt: str | None = Field(default=None, max_length=8000)
    """Pattern of the second prompt of a logodds task (control variant)."""
    classes: tuple[str, ...] = Field(min_length=1, max_length=MAX_CHOICES)
    """Class patterns (answers the model scores); for sequence_prob the right one is the
    completion."""
    options: tuple[str, ...] = Field(default=(), max_length=MAX_CHOICES)
    """Optional option patterns shown in the prompt as ``{option_k}``; when given, ``classes``
    are fixed labels (e.g. " A", " B") and the options are reordered per item instead."""
    answer: AnswerRule
    """Rule picking the right choice of a manipulated item."""
    control_answer: AnswerRule | None = None
    """Rule for the control item; None means the same as ``answer``."""
    tables: dict[str, SlotTable] = Field(min_length=1, max_length=6)
    """Slot tables by name."""
    demos: tuple[str, ...] = Field(default=(), max_length=16)
    """Few-shot demonstrations (literal text) shown as ``{demos}`` in the manipulated prompt."""
    control_demos: tuple[str, ...] = Field(default=(), max_length=16)
    """Few-shot demonstrations shown as ``{demos}`` in the control prompt."""
    shuffle: bool = True
    """Reorder choices per item so the right answer is balanced across positions."""
    lineage: Lineage = Field(default_factory=Lineage)
    """Parents and the operator that made it."""
    consistent_control: ConsistentControl | None = None
    """Optional second control with the prompt's statement made consistent with the world
    (strong-prior templates): reported beside the gap as "ignores the statement" versus "knows
    the fact better". It informs; it does not gate acceptance."""
    card: MechanismCard | None = None
    """What the template tests, as structured data (see :mod:`invscale.generator.card`); None
    only for templates written before cards existed. Not part of the content hash."""
    parts: tuple[PartVariant, ...] = ()
    """For a composition of mechanisms: each mechanism alone on the same items (empty for a
    single mechanism)."""

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not TEMPLATE_ID.fullmatch(value):
            raise ValueError(f"id {value!r}: use 1-80 of a-z, 0-9, '-', '_', starting alphanumeric")
        return value

    @field_validator("cause_family")
    @classmethod
    def _check_family(cls, value: str) -> str:
        if not _FAMILY.fullmatch(value):
            raise ValueError(f"cause_family {value!r}: name it in snake_case, e.g. strong_prior")
        return value

    @model_validator(mode="after")
    def _check_consistency(self) -> TaskTemplate:
        _check_shape(self)
        _check_patterns(self)
        _check_rules(self)
        return self

    @property
    def choices(self) -> tuple[str, ...]:
        """The patterns the answer rule indexes: options when given, else classes."""
        return self.options or self.classes

    @property
    def instruction(self) -> str:
        """The manipulated prompt pattern as readable text, without the few-shot block."""
        return describe(self.prompt.replace("{demos}", "")).strip()

    def table_slots(self) -> frozenset[str]:
        """Every ``table.column`` slot the tables provide."""
        return frozenset(f"{t}.{c}" for t, table in self.tables.items() for c in table.columns)


def _check_shape(t: TaskTemplate) -> None:
    for name in t.tables:
        if not IDENTIFIER.fullmatch(name):
            raise ValueError(f"table name {name!r} is not an identifier")
    logodds = t.task_type in ("logodds", "absolute_logodds")
    if t.task_type != "sequence_prob" and len(t.classes) < 2:
        raise ValueError(f"{t.task_type} needs at least 2 classes")
    if logodds and len(t.classes) != 2:
        raise ValueError("logodds tasks need exactly 2 classes")
    if logodds != (t.other_prompt is not None) or logodds != (t.control_other_prompt is not None):
        raise ValueError("other_prompt and control_other_prompt are given for logodds tasks only")
    if t.options and len(t.options) != len(t.classes):
        raise ValueError(f"{len(t.options)} options but {len(t.classes)} classes")
    manipulated = (t.prompt, t.other_prompt, t.demos)
    if manipulated == (t.control_prompt, t.control_other_prompt, t.control_demos):
        raise ValueError("control is identical to the manipulated variant")
    for name, demos in (("demos", t.demos), ("control_demos", t.control_demos)):
        if any(not d.strip() for d in demos):
            raise ValueError(f"{name}: empty demonstration")


def _check_patterns(t: TaskTemplate) -> None:
    known = t.table_slots()
    n_options = len(t.choices)
    options = set(OPTION_SLOTS[:n_options])
    prompt_slots = known | options | {DEMOS_SLOT}
    fields: list[tuple[str, str | None, set[str] | frozenset[str]]] = [
        ("prompt", t.prompt, prompt_slots),
        ("control_prompt", t.control_prompt, prompt_slots),
        ("other_prompt", t.other_prompt, prompt_slots),
        ("control_other_prompt", t.control_other_prompt, prompt_slots),
    ]
    if t.consistent_control is not None:
        fields += [
            ("consistent_control.prompt", t.consistent_control.prompt, prompt_slots),
            ("consistent_control.other_prompt", t.consistent_control.other_prompt, prompt_slots),
        ]
    fields += [(f"parts[{i}].prompt", p.prompt, prompt_slots) for i, p in enumerate(t.parts)]
    fields += [(f"classes[{i}]", c, known) for i, c in enumerate(t.classes)]
    fields += [(f"options[{i}]", o, known) for i, o in enumerate(t.options)]
    for name, pattern, allowed in fields:
        if pattern is None:
            continue
        try:
            used = slots(pattern)
        except PatternError as exc:
            raise ValueError(f"{name}: {exc}") from None
        unknown = sorted(used - allowed)
        if unknown:
            raise ValueError(
                f"{name}: unknown slot(s) {', '.join('{' + u + '}' for u in unknown)}; "
                f"tables provide {', '.join(sorted(known))}"
            )
    for name, demos, pattern in (
        ("demos", t.demos, t.prompt),
        ("control_demos", t.control_demos, t.control_prompt),
    ):
        if demos and DEMOS_SLOT not in slots(pattern):
            raise ValueError(f"{name} given but the pattern has no {{demos}} slot")
    for i, c in enumerate(t.classes):
        if not slots(c) and not c.strip():
            raise ValueError(f"classes[{i}] is empty")


def _check_rules(t: TaskTemplate) -> None:
    n = len(t.choices)
    rules = [("answer", t.answer), ("control_answer", t.control_answer)]
    rules += [(f"parts[{i}].answer", p.answer) for i, p in enumerate(t.parts)]
    for name, rule in rules:
        if rule is None:
            continue
        missing = sorted(rule.used_slots() - t.table_slots())
        if missing:
            raise ValueError(f"{name}: unknown slot(s) {', '.join(missing)}")
        if isinstance(rule, FixedAnswer) and rule.index >= n:
            raise ValueError(f"{name}: index {rule.index} out of range for {n} choices")
        if isinstance(rule, CompareAnswer) and n != 2:
            raise ValueError(f"{name}: a compare rule needs exactly 2 choices, not {n}")
        for slot in rule.used_slots():
            table, column = slot.split(".")
            for i, row in enumerate(t.tables[table].rows):
                _check_rule_value(name, rule, slot, row[column], n, f"tables.{table} row {i}")


def _check_rule_value(name: str, rule: Any, slot: str, value: str, n: int, where: str) -> None:
    if isinstance(rule, SlotAnswer):
        if not value.strip().isdigit() or int(value) >= n:
            raise ValueError(
                f"{name}: {where}: {{{slot}}} = {value!r} is not a choice index 0..{n - 1}"
            )
    else:
        try:
            _number(value, slot)
        except ValueError as exc:
            raise ValueError(f"{name}: {where}: {exc}") from None


def content_hash(template: TaskTemplate) -> str:
    """Hash of everything that changes the datasets (not id, names, prose or lineage)."""
    data = template.model_dump(
        mode="json",
        exclude={"id", "title", "hypothesis", "lineage", "cause_family", "mechanism", "card"},
    )
    for table in data["tables"].values():
        table.pop("source", None)
        if table.get("key") is None:  # unset newer fields leave older templates' ids alone
            table.pop("key", None)
    if data.get("consistent_control") is None:
        data.pop("consistent_control", None)
    if not data.get("parts"):
        # Templates without parts hash as they did before compositions existed (same ids, so
        # the same datasets for a seed).
        data.pop("parts", None)
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def build_template(data: Mapping[str, Any]) -> TaskTemplate:
    """Validate template fields and give it an id from its content: ``<mechanism>-<hash>``.

    Raises:
        pydantic.ValidationError: the fields do not make a valid template.
    """
    draft = TaskTemplate.model_validate({**data, "id": "pending"})
    prefix = slug(draft.mechanism, 60) or "t"
    return draft.model_copy(update={"id": f"{prefix}-{content_hash(draft)[:12]}"})


def derive(
    template: TaskTemplate, operator: str, parents: tuple[str, ...], **changes: Any
) -> TaskTemplate:
    """A new template from ``template`` with ``changes``, re-validated, re-identified.

    Raises:
        pydantic.ValidationError: the changed template is invalid.
    """
    data = template.model_dump(exclude={"id", "lineage"})
    data.update(changes)
    data["lineage"] = {"parents": parents, "operator": operator}
    child = build_template(data)
    if child.card is None:
        return child
    # A mutation may change how the answer is asked (type, demonstrations, labels): the card
    # follows the child's structure; its mechanism fields are inherited.
    from invscale.generator.card import card_of

    return child.model_copy(update={"card": card_of(child)})
