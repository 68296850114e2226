"""Artefact checks on a confirmation: each failure is a refusal with a reason code of its own.

A rising loss is only evidence of a belief that scales badly when the models are answering: they
spread their answers like the right answers are spread, they put real probability on the answers,
and their accuracy falls with the loss. Each check reads numbers the evaluation recorded for every
model, on the task and on the control. Items some model does not answer do not veto a task: the
effect must hold on the items every model answers (:mod:`invscale.search.support`), and there
must be enough of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from invscale.scorer.diagnostics import ModelDiagnostics
from invscale.search.config import AcceptanceConfig
from invscale.search.evaluate import PairedEvaluation
from invscale.search.reasons import Reason
from invscale.search.support import SupportedEffect


@dataclass(frozen=True)
class Refusal:
    """Why a confirmation is refused despite its p-value."""

    code: Reason
    text: str


def _sets(
    ev: PairedEvaluation,
) -> Iterator[tuple[str, tuple[float, ...], tuple[ModelDiagnostics, ...]]]:
    yield "task", ev.answer_shares, ev.diagnostics
    if ev.controlled:
        yield "control", ev.control_answer_shares, ev.control_diagnostics


def label_bias(ev: PairedEvaluation, cfg: AcceptanceConfig) -> list[Refusal]:
    """Models that put most items of a balanced set on one label."""
    out = []
    for name, shares, models in _sets(ev):
        k = len(shares)
        if k < 2 or max(abs(s - 1 / k) for s in shares) > cfg.balance_tolerance:
            continue  # only a balanced set says what an unbiased model's shares look like
        for d in models:
            if d.top_label_share >= cfg.max_label_share:
                label = d.predicted_shares.index(d.top_label_share) + 1
                out.append(
                    Refusal(
                        Reason.LABEL_BIAS,
                        f"{d.name} puts {d.top_label_share:.0%} of the {name}'s items on label "
                        f"{label} of {k} (right answers {max(shares):.0%} at most; limit "
                        f"{cfg.max_label_share:.0%})",
                    )
                )
    return out


def support(ev: PairedEvaluation, cfg: AcceptanceConfig, sequence: bool) -> list[Refusal]:
    """Too few items where the models answer: for sequence_prob, every model finds most
    continuations rarer than a chance-level token; with classes, too few items (or entity
    clusters) get ``class_mass_tau`` from every model for the effect to be judged on them."""
    if sequence:
        return _rare_continuation(ev, cfg)
    s = ev.supported
    if s is None:
        return _per_model_mass(ev, cfg)  # an evaluation stored before the supported test
    if on_supported(ev, cfg):
        return []
    return [too_few_supported(ev, s, cfg)]


def too_few_supported(ev: PairedEvaluation, s: SupportedEffect, cfg: AcceptanceConfig) -> Refusal:
    """The refusal of a task with too few supported items or entity clusters."""
    return Refusal(
        Reason.LOW_MASS_SHARE,
        f"only {s.share:.0%} of items ({s.n}, {s.clusters} entity clusters) get class "
        f"mass >= {s.tau:g} from every model{_on_both(ev)} ({cfg.min_supported_items:.0%} "
        f"and {cfg.min_supported_clusters} clusters needed; per model: {_shares(ev)})",
    )


def supported_significance(ev: PairedEvaluation, level: float) -> list[Refusal]:
    """An effect that is not significant on the supported items on their own, at ``level`` (the
    level the candidate's p-value was held to after the correction): called by the decision
    when the whole set is significant at that level and the supported items are not."""
    s = ev.supported
    if s is None or s.p <= level:
        return []
    return [
        Refusal(
            Reason.SUPPORTED_NOT_SIGNIFICANT,
            f"on the items every model answers the effect is not significant: {s.text()} "
            f"(level {level:.2g})",
        )
    ]


def _on_both(ev: PairedEvaluation) -> str:
    return " on the task and its control" if ev.controlled else ""


def _shares(ev: PairedEvaluation) -> str:
    return ", ".join(
        f"{name} {d.name} {d.share_supported:.0%}" for name, _, models in _sets(ev) for d in models
    )


def _rare_continuation(ev: PairedEvaluation, cfg: AcceptanceConfig) -> list[Refusal]:
    out = []
    for name, _, models in _sets(ev):
        weak = [d for d in models if d.share_supported < cfg.min_supported_share]
        if weak and len(weak) == len(models):
            listed = ", ".join(f"{d.name} {d.share_supported:.0%}" for d in weak)
            out.append(
                Refusal(
                    Reason.RARE_CONTINUATION,
                    f"every model finds the {name}'s continuations rarer than chance-level "
                    f"tokens on most items (share above chance: {listed}; "
                    f"{cfg.min_supported_share:.0%} needed)",
                )
            )
    return out


def _per_model_mass(ev: PairedEvaluation, cfg: AcceptanceConfig) -> list[Refusal]:
    """The rule before the supported test, kept for evaluations stored without its numbers."""
    return [
        Refusal(
            Reason.LOW_MASS_SHARE,
            f"{d.name} puts class mass >= {d.support_threshold:g} on "
            f"{d.share_supported:.0%} of the {name}'s items (median "
            f"{d.support[2]:.3f}; {cfg.min_supported_share:.0%} needed)",
        )
        for name, _, models in _sets(ev)
        for d in models
        if d.share_supported < cfg.min_supported_share
    ]


def accuracy(ev: PairedEvaluation, cfg: AcceptanceConfig) -> list[Refusal]:
    """A loss that rises while the accuracy does not fall (not asked of absolute_logodds, whose
    loss is the size of a change between two prompts, not a wrong answer)."""
    if not cfg.require_accuracy_drop or ev.accuracy_slope is None or ev.accuracy_slope < 0:
        return []
    if ev.task_type == "absolute_logodds":
        return []
    return [
        Refusal(
            Reason.ACCURACY_NOT_DOWN,
            f"accuracy slope {ev.accuracy_slope:+.3f} per decade does not fall with the loss "
            f"(loss slope {ev.slope:+.3f})",
        )
    ]


def freshness(ev: PairedEvaluation) -> list[Refusal]:
    """Confirmation items that share an entity with selection items."""
    if not ev.shared_entities:
        return []
    return [
        Refusal(
            Reason.CONFIRMATION_LEAK,
            f"{ev.shared_entities} confirmation item(s) share an entity with the selection items "
            f"of the candidate or its {ev.ancestors_checked or 0} ancestor(s)",
        )
    ]


def mean_mass(ev: PairedEvaluation, min_class_mass: float) -> list[Refusal]:
    """The largest model's mean class mass below the configured floor."""
    if ev.largest_class_mass is None or ev.largest_class_mass >= min_class_mass:
        return []
    return [
        Refusal(
            Reason.LOW_CLASS_MASS,
            f"largest model puts {ev.largest_class_mass:.3f} mean probability on the classes "
            f"(< {min_class_mass})",
        )
    ]


def on_supported(ev: PairedEvaluation, cfg: AcceptanceConfig) -> bool:
    """Whether the evaluation has enough supported items and clusters to be tested on them."""
    s = ev.supported
    return (
        s is not None
        and s.share >= cfg.min_supported_items
        and s.clusters >= cfg.min_supported_clusters
    )


def refusals(ev: PairedEvaluation, cfg: AcceptanceConfig, min_class_mass: float) -> list[Refusal]:
    """Every check the evaluation fails, the most basic first."""
    sequence = not ev.answer_shares
    return (
        freshness(ev)
        + label_bias(ev, cfg)
        + support(ev, cfg, sequence)
        + mean_mass(ev, min_class_mass)
        + accuracy(ev, cfg)
    )
