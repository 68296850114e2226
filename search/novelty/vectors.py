"""How a task becomes vectors: one for its description, one for a sample of its prompts.

A task is compared on two channels and its similarity to an indexed task is the larger of the
two cosines:

* description vs description: the hypothesis and instruction in words. Two templates that test the
  same mechanism collide here even when their examples differ in surface content.
* prompt-sample centroid vs centroid: each sampled prompt is embedded, the vectors are averaged
  and renormalised. Averaging keeps what the prompts share (the task's scaffold and subject)
  and washes out what one filling adds, so two templates that read differently, or describe
  themselves misleadingly, but produce the same examples still collide here.

The maximum (not the mean) is used because either channel alone is evidence of a rediscovery: a
mean would let a misleading description hide identical examples. A different mechanism with
different examples is low on both channels and passes. Cross-channel pairs (description vs
prompts) are not compared: descriptions and prompts are different kinds of text and their
cosines are noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from invscale.search.novelty.embedders import Embedder, normalise_rows
from invscale.search.novelty.records import NoveltyInputError, NoveltyQuery


@dataclass(frozen=True, eq=False)
class QueryVectors:
    """The two channel vectors of m tasks.

    Attributes:
        description: (m, dim) float32, unit rows; zero rows where a task has no description.
        prompts: (m, dim) float32, unit rows; zero rows where a task has no prompts.
        has_description: (m,) bool.
        has_prompts: (m,) bool.
    """

    description: np.ndarray
    prompts: np.ndarray
    has_description: np.ndarray
    has_prompts: np.ndarray

    def __len__(self) -> int:
        return int(self.description.shape[0])


def sample_prompts(prompts: Sequence[str], n: int) -> tuple[str, ...]:
    """Pick ``n`` non-blank prompts spread evenly through the list (all of them if fewer).

    Evenly spaced rather than the first ``n``: generated and Prize files are often grouped by
    part or sub-template, and the sample should see every group.
    """
    kept = [p for p in prompts if p.strip()]
    if len(kept) <= n:
        return tuple(kept)
    picks = np.unique(np.linspace(0, len(kept) - 1, n).round().astype(int))
    return tuple(kept[i] for i in picks)


def embed_queries(
    queries: Sequence[NoveltyQuery], embedder: Embedder, prompts_per_query: int
) -> QueryVectors:
    """Embed each query's description and the centroid of a sample of its prompts.

    All texts go to the embedder in one call so a model batches across queries.

    Raises:
        NoveltyInputError: a query has neither a description nor a prompt.
    """
    texts: list[str] = []
    desc_at: list[int | None] = []  # per query: position of its description in ``texts``
    prompt_spans: list[tuple[int, int]] = []  # per query: [start, end) of its prompts
    for query in queries:
        sample = sample_prompts(query.prompts, prompts_per_query)
        if not query.description.strip() and not sample:
            raise NoveltyInputError(f"task {query.title!r} has no description and no prompts")
        desc_at.append(len(texts) if query.description.strip() else None)
        if query.description.strip():
            texts.append(query.description)
        prompt_spans.append((len(texts), len(texts) + len(sample)))
        texts.extend(sample)
    vectors = embedder.embed(texts) if texts else np.zeros((0, embedder.dim), np.float32)
    dim = vectors.shape[1]
    description = np.zeros((len(queries), dim), np.float32)  # (m, dim)
    centroids = np.zeros((len(queries), dim), np.float32)  # (m, dim)
    for row, (at, (start, end)) in enumerate(zip(desc_at, prompt_spans, strict=True)):
        if at is not None:
            description[row] = vectors[at]
        if end > start:
            centroids[row] = vectors[start:end].mean(axis=0)
    has_description = np.array([at is not None for at in desc_at], dtype=bool)
    has_prompts = np.array([end > start for start, end in prompt_spans], dtype=bool)
    return QueryVectors(description, normalise_rows(centroids), has_description, has_prompts)
