"""A scenario-driven fake backend: answers each request from simulated class log-probabilities.

Prompts name their candidate, item and variant (``[key] item 12 control:``) and the classes are
`` A`` and `` B``; the simulated array of the candidate gives the log-probability. Everything after
the backend (metrics, fits, checks, correction) is the real code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from invscale.scorer.config import Rung, ScorerConfig
from invscale.scorer.records import LLRequest, LLResult

BACKEND = "scenario"
CLASSES = (" A", " B")
_PROMPT = re.compile(r"^\[(?P<key>[^\]]+)\] item (?P<item>\d+) (?P<variant>\w+):$")
_VARIANTS = {"task": 0, "control": 1, "consistent": 2}

# Simulated candidates by key, each [models, variants, items, classes]; filled by the runner.
SIMULATIONS: dict[str, np.ndarray] = {}
# The ladder's model names, smallest first: a rung's position is its model index.
MODELS: list[str] = []


def prompt(key: str, item: int, variant: str) -> str:
    """The prompt of one item of one variant."""
    return f"[{key}] item {item} {variant}:"


@dataclass(frozen=True)
class ScenarioLM:
    """Looks simulated log-probabilities up by prompt and class."""

    name: str
    index: int

    @property
    def fingerprint(self) -> str:
        return f"scenario:{self.name}"

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        out = []
        for request in requests:
            match = _PROMPT.match(request.context)
            if match is None:
                raise ValueError(f"not a simulated prompt: {request.context!r}")
            table = SIMULATIONS[match["key"]]
            variant = _VARIANTS[match["variant"]]
            logprob = table[
                self.index, variant, int(match["item"]), CLASSES.index(request.continuation)
            ]
            out.append(LLResult(float(logprob), 1, False))
        return out


def load(rung: Rung, cfg: ScorerConfig) -> ScenarioLM:
    """Backend factory for ``backend: scenario``."""
    return ScenarioLM(rung.name, MODELS.index(rung.name))
