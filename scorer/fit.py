"""Scaling fits: per-model summaries, slopes against log10(parameters), bootstrap intervals.

Every model sees the same examples, so the bootstrap resamples examples *paired across models*:
one draw of example indices is applied to every model's column. That keeps the per-example
difficulty out of the slope's uncertainty, which is what makes small trends detectable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Shape = Literal["increasing", "decreasing", "flat", "u_shaped", "inverted_u", "non_monotone"]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class ModelSummary:
    """One model's means over a task.

    Attributes:
        name: Model name.
        params: Parameter count.
        n: Number of examples.
        mean_loss: Mean loss (the logodds difference for the logodds types).
        stderr_loss: Standard error of the mean loss.
        accuracy: Share correct (None for sequence_prob).
        stderr_accuracy: Its standard error.
        mean_class_prob: Mean probability mass on the classes (None for sequence_prob); a model
            that puts little mass on the classes is not really answering the question.
    """

    name: str
    params: int
    n: int
    mean_loss: float
    stderr_loss: float
    accuracy: float | None
    stderr_accuracy: float | None
    mean_class_prob: float | None


@dataclass(frozen=True)
class Interval:
    """A confidence interval."""

    low: float
    high: float

    def excludes_zero(self) -> bool:
        """True when the whole interval lies on one side of zero."""
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class ScalingFit:
    """The trend of a task across a ladder.

    Attributes:
        loss_slope: OLS slope of mean loss against log10(params) (per decade of parameters).
        loss_ci: Bootstrap interval of that slope (examples resampled, paired across models).
        accuracy_slope: The same for accuracy (None for sequence_prob).
        accuracy_ci: Its interval.
        rank_correlation: Spearman correlation of mean loss with parameter count.
        shape: Shape of the mean-loss curve.
        chance_loss: Loss of uniform guessing over the classes (None for sequence_prob).
        chance_accuracy: Accuracy of uniform guessing (None for sequence_prob).
        confidence: Confidence level of the intervals.
        n_examples: Examples per model.
    """

    loss_slope: float
    loss_ci: Interval
    accuracy_slope: float | None
    accuracy_ci: Interval | None
    rank_correlation: float
    shape: Shape
    chance_loss: float | None
    chance_accuracy: float | None
    confidence: float
    n_examples: int

    @property
    def inverse_scaling(self) -> bool:
        """Inverse scaling: the loss slope's whole interval lies above zero."""
        return self.loss_ci.low > 0


def summarize(
    name: str,
    params: int,
    losses: FloatArray,
    correct: FloatArray | None,
    total_logprob: FloatArray | None,
) -> ModelSummary:
    """Summarise one model's per-example arrays."""
    n = len(losses)
    se = float(np.std(losses, ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    acc = se_acc = mass = None
    if correct is not None:
        acc = float(np.mean(correct))
        se_acc = float(np.sqrt(acc * (1 - acc) / n)) if n > 1 else float("nan")
    if total_logprob is not None:
        mass = float(np.mean(np.exp(total_logprob)))
    return ModelSummary(name, params, n, float(np.mean(losses)), se, acc, se_acc, mass)


def _slope_weights(params: list[int]) -> FloatArray:
    x = np.log10(np.asarray(params, dtype=np.float64))
    dx = x - x.mean()
    denom = float(dx @ dx)
    if denom == 0:
        raise ValueError("a scaling fit needs at least two distinct parameter counts")
    return dx / denom


def bootstrap_counts(n: int, samples: int, seed: int) -> FloatArray:
    """Multinomial resampling weights, shape [samples, n], each row summing to 1."""
    return _resample_counts(n, samples, np.random.default_rng(seed)) / n


def _resample_counts(n: int, samples: int, rng: np.random.Generator) -> FloatArray:
    """How often each of ``n`` units is drawn in ``samples`` draws of ``n`` with replacement,
    shape [samples, n] (a multinomial, by counting uniform draws: many times faster)."""
    draws = rng.integers(0, n, size=(samples, n)) + n * np.arange(samples)[:, None]
    return np.bincount(draws.ravel(), minlength=samples * n).reshape(samples, n).astype(np.float64)


def cluster_ids(labels: Sequence[str] | None, n: int) -> IntArray:
    """Dense cluster indices (0..C-1, in first-seen order) of ``n`` items; every item is its own
    cluster when ``labels`` is None."""
    if labels is None:
        return np.arange(n, dtype=np.int64)
    if len(labels) != n:
        raise ValueError(f"{len(labels)} cluster labels for {n} items")
    index: dict[str, int] = {}
    return np.array([index.setdefault(label, len(index)) for label in labels], dtype=np.int64)


def cluster_bootstrap_counts(clusters: IntArray, samples: int, seed: int) -> FloatArray:
    """Cluster bootstrap weights, shape [samples, items], each row summing to 1.

    Whole clusters (entities) are drawn with replacement and each item is weighted by how often
    its cluster was drawn. Items of one entity move together, so their correlation widens the
    interval instead of posing as independent evidence. With one item per cluster this is the
    ordinary bootstrap.
    """
    drawn = _resample_counts(int(clusters.max()) + 1, samples, np.random.default_rng(seed))
    weights = drawn[:, clusters]
    return weights / weights.sum(axis=1, keepdims=True)


def slope(params: list[int], values: FloatArray) -> float:
    """OLS slope of per-model means against log10(params); ``values`` is [models, examples]."""
    return float(_slope_weights(params) @ values.mean(axis=1))


def bootstrap_slopes(params: list[int], values: FloatArray, weights: FloatArray) -> FloatArray:
    """Bootstrap distribution of the slope, shape [samples].

    Args:
        params: Parameter counts, one per model.
        values: Per-example values, shape [models, examples].
        weights: Bootstrap weights from :func:`bootstrap_counts`, shape [samples, examples];
            the same draw applies to every model (paired).
    """
    w = _slope_weights(params)  # [models]
    boot_means = weights @ values.T  # [samples, models]
    return boot_means @ w


def slope_with_ci(
    params: list[int], values: FloatArray, weights: FloatArray, confidence: float
) -> tuple[float, Interval]:
    """Slope of per-model means against log10(params), with a paired bootstrap interval.

    Args:
        params: Parameter counts, one per model.
        values: Per-example values, shape [models, examples].
        weights: Bootstrap weights from :func:`bootstrap_counts`, shape [samples, examples].
        confidence: Interval level.
    """
    return slope(params, values), percentile_interval(
        bootstrap_slopes(params, values, weights), confidence
    )


def percentile_interval(samples: FloatArray, confidence: float) -> Interval:
    """Two-sided percentile interval of bootstrap samples."""
    alpha = (1 - confidence) / 2
    low, high = np.quantile(samples, [alpha, 1 - alpha])
    return Interval(float(low), float(high))


def slope_contributions(params: list[int], values: FloatArray) -> FloatArray:
    """Each item's share of the slope, shape [items]: their mean is :func:`slope`."""
    return _slope_weights(params) @ values


def sign_flip_p(
    contributions: FloatArray, clusters: IntArray, draws: int, seed: int, stop_at: int = 200
) -> float:
    """One-sided p-value for "the mean of ``contributions`` is above zero", by sign flips of
    whole clusters.

    Under the null each cluster's total is as likely negative as positive, so flipping the
    clusters' signs at random gives the statistic's null distribution; clusters flip together,
    so items of one entity are not counted as independent. The sum is the statistic: with every
    sign +-1 the sum of squares is fixed, so the studentised mean ranks the flips identically.
    Monte Carlo with up to ``draws`` flips, stopped early at ``stop_at`` exceedances
    (Besag and Clifford's sequential p-value). Both forms are valid p-values; the smallest
    attainable is 1 / (draws + 1), far below Holm's alpha / m for the m a search reaches.
    """
    totals = np.bincount(clusters, weights=contributions)
    observed = float(totals.sum())
    # Flips drawn as random bits, summed in float32 (fast); near-ties within float32 rounding
    # count as exceedances, which errs towards larger p-values.
    tolerance = 1e-5 * max(float(np.abs(totals).sum()), 1e-300)
    weights = (2 * totals).astype(np.float32)
    rng = np.random.default_rng(seed)
    seen = hits = 0
    chunk = max(1, min(draws, 4_000_000 // max(len(totals), 1)))
    while seen < draws:
        size = min(chunk, draws - seen)
        raw = rng.integers(0, 256, size=(size, -(-len(totals) // 8)), dtype=np.uint8)
        bits = np.unpackbits(raw, axis=1)[:, : len(totals)].astype(np.float32)
        flipped = bits @ weights - observed  # sum of +-totals: 2 * (the + part) - the whole
        exceed = np.cumsum(flipped >= observed - tolerance)
        if hits + exceed[-1] >= stop_at:
            first = int(np.searchsorted(exceed, stop_at - hits))
            return stop_at / (seen + first + 1)
        hits += int(exceed[-1])
        seen += size
    return (1 + hits) / (draws + 1)


def p_positive(samples: FloatArray) -> float:
    """One-sided bootstrap p-value for "the effect is above zero"."""
    return float((1 + np.count_nonzero(samples <= 0)) / (len(samples) + 1))


def curve_shape(means: list[float], tolerance: float = 1e-9) -> Shape:
    """Classify a curve of means ordered by model size."""
    steps = np.diff(np.asarray(means))
    signs = [int(np.sign(s)) for s in steps if abs(s) > tolerance]
    if not signs:
        return "flat"
    changes = sum(1 for a, b in zip(signs, signs[1:], strict=False) if a != b)
    if changes == 0:
        return "increasing" if signs[0] > 0 else "decreasing"
    if changes == 1:
        return "u_shaped" if signs[0] < 0 else "inverted_u"
    return "non_monotone"


def spearman(params: list[int], means: list[float]) -> float:
    """Spearman rank correlation of means with parameter counts (0 when undefined)."""
    from scipy.stats import spearmanr

    if len(set(means)) < 2:
        return 0.0
    rho = spearmanr(params, means).statistic
    return float(rho) if np.isfinite(rho) else 0.0
