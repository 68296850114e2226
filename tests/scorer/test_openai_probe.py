"""The load-time probe of endpoint rungs: servers whose prompt log-probabilities are wrong or
missing are refused with an error naming what they do; right ones pass and score."""

from __future__ import annotations

import pytest

from invscale.scorer.backends._openai_parse import EchoedPrompt, parse_prompt_logprobs
from invscale.scorer.backends._openai_probe import (
    EndpointCheckError,
    NextToken,
    ProbeCase,
    check_cases,
)
from invscale.scorer.backends.openai_api import EndpointError
from invscale.scorer.records import LLRequest, LLResult
from tests.scorer.test_openai_backend import REQUESTS, _lm


@pytest.mark.parametrize(
    ("vllm_style", "field"), [(False, "echo"), (True, "echo"), (True, "prompt_logprobs")]
)
@pytest.mark.parametrize(
    ("mode", "needle"),
    [
        ("shifted", "log-probabilities are shifted by one position"),
        ("none", "returns no log-probabilities for prompt tokens"),
    ],
)
def test_a_server_with_wrong_or_missing_prompt_logprobs_is_refused(
    server, vllm_style, field, mode, needle
):
    server.state.vllm_style, server.state.echo_mode = vllm_style, mode
    if field == "prompt_logprobs":  # vLLM's own field is computed apart from echo: always right
        lm = _lm(server.base_url, logprobs_field=field)
        assert len(lm.loglikelihood(REQUESTS[:2])) == 2
        return
    with pytest.raises(EndpointError, match="model 'tiny-ep' at http://127.0.0.1:") as caught:
        _lm(server.base_url, logprobs_field=field).loglikelihood(REQUESTS[:2])
    assert "refused: " in str(caught.value) and needle in str(caught.value)
    if mode == "shifted":
        assert "abetlen/llama-cpp-python#1983" in str(caught.value)


def test_the_probe_runs_once_and_only_when_something_must_be_scored(server):
    lm = _lm(server.base_url)
    assert lm.loglikelihood([LLRequest("x", "")]) == [LLResult(0.0, 0, True)]
    assert server.state.seen == 0  # nothing to score: no request at all
    lm.loglikelihood(REQUESTS[:2])
    after_first = server.state.seen
    lm.loglikelihood(REQUESTS[2:4])
    assert server.state.seen == after_first + 1  # one batch of 2, no second probe


@pytest.mark.parametrize(
    ("scored", "best", "needle"),
    [
        (-0.5, [-0.5, -0.5], None),  # right: the token's number at its own position
        (-0.52, [-0.5, -0.5], None),  # within the tolerance of separate passes
        (-6.0, [-0.5, -0.2], "shifted by one position"),  # its number one position early
        (-6.0, [-3.0, -0.2], "disagree with its own generation"),
    ],
)
def test_check_cases_tells_right_shifted_and_wrong_apart(scored, best, needle):
    # "Hi there" then the generated " you" at -0.5; best: alternatives at " there" and " you".
    echo = EchoedPrompt(("Hi", " there", " you"), (None, -1.0, scored), (0, 2, 8), (None, *best))
    case = ProbeCase("Hi there", NextToken(" you", -0.5), echo)
    if needle is None:
        check_cases([case], "echo")
    else:
        with pytest.raises(EndpointCheckError, match=needle):
            check_cases([case], "echo")


def _entry(token_id: int, logprob: float, rank: int, text: str) -> dict:
    return {str(token_id): {"logprob": logprob, "rank": rank, "decoded_token": text}}


def test_vllm_prompt_logprobs_are_read_with_and_without_token_ids():
    prompt = "Is it? Yes"
    entries = [
        None,
        _entry(7, -1.0, 1, " it"),
        _entry(8, -2.0, 3, "?") | _entry(9, -0.1, 1, "!"),  # the prompt's token is ranked 3rd
        _entry(10, -0.5, 1, " Yes"),
    ]
    with_ids = {"index": 0, "prompt_logprobs": entries, "prompt_token_ids": [5, 7, 8, 10]}
    without = {"index": 1, "prompt_logprobs": entries}
    for echo in parse_prompt_logprobs({"choices": [with_ids, without]}, [prompt, prompt]):
        assert echo.tokens == ("Is", " it", "?", " Yes") and echo.offsets == (0, 2, 5, 6)
        assert echo.logprobs == (None, -1.0, -2.0, -0.5)
        assert echo.best == (None, -1.0, -0.1, -0.5)


def test_vllm_prompt_logprobs_after_a_bos_start_at_the_prompt():
    entries = [None, _entry(3, -3.0, 2, "Is"), _entry(7, -1.0, 1, " it")]
    (echo,) = parse_prompt_logprobs({"choices": [{"prompt_logprobs": entries}]}, ["Is it"])
    assert echo.tokens == ("Is", " it") and echo.logprobs == (-3.0, -1.0)
