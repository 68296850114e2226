from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from invscale.scorer.diagnostics import ModelDiagnostics
from invscale.scorer.fit import sign_flip_p
from invscale.search.acceptance import decide_all, levels
from invscale.search.checks import refusals
from invscale.search.config import AcceptanceConfig, SearchConfig
from invscale.search.evaluate import PairedEvaluation, uncertainty_text
from invscale.search.reasons import Reason
from invscale.search.support import SupportedEffect


def _model(name: str, shares=(0.5, 0.5), supported=0.95, threshold=0.3) -> ModelDiagnostics:
    return ModelDiagnostics(name, 1, shares, (0.3, 0.4, 0.6, 0.7, 0.8), threshold, supported, 0.6)


def _ev(p: float = 1e-6, **changes) -> PairedEvaluation:
    base = PairedEvaluation(
        n=300,
        slope=0.5,
        slope_ci=(0.2, 0.8),
        control_slope=0.0,
        control_ci=(-0.1, 0.1),
        gap=0.5,
        gap_ci=(0.2, 0.8),
        p_gap=p,
        p_slope=p,
        accuracy_slope=-0.2,
        largest_class_mass=0.6,
        models=(),
        answer_shares=(0.5, 0.5),
        control_answer_shares=(0.5, 0.5),
        diagnostics=(_model("small"), _model("large")),
        control_diagnostics=(_model("small"), _model("large")),
        shared_entities=0,
    )
    return replace(base, **changes)


def _codes(ev: PairedEvaluation) -> list[Reason]:
    return [r.code for r in refusals(ev, AcceptanceConfig(), 0.05)]


def test_a_clean_evaluation_passes_every_check():
    assert _codes(_ev()) == []


def test_a_larger_model_drifting_to_one_label_is_refused():
    ev = _ev(diagnostics=(_model("small"), _model("large", (0.92, 0.08))))
    assert _codes(ev) == [Reason.LABEL_BIAS]
    # An unbalanced set has no unbiased shares to compare with: not checked.
    assert _codes(replace(ev, answer_shares=(0.9, 0.1))) == []


def _supported(share=0.6, clusters=150, p=1e-6, n=300) -> SupportedEffect:
    k = round(share * n)
    return SupportedEffect(0.3, k, share, clusters, 0.5, (0.2, 0.8), p, n - k, 0.4)


def test_an_evaluation_stored_before_the_supported_test_keeps_the_per_model_rule():
    ev = _ev(control_diagnostics=(_model("small", supported=0.4), _model("large")))
    assert _codes(ev) == [Reason.LOW_MASS_SHARE]


def test_a_model_answering_few_items_no_longer_vetoes_an_effect_found_where_all_answer():
    # The memo trap on the offline ladder: SmolLM2 put class mass 0.3 on 39% of the items.
    weak = (_model("smollm2", supported=0.39), _model("gemma", supported=0.65))
    ev = _ev(diagnostics=weak, supported=_supported(share=0.35, clusters=90))
    assert _codes(ev) == []
    (decision,) = decide_all([ev], SearchConfig(), "two-model contrast")
    assert decision.code is Reason.ACCEPTED and "35% of items (105, 90 entity clusters)" in (
        decision.text
    )


def test_too_few_supported_items_or_clusters_refuse_with_the_low_mass_code():
    assert _codes(_ev(supported=_supported(share=0.1))) == [Reason.LOW_MASS_SHARE]
    few = _ev(supported=_supported(clusters=12))
    (decision,) = decide_all([few], SearchConfig(), "two-model contrast")
    assert decision.code is Reason.LOW_MASS_SHARE and "12 entity clusters" in decision.text


def test_a_confirmation_with_too_few_supported_items_does_not_tighten_the_others_level():
    tested = _ev(p=0.03, supported=_supported(p=0.03))
    unanswered = [_ev(p=1e-6, supported=_supported(share=0.1, p=1.0))] * 9
    first, *rest = decide_all([tested, *unanswered], SearchConfig(), "two-model contrast")
    assert first.code is Reason.ACCEPTED  # 0.03 <= 0.05: the nine cannot be accepted, not counted
    assert "holm over 1 confirmation test(s)" in first.text
    assert {d.code for d in rest} == {Reason.LOW_MASS_SHARE}
    assert "not tested: too few supported items (left out of the holm correction over 1 other" in (
        rest[0].text
    )
    no_shares = _ev(answer_shares=(), supported=_supported(share=0.1))  # no balance to read
    (alone,) = decide_all([no_shares], SearchConfig(), "two-model contrast")
    assert alone.code is Reason.LOW_MASS_SHARE and "only 10% of items" in alone.text
    counted = decide_all([tested] + [_ev(p=0.9)] * 9, SearchConfig(), "two-model contrast")
    assert counted[0].code is Reason.NOT_SIGNIFICANT  # nine testable ones do count: 0.03 > 0.005


def test_an_effect_not_significant_on_the_supported_items_is_refused_at_the_corrected_level():
    ev = _ev(supported=_supported(p=0.01))
    assert _codes(ev) == []  # the level is the correction's: only decide_all knows it
    (alone,) = decide_all([ev], SearchConfig(), "two-model contrast")
    assert alone.code is Reason.ACCEPTED  # 0.01 <= 0.05 with one test
    many = decide_all([ev] + [_ev(p=0.9)] * 9, SearchConfig(), "two-model contrast")
    assert many[0].code is Reason.SUPPORTED_NOT_SIGNIFICANT  # 0.01 > 0.05 / 10
    assert "level 0.005" in many[0].text


def test_levels_are_the_thresholds_each_correction_holds_a_p_value_to():
    ps = [0.001, 0.2, 0.01]
    assert levels(ps, 0.05, "holm") == pytest.approx([0.05 / 3, 0.05, 0.05 / 2])
    assert levels(ps, 0.05, "bonferroni") == pytest.approx([0.05 / 3] * 3)
    assert levels(ps, 0.05, "bh") == pytest.approx([0.05 * 2 / 3] * 3)
    assert levels(ps, 0.05, "none") == [0.05] * 3


def test_a_rising_loss_without_falling_accuracy_is_refused():
    assert _codes(_ev(accuracy_slope=0.01)) == [Reason.ACCURACY_NOT_DOWN]
    relaxed = AcceptanceConfig(require_accuracy_drop=False)
    assert refusals(_ev(accuracy_slope=0.01), relaxed, 0.05) == []


def test_sequence_prob_refuses_only_when_no_model_finds_the_continuation_plausible():
    seq = {"answer_shares": (), "control_answer_shares": (), "accuracy_slope": None}
    one_weak = (_model("small", (), 0.9), _model("large", (), 0.2))
    assert (
        _codes(_ev(**seq, diagnostics=one_weak)) == []
    )  # the larger model rejecting it is the effect
    both = (_model("small", (), 0.3), _model("large", (), 0.2))
    assert _codes(_ev(**seq, diagnostics=both)) == [Reason.RARE_CONTINUATION]


def test_a_confirmation_sharing_entities_is_refused():
    assert _codes(_ev(shared_entities=3, ancestors_checked=1)) == [Reason.CONFIRMATION_LEAK]


def test_a_strong_effect_meets_holm_at_200_tests_and_the_verdict_names_the_ladder():
    rng = np.random.default_rng(0)
    p = sign_flip_p(rng.normal(0.4, 1.0, 300), np.arange(300), 100_000, 0)
    evs = [_ev(p)] + [_ev(float(q)) for q in rng.uniform(0, 1, 199)]
    decisions = decide_all(evs, SearchConfig(), "two-model contrast")
    assert decisions[0].code is Reason.ACCEPTED and p < 0.05 / 200
    assert "holm over 200" in decisions[0].text and "two-model contrast" in decisions[0].text
    assert all(d.code is Reason.NOT_SIGNIFICANT for d in decisions[1:])


def test_a_significant_artefact_is_refused_with_its_own_code():
    biased = _ev(diagnostics=(_model("small"), _model("large", (0.1, 0.9))))
    (decision,) = decide_all([biased], SearchConfig(), "scaling ladder")
    assert decision.code is Reason.LABEL_BIAS and "90%" in decision.text


def test_a_verdict_on_few_entity_clusters_says_how_low_its_p_value_can_go():
    few = decide_all([_ev(p=0.0156, clusters=6)] * 4, SearchConfig(), "two-model contrast")[0]
    assert few.code is Reason.NOT_SIGNIFICANT  # 1/64 cannot meet Holm's 0.05/4
    assert "only 6 entity clusters (p >= 0.016)" in few.text
    (many,) = decide_all([_ev(clusters=300)], SearchConfig(), "two-model contrast")
    assert "entity clusters" not in many.text


def test_the_uncertainty_text_warns_when_clusters_are_few():
    assert "too narrow" in uncertainty_text(300, 6, 100_000)
    assert "too narrow" not in uncertainty_text(300, 40, 100_000)
