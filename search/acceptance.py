"""Acceptance under multiplicity: a search that tests many candidates finds some by chance.

Each candidate that reaches confirmation is tested once, on a fresh set it was never selected on.
Its p-value is the larger of (gap > 0) and (slope > 0), an intersection-union test of "the task
inverse-scales and the manipulation causes it", taken on the items every model answers when
there are enough of them. Those p-values are corrected across every
confirmation test of the run (Holm's step-down by default, or Benjamini-Hochberg); a confirmation
with too few supported items is refused whatever its p-value and is left out of that family
(:func:`testable`). A significant
candidate is still refused when an artefact check fails (:mod:`invscale.search.checks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from invscale.search.checks import (
    Refusal,
    on_supported,
    refusals,
    supported_significance,
    too_few_supported,
)
from invscale.search.config import SearchConfig
from invscale.search.evaluate import FEW_CLUSTERS, PairedEvaluation, p_floor
from invscale.search.reasons import Reason

Correction = Literal["holm", "bh", "bonferroni", "none"]


def holm(pvalues: Sequence[float], alpha: float) -> list[bool]:
    """Holm's step-down procedure (controls the family-wise error rate)."""
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    m = len(pvalues)
    rejected = [False] * m
    for rank, i in enumerate(order):
        if pvalues[i] > alpha / (m - rank):
            break
        rejected[i] = True
    return rejected


def benjamini_hochberg(pvalues: Sequence[float], alpha: float) -> list[bool]:
    """Benjamini-Hochberg step-up procedure (controls the false discovery rate)."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    cutoff = -1
    for rank, i in enumerate(order):
        if pvalues[i] <= alpha * (rank + 1) / m:
            cutoff = rank
    rejected = [False] * m
    for rank in range(cutoff + 1):
        rejected[order[rank]] = True
    return rejected


def significant(pvalues: Sequence[float], alpha: float, method: Correction) -> list[bool]:
    """Which hypotheses are rejected (effects declared real) after the chosen correction."""
    if not pvalues:
        return []
    if method == "holm":
        return holm(pvalues, alpha)
    if method == "bh":
        return benjamini_hochberg(pvalues, alpha)
    if method == "bonferroni":
        return [p <= alpha / len(pvalues) for p in pvalues]
    return [p <= alpha for p in pvalues]


def levels(pvalues: Sequence[float], alpha: float, method: Correction) -> list[float]:
    """The level each p-value is held to by the chosen correction: Holm's alpha / (m - rank),
    Benjamini-Hochberg's alpha * k / m at its cutoff k (alpha / m when nothing passes),
    Bonferroni's alpha / m, or alpha. A further test of the same candidate (its effect on the
    supported items) is held to the same level."""
    m = len(pvalues)
    if method == "holm":
        order = sorted(range(m), key=lambda i: pvalues[i])
        out = [0.0] * m
        for rank, i in enumerate(order):
            out[i] = alpha / (m - rank)
        return out
    if method == "bh":
        k = sum(significant(pvalues, alpha, "bh"))
        return [alpha * max(k, 1) / m] * m
    if method == "bonferroni":
        return [alpha / m] * m
    return [alpha] * m


@dataclass(frozen=True)
class Decision:
    """The verdict on one confirmation.

    Attributes:
        code: Accepted, not significant, or the first artefact check it fails.
        text: The verdict in words, with the evidence and every failed check.
        p: The candidate's p-value (the larger of the gap's and the slope's).
        refusals: Every failed artefact check (recorded even when not significant).
    """

    code: Reason
    text: str
    p: float
    refusals: tuple[Refusal, ...]


def decide_all(
    evaluations: Sequence[PairedEvaluation], cfg: SearchConfig, ladder_kind: str
) -> list[Decision]:
    """Verdicts on every confirmation of a run, corrected for multiplicity together.

    A candidate is tested where the models answer: when enough of its items (and entity
    clusters) are supported, its p-value is the one of the effect on those items alone
    (:mod:`invscale.search.support`); otherwise the whole set's, and the support check refuses
    it, outside the correction's family. The whole set's numbers are reported beside.

    Args:
        evaluations: Every confirmation so far (the correction counts every testable one).
        cfg: The search config (alpha, correction, the artefact checks).
        ladder_kind: What the ladder can show (``two-model contrast`` or ``scaling ladder``),
            said in every verdict.
    """
    family = [i for i, ev in enumerate(evaluations) if testable(ev, cfg)]
    pvals = [tested_p(evaluations[i], cfg) for i in family]
    passed = dict(zip(family, significant(pvals, cfg.alpha, cfg.correction), strict=True))
    held = dict(zip(family, levels(pvals, cfg.alpha, cfg.correction), strict=True))
    m = len(family)
    return [
        _decision(ev, tested_p(ev, cfg), passed.get(i), held.get(i, 0.0), m, cfg, ladder_kind)
        for i, ev in enumerate(evaluations)
    ]


def testable(ev: PairedEvaluation, cfg: SearchConfig) -> bool:
    """Whether a confirmation enters the correction's family. One with too few supported items
    is refused (``low_mass_share``) whatever its p-value, so counting it would only make every
    other candidate's level stricter. Leaving it out keeps the family-wise error controlled: the
    supported share is the same whichever model is called the larger, so choosing the family by
    it leaves each sign-flip p-value valid (independent filtering, Bourgon et al. 2010)."""
    return ev.supported is None or on_supported(ev, cfg.acceptance)


def tested_p(ev: PairedEvaluation, cfg: SearchConfig) -> float:
    """The p-value the correction sees: the supported items' when they are enough, else the
    larger of the whole set's gap and slope p-values."""
    if ev.supported is not None and on_supported(ev, cfg.acceptance):
        return ev.supported.p
    return max(ev.p_gap, ev.p_slope)


def _decision(
    ev: PairedEvaluation,
    p: float,
    ok: bool | None,
    level: float,
    m: int,
    cfg: SearchConfig,
    kind: str,
) -> Decision:
    supported = ev.supported if on_supported(ev, cfg.acceptance) else None
    where = "" if supported is None else f" on the {supported.n} supported items"
    left_out = f" (left out of the {cfg.correction} correction over {m} other test(s))"
    tested = (
        f"{cfg.correction} over {m} confirmation test(s) at alpha {cfg.alpha}"
        if ok is not None
        else f"not tested: too few supported items{left_out if m else ''}"
    )
    tail = (
        f"gap {ev.gap:+.3f} [{ev.gap_ci[0]:+.3f}, {ev.gap_ci[1]:+.3f}], slope {ev.slope:+.3f} "
        f"[{ev.slope_ci[0]:+.3f}, {ev.slope_ci[1]:+.3f}], p={p:.2g}{where}, {tested}; {kind}"
    )
    if ev.clusters and ev.clusters < FEW_CLUSTERS:
        tail += f"; only {ev.clusters} entity clusters (p >= {p_floor(ev.clusters):.2g})"
    if ev.supported is not None:
        tail += f"; {ev.supported.text()}"
    if not ev.controlled:
        tail += "; no control: the task's slope alone, the manipulation's part untested"
    refused = tuple(refusals(ev, cfg.acceptance, cfg.min_class_mass))
    if ok is None:  # outside the family: the support check refuses it whatever its p
        if ev.supported is not None and all(r.code is not Reason.LOW_MASS_SHARE for r in refused):
            refused = (*refused, too_few_supported(ev, ev.supported, cfg.acceptance))
        why = "; ".join(r.text for r in refused)
        return Decision(refused[0].code, f"artefact: {why}: {tail}", p, refused)
    if not ok:
        # Significant on the whole set but not where the models answer: the effect is carried
        # by items some model barely puts probability on, which is an artefact of its own.
        if where and max(ev.p_gap, ev.p_slope) <= level:
            refused = (*refused, *supported_significance(ev, level))
            why = "; ".join(r.text for r in refused)
            return Decision(refused[0].code, f"artefact: {why}: {tail}", p, refused)
        return Decision(
            Reason.NOT_SIGNIFICANT, f"not significant after correction: {tail}", p, refused
        )
    if refused:
        why = "; ".join(r.text for r in refused)
        return Decision(refused[0].code, f"artefact: {why}: {tail}", p, refused)
    return Decision(Reason.ACCEPTED, f"accepted: {tail}", p, refused)
