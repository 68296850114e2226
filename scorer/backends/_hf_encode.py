"""Token split of (context, continuation) pairs, the way lm-evaluation-harness makes it.

Trailing whitespace of the context moves into the continuation; context + continuation is tokenized
as one string and the context alone, both with the tokenizer's default special tokens (so a BOS
for tokenizers that add one); the continuation is what the whole sequence has beyond the context.
No torch here: only the tokenizer's ``__call__`` is used.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from invscale.scorer.errors import BackendError
from invscale.scorer.records import LLRequest

_log = logging.getLogger(__name__)

Tokens = tuple[int, ...]


class EncodeError(BackendError, ValueError):
    """A request cannot be turned into tokens for this model."""


@dataclass(frozen=True)
class EncodedPair:
    """A request as the model sees it: context tokens, then the continuation tokens to score."""

    context: Tokens
    continuation: Tokens


def move_trailing_whitespace(context: str, continuation: str) -> tuple[str, str]:
    """Move the context's trailing whitespace to the front of the continuation."""
    stripped = context.rstrip()
    return stripped, context[len(stripped) :] + continuation


def common_prefix_len(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common prefix of two token sequences."""
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def encode_pairs(
    tokenizer: Any, requests: list[LLRequest], max_length: int | None = None
) -> list[EncodedPair]:
    """Tokenize every request into context and continuation tokens.

    Args:
        tokenizer: A Hugging Face tokenizer (called with its default special tokens).
        requests: The requests.
        max_length: The model's context window; longer inputs lose context tokens on the left
            (as lm-evaluation-harness does). None for no limit.

    Returns:
        One :class:`EncodedPair` per request, in order.

    Raises:
        EncodeError: an empty context on a tokenizer without a BOS token, or a continuation that
            alone exceeds the model's window.
    """
    splits = [move_trailing_whitespace(r.context, r.continuation) for r in requests]
    texts = list(dict.fromkeys([c for c, _ in splits] + [c + k for c, k in splits]))
    ids = dict(zip(texts, _encode_many(tokenizer, texts), strict=True))
    bos = getattr(tokenizer, "bos_token_id", None)
    pairs = []
    for index, (context, continuation) in enumerate(splits):
        pair = split_tokens(ids[context], ids[context + continuation], bos, index)
        pairs.append(_truncate(pair, max_length, index))
    return pairs


def split_tokens(context: Tokens, whole: Tokens, bos: int | None, index: int = 0) -> EncodedPair:
    """Split ``whole`` at the end of ``context``, keeping the scored sequence equal to ``whole``.

    When the context's own tokens are not a prefix of the whole sequence's (a merge across the
    boundary), the split moves back to their common prefix: the continuation then starts with the
    merged token, and the tokens scored are still exactly those of the whole string.
    """
    n = common_prefix_len(context, whole)
    if n < len(context):
        _log.debug("request %d: context tokens are not a prefix; split at token %d", index, n)
    if n > 0:
        return EncodedPair(whole[:n], whole[n:])
    if bos is None:
        raise EncodeError(
            f"request {index}: the context is empty and the tokenizer has no BOS token to start "
            "from; give every request a non-empty context"
        )
    return EncodedPair((bos,), whole)


def _truncate(pair: EncodedPair, max_length: int | None, index: int) -> EncodedPair:
    # The model reads context + continuation[:-1], so max_length + 1 tokens fit in one window.
    if max_length is None or len(pair.context) + len(pair.continuation) <= max_length + 1:
        return pair
    keep = max_length + 1 - len(pair.continuation)
    if keep < 1:
        raise EncodeError(
            f"request {index}: the continuation has {len(pair.continuation)} tokens, more than "
            f"the model's window of {max_length}"
        )
    _log.warning("request %d: context truncated on the left to %d tokens", index, keep)
    return EncodedPair(pair.context[-keep:], pair.continuation)


def _encode_many(tokenizer: Any, texts: list[str]) -> list[Tokens]:
    # Empty strings go through the tokenizer too: a BOS-adding tokenizer maps "" to (BOS,).
    if not texts:
        return []
    batch = tokenizer(texts)["input_ids"]
    return [tuple(int(t) for t in ids) for ids in batch]
