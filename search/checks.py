"""Artefact checks on a confirmation: each failure is a refusal with a reason code of its own.

A rising loss is only evidence of a belief that scales badly when the models are answering: they
spread their answers like the right answers are spread, they put real probability on the answers,
and their accuracy falls with the loss. Each check reads numbers the evaluation recorded for every
model, on the task and on the control.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from invscale.scorer.diagnostics import ModelDiagnostics
from invscale.search.config import AcceptanceConfig
from invscale.search.evaluate import PairedEvaluation
from invscale.search.reasons import Reason


@dataclass(frozen=True)
class Refusal:
    """Why a confirmation is refused despite its p-value."""

    code: Reason
    text: str


def _sets(
    ev: PairedEvaluation,
) -> Iterator[tuple[str, tuple[float, ...], tuple[ModelDiagnostics, ...]]]:
    yield "task", ev.answer_shares, ev.diagnostics
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
    """Models that put too little probability on the answers of too many items."""
    out = []
    for name, _, models in _sets(ev):
        weak = [d for d in models if d.share_supported < cfg.min_supported_share]
        if sequence and weak and len(weak) == len(models):
            listed = ", ".join(f"{d.name} {d.share_supported:.0%}" for d in weak)
            out.append(
                Refusal(
                    Reason.RARE_CONTINUATION,
                    f"every model finds the {name}'s continuations rarer than chance-level "
                    f"tokens on most items (share above chance: {listed}; "
                    f"{cfg.min_supported_share:.0%} needed)",
                )
            )
        elif not sequence:
            out += [
                Refusal(
                    Reason.LOW_MASS_SHARE,
                    f"{d.name} puts class mass >= {d.support_threshold:g} on "
                    f"{d.share_supported:.0%} of the {name}'s items (median "
                    f"{d.support[2]:.3f}; {cfg.min_supported_share:.0%} needed)",
                )
                for d in weak
            ]
    return out


def accuracy(ev: PairedEvaluation, cfg: AcceptanceConfig) -> list[Refusal]:
    """A loss that rises while the accuracy does not fall."""
    if not cfg.require_accuracy_drop or ev.accuracy_slope is None or ev.accuracy_slope < 0:
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
