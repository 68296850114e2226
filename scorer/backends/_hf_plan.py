"""Planning of the forward passes: which tokens are computed once, and how they are batched.

Pure Python on token tuples (no torch), so the plan can be tested and reasoned about alone.
Three levels share work:

1. a *prefix* shared by many distinct contexts (few-shot preamble, fixed instruction) is
   computed once per group;
2. each distinct *context* is computed once, on top of its group's prefix; the logits at its last
   token give the first token of every continuation;
3. continuation tokens beyond the first run on top of the context's key/value cache.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from invscale.scorer.backends._hf_encode import EncodedPair, Tokens, common_prefix_len


@dataclass(frozen=True)
class ContextJob:
    """One distinct context and its distinct, non-empty continuations."""

    tokens: Tokens
    continuations: tuple[Tokens, ...]


@dataclass(frozen=True)
class Slot:
    """Where a request's answer lives: continuation ``cont`` of context ``ctx`` (None: empty)."""

    ctx: int
    cont: int


@dataclass(frozen=True)
class Work:
    """All distinct work of one call, and how each request maps onto it."""

    contexts: tuple[ContextJob, ...]
    slots: tuple[Slot | None, ...]


@dataclass(frozen=True)
class PrefixGroup:
    """Contexts that share ``prefix`` (possibly empty); every context is longer than it."""

    prefix: Tokens
    contexts: tuple[int, ...]


@dataclass(frozen=True)
class Budget:
    """Limits on one forward pass.

    Attributes:
        tokens: Rows x padded query length.
        rows: Rows.
        span: Rows x (cached + query length): bounds the key/value cache held in memory.
        logits: Rows x positions whose logits are kept (vocabularies are wide).
    """

    tokens: int
    rows: int
    span: int
    logits: int


def collect_work(pairs: Sequence[EncodedPair]) -> Work:
    """Deduplicate contexts and (context, continuation) pairs."""
    ctx_index: dict[Tokens, int] = {}
    conts: list[dict[Tokens, int]] = []
    slots: list[Slot | None] = []
    for pair in pairs:
        if not pair.continuation:
            slots.append(None)
            continue
        ci = ctx_index.setdefault(pair.context, len(ctx_index))
        if ci == len(conts):
            conts.append({})
        ki = conts[ci].setdefault(pair.continuation, len(conts[ci]))
        slots.append(Slot(ci, ki))
    jobs = tuple(ContextJob(ctx, tuple(conts[i])) for ctx, i in ctx_index.items())
    return Work(jobs, tuple(slots))


def group_by_prefix(contexts: Sequence[Tokens], min_prefix: int) -> list[PrefixGroup]:
    """Group contexts that share a token prefix worth computing once.

    Sorted, contexts sharing a prefix are neighbours. A run of neighbours shares the smallest
    common prefix of its adjacent pairs; a run either becomes one group on that prefix, or splits
    where that smallest prefix occurs, whichever saves more tokens ((size - 1) x prefix length).
    Nested structure (passages shared by a few questions under one instruction shared by all)
    comes out as the groups that save most. Contexts in no group share one empty-prefix group.
    """
    order = sorted(range(len(contexts)), key=lambda i: contexts[i])
    # bound[k]: prefix tokens order[k - 1] and order[k] can share, leaving each one of its own.
    bound = [0] + [
        min(common_prefix_len(contexts[a], contexts[b]), len(contexts[a]) - 1, len(contexts[b]) - 1)
        for a, b in zip(order, order[1:], strict=False)
    ]
    groups = [
        PrefixGroup(contexts[order[lo]][:shared], tuple(order[lo : hi + 1]))
        for lo, hi, shared in _best_runs(bound, min_prefix)
    ]
    grouped = {c for g in groups for c in g.contexts}
    loose = tuple(c for c in range(len(contexts)) if c not in grouped)
    return groups + ([PrefixGroup((), loose)] if loose else [])


def _best_runs(bound: list[int], min_prefix: int) -> list[tuple[int, int, int]]:
    """Runs (first, last, shared prefix) chosen over sorted positions 0..len(bound)-1.

    Post-order walk of the interval tree (iterative: nesting can be deep).
    """
    best: dict[tuple[int, int], tuple[int, list[tuple[int, int, int]]]] = {}
    kids: dict[tuple[int, int], tuple[int, list[tuple[int, int]]]] = {}
    stack = [(0, len(bound) - 1, False)]
    while stack:
        lo, hi, children_done = stack.pop()
        if hi <= lo:
            best[lo, hi] = (0, [])
        elif not children_done:
            shared = min(bound[lo + 1 : hi + 1])
            cuts = [k for k in range(lo + 1, hi + 1) if bound[k] == shared]
            parts = list(zip([lo, *cuts], [c - 1 for c in cuts] + [hi], strict=True))
            kids[lo, hi] = (shared, parts)
            stack.append((lo, hi, True))
            stack.extend((a, b, False) for a, b in parts)
        else:
            shared, parts = kids[lo, hi]
            split = (sum(best[p][0] for p in parts), [r for p in parts for r in best[p][1]])
            whole = (hi - lo) * shared if shared >= min_prefix else 0
            best[lo, hi] = (whole, [(lo, hi, shared)]) if whole > split[0] else split
    return best[0, len(bound) - 1][1] if bound else []


def pack(
    items: Sequence[int],
    query_len: Callable[[int], int],
    budget: Budget,
    cached: Callable[[int], int] = lambda _i: 0,
    scored: Callable[[int], int] = lambda _i: 1,
) -> list[list[int]]:
    """Split ``items`` into batches within ``budget`` that waste little on padding.

    Items are sorted longest first; cut points are chosen (dynamic programming over the sorted
    order) to minimise padded tokens plus a fixed cost per forward pass, so a batch is closed
    where lengths drop rather than where it happens to be full.

    Args:
        items: Item ids.
        query_len: Tokens an item feeds to the model.
        budget: Limits of one batch; an item alone in a batch may exceed them.
        cached: Cached tokens an item's row attends to (counted in the span budget).
        scored: Positions of an item whose logits are kept (counted in the logits budget).

    Returns:
        Batches of item ids, each sorted by decreasing query length.
    """
    order = sorted(items, key=lambda i: (-query_len(i), -cached(i)))
    q, c, k = ([f(i) for i in order] for f in (query_len, cached, scored))
    n, per_pass = len(order), budget.tokens // 32
    best = [0] * (n + 1)  # best[i]: cost of batching order[i:]
    cut = [n] * (n + 1)
    for i in range(n - 1, -1, -1):
        best[i] = -1
        width = past = kept = 0
        for j in range(i, n):  # candidate batch order[i : j + 1]
            width, past, kept = max(width, q[j]), max(past, c[j]), max(kept, k[j])
            rows = j - i + 1
            if rows > 1 and not _fits(budget, rows, width, past, kept):
                break
            cost = rows * width + per_pass + best[j + 1]
            if best[i] < 0 or cost <= best[i]:  # ties: the bigger batch
                best[i], cut[i] = cost, j + 1
    batches, i = [], 0
    while i < n:
        batches.append(order[i : cut[i]])
        i = cut[i]
    return batches


def _fits(budget: Budget, rows: int, width: int, past: int, kept: int) -> bool:
    return (
        rows <= budget.rows
        and rows * width <= budget.tokens
        and rows * (width + past) <= budget.span
        and rows * kept <= budget.logits
    )
