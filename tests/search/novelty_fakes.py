"""Fakes and builders shared by the novelty tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

from invscale.search.novelty import HashingEmbedder, IndexEntry, NoveltyConfig

CALIBRATION = Path(__file__).parent / "data" / "novelty_calibration.yaml"


class CountingEmbedder(HashingEmbedder):
    """The hashing fake, remembering every text it was asked to embed."""

    def __init__(self, dim: int = 512) -> None:
        super().__init__(dim)
        self.seen: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return super().embed(texts)


# A small corpus whose tasks share no content words, so the hashing fake separates them.
TINY_CORPUS = [
    {
        "id": "k-quote",
        "title": "altered quote copying",
        "cause": "strong-prior",
        "reference": "test",
        "description": "model must copy a famous proverb whose final word was swapped verbatim",
        "prompts": [
            "Repeat exactly: actions speak louder than socks",
            "Repeat exactly: the early bird eats pizza",
        ],
    },
    {
        "id": "k-bets",
        "title": "bet outcome bias",
        "cause": "spurious-few-shot",
        "reference": "test",
        "description": "judge gamble decisions by expected value although outcomes mislead",
        "prompts": ["Dana pays 5 dollars for 90 percent chance at 100 and loses. Good decision?"],
    },
    {
        "id": "k-rounding",
        "title": "significant figures",
        "cause": "distractor-task",
        "reference": "test",
        "description": "round numbers to significant figures rather than decimal places",
        "prompts": ["Round 3.14159 to 3 significant figures. A 3.14 B 3.142"],
    },
]


def write_corpus(folder: Path, tasks: list[dict] | None = None) -> Path:
    """Write a known-task YAML corpus into ``folder``; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tasks.yaml").write_text(yaml.safe_dump(tasks or TINY_CORPUS, sort_keys=False))
    return folder


def fake_config(tmp: Path, **overrides: object) -> NoveltyConfig:
    """A novelty config on the hashing fake, a tiny corpus and folders under ``tmp``."""
    values: dict[str, object] = {
        "model": "hashing",
        "known_path": str(write_corpus(tmp / "known")),
        "accepted_file": str(tmp / "known" / "accepted.jsonl"),
        "cache_dir": str(tmp / "cache"),
        "threshold": 0.4,
    }
    values.update(overrides)
    return NoveltyConfig.model_validate(values)


def entry(id_: str, description: str, prompts: tuple[str, ...] = (), source: str = "known"):
    """An index entry titled after its id."""
    return IndexEntry(id_, id_, description, prompts, source)


def calibration() -> dict:
    """The calibration set (paraphrases, distinct tasks, example pairs)."""
    return yaml.safe_load(CALIBRATION.read_text())
