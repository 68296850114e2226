from __future__ import annotations

import math

import pytest

from invscale.scorer.config import Rung, ladder_kind
from invscale.scorer.diagnostics import answer_shares, diagnose_model
from invscale.scorer.metrics import ExampleScore
from invscale.scorer.records import ClassificationExample, SequenceProbExample, TaskDataset
from invscale.scorer.score import summarize_model

RUNG = Rung(name="m", params=10**8, backend="fake")


def _balanced(n: int) -> TaskDataset:
    items = tuple(ClassificationExample(f"Q{i}", (" A", " B"), i % 2) for i in range(n))
    return TaskDataset("t", "classification", items)


def _score(predicted: int, mass: float) -> ExampleScore:
    lm = math.log(mass)
    return ExampleScore(0.5, None, lm, (), lm, predicted=predicted)


def test_a_model_that_drifts_to_one_label_shows_it_in_its_shares():
    data = _balanced(100)
    scores = [_score(0 if i < 92 else 1, 0.6) for i in range(100)]
    d = diagnose_model(summarize_model("classification", RUNG, "f", scores), data, 0.3)
    assert d is not None
    assert answer_shares(data) == (0.5, 0.5)
    assert d.predicted_shares == pytest.approx((0.92, 0.08))
    assert d.top_label_share == pytest.approx(0.92)


def test_a_mean_mass_hides_items_the_distribution_shows():
    # 10% of items at 0.5 and 90% at 0.01: the example of a mean that passes 0.05.
    data = _balanced(100)
    scores = [_score(i % 2, 0.5 if i < 10 else 0.01) for i in range(100)]
    result = summarize_model("classification", RUNG, "f", scores)
    assert result.summary.mean_class_prob == pytest.approx(0.059)
    d = diagnose_model(result, data, 0.3)
    assert d is not None and d.share_supported == pytest.approx(0.1)
    assert d.support[2] == pytest.approx(0.01)  # the median


def test_sequence_prob_support_is_the_per_token_probability():
    data = TaskDataset("s", "sequence_prob", (SequenceProbExample("a", " b c"),))
    score = ExampleScore(4.0, None, None, n_tokens=2)
    d = diagnose_model(summarize_model("sequence_prob", RUNG, "f", [score]), data, math.exp(-3))
    assert d is not None and d.mean_support == pytest.approx(math.exp(-2.0))
    assert d.share_supported == 1.0 and d.predicted_shares == ()


def test_ladder_kind_needs_three_sizes_of_one_family():
    def rung(name: str, params: int, family: str | None = None) -> Rung:
        return Rung(name=name, params=params, family=family)

    offline = [rung("smollm2-135m", 135 * 10**6), rung("gemma3-270m", 270 * 10**6)]
    assert ladder_kind(offline) == "two-model contrast"
    pythia = [rung(f"pythia-{s}", s) for s in (70, 160, 410)]
    assert ladder_kind(pythia) == "scaling ladder"
    mixed = [rung("a", 1, "x"), rung("b", 2, "x"), rung("c", 3, "y")]
    assert ladder_kind(mixed) == "two-model contrast"
