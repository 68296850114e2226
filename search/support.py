"""The effect where the models answer: the gap measured on the supported items alone.

A rising loss read from items on which a model puts almost no probability on the classes is tail
noise, not a belief (the NeQA-like case: 1-5% class mass). Refusing a whole task because some
model leaves some items unanswered threw away real effects too: the memo trap reproduced on the
offline ladder (gap +7.13 [+3.80, +10.34], accuracy falling, control intact) while SmolLM2 put
class mass 0.3 on only 39% of its items. So the effect is measured again on the items every
model answers (class mass at least tau from every model, on the task item and on its control),
with the same cluster bootstrap and sign-flip test; the acceptance rule asks that this effect be
significant on its own and that enough such items and entity clusters exist. So that the test
still sees about as many items as the Prize asked for, a partly answered confirmation set grows
once (:func:`grown_size`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from invscale.scorer import LadderResult
from invscale.scorer.fit import (
    bootstrap_slopes,
    cluster_bootstrap_counts,
    percentile_interval,
    sign_flip_p,
    slope,
    slope_contributions,
)


@dataclass(frozen=True)
class SupportedEffect:
    """The gap on the items every model answers, and on the rest.

    Attributes:
        tau: Class mass an item needs from every model (on the task and its control).
        n: Supported items.
        share: Supported items over all items.
        clusters: Entity clusters among the supported items.
        gap: The gap (task slope minus control slope; the slope alone without a control) on the
            supported items, and its cluster-bootstrap interval (None with fewer than 2 items).
        p: The larger of the sign-flip p-values of the gap and the task slope on those items
            (1.0 with fewer than 2 items).
        off_n: Items left out.
        off_gap: The gap on the items left out (None with fewer than 2).
    """

    tau: float
    n: int
    share: float
    clusters: int
    gap: float | None
    gap_ci: tuple[float, float] | None
    p: float
    off_n: int
    off_gap: float | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SupportedEffect:
        """Inverse of ``dataclasses.asdict``."""
        ci = data.get("gap_ci")
        return cls(**{**data, "gap_ci": None if ci is None else (float(ci[0]), float(ci[1]))})

    def text(self) -> str:
        """The supported share and the gap on and off those items, in words."""
        head = (
            f"{self.share:.0%} of items ({self.n}, {self.clusters} entity clusters) get class "
            f"mass >= {self.tau:g} from every model"
        )
        if self.gap is None or self.gap_ci is None:
            return head
        off = "" if self.off_gap is None else f"; on the other {self.off_n}: {self.off_gap:+.3f}"
        return (
            f"{head}; gap on them {self.gap:+.3f} [{self.gap_ci[0]:+.3f}, "
            f"{self.gap_ci[1]:+.3f}], p={self.p:.2g}{off}"
        )


def grown_size(
    supported: SupportedEffect | None, n: int, target: int, cap: int, min_share: float
) -> int:
    """Items a confirmation set of ``n`` should grow to so that about ``target`` are supported.

    One step, sized by the supported share the ``n`` items showed, at most ``cap``. No growth
    (``n``) when the target is met, when the scores carry no class mass, or when the share is
    under ``min_share``: such a task is refused as mostly unanswered, and more of it would not
    change that. The share is the same whichever model is called the larger, so a size chosen
    from it leaves the sign-flip test of the effect valid.
    """
    if supported is None or supported.n >= target or cap <= n or supported.share < min_share:
        return n
    return min(cap, math.ceil(target * n / max(supported.n, 1)))


def class_mass(result: LadderResult) -> np.ndarray | None:
    """Per-item class mass, shape [models, items] (None when a model's scores lack it)."""
    rows = [[s.mass_logprob for s in m.scores] for m in result.models]
    if any(v is None for row in rows for v in row):
        return None
    return np.exp(np.array(rows, dtype=np.float64))


def supported_mask(
    task: LadderResult, control: LadderResult | None, tau: float
) -> np.ndarray | None:
    """Items on which every model puts at least ``tau`` on the classes, on the task and on its
    control (None when the scores do not carry the class mass)."""
    masses = [class_mass(r) for r in (task, control) if r is not None]
    if any(m is None for m in masses):
        return None
    return np.logical_and.reduce([(m >= tau).all(axis=0) for m in masses if m is not None])


def supported_effect(
    params: list[int],
    diff: np.ndarray,
    task_losses: np.ndarray,
    ids: np.ndarray,
    mask: np.ndarray,
    tau: float,
    draws: int,
    samples: int,
    confidence: float,
    seed: int,
) -> SupportedEffect:
    """Measure the gap on the items of ``mask`` and on the rest.

    Args:
        params: Parameter counts, one per model.
        diff: Per-item task loss minus control loss, shape [models, items].
        task_losses: Per-item task losses, shape [models, items].
        ids: Dense entity cluster of each item.
        mask: The supported items.
        tau: The class mass that defined them.
        draws: Sign flips behind each p-value.
        samples: Bootstrap samples of the interval.
        confidence: Interval level.
        seed: Seed of the bootstrap and the sign flips.
    """
    n, off = int(mask.sum()), int((~mask).sum())
    sub = np.unique(ids[mask], return_inverse=True)[1].astype(np.int64)
    gap = ci = None
    p = 1.0
    if n >= 2:
        gap = slope(params, diff[:, mask])
        weights = cluster_bootstrap_counts(sub, samples, seed)
        iv = percentile_interval(bootstrap_slopes(params, diff[:, mask], weights), confidence)
        ci = (iv.low, iv.high)
        p_gap = sign_flip_p(slope_contributions(params, diff[:, mask]), sub, draws, seed + 3)
        p_slope = sign_flip_p(
            slope_contributions(params, task_losses[:, mask]), sub, draws, seed + 4
        )
        p = max(p_gap, p_slope)
    return SupportedEffect(
        tau=tau,
        n=n,
        share=n / max(len(mask), 1),
        clusters=len(np.unique(ids[mask])),
        gap=gap,
        gap_ci=ci,
        p=p,
        off_n=off,
        off_gap=slope(params, diff[:, ~mask]) if off >= 2 else None,
    )
