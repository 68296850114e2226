from __future__ import annotations

import json
import random

import pytest

from invscale.scorer.backends._openai_parse import (
    BoundaryError,
    EchoedPrompt,
    ResponseFormatError,
    continuation_result,
    parse_completion,
    prompt_start,
)
from invscale.scorer.backends._openai_retry import RetriesExhaustedError, RetryPolicy, with_retries


def _echo(tokens, logprobs, offsets=None, best=None) -> EchoedPrompt:
    if offsets is None:
        offsets, at = [], 0
        for t in tokens:
            offsets.append(at)
            at += len(t)
    return EchoedPrompt(
        tuple(tokens), tuple(logprobs), tuple(offsets), tuple(best or [None] * len(tokens))
    )


PROMPT = "Is it? Yes"
# The same prompt as three kinds of server echo it.
OPENAI = _echo(["Is", " it", "?", " Yes"], [None, -1.0, -2.0, -0.5])
VLLM_BOS = _echo(["</s>", "Is", " it", "?", " Yes"], [None, -3.0, -1.0, -2.0, -0.5])
TRUE_OFFSETS_BOS = _echo(
    ["<s>", "Is", " it", "?", " Yes"], [None, -3, -1, -2, -0.5], [0, 0, 2, 5, 6]
)


@pytest.mark.parametrize(
    ("echo", "start"), [(OPENAI, (0, 0)), (VLLM_BOS, (1, 4)), (TRUE_OFFSETS_BOS, (1, 0))]
)
def test_prompt_start_finds_the_first_prompt_token_and_its_offset(echo, start):
    assert prompt_start(echo, PROMPT) == start


@pytest.mark.parametrize("echo", [OPENAI, VLLM_BOS, TRUE_OFFSETS_BOS])
@pytest.mark.parametrize(("start", "logprob", "n_tokens"), [(6, -0.5, 1), (2, -3.5, 3)])
def test_continuation_sums_tokens_from_its_start_to_the_prompt_end(echo, start, logprob, n_tokens):
    got = continuation_result(echo, PROMPT, start)
    assert (got.logprob, got.n_tokens, got.is_greedy) == (logprob, n_tokens, False)


@pytest.mark.parametrize("echo", [VLLM_BOS, TRUE_OFFSETS_BOS])
def test_an_empty_context_is_scored_from_the_bos(echo):
    assert continuation_result(echo, PROMPT, 0).logprob == -6.5


def test_a_generated_token_past_the_prompt_is_ignored():
    echo = _echo(["Is", " it", "?", " Yes", " and"], [None, -1.0, -2.0, -0.5, -0.1])
    assert continuation_result(echo, PROMPT, 6).logprob == -0.5


@pytest.mark.parametrize(
    ("echo", "start", "needle"),
    [
        (OPENAI, 7, "no token starts where the continuation does"),
        (OPENAI, 0, "no log-probability"),  # first token of a prompt without BOS
        (_echo(["Is", " it", "?", " No"], [None, -1, -2, -1]), 6, "spell ' No', not"),
        (_echo(["Is", " it", "?", " Yes"], [None, -1, -2, float("nan")]), 6, "no log-probability"),
    ],
)
def test_unscorable_continuations_raise_boundary_errors(echo, start, needle):
    with pytest.raises(BoundaryError, match=needle):
        continuation_result(echo, PROMPT, start)


def test_bytes_the_server_cannot_show_are_trusted_to_its_offsets():
    echo = _echo(
        ["Is", " it", "?", " \ufffd", "\ufffd"], [None, -1, -2, -0.25, -0.5], [0, 2, 5, 6, 7]
    )
    assert continuation_result(echo, "Is it? é", 6).logprob == -0.75


@pytest.mark.parametrize(
    ("best", "greedy"),
    [([None, -1.0, -2.0, -0.5], True), ([None, -1.0, -2.0, -0.4], False), (None, False)],
)
def test_greedy_needs_every_scored_token_to_be_the_best_alternative(best, greedy):
    echo = _echo(["Is", " it", "?", " Yes"], [None, -1.0, -2.0, -0.5], best=best)
    assert continuation_result(echo, PROMPT, 2).is_greedy is greedy


def _choice(index: int) -> dict:
    return {
        "index": index,
        "logprobs": {
            "tokens": ["a", str(index)],
            "token_logprobs": [None, -float(index)],
            "text_offset": [0, 1],
            "top_logprobs": [None, {"x": -0.1, "y": -2.0}],
        },
    }


def test_choices_come_back_in_prompt_order_with_best_alternatives():
    echoes = parse_completion({"choices": [_choice(1), _choice(0)]}, 2)
    assert [e.tokens for e in echoes] == [("a", "0"), ("a", "1")]
    assert echoes[0].best == (None, -0.1)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"error": "nope"}, "no 'choices' list"),
        ({"choices": [_choice(0)]}, "sent 2 prompts but got 1 choices"),
        ({"choices": [{"index": 0, "text": "hi"}, _choice(1)]}, "no 'logprobs' object"),
        ({"choices": [{"index": 0, "logprobs": {"tokens": []}}, _choice(1)]}, "lacks the tokens"),
    ],
)
def test_replies_of_the_wrong_shape_are_named(data, needle):
    with pytest.raises(ResponseFormatError, match=needle):
        parse_completion(data, 2)


def _policy(sleeps: list[float], retries: int = 3) -> RetryPolicy:
    return RetryPolicy(
        retries, backoff_s=1.0, max_backoff_s=3.0, sleep=sleeps.append, rng=random.Random(0)
    )


def test_backoff_doubles_with_jitter_up_to_the_cap():
    policy = _policy([])
    for retry, base in enumerate([1.0, 2.0, 3.0, 3.0]):
        assert base / 2 <= policy.delay(retry) <= base
    assert policy.delay(0, retry_after=10.0) == 10.0  # the server's Retry-After wins


def test_retryable_failures_are_retried_then_reported_together():
    sleeps: list[float] = []

    def cut_short() -> None:
        json.loads('{"choices": [')

    with pytest.raises(RetriesExhaustedError, match=r"after 3 attempts: reply cut short .*, reply"):
        with_retries(cut_short, _policy(sleeps, retries=2), "a call")
    assert len(sleeps) == 2


def test_other_failures_are_not_retried():
    sleeps: list[float] = []
    calls: list[int] = []

    def bad() -> None:
        calls.append(1)
        raise KeyError("x")

    with pytest.raises(KeyError):
        with_retries(bad, _policy(sleeps), "a call")
    assert calls == [1] and sleeps == []
