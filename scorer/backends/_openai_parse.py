"""Read echoed prompt log-probabilities from a completions reply and find the continuation in them.

The legacy completions API, asked with ``echo`` and ``logprobs``, returns per prompt token its text,
its log-probability (None for the first token, which has no context) and ``text_offset``, where the
token starts. OpenAI's offsets are character positions in the prompt; vLLM's are cumulative lengths
of the token texts, so a BOS token (``<s>``, ``</s>``) that is not in the prompt shifts them all.
:func:`prompt_start` measures that shift from the token texts, so both read the same.

vLLM also answers its own request field ``prompt_logprobs`` with a ``prompt_logprobs`` list per
choice: per prompt position None (the first) or a map from token id to ``logprob``, ``rank`` and
``decoded_token``, holding the prompt's token and the best alternatives; ``prompt_token_ids``
says which entry is the prompt's. :func:`parse_prompt_logprobs` reads that into the same
:class:`EchoedPrompt`, offsets being the cumulative lengths of the token texts, as vLLM counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from invscale.scorer.records import LLResult

# A token's log-prob may sit this far below the best alternative and still count as the argmax:
# servers round the two numbers separately.
_GREEDY_TOLERANCE = 1e-5
# Token texts a server writes for bytes that are not whole characters: they cannot be checked.
OPAQUE_MARKS = ("\ufffd", "bytes:")


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


def parse_prompt_logprobs(data: object, prompts: Sequence[str]) -> list[EchoedPrompt]:
    """Read vLLM's ``prompt_logprobs`` reply field, one :class:`EchoedPrompt` per prompt.

    The first position has no entry, so its text is unknown: the texts of the others, which end
    the prompt, say what it was (nothing for a BOS token, which is then left out).

    Raises:
        ResponseFormatError: the reply lacks choices or their ``prompt_logprobs`` list.
    """
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
        raise ResponseFormatError(f"the reply has no 'choices' list: {_clip(data)}")
    choices = data["choices"]
    if len(choices) != len(prompts):
        raise ResponseFormatError(
            f"sent {len(prompts)} prompts but got {len(choices)} choices back"
        )
    ordered = sorted(choices, key=lambda c: c.get("index", 0) if isinstance(c, dict) else 0)
    return [_from_prompt_logprobs(c, p) for c, p in zip(ordered, prompts, strict=True)]


def _from_prompt_logprobs(choice: object, prompt: str) -> EchoedPrompt:
    entries = choice.get("prompt_logprobs") if isinstance(choice, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ResponseFormatError(f"a choice has no 'prompt_logprobs' list: {_clip(choice)}")
    ids = choice.get("prompt_token_ids") if isinstance(choice, dict) else None
    tokens: list[str] = []
    values: list[float | None] = []
    best: list[float | None] = []
    for position, entry in enumerate(entries[1:], start=1):
        if not isinstance(entry, dict) or not entry:
            raise ResponseFormatError(f"'prompt_logprobs' has no entry at position {position}")
        own = _own_entry(entry, ids[position] if isinstance(ids, list) else None)
        tokens.append(str(own.get("decoded_token") or ""))
        values.append(None if own.get("logprob") is None else float(own["logprob"]))
        best.append(max(float(e["logprob"]) for e in entry.values() if isinstance(e, dict)))
    head = prompt[: max(0, len(prompt) - len("".join(tokens)))]
    if head:  # a real first token (no BOS): it has no log-probability
        tokens, values, best = [head, *tokens], [None, *values], [None, *best]
    offsets, at = [], 0
    for token in tokens:
        offsets.append(at)
        at += len(token)
    return EchoedPrompt(tuple(tokens), tuple(values), tuple(offsets), tuple(best))


def _own_entry(entry: dict[str, Any], token_id: object) -> dict[str, Any]:
    """The prompt token's entry: named by ``prompt_token_ids``, else the worst-ranked one (the
    others are the best alternatives, ranked 1 and up)."""
    if token_id is not None and str(token_id) in entry:
        own: dict[str, Any] = entry[str(token_id)]
        return own
    ranked: list[dict[str, Any]] = [e for e in entry.values() if isinstance(e, dict)]
    if not ranked:
        raise ResponseFormatError(f"a 'prompt_logprobs' entry holds no log-probability: {entry}")
    worst: dict[str, Any] = max(ranked, key=lambda e: int(e.get("rank") or 0))
    return worst


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
    return any(mark in text for mark in OPAQUE_MARKS)


def _clip(value: object, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
