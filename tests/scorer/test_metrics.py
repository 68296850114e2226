from __future__ import annotations

import math

import pytest

from invscale.scorer.metrics import chance_loss, prize_columns, score_example
from invscale.scorer.records import (
    ClassificationExample,
    LLRequest,
    LLResult,
    LogoddsExample,
    SequenceProbExample,
)


def _results(table: dict[tuple[str, str], float]) -> dict[LLRequest, LLResult]:
    return {LLRequest(c, k): LLResult(v, 1, False) for (c, k), v in table.items()}


def test_classification_loss_renormalises_over_classes():
    ex = ClassificationExample("Q:", (" Yes", " No"), 1)
    r = _results({("Q:", " Yes"): math.log(0.3), ("Q:", " No"): math.log(0.1)})
    s = score_example(ex, "classification", r)
    assert s.loss == pytest.approx(-math.log(0.1 / 0.4))
    assert s.correct is False
    assert s.total_logprob == pytest.approx(math.log(0.4))


def test_classification_with_three_classes_picks_argmax():
    ex = ClassificationExample("Q:", (" a", " b", " c"), 2)
    r = _results({("Q:", " a"): -3.0, ("Q:", " b"): -2.0, ("Q:", " c"): -1.0})
    s = score_example(ex, "classification", r)
    assert s.correct is True
    z = math.exp(-3) + math.exp(-2) + math.exp(-1)
    assert s.loss == pytest.approx(-math.log(math.exp(-1) / z))


def test_sequence_prob_loss_is_negative_logprob():
    ex = SequenceProbExample("The cat", " sat")
    s = score_example(ex, "sequence_prob", _results({("The cat", " sat"): -2.5}))
    assert s.loss == pytest.approx(2.5)
    assert s.correct is None and s.total_logprob is None


@pytest.mark.parametrize(
    ("task_type", "answer", "expected"),
    [
        # prompt log-odds = ln(0.8/0.2); other = ln(0.4/0.6)
        ("logodds", 0, math.log(4) - math.log(2 / 3)),
        ("logodds", 1, -(math.log(4) - math.log(2 / 3))),
        ("absolute_logodds", 1, math.log(4) - math.log(2 / 3)),
    ],
)
def test_logodds_difference_sign_follows_answer_index(task_type, answer, expected):
    ex = LogoddsExample("P:", "O:", (" Yes", " No"), answer)
    r = _results(
        {
            ("P:", " Yes"): math.log(0.8),
            ("P:", " No"): math.log(0.2),
            ("O:", " Yes"): math.log(0.4),
            ("O:", " No"): math.log(0.6),
        }
    )
    s = score_example(ex, task_type, r)
    assert s.loss == pytest.approx(expected)
    assert s.correct is (answer == 1)  # argmax on the other prompt is " No"
    # The Prize's HF column: log(m1 + m2) over the two prompts (each puts all its mass on the
    # classes here, so log 2); the checks read one prompt's mass, the geometric mean.
    assert s.total_logprob == pytest.approx(math.log(2))
    assert s.class_logmass == pytest.approx(0.0)
    assert s.predicted == 1


def test_logodds_total_logprob_adds_the_two_prompts_masses():
    ex = LogoddsExample("P:", "O:", (" Yes", " No"), 0)
    r = _results(
        {
            ("P:", " Yes"): math.log(0.3),
            ("P:", " No"): math.log(0.1),
            ("O:", " Yes"): math.log(0.05),
            ("O:", " No"): math.log(0.05),
        }
    )
    s = score_example(ex, "logodds", r)
    assert s.total_logprob == pytest.approx(math.log(0.4 + 0.1))
    assert s.class_logmass == pytest.approx((math.log(0.4) + math.log(0.1)) / 2)


def test_prize_column_names():
    ex = ClassificationExample("Q:", (" Yes", " No"), 0)
    s = score_example(ex, "classification", _results({("Q:", " Yes"): -1.0, ("Q:", " No"): -2.0}))
    cols = prize_columns("classification", "opt-125m", s)
    assert set(cols) == {"opt-125m_loss", "opt-125m_correct", "opt-125m_total_logprob"}
    assert cols["opt-125m_correct"] == 1
    s2 = score_example(
        LogoddsExample("P", "O", (" a", " b"), 0),
        "logodds",
        _results({("P", " a"): -1.0, ("P", " b"): -1.0, ("O", " a"): -1.0, ("O", " b"): -1.0}),
    )
    assert "m_logodds_difference" in prize_columns("logodds", "m", s2)


def test_chance_loss_averages_log_class_counts():
    from invscale.scorer.records import TaskDataset

    ds = TaskDataset(
        "t",
        "classification",
        (
            ClassificationExample("a", (" x", " y"), 0),
            ClassificationExample("b", (" x", " y", " z", " w"), 0),
        ),
    )
    assert chance_loss(ds) == pytest.approx((math.log(2) + math.log(4)) / 2)
