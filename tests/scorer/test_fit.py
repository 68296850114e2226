from __future__ import annotations

import numpy as np
import pytest

from invscale.scorer.fit import bootstrap_counts, curve_shape, slope_with_ci, summarize

PARAMS = [10**7, 10**8, 10**9]


def test_slope_is_per_decade_of_parameters():
    values = np.array([[1.0] * 50, [1.5] * 50, [2.0] * 50])
    w = bootstrap_counts(50, 200, seed=0)
    slope, ci = slope_with_ci(PARAMS, values, w, 0.95)
    assert slope == pytest.approx(0.5)
    assert ci.low == pytest.approx(0.5) and ci.high == pytest.approx(0.5)


def test_paired_bootstrap_ignores_shared_item_difficulty():
    rng = np.random.default_rng(1)
    difficulty = rng.normal(0, 5, size=200)  # large per-item spread shared by every model
    values = np.stack([difficulty + 0.1 * k for k in range(3)])
    slope, ci = slope_with_ci(PARAMS, values, bootstrap_counts(200, 500, 0), 0.95)
    assert slope == pytest.approx(0.1)
    assert ci.low > 0.09  # paired: the shared difficulty cancels out of the slope


def test_noisy_flat_task_interval_covers_zero():
    rng = np.random.default_rng(2)
    values = rng.normal(1.0, 1.0, size=(3, 300))
    _, ci = slope_with_ci(PARAMS, values, bootstrap_counts(300, 1000, 0), 0.95)
    assert ci.low < 0 < ci.high


def test_two_models_of_same_size_cannot_be_fitted():
    with pytest.raises(ValueError, match="two distinct parameter counts"):
        slope_with_ci([5, 5], np.ones((2, 3)), bootstrap_counts(3, 100, 0), 0.95)


@pytest.mark.parametrize(
    ("means", "shape"),
    [
        ([1, 2, 3], "increasing"),
        ([3, 2, 1], "decreasing"),
        ([2, 1, 2], "u_shaped"),
        ([1, 2, 1], "inverted_u"),
        ([1, 2, 1, 2], "non_monotone"),
        ([1, 1, 1], "flat"),
    ],
)
def test_curve_shape(means, shape):
    assert curve_shape(means) == shape


def test_summary_standard_errors():
    s = summarize("m", 10, np.array([1.0, 3.0]), np.array([1.0, 0.0]), np.log(np.array([0.5, 0.5])))
    assert s.mean_loss == 2.0
    assert s.stderr_loss == pytest.approx(np.std([1.0, 3.0], ddof=1) / np.sqrt(2))
    assert s.accuracy == 0.5 and s.stderr_accuracy == pytest.approx(np.sqrt(0.25 / 2))
    assert s.mean_class_prob == pytest.approx(0.5)
