"""How much one request's log-likelihood moves with the company it is scored in.

In float32 the scorer gives a request the same number alone, in a padded batch, under a shared
prefix or through the naive forward (to ~1e-5). In bfloat16 it need not: kernels pick other
blockings for other shapes and round differently. The spread of one request over those
compositions is what a bf16 score is worth, to compare with the effects a search measures.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from invscale.scorer.records import LLRequest


@dataclass(frozen=True)
class Drift:
    """Spread (max - min, nats) of each probe request over the compositions."""

    spreads: list[float]

    @property
    def worst(self) -> float:
        return max(self.spreads)

    @property
    def median(self) -> float:
        ordered = sorted(self.spreads)
        return ordered[len(ordered) // 2]


def compositions(targets: list[LLRequest], seed: int = 0) -> list[list[LLRequest]]:
    """Batches that each hold every target among different neighbours."""
    rng = random.Random(seed)
    short = [LLRequest(f"Is {n} even?", " Yes") for n in range(40)]
    long = [
        LLRequest("Here is a long story about nothing much. " * rng.randint(4, 12), " The end")
        for _ in range(24)
    ]
    preamble = "Answer each question.\n" + "".join(
        f"Q: Is {n} a number?\nA: Yes\n" for n in range(25)
    )
    shared = [LLRequest(preamble + f"Q: Is {n} odd?\nA:", " No") for n in range(30)]
    mixed = short + long + shared
    rng.shuffle(mixed)
    return [targets, short + targets, targets + long, shared + targets, mixed + targets]


def measure(lm: Any, targets: list[LLRequest]) -> Drift:
    """Score ``targets`` alone, in each composition (fast and plain paths) and naively."""
    runs: list[list[float]] = [[r.logprob for r in lm.naive_loglikelihood(targets)]]
    for batch in compositions(targets):
        index = [batch.index(t) for t in targets]
        fast = lm.loglikelihood(batch)
        plain = lm.plain_loglikelihood(batch)
        runs.append([fast[i].logprob for i in index])
        runs.append([plain[i].logprob for i in index])
    spreads = [max(col) - min(col) for col in zip(*runs, strict=True)]
    return Drift(spreads)


def float32_head(model: Any) -> None:
    """Project onto the vocabulary in float32 (a float32 copy of the output layer, untied)."""
    import torch

    head = model.get_output_embeddings()

    class Float32Head(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = torch.nn.Parameter(head.weight.detach().float().clone())
            bias = getattr(head, "bias", None)
            self.bias = None if bias is None else torch.nn.Parameter(bias.detach().float())

        def forward(self, hidden: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.linear(hidden.float(), self.weight, self.bias)

    model.set_output_embeddings(Float32Head())
