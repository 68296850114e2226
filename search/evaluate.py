"""Paired evaluation of a candidate: its manipulated set against its control, item by item.

The evidence the search acts on is a difference in differences: the manipulated set's loss slope
minus the control's, with items paired (example i of the control is example i of the task without
the manipulation). Slopes are linear in the per-model means, so that gap is the slope of the
per-item loss differences, and one paired bootstrap over items gives its interval and p-value.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from invscale.scorer import (
    LadderResult,
    ModelPool,
    Rung,
    ScoreCache,
    ScorerConfig,
    TaskDataset,
    score_dataset,
)
from invscale.scorer.fit import (
    bootstrap_counts,
    bootstrap_slopes,
    p_positive,
    percentile_interval,
    slope,
)


@dataclass(frozen=True)
class PairedEvaluation:
    """What one scored phase says about a candidate.

    Attributes:
        n: Items scored (each in both variants).
        slope: Manipulated set's loss slope per decade of parameters, and its interval.
        control_slope: The control's slope and interval.
        gap: Manipulated slope minus control slope (paired), and its interval.
        p_gap: One-sided bootstrap p-value for gap > 0.
        p_slope: One-sided bootstrap p-value for slope > 0.
        accuracy_slope: Manipulated set's accuracy slope (None for sequence_prob).
        largest_class_mass: Largest model's mean probability on the classes (None for
            sequence_prob): a tiny mass means the "answer" is noise, not a belief.
        models: Per-model summaries of the manipulated set and the control.
    """

    n: int
    slope: float
    slope_ci: tuple[float, float]
    control_slope: float
    control_ci: tuple[float, float]
    gap: float
    gap_ci: tuple[float, float]
    p_gap: float
    p_slope: float
    accuracy_slope: float | None
    largest_class_mass: float | None
    models: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PairedEvaluation:
        """Inverse of :meth:`to_dict`."""
        fields = dict(data)
        for key in ("slope_ci", "control_ci", "gap_ci"):
            fields[key] = tuple(fields[key])
        fields["models"] = tuple(fields["models"])
        return cls(**fields)


def paired_evaluation(
    task: LadderResult, control: LadderResult, cfg: ScorerConfig, seed: int
) -> PairedEvaluation:
    """Compare a scored task with its scored control (same items, same ladder)."""
    params = [m.rung.params for m in task.models]
    lt, lc = task.losses(), control.losses()  # [models, items] each
    if lt.shape != lc.shape:
        raise ValueError(f"task and control are not paired: shapes {lt.shape} vs {lc.shape}")
    weights = bootstrap_counts(lt.shape[1], cfg.bootstrap_samples, seed)
    boot_task = bootstrap_slopes(params, lt, weights)
    boot_gap = bootstrap_slopes(params, lt - lc, weights)
    boot_control = bootstrap_slopes(params, lc, weights)
    w_slope, c_slope = slope(params, lt), slope(params, lc)

    def ci(samples: np.ndarray) -> tuple[float, float]:
        iv = percentile_interval(samples, cfg.confidence)
        return (iv.low, iv.high)

    largest = task.models[-1].summary
    models = tuple(
        {
            "name": t.summary.name,
            "params": t.summary.params,
            "loss": t.summary.mean_loss,
            "loss_se": t.summary.stderr_loss,
            "accuracy": t.summary.accuracy,
            "class_mass": t.summary.mean_class_prob,
            "control_loss": c.summary.mean_loss,
            "control_accuracy": c.summary.accuracy,
        }
        for t, c in zip(task.models, control.models, strict=True)
    )
    return PairedEvaluation(
        n=lt.shape[1],
        slope=w_slope,
        slope_ci=ci(boot_task),
        control_slope=c_slope,
        control_ci=ci(boot_control),
        gap=w_slope - c_slope,
        gap_ci=ci(boot_gap),
        p_gap=p_positive(boot_gap),
        p_slope=p_positive(boot_task),
        accuracy_slope=task.fit.accuracy_slope,
        largest_class_mass=largest.mean_class_prob,
        models=models,
    )


def score_pair(
    task: TaskDataset,
    control: TaskDataset,
    rungs: tuple[Rung, ...],
    cfg: ScorerConfig,
    pool: ModelPool,
    cache: ScoreCache,
    seed: int,
) -> tuple[PairedEvaluation, LadderResult, LadderResult]:
    """Score a task and its control on a ladder and compare them."""
    scored_task = score_dataset(task, rungs, cfg, pool=pool, cache=cache)
    scored_control = score_dataset(control, rungs, cfg, pool=pool, cache=cache)
    return paired_evaluation(scored_task, scored_control, cfg, seed), scored_task, scored_control
