"""A candidate as the report shows it: the store's evidence, plus its task folder when written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from invscale.search.evaluate import PairedEvaluation
from invscale.search.report.folders import PROB_LABELS, FolderInfo, ladder_checks, robustness_share
from invscale.search.report.records import Estimate, ModelPoint, Neighbour, Novelty, TaskView
from invscale.search.store import CandidateRow, RunStore


def _estimate(value: float, interval: tuple[float, float]) -> Estimate:
    return Estimate(float(value), float(interval[0]), float(interval[1]))


def _model_point(raw: Mapping[str, Any]) -> ModelPoint:
    return ModelPoint(
        name=str(raw["name"]),
        params=int(raw["params"]),
        loss=float(raw["loss"]),
        loss_se=raw.get("loss_se"),
        accuracy=raw.get("accuracy"),
        control_loss=raw.get("control_loss"),
        control_accuracy=raw.get("control_accuracy"),
        class_mass=raw.get("class_mass"),
    )


def novelty_of(store: RunStore, cid: str) -> Novelty | None:
    """The novelty verdict recorded for a candidate."""
    row = store.evaluation(cid, "novelty")
    if row is None:
        return None
    data = row.data
    nearest = [n for n in data.get("nearest") or [] if isinstance(n, list | tuple) and len(n) == 3]
    top = max(nearest, key=lambda n: n[2], default=None)
    novel = bool(data.get("novel"))
    return Novelty(
        novel=novel,
        score=float(data.get("score", float("nan"))),
        reason=str(data.get("reason", "")),
        nearest=None if top is None else Neighbour(str(top[0]), str(top[1]), float(top[2])),
        kind=str(data.get("kind") or ("novel" if novel else "not novel")),
        task=data.get("task"),
        task_title=str(data.get("task_title") or ""),
    )


def evaluation_of(store: RunStore, cid: str) -> tuple[str, PairedEvaluation] | None:
    """The candidate's strongest evidence: its confirmation, else its largest halving stage."""
    rows = [e for e in store.evaluations(cid) if e.phase.startswith(("stage", "confirm"))]
    rows.sort(key=lambda e: (e.phase == "confirm", e.n_examples), reverse=True)
    for row in rows:
        try:
            return row.phase, PairedEvaluation.from_dict(row.data)
        except (TypeError, KeyError, ValueError):
            continue  # written by another version of the loop: fall back to an older phase
    return None


def _evaluated_on(phase: str) -> str:
    if phase == "confirm":
        return "confirmation set (fresh items, never used for selection)"
    return f"selection set, halving {phase} (biased by selection: not evidence on its own)"


def base_view(store: RunStore, row: CandidateRow) -> TaskView | None:
    """A candidate's view from the store alone (None when it has no scored evaluation)."""
    found = evaluation_of(store, row.id)
    if found is None:
        return None
    phase, ev = found
    template = row.template
    return TaskView(
        id=row.id,
        title=str(template.get("title") or row.id),
        status=row.status,
        reason=row.reason or f"no decision yet: {row.status} (the run is still going)",
        hypothesis=str(template.get("hypothesis") or ""),
        cause_family=str(template.get("cause_family") or "unknown"),
        operator=row.operator,
        task_type=str(template.get("task_type") or ""),
        phase=phase,
        evaluated_on=_evaluated_on(phase),
        n=ev.n,
        slope=_estimate(ev.slope, ev.slope_ci),
        control=_estimate(ev.control_slope, ev.control_ci),
        gap=_estimate(ev.gap, ev.gap_ci),
        p_value=max(ev.p_gap, ev.p_slope),
        models=tuple(sorted((_model_point(m) for m in ev.models), key=lambda m: m.params)),
        novelty=novelty_of(store, row.id),
        uncertainty=ev.uncertainty,
        freshness=freshness_text(ev),
        decomposition=decomposition_text(ev),
        checks=check_lines(ev),
    )


def freshness_text(ev: PairedEvaluation) -> str:
    """The confirmation's freshness count, in words ("" when not a confirmation)."""
    if ev.shared_entities is None:
        return ""
    return (
        f"{ev.shared_entities} confirmation item(s) share an entity with a selection item of "
        f"the candidate or its {ev.ancestors_checked or 0} ancestor(s)"
    )


def decomposition_text(ev: PairedEvaluation) -> str:
    """The strong-prior decomposition next to the gap, in words ("" when not measured)."""
    d = ev.decomposition
    if d is None:
        return ""
    return (
        f"{d.label}. Follows the statement: {d.follows_slope:+.3f} log-odds/decade "
        f"[{d.follows_ci[0]:+.3f}, {d.follows_ci[1]:+.3f}]; knows the fact (no statement): "
        f"{d.knows_slope:+.3f} [{d.knows_ci[0]:+.3f}, {d.knows_ci[1]:+.3f}]; consistent "
        f"control's loss slope {d.consistent_slope:+.3f}"
    )


def check_lines(ev: PairedEvaluation) -> tuple[str, ...]:
    """Each model's top label share and answer support, on the task and the control."""
    lines = []
    for name, models in (("task", ev.diagnostics), ("control", ev.control_diagnostics)):
        for d in models:
            label = f"top label {d.top_label_share:.0%}; " if d.predicted_shares else ""
            lines.append(
                f"{name}, {d.name}: {label}{d.share_supported:.0%} of items with support >= "
                f"{d.support_threshold:.3g} (median {d.support[2]:.3g})"
            )
    return tuple(lines)


def with_folder(view: TaskView, info: FolderInfo) -> TaskView:
    """Add a task folder's plot, examples, robustness and other ladders to a view."""
    summary = info.summary
    task_type = str(summary.get("task_type") or view.task_type)
    return replace(
        view,
        task_type=task_type,
        evaluated_on=str(summary.get("evaluated_on") or view.evaluated_on),
        folder=info.path,
        plot=info.plot,
        plot_caption="scaling.png from the task folder (task and control)" if info.plot else "",
        prob_label=PROB_LABELS.get(task_type, ""),
        examples=info.examples,
        robustness=robustness_share(summary),
        other_ladders=ladder_checks(summary),
        problems=view.problems + info.problems,
        rescored_on=tuple(str(n) for n in summary.get("rescored_on") or ()),
    )


def with_store_plot(view: TaskView) -> TaskView:
    """Draw a plot from the store's per-model means for a view that has none."""
    from invscale.search.report.plots import evaluation_plot

    where = "scaling.png could not be read" if view.folder else "no task folder yet"
    caption = (
        f"drawn from the run store ({view.phase}, n={view.n}; {where}); "
        "the store keeps no standard error for the control's loss"
    )
    return replace(view, plot=evaluation_plot(view), plot_caption=caption)


def folder_of(run_dir: Path, sub: str, cid: str) -> Path | None:
    """The folder ``<run>/<sub>/<cid>-<slug>`` of a candidate, when written."""
    base = run_dir / sub
    if not base.is_dir():
        return None
    hits = sorted(
        p for p in base.iterdir() if p.is_dir() and (p.name == cid or p.name.startswith(cid + "-"))
    )
    return hits[0] if hits else None
