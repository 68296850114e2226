"""Typed records of the novelty filter: what is checked, what is indexed, what comes back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from invscale.scorer.errors import InvscaleError

KNOWN_SOURCE = "known"
ACCEPTED_PREFIX = "accepted:"


class NoveltyInputError(InvscaleError, ValueError):
    """A query, corpus entry or index file is malformed; the message names where."""


@dataclass(frozen=True)
class NoveltyQuery:
    """A candidate task as the novelty filter sees it.

    Attributes:
        title: Short name, shown in reports.
        description: What the task claims and asks: a template's hypothesis and instruction.
            May be empty (a bare data file), then only the prompts are compared.
        prompts: Rendered prompts of the task (a sample is embedded). May be empty, then only
            the description is compared.
    """

    title: str
    description: str
    prompts: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexEntry:
    """One task held by the novelty index.

    Attributes:
        id: Unique key within the index.
        title: Short name, shown in reports.
        description: The task's mechanism in words.
        prompts: Example prompts (already sampled).
        source: ``known`` for the known-task corpus, ``accepted:<run>`` for a template a search
            run accepted.
    """

    id: str
    title: str
    description: str
    prompts: tuple[str, ...]
    source: str

    @property
    def query(self) -> NoveltyQuery:
        """The entry's texts as a query, embedded the same way a candidate is."""
        return NoveltyQuery(self.title, self.description, self.prompts)

    def digest(self) -> str:
        """Hash of the embedded texts: a changed digest means the vectors are stale."""
        payload = json.dumps([self.title, self.description, list(self.prompts)])
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (one line of ``entries.jsonl`` or the accepted file)."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "prompts": list(self.prompts),
            "source": self.source,
        }

    @staticmethod
    def from_json(raw: object, where: str) -> IndexEntry:
        """Parse one JSON object into an entry.

        Args:
            raw: The decoded JSON value.
            where: ``file:line`` for error messages.

        Raises:
            NoveltyInputError: naming ``where`` and the bad field.
        """
        if not isinstance(raw, dict):
            raise NoveltyInputError(f"{where}: expected a JSON object, got {type(raw).__name__}")
        for key in ("id", "title", "description", "source"):
            if not isinstance(raw.get(key), str):
                raise NoveltyInputError(f"{where}: field {key!r} must be a string")
        prompts = raw.get("prompts", [])
        if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts):
            raise NoveltyInputError(f"{where}: field 'prompts' must be a list of strings")
        if not raw["description"].strip() and not any(p.strip() for p in prompts):
            raise NoveltyInputError(f"{where}: entry {raw['id']!r} has no description or prompts")
        return IndexEntry(
            raw["id"], raw["title"], raw["description"], tuple(prompts), raw["source"]
        )


@dataclass(frozen=True)
class Neighbour:
    """An indexed task close to a query.

    Attributes:
        id: The entry's id.
        title: The entry's title.
        source: ``known`` or ``accepted:<run>``.
        similarity: Cosine similarity used for the verdict: the larger of the two below.
        description_similarity: Description vs description (None when either side has none).
        prompt_similarity: Prompt-sample centroid vs centroid (None when either side has none).
    """

    id: str
    title: str
    source: str
    similarity: float
    description_similarity: float | None
    prompt_similarity: float | None


@dataclass(frozen=True)
class NoveltyVerdict:
    """Whether a query is new.

    Attributes:
        novel: ``score >= threshold``.
        score: 1 minus the highest cosine similarity to any indexed task (1.0 for an empty index).
        neighbours: The nearest indexed tasks, most similar first.
        threshold: The least score counted as new.
    """

    novel: bool
    score: float
    neighbours: tuple[Neighbour, ...]
    threshold: float


@dataclass(frozen=True)
class NoveltyReport:
    """A query with its verdict, for the CLI and reports."""

    query: NoveltyQuery
    verdict: NoveltyVerdict
