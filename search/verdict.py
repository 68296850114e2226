"""The one decision of "is this inverse scaling", for a scored dataset outside a search.

``invscale score`` and ``invscale analyze`` judge a file with the search's own rule: the paired
evaluation (cluster bootstrap, sign-flip p-values, diagnostics, the effect on the supported
items) and :func:`~invscale.search.acceptance.decide_all` with its artefact checks, as one test
(m = 1). A loss slope alone is never called inverse scaling: a model drifting to one label, a
confidence that falls while the answers improve, or tail noise on classes the models do not
answer all raise the loss too. Without a control the task's slope stands in for the gap, and the
verdict says the manipulation's part was not tested.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from invscale.scorer import (
    LadderResult,
    ModelPool,
    ScoreCache,
    TaskDataset,
    UsageError,
    analyze_file,
    load_task,
    score_dataset,
    summary_dict,
    write_results,
)
from invscale.scorer.config import ladder_kind
from invscale.scorer.fileio import write_jsonl
from invscale.scorer.results import labelled_rows
from invscale.scorer.score import Progress
from invscale.search.acceptance import Decision, decide_all
from invscale.search.config import Config
from invscale.search.evaluate import PairedEvaluation, paired_evaluation
from invscale.search.reasons import Reason

# What each refusal makes of a rising loss, in the verdict line.
_WHAT = {
    Reason.LABEL_BIAS: "a label preference",
    Reason.ACCURACY_NOT_DOWN: "confidence moving while the answers do not get worse",
    Reason.LOW_MASS_SHARE: "too few items the models answer to judge",
    Reason.SUPPORTED_NOT_SIGNIFICANT: "an effect carried by items the models do not answer",
    Reason.LOW_CLASS_MASS: "tail noise on classes the models barely consider",
    Reason.RARE_CONTINUATION: "noise on continuations no model finds plausible",
    Reason.CONFIRMATION_LEAK: "evidence from items that were not fresh",
}


@dataclass(frozen=True)
class Verdict:
    """The search's decision on one scored dataset (and its control, when given).

    Attributes:
        kind: ``inverse scaling``, ``not significant`` or ``refused``.
        code: The decision's reason code (accepted, not significant or the first failed check).
        codes: The code, then every failed check's code (recorded even when not significant).
        line: The verdict in one line, as ``score`` and ``analyze`` print it.
        decision: The decision, with its full text and every refusal.
        evaluation: The evidence: slopes, the paired gap, diagnostics, the supported effect.
    """

    kind: str
    code: Reason
    codes: tuple[Reason, ...]
    line: str
    decision: Decision
    evaluation: PairedEvaluation

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as ``summary.json`` carries it."""
        ev = self.evaluation
        return {
            "kind": self.kind,
            "code": str(self.code),
            "codes": [str(c) for c in self.codes],
            "line": self.line,
            "text": self.decision.text,
            "p": self.decision.p,
            "refusals": [{"code": str(r.code), "text": r.text} for r in self.decision.refusals],
            "controlled": ev.controlled,
            "slope": ev.slope,
            "slope_ci": ev.slope_ci,
            "control_slope": ev.control_slope if ev.controlled else None,
            "control_ci": ev.control_ci if ev.controlled else None,
            "gap": ev.gap if ev.controlled else None,
            "gap_ci": ev.gap_ci if ev.controlled else None,
            "accuracy_slope": ev.accuracy_slope,
            "control_accuracy_slope": ev.control_accuracy_slope,
            "supported": None if ev.supported is None else asdict(ev.supported),
            "diagnostics": [asdict(d) for d in ev.diagnostics],
            "control_diagnostics": [asdict(d) for d in ev.control_diagnostics],
            "uncertainty": ev.uncertainty,
        }


def judge(
    task: LadderResult,
    control: LadderResult | None,
    cfg: Config,
    ladder_kind: str,
    clusters: list[str] | None = None,
) -> Verdict:
    """Decide a scored dataset as the search decides a confirmation (one test, no correction).

    Args:
        task: The dataset, scored on a ladder.
        control: Its control scored on the same ladder (paired item by item), or None.
        cfg: The config (the scorer's bootstrap, the search's alpha and artefact checks).
        ladder_kind: What the ladder can show, said in the verdict.
        clusters: Each item's entity (items of one entity are resampled and flipped together);
            every item its own when None.
    """
    ev = paired_evaluation(
        task, control, cfg.scorer, cfg.scorer.seed, clusters, cfg.search.acceptance
    )
    (decision,) = decide_all([ev], cfg.search, ladder_kind)
    return verdict_of(ev, decision)


def verdict_of(ev: PairedEvaluation, decision: Decision) -> Verdict:
    """The verdict line and kind of a decided evaluation."""
    codes = (decision.code, *(r.code for r in decision.refusals if r.code is not decision.code))
    what = "the gap" if ev.controlled else "the loss"
    trend = f"{what} rises with size" if ev.gap > 0 else f"{what} does not rise with size"
    if decision.code is Reason.ACCEPTED:
        kind, line = (
            "inverse scaling",
            f"INVERSE SCALING, as the search would accept it: {_short(ev)}",
        )
    elif decision.code is Reason.NOT_SIGNIFICANT:
        kind = "not significant"
        line = f"no inverse scaling: {trend}, not significantly (p={decision.p:.2g}; {_short(ev)})"
        if decision.refusals:
            line += "; checks failed too: " + "; ".join(r.text for r in decision.refusals)
    else:
        kind = "refused"
        first = decision.refusals[0]
        # A task too little answered to be tested is refused whichever way its loss moves.
        line = (
            f"{trend}{', but' if ev.gap > 0 else ';'} {first.text}: "
            f"{_WHAT.get(first.code, first.code.label)}, not inverse scaling"
        )
    return Verdict(
        kind, decision.code, codes, f"{line} [{', '.join(map(str, codes))}]", decision, ev
    )


def _short(ev: PairedEvaluation) -> str:
    if ev.controlled:
        return f"gap {ev.gap:+.3f} [{ev.gap_ci[0]:+.3f}, {ev.gap_ci[1]:+.3f}] nats/decade"
    return f"slope {ev.slope:+.3f} [{ev.slope_ci[0]:+.3f}, {ev.slope_ci[1]:+.3f}] nats/decade"


def score_and_judge(
    data: str | Path,
    cfg: Config,
    out_dir: str | Path,
    task_type: str | None = None,
    ladder: str | None = None,
    limit: int | None = None,
    control: str | Path | None = None,
    progress: Progress | None = None,
) -> tuple[LadderResult, LadderResult | None, Verdict]:
    """Score a Prize-format file (and its control) on a ladder, judge it as the search would,
    and write ``labelled_data.jsonl`` (and ``control_labelled_data.jsonl``), ``summary.json``
    with the verdict, and ``scaling.png``.

    Args:
        data: CSV or JSONL task file.
        cfg: The config (ladders, bootstrap, the search's acceptance rule).
        out_dir: Output folder.
        task_type: Task type; inferred from the columns when None.
        ladder: Ladder name; the configured default when None.
        limit: Score only the first ``limit`` examples (of the control too).
        control: The control file, item i paired with item i of ``data``; then the verdict is
            on the paired gap (task slope minus control slope), as in a search.
        progress: Called as requests resolve.

    Raises:
        UsageError: the control does not have as many items as the task.
    """
    rungs = cfg.scorer.ladder(ladder)
    pool, cache = ModelPool(cfg.scorer), ScoreCache(cfg.scorer.cache_path)
    scored = [
        score_dataset(ds, rungs, cfg.scorer, pool=pool, cache=cache, progress=progress)
        for ds in _datasets(data, control, task_type, limit)
    ]
    task, paired = scored[0], (scored[1] if len(scored) > 1 else None)
    verdict = judge(task, paired, cfg, ladder_kind(rungs))
    extra: dict[str, Any] = {"verdict": verdict.to_dict()}
    if paired is not None:
        extra["control"] = {"source": str(control), **summary_dict(paired)}
        write_jsonl(labelled_rows(paired), Path(out_dir) / "control_labelled_data.jsonl")
    write_results(task, out_dir, extra)
    return task, paired, verdict


def _datasets(
    data: str | Path, control: str | Path | None, task_type: str | None, limit: int | None
) -> list[TaskDataset]:
    out = []
    for path in (data, control):
        if path is None:
            continue
        ds = load_task(path, task_type)
        out.append(ds.subset(range(min(limit, len(ds)))) if limit is not None else ds)
    if len(out) == 2 and len(out[0]) != len(out[1]):
        raise UsageError(
            f"--control {control}: {len(out[1])} items, the task {data} has {len(out[0])}; "
            "a control pairs item i with the task's item i"
        )
    return out


def analyze_and_judge(
    data: str | Path,
    out_dir: str | Path,
    cfg: Config,
    params: Mapping[str, int | str] | None = None,
    task_type: str | None = None,
) -> tuple[LadderResult, Verdict]:
    """Analyse a Prize-era labelled file (no model runs) and judge it as the search would;
    ``summary.json`` carries the verdict. Arguments as :func:`invscale.scorer.analyze_file`."""
    found: list[Verdict] = []

    def annotate(result: LadderResult) -> dict[str, Any]:
        rungs = [m.rung for m in result.models]
        found.append(judge(result, None, cfg, ladder_kind(rungs)))
        return {"verdict": found[0].to_dict()}

    result = analyze_file(data, out_dir, params, task_type, cfg.scorer, annotate)
    return result, found[0]
