"""Semantic cues: recognising what an instruction says, whatever its wording.

A structural signature needs to know, for instance, that the prompt asks for an exact copy or
tells the reader to break a pattern. Keyword lists for that miss fresh wording ("enter the words
precisely; do not correct them"). A cue is a set of topic-free paraphrases of one such
instruction (``datasets/known/cues/*.yaml``); a prompt carries the cue when one of its sentences
(quoted material masked, so the topic weighs less) is at least ``threshold`` cosine-similar to one
of them. Signatures accept a cue in place of their keywords; the structure they test is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from invscale.scorer.paths import data_path
from invscale.search.novelty.embedders import Embedder
from invscale.search.novelty.records import NoveltyInputError
from invscale.search.novelty.textparse import sentences

CUES_DIR = "cues"
CueTest = Callable[[str, str], bool]
"""``test(prompt, cue)``: whether ``prompt`` carries the named cue."""
_QUOTED = re.compile(r"(?<!\w)[\"“‘'][^\"”’'\n]{1,60}[\"”’'](?!\w)")


def no_cues(prompt: str, cue: str) -> bool:
    """The cue test when no embedder is at hand: keywords alone decide."""
    return False


@dataclass(frozen=True)
class Cue:
    """One instruction's paraphrases.

    Attributes:
        name: Key the signatures ask for, e.g. ``copy``.
        used_by: Known tasks whose signature uses it (documentation, checked on load).
        examples: Topic-free paraphrases of the instruction.
    """

    name: str
    used_by: tuple[str, ...]
    examples: tuple[str, ...]


def load_cues(known_path: str | Path) -> list[Cue]:
    """Every cue of ``known_path/cues/*.yaml`` (none when the folder is missing).

    Raises:
        NoveltyInputError: a cue without examples, or a malformed file.
    """
    out = []
    for path in sorted((data_path(known_path) / CUES_DIR).glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(raw, dict):
            raise NoveltyInputError(f"{path}: cues must be a mapping of name to cue")
        for name, cue in raw.items():
            examples = cue.get("examples") if isinstance(cue, dict) else None
            if not examples or not all(isinstance(e, str) for e in examples):
                raise NoveltyInputError(f"{path}: cue {name!r} needs a list of examples")
            out.append(Cue(str(name), tuple(cue.get("used_by", ())), tuple(examples)))
    return out


def mask_quotes(text: str) -> str:
    """Quoted material (the word to end on, the text to copy) replaced by one placeholder: the
    instruction is what the cue is about, not the quoted topic."""
    return _QUOTED.sub("'X'", text)


class CueBank:
    """Embedded cue paraphrases. Use :meth:`build`; the constructor only assigns."""

    def __init__(
        self, embedder: Embedder, names: tuple[str, ...], labels: np.ndarray, vectors: np.ndarray
    ) -> None:
        self.embedder = embedder
        self.names = names
        self.labels = labels  # (n,) index into names of each paraphrase row
        self.vectors = vectors  # (n, dim)

    @classmethod
    def build(cls, cues: Sequence[Cue], embedder: Embedder) -> CueBank:
        """Embed every paraphrase of every cue in one batch."""
        names = tuple(c.name for c in cues)
        rows = [(i, mask_quotes(e)) for i, c in enumerate(cues) for e in c.examples]
        texts = [t for _, t in rows]
        vectors = embedder.embed(texts) if texts else np.zeros((0, embedder.dim), np.float32)
        return cls(embedder, names, np.array([i for i, _ in rows], np.int64), vectors)

    def reader(self, threshold: float) -> CueReader:
        """A cue test for one query: each prompt's sentences are embedded once, when a
        signature first asks about that prompt."""
        return CueReader(self, threshold)


class CueReader:
    """Answers ``(prompt, cue)`` questions for one query, embedding lazily: a sentence is
    embedded once, however many signatures ask about the prompts (or parts of prompts) that
    hold it."""

    def __init__(self, bank: CueBank, threshold: float) -> None:
        self.bank = bank
        self.threshold = threshold
        self._sentences: dict[str, np.ndarray] = {}  # masked sentence -> best cosine per cue

    def __call__(self, prompt: str, cue: str) -> bool:
        """Whether a sentence of ``prompt`` is close to a paraphrase of ``cue``."""
        return self.scores(prompt).get(cue, 0.0) >= self.threshold

    def scores(self, prompt: str) -> dict[str, float]:
        """Per cue, the highest cosine of a sentence of ``prompt`` to one of its paraphrases."""
        parts = [mask_quotes(s) for s in sentences(prompt) if len(s.split()) >= 2]
        if not parts or len(self.bank.vectors) == 0:
            return {}
        self._embed([p for p in dict.fromkeys(parts) if p not in self._sentences])
        best = np.max([self._sentences[p] for p in parts], axis=0)
        return {name: float(best[i]) for i, name in enumerate(self.bank.names)}

    def _embed(self, parts: list[str]) -> None:
        if not parts:
            return
        sims = self.bank.embedder.embed(parts) @ self.bank.vectors.T  # (sentences, paraphrases)
        per_cue = np.full((len(parts), len(self.bank.names)), -1.0, np.float32)
        for i in range(len(self.bank.names)):
            cols = self.bank.labels == i
            if cols.any():
                per_cue[:, i] = sims[:, cols].max(axis=1)
        self._sentences.update(zip(parts, per_cue, strict=True))
