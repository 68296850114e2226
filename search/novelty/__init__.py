"""Novelty filter: is a candidate task new against known tasks and earlier accepted ones?

Tasks are embedded on two channels (description; centroid of sampled prompts, see
:mod:`invscale.search.novelty.vectors`) with a sentence-transformers model, indexed with faiss and
persisted next to the run. faiss and sentence-transformers are imported only when used, and
the names below are resolved lazily so importing the config tree does not import numpy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from invscale.search.novelty.config import NoveltyConfig
    from invscale.search.novelty.corpus import KnownTask, known_entries, load_known_tasks
    from invscale.search.novelty.dedupe import (
        DedupeResult,
        DroppedExample,
        dedupe_dataset,
        dedupe_prompts,
    )
    from invscale.search.novelty.embedders import (
        Embedder,
        EmbedderError,
        HashingEmbedder,
        SentenceTransformerEmbedder,
        make_embedder,
        resolve_model_source,
    )
    from invscale.search.novelty.filter import (
        NoveltyFilter,
        check_path,
        check_queries,
        verdict_from,
    )
    from invscale.search.novelty.index import IndexSettings, NoveltyIndex, NoveltyIndexWarning
    from invscale.search.novelty.queries import example_text, load_path_queries, query_from_dataset
    from invscale.search.novelty.records import (
        IndexEntry,
        Neighbour,
        NoveltyInputError,
        NoveltyQuery,
        NoveltyReport,
        NoveltyVerdict,
    )
    from invscale.search.novelty.vectors import QueryVectors, embed_queries, sample_prompts

_HOME = {
    "DedupeResult": "invscale.search.novelty.dedupe",
    "DroppedExample": "invscale.search.novelty.dedupe",
    "Embedder": "invscale.search.novelty.embedders",
    "EmbedderError": "invscale.search.novelty.embedders",
    "HashingEmbedder": "invscale.search.novelty.embedders",
    "IndexEntry": "invscale.search.novelty.records",
    "IndexSettings": "invscale.search.novelty.index",
    "KnownTask": "invscale.search.novelty.corpus",
    "Neighbour": "invscale.search.novelty.records",
    "NoveltyConfig": "invscale.search.novelty.config",
    "NoveltyFilter": "invscale.search.novelty.filter",
    "NoveltyIndex": "invscale.search.novelty.index",
    "NoveltyIndexWarning": "invscale.search.novelty.index",
    "NoveltyInputError": "invscale.search.novelty.records",
    "NoveltyQuery": "invscale.search.novelty.records",
    "NoveltyReport": "invscale.search.novelty.records",
    "NoveltyVerdict": "invscale.search.novelty.records",
    "QueryVectors": "invscale.search.novelty.vectors",
    "SentenceTransformerEmbedder": "invscale.search.novelty.embedders",
    "check_path": "invscale.search.novelty.filter",
    "check_queries": "invscale.search.novelty.filter",
    "dedupe_dataset": "invscale.search.novelty.dedupe",
    "dedupe_prompts": "invscale.search.novelty.dedupe",
    "embed_queries": "invscale.search.novelty.vectors",
    "example_text": "invscale.search.novelty.queries",
    "known_entries": "invscale.search.novelty.corpus",
    "load_known_tasks": "invscale.search.novelty.corpus",
    "load_path_queries": "invscale.search.novelty.queries",
    "make_embedder": "invscale.search.novelty.embedders",
    "query_from_dataset": "invscale.search.novelty.queries",
    "resolve_model_source": "invscale.search.novelty.embedders",
    "sample_prompts": "invscale.search.novelty.vectors",
    "verdict_from": "invscale.search.novelty.filter",
}


def __getattr__(name: str) -> object:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOME[name]), name)


__all__ = [
    "DedupeResult",
    "DroppedExample",
    "Embedder",
    "EmbedderError",
    "HashingEmbedder",
    "IndexEntry",
    "IndexSettings",
    "KnownTask",
    "Neighbour",
    "NoveltyConfig",
    "NoveltyFilter",
    "NoveltyIndex",
    "NoveltyIndexWarning",
    "NoveltyInputError",
    "NoveltyQuery",
    "NoveltyReport",
    "NoveltyVerdict",
    "QueryVectors",
    "SentenceTransformerEmbedder",
    "check_path",
    "check_queries",
    "dedupe_dataset",
    "dedupe_prompts",
    "embed_queries",
    "example_text",
    "known_entries",
    "load_known_tasks",
    "load_path_queries",
    "make_embedder",
    "query_from_dataset",
    "resolve_model_source",
    "sample_prompts",
    "verdict_from",
]
