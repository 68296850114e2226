"""Read echoed prompt log-probabilities from a completions reply and find the continuation in them.

The legacy completions API, asked with ``echo`` and ``logprobs``, returns per prompt token its text,
its log-probability (None for the first token, which has no context) and ``text_offset``, where the
token starts. OpenAI's offsets are character positions in the prompt; vLLM's are cumulative lengths
of the token texts, so a BOS token (``<s>``, ``</s>``) that is not in the prompt shifts them all.
:func:`prompt_start` measures that shift from the token texts, so both read the same.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from invscale.scorer.records import LLResult

# A token's log-prob may sit this far below the best alternative and still count as the argmax:
# servers round the two numbers separately.
_GREEDY_TOLERANCE = 1e-5
# Token texts a server writes for bytes that are not whole characters: they cannot be checked.
_OPAQUE_MARKS = ("\ufffd", "bytes:")


class ResponseFormatError(ValueError):
    """The server's reply is valid JSON but not the shape of an echoed-logprobs completion."""


class BoundaryError(ValueError):
    """No token of the prompt starts where the continuation starts (or it cannot be scored)."""


@dataclass(frozen=True)
class EchoedPrompt:
    """One prompt's tokens as the server echoed them (plus a generated one when max_tokens=1).

    Attributes:
        tokens: Token texts.
        logprobs: Log-probability of each token given the ones before; None where not given.
        offsets: The server's ``text_offset`` of each token.
        best: Highest log-probability among the server's top alternatives at each position, None
            where the server gave none.
    """

    tokens: tuple[str, ...]
    logprobs: tuple[float | None, ...]
    offsets: tuple[int, ...]
    best: tuple[float | None, ...]


def parse_completion(data: object, n_prompts: int) -> list[EchoedPrompt]:
    """Turn a completions reply (decoded JSON) into one :class:`EchoedPrompt` per prompt.

    Raises:
        ResponseFormatError: the reply lacks choices, logprobs or their lists, or has the wrong
            number of choices (a server that ignores ``echo`` or ``logprobs`` ends here).
    """
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
        raise ResponseFormatError(f"the reply has no 'choices' list: {_clip(data)}")
    choices = data["choices"]
    if len(choices) != n_prompts:
        raise ResponseFormatError(f"sent {n_prompts} prompts but got {len(choices)} choices back")
    ordered = sorted(choices, key=lambda c: c.get("index", 0) if isinstance(c, dict) else 0)
    return [_echoed(choice) for choice in ordered]


def _echoed(choice: object) -> EchoedPrompt:
    logprobs = choice.get("logprobs") if isinstance(choice, dict) else None
    if not isinstance(logprobs, dict):
        raise ResponseFormatError(
            "a choice has no 'logprobs' object; the server must support echo with logprobs on "
            f"/v1/completions: {_clip(choice)}"
        )
    tokens, values, offsets = (logprobs.get(k) for k in ("tokens", "token_logprobs", "text_offset"))
    if not (isinstance(tokens, list) and isinstance(values, list) and isinstance(offsets, list)):
        raise ResponseFormatError(
            f"'logprobs' lacks the tokens, token_logprobs or text_offset list: {_clip(logprobs)}"
        )
    if not len(tokens) == len(values) == len(offsets):
        raise ResponseFormatError(
            f"'logprobs' lists differ in length ({len(tokens)}, {len(values)}, {len(offsets)})"
        )
    top = logprobs.get("top_logprobs")
    best = [_best(t) for t in top] if isinstance(top, list) and len(top) == len(tokens) else None
    return EchoedPrompt(
        tokens=tuple(str(t) for t in tokens),
        logprobs=tuple(None if v is None else float(v) for v in values),
        offsets=tuple(int(o) for o in offsets),
        best=tuple(best) if best is not None else (None,) * len(tokens),
    )


def _best(alternatives: object) -> float | None:
    if not isinstance(alternatives, dict) or not alternatives:
        return None
    return max(float(v) for v in alternatives.values())


def prompt_start(echo: EchoedPrompt, prompt: str) -> tuple[int, int]:
    """The index of the token that starts the prompt's text, and the server's offset of it.

    That offset is 0 unless a BOS token the prompt does not contain shifts every offset. The token
    is found by joining the token texts; when they do not spell the prompt (bytes shown as
    placeholders), a first token that is not the prompt's start is taken for a BOS.
    """
    if not echo.tokens:
        return 0, 0
    start = "".join(echo.tokens).find(prompt)
    if start < 0:
        first = echo.tokens[0]
        skip = 0 if prompt.startswith(first) or _opaque(first) else 1
        skip = min(skip, len(echo.tokens) - 1)
        return skip, echo.offsets[skip]
    length = 0
    for index, (token, offset) in enumerate(zip(echo.tokens, echo.offsets, strict=True)):
        if length >= start:
            return index, offset
        length += len(token)
    return len(echo.tokens), echo.offsets[-1] + len(echo.tokens[-1])


def continuation_result(echo: EchoedPrompt, prompt: str, start: int) -> LLResult:
    """Sum the log-probabilities of the tokens from character ``start`` to the prompt's end.

    Args:
        echo: The echoed prompt.
        prompt: The prompt sent (context + continuation).
        start: Where the continuation starts in ``prompt``.

    Raises:
        BoundaryError: no token starts at ``start`` (the tokenizer merges the context's end with
            the continuation's start), the tokens from there do not spell the continuation, or
            one of them has no log-probability (an empty context without a BOS token).
    """
    begin, shift = prompt_start(echo, prompt)
    end = len(prompt) + shift
    # Tokens at or past the prompt's end were generated (max_tokens=1), not echoed.
    n_prompt = sum(1 for o in echo.offsets if o < end)
    first = next((i for i in range(begin, n_prompt) if echo.offsets[i] == start + shift), None)
    if first is None:
        near = [t for t, o in zip(echo.tokens, echo.offsets, strict=True) if o <= start + shift]
        raise BoundaryError(
            f"no token starts where the continuation does (character {start}); the server's "
            f"tokenizer merges it with the context's end (token there: {near[-1:]!r}). Start "
            "every class with a space, or end the context at a word boundary"
        )
    scored = range(first, n_prompt)
    spelled = "".join(echo.tokens[i] for i in scored)
    if spelled != prompt[start:] and not _opaque(spelled):
        raise BoundaryError(
            f"the tokens from character {start} spell {spelled!r}, not the continuation "
            f"{prompt[start:]!r}; the server's text_offset values do not match its tokens"
        )
    values = [echo.logprobs[i] for i in scored]
    if any(v is None or not math.isfinite(v) for v in values):
        raise BoundaryError(
            "the server gave no log-probability for a continuation token; the first token of a "
            "prompt has none when the model has no BOS token, so give the request a context"
        )
    total = math.fsum(v for v in values if v is not None)
    return LLResult(logprob=total, n_tokens=len(values), is_greedy=_greedy(echo, scored))


def _greedy(echo: EchoedPrompt, scored: Sequence[int]) -> bool:
    # A position without top alternatives cannot be shown greedy, so it counts as not.
    for i in scored:
        best, value = echo.best[i], echo.logprobs[i]
        if best is None or value is None or value < best - _GREEDY_TOLERANCE:
            return False
    return True


def _opaque(text: str) -> bool:
    return any(mark in text for mark in _OPAQUE_MARKS)


def _clip(value: object, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
