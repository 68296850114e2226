"""Near-duplicate examples inside one dataset, found by embedding and dropped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from invscale.scorer.records import TaskDataset
from invscale.search.novelty.embedders import Embedder
from invscale.search.novelty.queries import example_text

_SLACK = 1e-6


@dataclass(frozen=True)
class DroppedExample:
    """An example dropped as a near-duplicate.

    Attributes:
        index: Its position in the input.
        nearest_kept: Position of the most similar kept example that came before it.
        similarity: Their cosine similarity.
    """

    index: int
    nearest_kept: int
    similarity: float


@dataclass(frozen=True)
class DedupeResult:
    """Which examples survive.

    Attributes:
        kept: Positions kept, in input order.
        dropped: The others, each with the kept example it duplicates.
    """

    kept: tuple[int, ...]
    dropped: tuple[DroppedExample, ...]


def dedupe_prompts(prompts: Sequence[str], embedder: Embedder, threshold: float) -> DedupeResult:
    """Keep the first of every group of near-duplicates.

    Greedy in input order: a text is dropped when its cosine similarity to an already-kept text
    is at least ``threshold``. A faiss range search finds every pair above the threshold at
    once, so all kept neighbours are seen (a top-k search could miss the kept one behind k
    dropped ones).

    Args:
        prompts: The texts, in order of preference.
        embedder: Gives unit vectors.
        threshold: Cosine similarity at or above which two texts are near-duplicates.
    """
    if not prompts:
        return DedupeResult((), ())
    import faiss

    vectors = np.ascontiguousarray(embedder.embed(list(prompts)))  # (n, dim)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    # range_search keeps scores strictly above the radius; the slack makes ">= threshold" hold
    # despite float32 rounding (identical texts can score 0.99999994).
    limits, scores, ids = index.range_search(vectors, threshold - _SLACK)
    kept: list[int] = []
    is_kept = np.zeros(len(prompts), dtype=bool)
    dropped: list[DroppedExample] = []
    for i in range(len(prompts)):
        lo, hi = int(limits[i]), int(limits[i + 1])
        best, best_sim = -1, -np.inf
        for j, sim in zip(ids[lo:hi], scores[lo:hi], strict=True):
            if j < i and is_kept[j] and sim > best_sim:
                best, best_sim = int(j), float(sim)
        if best >= 0:
            dropped.append(DroppedExample(i, best, best_sim))
        else:
            kept.append(i)
            is_kept[i] = True
    return DedupeResult(tuple(kept), tuple(dropped))


def dedupe_dataset(
    dataset: TaskDataset, embedder: Embedder, threshold: float
) -> tuple[TaskDataset, DedupeResult]:
    """Drop near-duplicate examples of ``dataset`` (compared by :func:`example_text`).

    Returns:
        The dataset without the dropped examples, and which were dropped and why.
    """
    result = dedupe_prompts([example_text(e) for e in dataset.examples], embedder, threshold)
    return dataset.subset(list(result.kept)), result
