"""Scoring strategies over encoded pairs: the fast cached path, the plain batched path, the naive
one-at-a-time reference. All return one :class:`TokenScore` (or None: empty continuation) per pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from invscale.scorer.backends._hf_encode import EncodedPair, Tokens
from invscale.scorer.backends._hf_plan import (
    Budget,
    PrefixGroup,
    Slot,
    Work,
    collect_work,
    group_by_prefix,
    pack,
)
from invscale.scorer.backends._hf_run import (
    ContextBatch,
    Engine,
    TokenScore,
    first_token_scores,
    run_contexts,
    run_continuations,
    run_full,
    run_naive,
    run_prefix,
)

# Key: (context id, continuation id) of a Work.
Key = tuple[int, int]


@dataclass(frozen=True)
class FastOptions:
    """Knobs of the fast path.

    Attributes:
        budget: Limits of one forward pass.
        reuse_prefix: Compute prefixes shared by many contexts once.
        min_prefix: Shortest shared prefix worth computing separately.
    """

    budget: Budget
    reuse_prefix: bool
    min_prefix: int


def score_naive(engine: Engine, pairs: Sequence[EncodedPair]) -> list[TokenScore | None]:
    """Score each pair alone with a full forward pass (the reference the tests trust)."""
    return [run_naive(engine, p) if p.continuation else None for p in pairs]


def score_plain(
    engine: Engine, pairs: Sequence[EncodedPair], budget: Budget
) -> list[TokenScore | None]:
    """Score distinct pairs in right-padded batches of whole sequences (no cache tricks)."""
    work = collect_work(pairs)
    keys = [(c, k) for c, job in enumerate(work.contexts) for k in range(len(job.continuations))]
    found = _run_plain(engine, work, keys, budget)
    return [None if s is None else found[(s.ctx, s.cont)] for s in work.slots]


def _run_plain(
    engine: Engine, work: Work, keys: list[Key], budget: Budget
) -> dict[Key, TokenScore]:
    def pair(i: int) -> EncodedPair:
        c, k = keys[i]
        return EncodedPair(work.contexts[c].tokens, work.contexts[c].continuations[k])

    found: dict[Key, TokenScore] = {}
    batches = pack(
        range(len(keys)),
        lambda i: len(pair(i).context) + len(pair(i).continuation) - 1,
        budget,
        scored=lambda i: len(pair(i).continuation),
    )
    for batch in batches:
        for i, score in zip(batch, run_full(engine, [pair(i) for i in batch]), strict=True):
            found[keys[i]] = score
    return found


def score_fast(
    engine: Engine, pairs: Sequence[EncodedPair], options: FastOptions
) -> list[TokenScore | None]:
    """Score with each distinct prefix and context computed once (see ``_hf_plan``)."""
    work = collect_work(pairs)
    contexts = [job.tokens for job in work.contexts]
    if options.reuse_prefix:
        groups = group_by_prefix(contexts, options.min_prefix)
    else:
        groups = [PrefixGroup((), tuple(range(len(contexts))))]
    first: dict[Key, TokenScore] = {}
    rest: dict[Key, TokenScore] = {}
    overflow: list[int] = []
    for group in groups:
        overflow += _score_group(engine, work, group, options.budget, first, rest)
    keys = [(c, k) for c in overflow for k in range(len(work.contexts[c].continuations))]
    plain = _run_plain(engine, work, keys, options.budget)
    return [_combine(s, first, rest, plain) for s in work.slots]


def _combine(
    slot: Slot | None,
    first: dict[Key, TokenScore],
    rest: dict[Key, TokenScore],
    plain: dict[Key, TokenScore],
) -> TokenScore | None:
    if slot is None:
        return None
    key = (slot.ctx, slot.cont)
    if key in plain:
        return plain[key]
    head, tail = first[key], rest.get(key, TokenScore(0.0, True))
    return TokenScore(head.logprob + tail.logprob, head.greedy and tail.greedy)


def _score_group(
    engine: Engine,
    work: Work,
    group: PrefixGroup,
    budget: Budget,
    first: dict[Key, TokenScore],
    rest: dict[Key, TokenScore],
) -> list[int]:
    """Score one prefix group; return contexts too long for the window (for the plain path)."""
    plen = len(group.prefix)

    def reach(c: int) -> int:
        # Highest index span a context's row needs: context, then all but the last token.
        return (
            len(work.contexts[c].tokens) + max(len(k) for k in work.contexts[c].continuations) - 1
        )

    limit = engine.window_limit
    fits = [c for c in group.contexts if limit is None or reach(c) <= limit]
    kept = set(fits)
    overflow = [c for c in group.contexts if c not in kept]
    if not fits:
        return overflow
    cache = run_prefix(engine, group.prefix, budget.tokens) if plen else None
    batches = pack(fits, lambda c: len(work.contexts[c].tokens) - plen, budget, lambda _c: plen)
    for batch in batches:
        width = max(len(work.contexts[c].tokens) for c in batch)
        if (
            limit is not None
            and width + max(reach(c) - len(work.contexts[c].tokens) for c in batch) > limit
        ):
            overflow += batch  # padding would push a row past the window
            continue
        _score_batch(engine, work, batch, cache, plen, budget, first, rest)
    return overflow


def _score_batch(
    engine: Engine,
    work: Work,
    batch: list[int],
    prefix_cache: Any,
    plen: int,
    budget: Budget,
    first: dict[Key, TokenScore],
    rest: dict[Key, TokenScore],
) -> None:
    jobs = [work.contexts[c] for c in batch]
    keys = [
        (c, k) for c, job in zip(batch, jobs, strict=True) for k in range(len(job.continuations))
    ]
    rows = [r for r, job in enumerate(jobs) for _ in job.continuations]
    conts = [k for job in jobs for k in job.continuations]
    multi = [i for i, k in enumerate(conts) if len(k) > 1]
    rests = [job.tokens[plen:] for job in jobs]
    computed = run_contexts(engine, prefix_cache, plen, rests, keep_cache=bool(multi))
    heads = first_token_scores(computed, rows, [k[0] for k in conts])
    first.update(zip(keys, heads, strict=True))
    if multi:
        _score_tails(engine, computed, multi, keys, rows, conts, budget, rest)


def _score_tails(
    engine: Engine,
    computed: ContextBatch,
    multi: list[int],
    keys: list[Key],
    rows: list[int],
    conts: list[Tokens],
    budget: Budget,
    rest: dict[Key, TokenScore],
) -> None:
    slots = [k for _, k in keys]
    width = int(computed.mask.shape[1])
    steps = [len(k) - 1 for k in conts]
    # The j-th continuation of consecutive rows reads consecutive cache rows: a view, no copy.
    by_slot: dict[int, list[int]] = {}
    for i in multi:
        by_slot.setdefault(slots[i], []).append(i)
    chunks = [
        sorted(chunk, key=rows.__getitem__)
        for items in by_slot.values()
        for chunk in pack(items, steps.__getitem__, budget, lambda _i: width, steps.__getitem__)
    ]
    for chunk in chunks:
        scores = run_continuations(
            engine, computed, [rows[i] for i in chunk], [conts[i] for i in chunk]
        )
        rest.update(zip([keys[i] for i in chunk], scores, strict=True))
