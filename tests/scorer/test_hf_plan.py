"""The hf backend's planning and token split (pure Python, no model)."""

from __future__ import annotations

import random

import pytest

from invscale.scorer.backends._hf_encode import (
    EncodedPair,
    EncodeError,
    _truncate,
    move_trailing_whitespace,
    split_tokens,
)
from invscale.scorer.backends._hf_plan import Budget, collect_work, group_by_prefix, pack


@pytest.mark.parametrize(
    ("context", "continuation", "expected"),
    [
        ("Answer:", " Yes", ("Answer:", " Yes")),
        ("Answer: ", "Yes", ("Answer:", " Yes")),
        ("Answer:\n \t", "Yes", ("Answer:", "\n \tYes")),
        ("   ", "x", ("", "   x")),
        ("", "", ("", "")),
    ],
)
def test_trailing_whitespace_moves_to_continuation(context, continuation, expected):
    assert move_trailing_whitespace(context, continuation) == expected


@pytest.mark.parametrize(
    ("context", "whole", "bos", "expected"),
    [
        ((5, 6), (5, 6, 7, 8), None, ((5, 6), (7, 8))),  # stable split
        ((5, 6), (5, 9, 8), None, ((5,), (9, 8))),  # boundary merge: split at common prefix
        ((0,), (0, 7), 0, ((0,), (7,))),  # BOS-adding tokenizer, empty context
        ((), (7, 8), 0, ((0,), (7, 8))),  # empty context, BOS id used as start
        ((5,), (9, 8), 0, ((0,), (9, 8))),  # nothing in common: start from BOS
        ((5, 6), (5, 6), None, ((5, 6), ())),  # empty continuation
    ],
)
def test_split_keeps_the_whole_sequence(context, whole, bos, expected):
    pair = split_tokens(context, whole, bos)
    assert (pair.context, pair.continuation) == expected


def test_empty_context_without_bos_is_a_clear_error():
    with pytest.raises(EncodeError, match="request 3: the context is empty"):
        split_tokens((), (7, 8), None, index=3)


@pytest.mark.parametrize(
    ("pair", "max_length", "expected_context"),
    [
        (EncodedPair((1, 2, 3), (4, 5)), 10, (1, 2, 3)),
        (EncodedPair((1, 2, 3), (4, 5)), 4, (1, 2, 3)),  # reads 4 tokens: fits
        (EncodedPair((1, 2, 3), (4, 5)), 3, (2, 3)),
        (EncodedPair((1, 2, 3), (4, 5)), None, (1, 2, 3)),
    ],
)
def test_long_inputs_lose_context_on_the_left(pair, max_length, expected_context):
    assert _truncate(pair, max_length, 0).context == expected_context


def test_continuation_longer_than_window_is_a_clear_error():
    with pytest.raises(EncodeError, match="request 2: the continuation has 5 tokens"):
        _truncate(EncodedPair((1,), (1, 2, 3, 4, 5)), 3, 2)


def test_work_is_deduplicated():
    pairs = [
        EncodedPair((1, 2), (3,)),
        EncodedPair((1, 2), (4, 5)),
        EncodedPair((1, 2), (3,)),
        EncodedPair((9,), (3,)),
        EncodedPair((9,), ()),
    ]
    work = collect_work(pairs)
    assert [job.tokens for job in work.contexts] == [(1, 2), (9,)]
    assert work.contexts[0].continuations == ((3,), (4, 5))
    assert [None if s is None else (s.ctx, s.cont) for s in work.slots] == [
        (0, 0),
        (0, 1),
        (0, 0),
        (1, 0),
        None,
    ]


PRE = tuple(range(100, 130))  # a 30-token preamble


@pytest.mark.parametrize(
    ("contexts", "min_prefix", "expected"),
    [
        # few-shot: one group on the preamble (+ the shared first question token)
        ([PRE + (1, 2), PRE + (1, 3, 4), PRE + (5,)], 16, [(30, [0, 1, 2])]),
        # a context that is the preamble itself: the prefix stops one token short of it
        ([PRE, PRE + (1, 2)], 16, [(29, [0, 1])]),
        # below the threshold: everything in the loose group
        ([PRE[:5] + (1,), PRE[:5] + (2,)], 16, [(0, [0, 1])]),
        # two preambles and a loner
        (
            [PRE + (1,), (7,) + PRE + (1,), PRE + (2,), (7,) + PRE + (2,), (3, 3)],
            16,
            [(30, [0, 2]), (31, [1, 3]), (0, [4])],
        ),
        # a context sharing less does not shrink a long run, before or after it in sort order
        ([PRE + (1,), PRE + (2,), PRE + (3,), PRE[:20] + (9,)], 16, [(30, [0, 1, 2]), (0, [3])]),
        ([PRE + (1,), PRE + (2,), PRE + (3,), PRE[:20] + (200,)], 16, [(30, [0, 1, 2]), (0, [3])]),
    ],
)
def test_shared_prefixes_are_grouped(contexts, min_prefix, expected):
    groups = group_by_prefix(contexts, min_prefix)
    got = sorted((len(g.prefix), sorted(g.contexts)) for g in groups)
    assert got == sorted(expected)
    for g in groups:
        assert all(contexts[c][: len(g.prefix)] == g.prefix for c in g.contexts)
        assert all(len(contexts[c]) > len(g.prefix) for c in g.contexts)


def test_packing_respects_every_budget():
    rng = random.Random(0)
    lengths = [rng.randint(1, 40) for _ in range(200)]
    cached = [rng.randint(0, 100) for _ in range(200)]
    budget = Budget(tokens=128, rows=6, span=900, logits=60)
    batches = pack(range(200), lengths.__getitem__, budget, cached.__getitem__, lengths.__getitem__)
    assert sorted(i for b in batches for i in b) == list(range(200))
    for b in batches:
        width, past = max(lengths[i] for i in b), max(cached[i] for i in b)
        assert len(b) <= budget.rows
        assert len(b) * width <= budget.tokens or len(b) == 1
        assert len(b) * (width + past) <= budget.span or len(b) == 1
        assert len(b) * width <= budget.logits or len(b) == 1


def test_packing_puts_similar_lengths_together():
    lengths = [1, 30, 2, 29, 3, 28]
    # All six fit one batch (6 x 30 = 180 tokens), but two batches pad far less.
    batches = pack(range(6), lengths.__getitem__, Budget(180, 6, 10**6, 10**6))
    assert batches == [[1, 3, 5], [4, 2, 0]]


def test_packing_fills_batches_of_equal_lengths():
    batches = pack(range(10), lambda _i: 8, Budget(32, 64, 10**6, 10**6))
    assert [len(b) for b in batches] == [4, 4, 2]


def test_nested_prefixes_pick_the_larger_saving():
    instruction = tuple(range(200, 220))  # 20 tokens shared by all
    passages = [tuple(range(300 + 100 * p, 360 + 100 * p)) for p in range(3)]  # 60 tokens each
    contexts = [instruction + passages[p] + (q,) for p in range(3) for q in range(4)]
    groups = group_by_prefix(contexts, 16)
    assert sorted(len(g.prefix) for g in groups) == [80, 80, 80]  # 3 x 3 x 80 beats 11 x 20


def test_deeply_nested_prefixes_do_not_recurse():
    contexts = [tuple(range(n)) for n in range(2, 1500)]  # each a prefix of the next
    groups = group_by_prefix(contexts, 16)
    assert sorted(c for g in groups for c in g.contexts) == list(range(len(contexts)))


def test_no_contexts_no_groups():
    assert group_by_prefix([], 16) == []
