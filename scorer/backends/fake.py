"""A deterministic fake model: no weights, reproducible log-likelihoods, for tests and demos.

Each continuation token gets a log-probability from a hash of (model seed, context, token), so
results are stable across runs and processes. A scale knob lets fake ladders show a trend: the
larger the model, the more it prefers continuations that already appear in the context ("copying",
a stand-in for a strong prior), which makes tasks built on repetition inverse-scale on purpose.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from invscale.scorer.config import Rung, ScorerConfig
from invscale.scorer.records import LLRequest, LLResult


def _unit(*parts: str) -> float:
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(frozen=True)
class FakeLM:
    """Deterministic stand-in for a causal LM.

    Attributes:
        name: Model name, mixed into every hash.
        params: Parameter count; log10(params) scales the copying bias.
    """

    name: str
    params: int

    @property
    def fingerprint(self) -> str:
        return f"fake:{self.name}:{self.params}"

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        return [self._one(r) for r in requests]

    def _one(self, request: LLRequest) -> LLResult:
        # Whitespace-split "tokens", the space kept with the word as BPE tokenizers do.
        words = request.continuation.replace(" ", "\x00 ").split("\x00")
        tokens = [w for w in words if w]
        copy_bias = 0.6 * max(math.log10(self.params) - 6.0, 0.0)
        total = 0.0
        for i, token in enumerate(tokens):
            noise = _unit(self.name, request.context[-200:], token, str(i))
            logprob = -0.5 - 3.0 * noise
            if token.strip() and token.strip() in request.context:
                logprob += copy_bias
            total += min(logprob, -1e-3)
        return LLResult(logprob=total, n_tokens=max(len(tokens), 1), is_greedy=total > -1.0)


def load(rung: Rung, cfg: ScorerConfig) -> FakeLM:
    """Backend factory for ``backend: fake``."""
    return FakeLM(name=rung.name, params=rung.params)
