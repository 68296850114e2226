from __future__ import annotations

import numpy as np
import pytest

from invscale.scorer import (
    ClassificationExample,
    ModelPool,
    Rung,
    ScoreCache,
    ScorerConfig,
    TaskDataset,
)
from invscale.search.evaluate import score_pair

LADDER = (
    Rung(name="s", params=10**7, backend="fake"),
    Rung(name="l", params=10**9, backend="fake"),
)


def _sets(n: int) -> tuple[TaskDataset, TaskDataset]:
    # The fake models copy words from the context more as they grow: the task plants the wrong
    # answer in the prompt, the control does not, so the task inverse-scales and the control not.
    task, control = [], []
    for i in range(n):
        word, other = (" red", " blue") if i % 2 else (" blue", " red")
        task.append(
            ClassificationExample(
                f"Item {i}: everyone keeps saying{word}{word}{word}. The right colour is",
                (word, other),
                1,
            )
        )
        control.append(ClassificationExample(f"Item {i}: The right colour is", (word, other), 1))
    return TaskDataset("t", "classification", tuple(task)), TaskDataset(
        "c", "classification", tuple(control)
    )


def test_planted_copy_trap_shows_a_positive_paired_gap(tmp_path):
    cfg = ScorerConfig(bootstrap_samples=500)
    task, control = _sets(60)
    ev, t, c = score_pair(
        task, control, LADDER, cfg, ModelPool(cfg), ScoreCache(str(tmp_path / "c.sqlite")), seed=0
    )
    assert ev.slope > 0 and ev.gap > 0
    assert ev.gap_ci[0] > 0
    assert ev.gap == pytest.approx(ev.slope - ev.control_slope)
    assert 0 < ev.p_gap < 0.05
    # the gap is the slope of paired differences
    diff = t.losses() - c.losses()
    assert ev.gap == pytest.approx((diff[1].mean() - diff[0].mean()) / 2.0)
    assert np.all(np.isfinite(diff))


def test_identical_task_and_control_have_zero_gap(tmp_path):
    cfg = ScorerConfig(bootstrap_samples=200)
    task, _ = _sets(20)
    ev, _, _ = score_pair(
        task, task, LADDER, cfg, ModelPool(cfg), ScoreCache(str(tmp_path / "c.sqlite")), seed=0
    )
    assert ev.gap == 0 and ev.gap_ci == (0.0, 0.0)
    assert ev.p_gap == 1.0
