"""Split a strong-prior gap into "ignores the statement" and "knows the fact better".

A strong-prior task states something against the world (a redefinition, a stipulated fact) and
its control asks plainly, so the control's right answer is the world's. A gap between them can
come from the larger model following the statement less, or from it knowing the world's answer
better while following the statement no less. The consistent control states the world's answer
instead, and so separates the two. Per item and model, with ``L`` the log-odds of the world's
answer over the stated one:

- follows = (L_consistent - L_task) / 2: how far the statement moves the answer its way;
- knows = L_control: how strongly the model holds the world's answer with no statement.

Their slopes per decade of parameters (intervals from the same cluster bootstrap as the gap) say
which part moves with scale. This informs the reader; it does not gate acceptance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from invscale.scorer import LadderResult
from invscale.scorer.fit import bootstrap_slopes, percentile_interval, slope
from invscale.scorer.records import ClassificationExample


@dataclass(frozen=True)
class Decomposition:
    """The gap of a strong-prior task, split by its consistent control.

    Attributes:
        consistent_slope: The consistent control's loss slope, and its interval.
        follows_slope: Slope of how far the statement moves the answer (log-odds per decade); below
            zero: the larger model follows the statement less.
        knows_slope: Slope of the log-odds of the world's answer with no statement; above zero:
            the larger model knows the fact better.
        label: The reading, in words.
    """

    consistent_slope: float
    consistent_ci: tuple[float, float]
    follows_slope: float
    follows_ci: tuple[float, float]
    knows_slope: float
    knows_ci: tuple[float, float]
    label: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decomposition:
        """Inverse of ``dataclasses.asdict``."""
        fields = dict(data)
        for key in ("consistent_ci", "follows_ci", "knows_ci"):
            fields[key] = tuple(fields[key])
        return cls(**fields)


def _world_logodds(result: LadderResult, world: list[int], stated: list[int]) -> np.ndarray:
    """log p(world) - log p(stated), shape [models, items]."""
    rows = []
    for model in result.models:
        lps = [s.class_logprobs for s in model.scores]
        rows.append([lp[w] - lp[t] for lp, w, t in zip(lps, world, stated, strict=True)])
    return np.array(rows, dtype=np.float64)


def _positions(result: LadderResult) -> list[int] | None:
    answers = []
    for ex in result.dataset.examples:
        if not isinstance(ex, ClassificationExample) or len(ex.classes) != 2:
            return None
        answers.append(ex.answer_index)
    return answers


def label(follows_ci: tuple[float, float], knows_ci: tuple[float, float]) -> str:
    """The decomposition in words, from the two intervals."""
    ignores, knows = follows_ci[1] < 0, knows_ci[0] > 0
    if ignores and knows:
        return "both: the larger model follows the statement less and knows the fact better"
    if ignores:
        return "ignores the statement: the larger model follows it less"
    if knows:
        return (
            "knows the fact better: the larger model follows the statement no less, it holds "
            "the world's answer more strongly"
        )
    return "neither part is clear at this sample size"


def decompose(
    task: LadderResult,
    control: LadderResult,
    consistent: LadderResult,
    weights: np.ndarray,
    confidence: float,
) -> Decomposition | None:
    """The decomposition (None unless every item has two classes and the sets are paired)."""
    stated, world = _positions(task), _positions(control)
    if stated is None or world is None or _positions(consistent) != world:
        return None
    if any(s == w for s, w in zip(stated, world, strict=True)):
        return None  # an item whose statement agrees with the world splits nothing
    params = [m.rung.params for m in task.models]
    follows = (_world_logodds(consistent, world, stated) - _world_logodds(task, world, stated)) / 2
    knows = _world_logodds(control, world, stated)

    def fit(values: np.ndarray) -> tuple[float, tuple[float, float]]:
        iv = percentile_interval(bootstrap_slopes(params, values, weights), confidence)
        return slope(params, values), (iv.low, iv.high)

    (c_slope, c_ci), (f_slope, f_ci), (k_slope, k_ci) = (
        fit(consistent.losses()),
        fit(follows),
        fit(knows),
    )
    return Decomposition(c_slope, c_ci, f_slope, f_ci, k_slope, k_ci, label(f_ci, k_ci))
