from __future__ import annotations

import numpy as np
import pytest

from invscale.scorer import ModelPool, ScoreCache, ScorerConfig
from invscale.search.evaluate import score_pair
from invscale.search.support import SupportedEffect, grown_size, supported_effect
from tests.search.test_evaluate import LADDER, _sets

PARAMS = [10**8, 10**9]


def _effect(diff: np.ndarray, mask: np.ndarray) -> SupportedEffect:
    ids = np.arange(diff.shape[1])
    return supported_effect(PARAMS, diff, diff, ids, mask, 0.3, 20_000, 500, 0.95, 0)


def test_an_effect_carried_by_unanswered_items_is_not_significant_on_the_answered_ones():
    rng = np.random.default_rng(0)
    n = 200
    mask = np.arange(n) < 100
    diff = rng.normal(0, 1, (2, n))
    diff[1, ~mask] += 3.0  # the larger model's loss rises only where it does not answer
    s = _effect(diff, mask)
    assert (s.n, s.off_n, s.share, s.clusters) == (100, 100, 0.5, 100)
    assert s.p > 0.05 and s.off_gap is not None and s.off_gap > 2.5
    assert "50% of items (100, 100 entity clusters)" in s.text()


def test_an_effect_on_the_answered_items_is_significant_there():
    rng = np.random.default_rng(1)
    diff = rng.normal(0, 1, (2, 120))
    diff[1] += 1.0
    s = _effect(diff, np.ones(120, dtype=bool))
    assert s.p < 1e-3 and s.gap_ci is not None and s.gap_ci[0] > 0 and s.off_gap is None


def test_no_supported_item_leaves_no_gap_and_p_one():
    s = _effect(np.zeros((2, 10)), np.zeros(10, dtype=bool))
    assert (s.n, s.gap, s.p) == (0, None, 1.0)
    assert SupportedEffect.from_dict(s.__dict__) == s


def test_a_scored_pair_counts_items_supported_by_every_model_on_task_and_control(tmp_path):
    cfg = ScorerConfig(bootstrap_samples=200)
    task, control = _sets(40)
    ev, t, c = score_pair(
        task, control, LADDER, cfg, ModelPool(cfg), ScoreCache(str(tmp_path / "c.sqlite")), seed=0
    )
    assert ev.supported is not None
    masses = [np.exp([[s.mass_logprob for s in m.scores] for m in r.models]) for r in (t, c)]
    tau = ev.supported.tau
    expected = np.logical_and.reduce([(m >= tau).all(axis=0) for m in masses])
    assert 0 < expected.sum() < len(expected)  # some items are left out, some kept
    assert ev.supported.n == int(expected.sum())
    assert ev.supported.share <= min(d.share_supported for d in ev.diagnostics) + 1e-12
    assert ev.supported.share == pytest.approx(expected.mean())


def _support(n: int, share: float) -> SupportedEffect:
    return SupportedEffect(0.1, n, share, n, 0.5, (0.2, 0.8), 1e-4, 0, None)


@pytest.mark.parametrize(
    ("supported", "n", "cap", "expected"),
    [
        (_support(294, 0.98), 300, 600, 307),  # 300 / 0.98 items give about 300 supported
        (_support(117, 0.39), 300, 600, 600),  # the memo trap's share: up to the cap
        (_support(300, 1.0), 300, 600, 300),  # enough already
        (_support(294, 0.98), 300, 300, 300),  # growth turned off
        (_support(30, 0.1), 300, 600, 300),  # mostly unanswered: refused, more would not help
        (None, 300, 600, 300),  # no class mass (sequence_prob)
    ],
)
def test_a_confirmation_set_grows_once_to_about_its_size_in_supported_items(
    supported, n, cap, expected
):
    assert grown_size(supported, n, 300, cap, 0.2) == expected
