"""Load-time check that an endpoint's prompt log-probabilities are the ones its model computes.

Some servers answer ``echo`` + ``logprobs`` with wrong numbers and no error: llama-cpp-python's
echoes each prompt token with the log-probability of the position after it (shifted by one,
abetlen/llama-cpp-python#1983), llama.cpp's own server returns none for the prompt. Scores from
such a server would be silently wrong, so every endpoint rung is checked before it scores.

For a few prompts P, the server is asked for one greedy token t after P (a plain completion: the
number every server gets right, since sampling depends on it), then for the log-probabilities of
the prompt P + t in the way scoring asks for them. The server's log-probability of t in the second
must equal its log-probability of t in the first. A shift is recognised and named: the
alternatives the server lists one position before t then hold t's number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from invscale.scorer.backends._openai_parse import (
    OPAQUE_MARKS,
    BoundaryError,
    EchoedPrompt,
    ResponseFormatError,
    continuation_result,
    prompt_start,
)

# Prompts whose greedy next token is a whole word after a space on any sensible tokenizer.
PROBE_PROMPTS = (
    "The capital of France is",
    "One, two, three, four,",
    "Monday, Tuesday, Wednesday,",
    "Question: Is the sky blue? Answer:",
    "She opened the door and",
)
# Echo and generation are separate passes (batch shapes, kernels, quantised caches differ).
ABS_TOLERANCE = 0.1
REL_TOLERANCE = 0.05
LLAMA_CPP_PYTHON_BUG = "abetlen/llama-cpp-python#1983"


class EndpointCheckError(ValueError):
    """The server's prompt log-probabilities are missing or not the model's."""


@dataclass(frozen=True)
class NextToken:
    """The greedy token after a prompt and its log-probability, as a plain completion gives it."""

    text: str
    logprob: float


@dataclass(frozen=True)
class ProbeCase:
    """One probe: the prompt, the server's next token, and the server's log-probabilities of
    the prompt followed by that token (as scoring reads them)."""

    prompt: str
    next_token: NextToken
    scored: EchoedPrompt


def next_token(data: object) -> NextToken:
    """The generated token of a 1-token completion reply, with its log-probability.

    Raises:
        EndpointCheckError: the reply has no log-probability for the generated token.
    """
    try:
        logprobs = data["choices"][0]["logprobs"]  # type: ignore[index]
        text, value = logprobs["tokens"][-1], logprobs["token_logprobs"][-1]
        return NextToken(str(text), float(value))
    except (KeyError, IndexError, TypeError, ValueError):
        raise EndpointCheckError(
            "the server gives no log-probability for a generated token (asked with logprobs "
            f"and max_tokens 1); its reply: {str(data)[:200]}"
        ) from None


def check_cases(cases: Sequence[ProbeCase], mode: str) -> None:
    """Raise unless every usable case's scored log-probability equals the generated one.

    Args:
        cases: Probe results.
        mode: How the server was asked (``echo`` or ``prompt_logprobs``), for the message.

    Raises:
        EndpointCheckError: naming what the server does wrong.
    """
    usable = 0
    for case in cases:
        got = _scored_logprob(case, mode)
        if got is None:
            continue  # the token merged with the prompt's end: no evidence either way
        usable += 1
        want = case.next_token.logprob
        if abs(got - want) <= ABS_TOLERANCE + REL_TOLERANCE * abs(want):
            continue
        if _shifted(case, want):
            raise EndpointCheckError(
                f"the server's {mode} log-probabilities are shifted by one position: after "
                f"{case.prompt!r} it generates {case.next_token.text!r} at {want:.3f}, but "
                f"scores that token at {got:.3f}, and lists {want:.3f} one token early (the "
                f"known bug {LLAMA_CPP_PYTHON_BUG} of llama-cpp-python's server). Its numbers "
                "would be wrong: serve the model with a server whose echo is right (vLLM, or "
                "invscale's own hf backend on the same weights)"
            )
        raise EndpointCheckError(
            f"the server's {mode} log-probabilities disagree with its own generation: after "
            f"{case.prompt!r} it generates {case.next_token.text!r} at {want:.3f} but scores it "
            f"at {got:.3f}; its scores cannot be trusted"
        )
    if not usable:
        raise EndpointCheckError(
            "no probe prompt could be checked (each generated token merged with the prompt's "
            "end); the server's log-probabilities are unverified"
        )


def _scored_logprob(case: ProbeCase, mode: str) -> float | None:
    prompt = case.prompt + case.next_token.text
    if not case.next_token.text or any(m in case.next_token.text for m in OPAQUE_MARKS):
        return None  # part of a character: its text cannot be sent back
    try:
        result = continuation_result(case.scored, prompt, len(case.prompt))
    except BoundaryError as err:
        if "no log-probability" in str(err):
            raise EndpointCheckError(
                f"the server returns no log-probabilities for prompt tokens ({mode}); it cannot "
                "score requests (llama.cpp's own server, for one, gives them only for generated "
                "tokens)"
            ) from None
        if "no token starts" in str(err) or "spell" in str(err):
            if not any(v is not None for v in case.scored.logprobs):
                raise EndpointCheckError(
                    f"the server ignores echo: its reply holds no prompt tokens ({mode})"
                ) from None
            return None
        raise
    return result.logprob if result.n_tokens == 1 else None


def _shifted(case: ProbeCase, want: float) -> bool:
    """Whether the position before the token lists the token's own number among its best."""
    prompt = case.prompt + case.next_token.text
    scored = case.scored
    end = len(prompt) + prompt_start(scored, prompt)[1]
    at = [i for i, o in enumerate(scored.offsets) if o < end]
    if len(at) < 2:
        return False
    # t is the greedy token: a right echo lists its number at t's own position, a shifted one
    # at the position before.
    before, own = scored.best[at[-1] - 1], scored.best[at[-1]]
    early = before is not None and math.isclose(before, want, abs_tol=ABS_TOLERANCE)
    return early and not (own is not None and math.isclose(own, want, abs_tol=ABS_TOLERANCE))


def run_probe(
    complete_next: Callable[[str], object],
    score_prompt: Callable[[str], EchoedPrompt],
    mode: str,
) -> None:
    """Probe a server through two calls (see the module docstring).

    Args:
        complete_next: Asks the server for one greedy token after a prompt; returns the reply.
        score_prompt: Asks for a prompt's log-probabilities the way scoring does.
        mode: ``echo`` or ``prompt_logprobs``, for messages.

    Raises:
        EndpointCheckError: the server's numbers are missing or wrong.
        ResponseFormatError: a reply is not a completion at all.
    """
    cases = []
    for prompt in PROBE_PROMPTS:
        token = next_token(complete_next(prompt))
        try:
            scored = score_prompt(prompt + token.text)
        except ResponseFormatError as err:
            raise EndpointCheckError(
                f"the server returns no prompt log-probabilities ({mode}): {err}"
            ) from None
        cases.append(ProbeCase(prompt, token, scored))
    check_cases(cases, mode)
