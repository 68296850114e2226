"""Novelty filter throughput: embedding, and queries against a 10k-entry archive.

Measures, and prints as a table with ratios:

* embedding throughput (texts/s) of the configured model (MiniLM by default) on synthetic task
  texts, and of the hashing fake;
* building, saving and re-opening a 10k-entry archive, exact (flat) vs approximate (HNSW);
* query throughput against it, batched and one query at a time (how the search calls it), and
  the recall@k of the approximate index against the exact one;
* end-to-end checks per second (embed a query's description and 8 prompts, then search).

Embedding every archive text with MiniLM costs about 3 x 10k forward passes, slow on a small
CPU, so by default the archive vectors are mixtures of MiniLM embeddings of ``--real`` synthetic
texts (two or three real vectors plus noise, renormalised): they live in MiniLM's space with its
clustering, which is what the approximate index's recall depends on. ``--embed-all`` embeds every
archive text for real instead.

    python bench/bench_novelty.py [--entries 10000] [--queries 200] [--k 10] [--real 1500]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from invscale.search.novelty import (
    Embedder,
    HashingEmbedder,
    IndexEntry,
    IndexSettings,
    NoveltyConfig,
    NoveltyIndex,
    NoveltyQuery,
    QueryVectors,
    embed_queries,
    make_embedder,
)
from invscale.search.novelty.embedders import normalise_rows

SUBJECTS = [
    "quotes",
    "numbers",
    "symbols",
    "negations",
    "bets",
    "sequences",
    "instructions",
    "units",
    "dates",
    "names",
]
VERBS = [
    "ignore",
    "repeat",
    "override",
    "misread",
    "flip",
    "round",
    "copy",
    "invert",
    "forget",
    "confuse",
]
CUES = [
    "a famous phrase",
    "a few-shot pattern",
    "a redefinition",
    "an embedded command",
    "a distractor",
]
OBJECTS = [
    "apples",
    "rivers",
    "engines",
    "violins",
    "glaciers",
    "lanterns",
    "pebbles",
    "ferns",
    "comets",
    "kettles",
]


def synthetic_texts(n: int, seed: int) -> list[str]:
    """Task-like sentences with enough combinations to be distinct."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        s, v, c, o = (rng.choice(x) for x in (SUBJECTS, VERBS, CUES, OBJECTS))
        out.append(f"Larger models {v} {s} when the prompt contains {c}; ask about {o} number {i}.")
    return out


class LookupEmbedder:
    """Serves precomputed vectors by text, so the index benchmark times faiss, not the model."""

    def __init__(self, table: dict[str, np.ndarray], dim: int) -> None:
        self.table = table
        self._dim = dim

    @property
    def name(self) -> str:
        return "bench-lookup"

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.table[t] for t in texts]).astype(np.float32)


def mixtures(real: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n unit vectors, each 2-3 random real vectors mixed with noise; shape (n, dim)."""
    picks = rng.integers(0, len(real), size=(n, 3))
    weights = rng.dirichlet([1.0, 1.0, 0.5], size=n).astype(np.float32)  # (n, 3)
    mixed = np.einsum("nk,nkd->nd", weights, real[picks])  # (n, dim)
    noise = rng.normal(0, 0.2 / np.sqrt(mixed.shape[1]), mixed.shape)  # norm ~0.2
    return normalise_rows(mixed + noise.astype(np.float32))


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    start = time.perf_counter()
    for _ in range(repeat):
        result = fn()
    return (time.perf_counter() - start) / repeat, result


def embed_rate(embedder: Embedder, texts: list[str]) -> float:
    embedder.embed(texts[:8])  # warm-up: model load, first-batch allocation
    seconds, _ = timed(lambda: embedder.embed(texts))
    return len(texts) / seconds


def archive(args, real_model: Embedder, rng) -> tuple[list[IndexEntry], LookupEmbedder]:
    """Entries (description + 2 prompts each) and an embedder that knows their vectors."""
    entries = [
        IndexEntry(f"e{i}", f"entry {i}", f"d{i}", (f"p{i}a", f"p{i}b"), "known")
        for i in range(args.entries)
    ]
    texts = [t for e in entries for t in (e.description, *e.prompts)]
    if args.embed_all:
        vectors = real_model.embed(synthetic_texts(len(texts), seed=1))
    else:
        vectors = mixtures(real_model.embed(synthetic_texts(args.real, seed=1)), len(texts), rng)
    return entries, LookupEmbedder(dict(zip(texts, vectors, strict=True)), vectors.shape[1])


def query_vectors(entries, lookup: LookupEmbedder, n: int, rng) -> QueryVectors:
    """Half the queries are perturbed archive entries (near-duplicates), half fresh mixtures."""
    base = embed_queries([entries[i].query for i in rng.integers(0, len(entries), n)], lookup, 8)
    dim = base.description.shape[1]
    noise = rng.normal(0, 0.4 / np.sqrt(dim), base.description.shape).astype(np.float32)
    fresh = n // 2
    desc, prom = base.description + noise, base.prompts + noise
    desc[:fresh] = mixtures(desc, fresh, rng)
    prom[:fresh] = mixtures(prom, fresh, rng)
    ones = np.ones(n, dtype=bool)
    return QueryVectors(normalise_rows(desc), normalise_rows(prom), ones, ones)


def one_by_one(index: NoveltyIndex, qv: QueryVectors, k: int) -> list:
    out = []
    for i in range(len(qv)):
        s = slice(i, i + 1)
        one = QueryVectors(
            qv.description[s], qv.prompts[s], qv.has_description[s], qv.has_prompts[s]
        )
        out.extend(index.search_vectors(one, k))
    return out


def measure_kind(kind, entries, lookup, qv, args, folder: Path) -> dict[str, float | list]:
    settings = IndexSettings(approximate_above=10**9 if kind == "exact" else 0)
    index = NoveltyIndex.open(None, lookup, settings)
    build, _ = timed(lambda: index.add(entries))
    assert index.kind == kind
    index.directory = folder / kind
    save, _ = timed(index.save)
    reopen, _ = timed(lambda: NoveltyIndex.open(folder / kind, lookup, settings))
    batch, found = timed(lambda: index.search_vectors(qv, args.k), repeat=3)
    single, _ = timed(lambda: one_by_one(index, qv, args.k))
    return {
        "build": build,
        "save": save,
        "open": reopen,
        "batch": len(qv) / batch,
        "single": len(qv) / single,
        "found": found,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--real", type=int, default=1500, help="texts embedded with the model")
    parser.add_argument("--embed-all", action="store_true", help="embed every archive text")
    parser.add_argument("--model", default=NoveltyConfig().model)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    model = make_embedder(NoveltyConfig(model=args.model))
    texts = synthetic_texts(args.real, seed=2)
    model_rate, hash_rate = embed_rate(model, texts), embed_rate(HashingEmbedder(), texts)
    entries, lookup = archive(args, model, rng)
    qv = query_vectors(entries, lookup, args.queries, rng)
    with tempfile.TemporaryDirectory() as tmp:
        exact = measure_kind("exact", entries, lookup, qv, args, Path(tmp))
        approx = measure_kind("approximate", entries, lookup, qv, args, Path(tmp))
    recall = np.mean(
        [
            len({n.id for n in a} & {n.id for n in e}) / max(len(e), 1)
            for a, e in zip(approx["found"], exact["found"], strict=True)
        ]
    )
    top1 = np.mean(
        [a[0].id == e[0].id for a, e in zip(approx["found"], exact["found"], strict=True)]
    )
    exact_index = NoveltyIndex.open(None, model, IndexSettings(approximate_above=10**9))
    exact_index.add([IndexEntry(f"r{i}", "t", t, (t,), "known") for i, t in enumerate(texts[:200])])
    probe = NoveltyQuery("probe", texts[0], tuple(texts[1:9]))
    check_s, _ = timed(lambda: exact_index.search(probe, args.k), repeat=5)

    source = "embedded for real" if args.embed_all else f"mixtures of {args.real} real vectors"
    print(
        f"model {model.name} (dim {lookup.dim}); archive {args.entries} entries x 2 channels, "
        f"vectors: {source}; {args.queries} queries, k={args.k}\n"
    )
    print(f"{'measure':34} {'exact':>12} {'approximate':>12} {'approx/exact':>13}")
    rows = [
        ("build index (s)", "build"),
        ("save (s)", "save"),
        ("re-open, no re-embedding (s)", "open"),
        ("queries/s, batched", "batch"),
        ("queries/s, one at a time", "single"),
    ]
    for label, key in rows:
        e, a = exact[key], approx[key]
        print(f"{label:34} {e:12.3f} {a:12.3f} {a / e:13.2f}")
    print(f"{f'recall@{args.k} vs exact':34} {1.0:12.3f} {recall:12.3f}")
    print(f"{'top-1 agreement with exact':34} {1.0:12.3f} {top1:12.3f}")
    print(f"\n{'embedding, texts/s, configured model':44} {model_rate:12.1f}")
    print(f"{'embedding, texts/s, hashing fake':44} {hash_rate:12.1f}")
    print(f"{'hashing / model embedding speed':44} {hash_rate / model_rate:12.1f}")
    print(f"{'end-to-end checks/s (1 desc + 8 prompts)':44} {1 / check_s:12.2f}")


if __name__ == "__main__":
    main()
