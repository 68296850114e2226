"""Write candidates out as task folders: Prize CSVs, control, per-model results, plot, template.

``<run>/tasks/<name>/`` for tasks accepted as new, ``<run>/rediscoveries/<name>/`` for confirmed
rediscoveries of known tasks (their summary names the task) and ``<run>/best/<name>/`` for the
best of the rest, each labelled with its decision and the reason.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

from invscale.generator import GateError, reword
from invscale.scorer import LadderResult, save_task, score_dataset, summary_dict
from invscale.scorer.config import ladder_kind
from invscale.scorer.fileio import atomic_write, write_jsonl
from invscale.scorer.names import slug
from invscale.scorer.plot import plot_scaling
from invscale.scorer.results import labelled_rows
from invscale.search.candidates import (
    ItemSets,
    confirmation_sets,
    prefix,
    selection_sets,
    template_of,
)
from invscale.search.checks import refusals
from invscale.search.confirmation import confirmed_size
from invscale.search.evaluate import PairedEvaluation
from invscale.search.outcome import novelty_record, rediscovered_task
from invscale.search.phases import evaluate, score_items
from invscale.search.reasons import Reason
from invscale.search.state import SearchRun
from invscale.search.store import CandidateRow


def _items(run: SearchRun, cid: str, confirm: bool) -> ItemSets:
    """A candidate's item sets, rebuilt deterministically when this process has not got them."""
    row = run.store.candidate(cid)
    template = template_of(row.template)
    full = max(run.cfg.search.halving_sizes)
    if cid not in run.items:
        run.items[cid] = selection_sets(template, full, run.cfg.search.seed)
    if not confirm:
        return run.items[cid]
    key = cid + ":confirm"
    if key not in run.items:
        run.items[key] = confirmation_sets(template, confirmed_size(run, cid), run.cfg.search.seed)
    return run.items[key]


def robustness(run: SearchRun, cid: str) -> dict[str, Any]:
    """Score rewordings of the instruction; the share that keep the inverse trend."""
    row = run.store.candidate(cid)
    template = template_of(row.template)
    results: list[dict[str, Any]] = []
    for i in range(run.cfg.search.rewordings):
        try:
            variant = reword(template, seed=run.cfg.search.seed + i + 1)
            items = selection_sets(
                variant, run.cfg.search.reword_examples, run.cfg.search.seed + 101 + i
            )
        except GateError as exc:
            results.append({"rewording": i, "error": str(exc)})
            continue
        ev = evaluate(run, cid, f"reword{i}", items)
        results.append(
            {
                "rewording": i,
                "gap": ev.gap,
                "gap_ci": ev.gap_ci,
                "slope": ev.slope,
                "keeps_trend": ev.gap > 0 and ev.slope > 0,
            }
        )
    scored = [r for r in results if "keeps_trend" in r]
    share = sum(bool(r["keeps_trend"]) for r in scored) / len(scored) if scored else None
    return {"share_keeping_trend": share, "rewordings": results}


def _other_ladders(run: SearchRun, items: ItemSets) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in run.cfg.search.extra_ladders:
        rungs = run.cfg.scorer.ladder(name)
        ev = score_items(run, items, rungs, consistent=False)
        out[name] = {
            "gap": ev.gap,
            "gap_ci": ev.gap_ci,
            "slope": ev.slope,
            "holds": ev.gap_ci[0] > 0 and ev.slope_ci[0] > 0,
            "ladder_kind": ladder_kind(rungs),
        }
    return out


def task_name(run: SearchRun, cid: str) -> str:
    """Folder name of a candidate: its id and a slug of its title."""
    row = run.store.candidate(cid)
    return f"{cid}-{slug(str(row.template.get('title', 'task')), 40)}".rstrip("-")


def write_task(run: SearchRun, cid: str, robust: dict[str, Any] | None, accepted: bool) -> Path:
    """Write one candidate's folder (the confirmation set when it has one)."""
    row = run.store.candidate(cid)
    confirmed = run.store.evaluation(cid, "confirm")
    phase = "confirm" if confirmed else None
    items = _items(run, cid, confirm=phase is not None)
    if phase is None:  # the items it was scored on: all cached, so a budget stop writes fast
        items = prefix(items, _scored_n(run, cid))
    folder = run.run_dir / folder_kind(row, accepted) / task_name(run, cid)
    folder.mkdir(parents=True, exist_ok=True)
    rungs = run.rungs
    task = score_dataset(items.task, rungs, run.cfg.scorer, pool=run.pool, cache=run.cache)
    control = score_dataset(items.control, rungs, run.cfg.scorer, pool=run.pool, cache=run.cache)
    label = "accepted" if accepted else row.status
    write_task_files(folder, task, control, f"{row.template.get('title', cid)} ({label})")
    evaluation = PairedEvaluation.from_dict(confirmed.data if confirmed else _last_stage(run, cid))
    others = _other_ladders(run, items) if accepted else {}
    if items.consistent is not None:
        save_task(items.consistent, folder / "consistent_control.csv")
    summary = summary_dict(task)
    summary.update(
        candidate=cid,
        status=row.status,
        reason=row.reason,
        accepted=accepted,
        evaluated_on="confirmation set (fresh items, never used for selection)"
        if phase
        else "selection set (biased by selection: not evidence on its own)",
        paired_evaluation=evaluation.to_dict(),
        control=summary_dict(control)["fit"],
        robustness=robust,
        other_ladders=others,
        rescored_on=sorted(others),
        novelty=_novelty(run, cid),
        verdict=_verdict_label(run, cid),
        rediscovers=_rediscovers(run, cid) if row.code is Reason.REDISCOVERY else None,
        card=row.template.get("card"),
        lineage={"operator": row.operator, "parents": row.parents},
        ladder=[{"name": r.name, "params": r.params} for r in rungs],
        ladder_kind=ladder_kind(rungs),
        uncertainty=evaluation.uncertainty,
        freshness=_freshness(evaluation),
        checks=_checks(run, evaluation),
        decomposition=None
        if evaluation.decomposition is None
        else asdict(evaluation.decomposition),
    )
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    (folder / "template.yaml").write_text(yaml.safe_dump(row.template, sort_keys=False))
    return folder


def write_task_files(folder: Path, task: LadderResult, control: LadderResult, title: str) -> None:
    """The data files of a task folder: both Prize CSVs, both labelled files, the plot."""
    save_task(task.dataset, folder / "data.csv")
    save_task(control.dataset, folder / "control.csv")
    write_jsonl(labelled_rows(task), folder / "labelled_data.jsonl")
    write_jsonl(labelled_rows(control), folder / "control_labelled_data.jsonl")
    plot_scaling(
        [m.summary for m in task.models],
        task.fit,
        folder / "scaling.png",
        title=title,
        control=[m.summary for m in control.models],
    )


def _freshness(ev: PairedEvaluation) -> dict[str, Any]:
    return {
        "pools": "selection and confirmation items come from disjoint entity pools, inherited "
        "by every mutation",
        "confirmation_items_sharing_an_entity_with_selection": ev.shared_entities,
        "ancestors_checked": ev.ancestors_checked,
    }


def _checks(run: SearchRun, ev: PairedEvaluation) -> dict[str, Any]:
    """The artefact checks as the summary reports them: each failure, and each model's numbers."""
    search = run.cfg.search
    failed = refusals(ev, search.acceptance, search.min_class_mass)
    return {
        "failed": [{"code": str(r.code), "text": r.text} for r in failed],
        "answer_shares": ev.answer_shares,
        "supported": None if ev.supported is None else asdict(ev.supported),
        "models": [asdict(d) for d in ev.diagnostics],
        "control_models": [asdict(d) for d in ev.control_diagnostics],
    }


def _scored_n(run: SearchRun, cid: str) -> int:
    rows = [r.n_examples for r in run.store.evaluations(cid) if r.phase.startswith("stage")]
    return max(rows, default=max(run.cfg.search.halving_sizes))


def _last_stage(run: SearchRun, cid: str) -> dict[str, Any]:
    rows = [r for r in run.store.evaluations(cid) if r.phase.startswith("stage")]
    return max(rows, key=lambda r: r.n_examples).data


def _novelty(run: SearchRun, cid: str) -> dict[str, Any] | None:
    row = run.store.evaluation(cid, "novelty")
    return None if row is None else row.data


def folder_kind(row: CandidateRow, accepted: bool) -> str:
    """``tasks`` (new), ``rediscoveries`` or ``best`` (not accepted)."""
    if not accepted:
        return "best"
    return "rediscoveries" if row.code is Reason.REDISCOVERY else "tasks"


def _rediscovers(run: SearchRun, cid: str) -> dict[str, Any] | None:
    data = novelty_record(run, cid)
    task = rediscovered_task(run, cid)
    return None if task is None else {"id": task, "title": data.get("task_title") or task}


def _verdict_label(run: SearchRun, cid: str) -> str:
    data = novelty_record(run, cid)
    kind = data.get("kind") or ("novel" if data.get("novel", True) else "not novel")
    if data.get("task") and kind != "novel":
        return f"{kind} of {data['task']}"
    # A composition whose gap beats neither part is new by its prompt, not by its effect.
    task = rediscovered_task(run, cid)
    if task is not None:
        return f"rediscovery of {task} (a composition that adds nothing to it)"
    return str(kind)


def refresh_decisions(run: SearchRun) -> None:
    """Bring written task folders in line with the store's final decisions.

    The multiplicity correction is recomputed as confirmation tests accumulate, so a task accepted
    early can lose its acceptance later: its folder moves from ``tasks/`` to ``best/``, and every
    folder's summary gets the current status and reason.
    """
    rows = {task_name(run, c.id): c for c in run.store.candidates()}
    folders = [*(run.run_dir / "tasks").glob("*"), *(run.run_dir / "rediscoveries").glob("*")]
    for folder in sorted(folders):
        row = rows.get(folder.name)
        summary_path = folder / "summary.json"
        if row is None or not summary_path.exists():
            continue
        summary = json.loads(summary_path.read_text())
        summary.update(status=row.status, reason=row.reason, accepted=row.status == "accepted")
        atomic_write(summary_path, json.dumps(summary, indent=2) + "\n")
        kind = folder_kind(row, row.status == "accepted")
        if kind != folder.parent.name:
            target = run.run_dir / kind / folder.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                shutil.rmtree(target)
            folder.rename(target)


def write_best(run: SearchRun) -> list[Path]:
    """Write the best non-accepted candidates, each labelled with why it was not accepted."""
    rows = [
        c for c in run.store.candidates() if c.status != "accepted" and c.best_gap_low is not None
    ]
    rows.sort(key=lambda c: c.best_gap_low or 0.0, reverse=True)
    return [write_task(run, c.id, None, accepted=False) for c in rows[: run.cfg.search.write_best]]
