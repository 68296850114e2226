from __future__ import annotations

import pytest

from invscale.search.acceptance import benjamini_hochberg, holm, significant


@pytest.mark.parametrize(
    ("pvalues", "expected"),
    [
        ([0.01, 0.04, 0.03], [True, False, False]),  # 0.01 <= .05/3; 0.03 > .05/2 stops
        ([0.001, 0.02, 0.04], [True, True, True]),  # .001<=.0167, .02<=.025, .04<=.05
        ([0.2, 0.001], [False, True]),
        ([], []),
    ],
)
def test_holm_step_down(pvalues, expected):
    assert holm(pvalues, 0.05) == expected


def test_bh_is_less_strict_than_holm():
    p = [0.01, 0.02, 0.03, 0.04]
    assert holm(p, 0.05) == [True, False, False, False]
    assert benjamini_hochberg(p, 0.05) == [True, True, True, True]


def test_more_tests_make_acceptance_harder():
    one = significant([0.02], 0.05, "holm")
    many = significant([0.02] + [0.9] * 9, 0.05, "holm")
    assert one == [True] and many[0] is False


def test_no_correction_is_plain_threshold():
    assert significant([0.04, 0.06], 0.05, "none") == [True, False]
