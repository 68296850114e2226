from __future__ import annotations

import numpy as np
import pytest

from invscale.scorer.fit import (
    bootstrap_counts,
    bootstrap_slopes,
    curve_shape,
    slope_with_ci,
    summarize,
)

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


def _clustered_null(rng: np.random.Generator, clusters: int, size: int, icc: float) -> np.ndarray:
    """Per-item contributions with no effect, items of one cluster correlated at ``icc``."""
    shared = rng.normal(0, np.sqrt(icc), size=clusters)
    return np.repeat(shared, size) + rng.normal(0, np.sqrt(1 - icc), size=clusters * size)


def test_sign_flip_over_clusters_holds_its_level_on_a_clustered_null():
    from invscale.scorer.fit import sign_flip_p

    rng = np.random.default_rng(3)
    labels = np.repeat(np.arange(100), 3)
    cluster_p = [
        sign_flip_p(_clustered_null(rng, 100, 3, 0.8), labels, 2000, s) for s in range(300)
    ]
    item_p = [
        sign_flip_p(_clustered_null(rng, 100, 3, 0.8), np.arange(300), 2000, s) for s in range(300)
    ]
    # Nominal 5%: flipping clusters stays near it; treating items as independent does not.
    assert np.mean(np.array(cluster_p) <= 0.05) < 0.09
    assert np.mean(np.array(item_p) <= 0.05) > 0.1


def test_sign_flip_reaches_below_holm_at_200_tests_for_a_strong_effect():
    from invscale.scorer.fit import sign_flip_p

    rng = np.random.default_rng(4)
    values = rng.normal(0.5, 1.0, size=300)
    p = sign_flip_p(values, np.arange(300), 100_000, 0)
    assert p < 0.05 / 200
    assert sign_flip_p(np.zeros(300), np.arange(300), 1000, 0) == 1.0


def test_cluster_bootstrap_moves_an_entitys_items_together():
    from invscale.scorer.fit import cluster_bootstrap_counts, cluster_ids

    clusters = cluster_ids(["a", "a", "b", "c", "c", "c"], 6)
    assert clusters.tolist() == [0, 0, 1, 2, 2, 2]
    w = cluster_bootstrap_counts(clusters, 50, 0)
    assert np.allclose(w.sum(axis=1), 1.0)
    assert np.allclose(w[:, 0], w[:, 1]) and np.allclose(w[:, 3], w[:, 5])


def test_cluster_bootstrap_interval_is_wider_than_the_item_bootstrap_on_clustered_data():
    from invscale.scorer.fit import cluster_bootstrap_counts, percentile_interval

    rng = np.random.default_rng(5)
    values = np.stack([np.zeros(300), _clustered_null(rng, 50, 6, 0.8)])
    params = [10**7, 10**8]
    labels = np.repeat(np.arange(50), 6)
    _, items = slope_with_ci(params, values, bootstrap_counts(300, 1000, 0), 0.95)
    clustered = percentile_interval(
        bootstrap_slopes(params, values, cluster_bootstrap_counts(labels, 1000, 0)), 0.95
    )
    assert clustered.high - clustered.low > 1.8 * (items.high - items.low)
