"""The seed lexicons in ``datasets/seeds/``, loaded once and validated with clear errors."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from invscale.scorer.errors import InvscaleError
from invscale.scorer.paths import data_path


class LexiconError(InvscaleError, ValueError):
    """A seed lexicon is missing or malformed; the message names the file, row and field."""


@dataclass(frozen=True)
class Category:
    """A category ("animal") with its article ("an") and member words."""

    name: str
    article: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Phrase:
    """A memorised phrase: the stem and its usual last word."""

    stem: str
    end: str
    kind: str


@dataclass(frozen=True)
class Capital:
    """A country, its capital and a well-known other city of it."""

    country: str
    capital: str
    other_city: str


@dataclass(frozen=True)
class Fact:
    """A question with a one-word right answer and a plausible wrong one."""

    question: str
    right: str
    wrong: str


@dataclass(frozen=True)
class StatementPair:
    """A true statement and a slightly changed false one."""

    true: str
    false: str


@dataclass(frozen=True)
class Lexicon:
    """Everything the offline operators compose templates from."""

    categories: tuple[Category, ...]
    phrases: tuple[Phrase, ...]
    capitals: tuple[Capital, ...]
    facts: tuple[Fact, ...]
    statements: tuple[StatementPair, ...]
    belief_leads: tuple[str, ...]
    cues: tuple[str, ...]
    reword_groups: tuple[tuple[str, ...], ...]
    preambles: tuple[str, ...]
    biases: dict[str, Any] = field(default_factory=dict)
    """Rows for the cognitive-bias operators (``biases.yaml``; empty when absent)."""

    def category(self, name: str) -> Category:
        """The category called ``name``."""
        return next(c for c in self.categories if c.name == name)

    @property
    def words(self) -> tuple[tuple[str, Category], ...]:
        """Every word with its category."""
        return tuple((w, c) for c in self.categories for w in c.words)


def resolve_path(seeds_dir: str | Path) -> Path:
    """A data path as given when it exists, else the shipped data of that name."""
    return data_path(seeds_dir)


def _csv_rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln[:1] != "#"]
    except OSError as exc:
        raise LexiconError(f"{path}: cannot read: {exc}") from None
    reader = csv.DictReader(lines)
    if tuple(reader.fieldnames or ()) != columns:
        raise LexiconError(f"{path}: expected columns {list(columns)}, got {reader.fieldnames}")
    rows = []
    for number, row in enumerate(reader, start=2):
        for column in columns:
            if not (row.get(column) or "").strip():
                raise LexiconError(f"{path}: row {number}: field {column!r} is empty")
        rows.append({k: v.strip() for k, v in row.items()})
    return rows


def _yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError(f"{path}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise LexiconError(f"{path}: expected a mapping at the top")
    return data


def _strings(path: Path, data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LexiconError(f"{path}: field {key!r} must be a list of non-empty strings")
    return tuple(value)


def _categories(path: Path) -> tuple[Category, ...]:
    out = []
    for i, item in enumerate(_yaml(path).get("categories") or []):
        try:
            out.append(Category(item["name"], item["article"], tuple(item["words"])))
        except (KeyError, TypeError):
            raise LexiconError(f"{path}: categories[{i}]: need name, article, words") from None
    if len(out) < 2:
        raise LexiconError(f"{path}: need at least two categories")
    return tuple(out)


@lru_cache(maxsize=8)
def load_lexicon(seeds_dir: str | Path = "datasets/seeds") -> Lexicon:
    """Load and check every seed lexicon in ``seeds_dir``.

    Raises:
        LexiconError: a file is missing or malformed.
    """
    root = resolve_path(seeds_dir)
    beliefs = _yaml(root / "beliefs.yaml")
    rewordings = _yaml(root / "rewordings.yaml")
    groups = rewordings.get("groups")
    if not isinstance(groups, list) or not all(isinstance(g, list) and len(g) > 1 for g in groups):
        raise LexiconError(f"{root / 'rewordings.yaml'}: groups must be lists of 2+ phrases")
    memo = _csv_rows(root / "memorised.csv", ("stem", "end", "kind"))
    caps = _csv_rows(root / "capitals.csv", ("country", "capital", "other_city"))
    facts = _csv_rows(root / "facts.csv", ("question", "right", "wrong"))
    stmts = _csv_rows(root / "statements.csv", ("true", "false"))
    return Lexicon(
        categories=_categories(root / "categories.yaml"),
        phrases=tuple(Phrase(**r) for r in memo),
        capitals=tuple(Capital(**r) for r in caps),
        facts=tuple(Fact(**r) for r in facts),
        statements=tuple(StatementPair(**r) for r in stmts),
        belief_leads=_strings(root / "beliefs.yaml", beliefs, "leads"),
        cues=_strings(root / "beliefs.yaml", beliefs, "cues"),
        reword_groups=tuple(tuple(g) for g in groups),
        preambles=_strings(root / "rewordings.yaml", rewordings, "preambles"),
        biases=_yaml(root / "biases.yaml") if (root / "biases.yaml").exists() else {},
    )
