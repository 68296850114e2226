"""A run folder built by hand through the RunStore API, the way the search loop fills one.

Five candidates, one per outcome: accepted (task folder in tasks/), not confirmed (one of the best,
folder in best/), rejected by a gate, rejected by the novelty filter, dropped at halving. Scores
are real: the fake ladder scores paired item sets through the scorer. ``finished=False`` builds
the same run still in progress: no stop reason, no folders, one candidate still being screened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from invscale.scorer import LadderResult, Rung, ScorerConfig, TaskDataset, score_dataset
from invscale.scorer.records import ClassificationExample
from invscale.scorer.results import summary_dict
from invscale.search.config import Config, SearchConfig
from invscale.search.evaluate import PairedEvaluation, paired_evaluation
from invscale.search.reasons import Reason
from invscale.search.store import RunStore
from invscale.search.writeout import write_task_files

FAKE = (
    Rung(name="fake-s", params=10**7, backend="fake"),
    Rung(name="fake-m", params=10**8, backend="fake"),
    Rung(name="fake-l", params=10**9, backend="fake"),
)
WORDS = ("apple", "river", "stone", "cloud", "maple", "tiger", "lemon", "glass", "piano", "ember")
HOSTILE_TITLE = 'Avoid the <b>named</b> word & "quote" it'
HOSTILE_HYPOTHESIS = "Big models copy the named word. <script>alert('x')</script>"

ACCEPTED = "g00-00-aaaa0001"
NOT_CONFIRMED = "g00-01-bbbb0002"
GATE = "g00-02-cccc0003"
NOVELTY = "g00-03-dddd0004"
DROPPED = "g00-04-eeee0005"


NOVEL = {
    "novel": True,
    "score": 0.71,
    "reason": "novel",
    "nearest": [["redefine", "Redefine Math", 0.29]],
}
NOT_NOVEL = {
    "novel": False,
    "score": 0.07,
    "reason": "too close",
    "nearest": [["hindsight", "Hindsight Neglect", 0.93]],
}
CONFIRMED = (("stage0", 16), ("confirm", 40))


@dataclass(frozen=True)
class Spec:
    """One candidate of the hand-built run."""

    cid: str
    title: str
    status: str
    reason: str
    code: Reason
    phases: tuple[tuple[str, int], ...] = ()
    novelty: dict[str, Any] | None = None
    trap: bool = True
    hypothesis: str = "Larger models copy a word from the prompt."


def specs(finished: bool) -> tuple[Spec, ...]:
    """The run's candidates (the last one is still screening when the run is not finished)."""
    near = NOVEL
    return (
        Spec(
            ACCEPTED,
            HOSTILE_TITLE,
            "accepted",
            "accepted: gap positive, p=0.0005, holm over 2",
            Reason.ACCEPTED,
            CONFIRMED,
            near,
            hypothesis=HOSTILE_HYPOTHESIS,
        ),
        Spec(
            NOT_CONFIRMED,
            "Both words in the prompt",
            "not_confirmed",
            "not significant after correction: p=0.41, holm over 2 confirmation test(s)",
            Reason.NOT_SIGNIFICANT,
            CONFIRMED,
            near,
            trap=False,
        ),
        Spec(
            GATE, "Too few items", "rejected", "gate: only 3 distinct items, 32 needed", Reason.GATE
        ),
        Spec(
            NOVELTY,
            "Hindsight again",
            "rejected",
            "novelty: too close to 'Hindsight Neglect' (hindsight, similarity 0.930)",
            Reason.NOVELTY,
            novelty=NOT_NOVEL,
        ),
        Spec(
            DROPPED,
            "Weak echo",
            "dropped" if finished else "screening",
            "halving stage 0 (n=16): gap or slope not positive; gap -0.100 [-0.300, +0.100]"
            if finished
            else "",
            Reason.HALVING if finished else Reason.NONE,
            (("stage0", 16),),
            near,
            trap=False,
        ),
    )


def paired_sets(name: str, n: int, trap: bool) -> tuple[TaskDataset, TaskDataset]:
    """Paired items: the task names only the wrong word (the fake ladder copies it more with size)."""
    task, control = [], []
    for i in range(n):
        right, wrong = WORDS[i % len(WORDS)], WORDS[(i + 3) % len(WORDS)]
        classes, answer = (
            ((f" {right}", f" {wrong}"), 0) if i % 2 else ((f" {wrong}", f" {right}"), 1)
        )
        shown = f"'{wrong}'" if trap else f"'{wrong}' or '{right}'"
        task.append(ClassificationExample(f"Do not say {shown} (item {i}).\nA:", classes, answer))
        control.append(ClassificationExample(f"Say '{right}' (item {i}).\nA:", classes, answer))
    return TaskDataset(name, "classification", tuple(task)), TaskDataset(
        f"{name}_control", "classification", tuple(control)
    )


def scorer_config(root: Path) -> ScorerConfig:
    """The fake ladder, a cache under ``root`` and a quick bootstrap."""
    return ScorerConfig(
        cache_path=str(root / "scores.sqlite"),
        bootstrap_samples=200,
        ladders={"fake": FAKE},
        default_ladder="fake",
    )


def score(
    spec: Spec, n: int, cfg: ScorerConfig
) -> tuple[LadderResult, LadderResult, PairedEvaluation]:
    """Score a candidate's first ``n`` pairs on the fake ladder."""
    task, control = paired_sets(spec.cid, n, spec.trap)
    scored_task, scored_control = score_dataset(task, FAKE, cfg), score_dataset(control, FAKE, cfg)
    return scored_task, scored_control, paired_evaluation(scored_task, scored_control, cfg, seed=0)


def template(spec: Spec) -> dict[str, Any]:
    """The candidate's template as the store keeps it."""
    return {
        "id": spec.cid.replace("-", "_"),
        "title": spec.title,
        "hypothesis": spec.hypothesis,
        "cause_family": "strong_prior",
        "task_type": "classification",
        "lineage": {"operator": "distractor", "parents": []},
    }


def write_folder(
    run: Path, sub: str, spec: Spec, scored: tuple[LadderResult, LadderResult, PairedEvaluation]
) -> Path:
    """A task folder with the files and summary keys the search's write-out gives it."""
    task, control, ev = scored
    folder = run / sub / f"{spec.cid}-{spec.title.lower().split()[0]}"
    folder.mkdir(parents=True, exist_ok=True)
    write_task_files(folder, task, control, spec.title)
    summary = summary_dict(task)
    summary.update(
        candidate=spec.cid,
        status=spec.status,
        reason=spec.reason,
        accepted=sub == "tasks",
        evaluated_on="confirmation set (fresh items, never used for selection)",
        paired_evaluation=ev.to_dict(),
        control=summary_dict(control)["fit"],
        robustness={"share_keeping_trend": 2 / 3, "rewordings": []} if sub == "tasks" else None,
        other_ladders={},
        novelty=spec.novelty,
        lineage={"operator": "distractor", "parents": []},
        ladder=[{"name": r.name, "params": r.params} for r in FAKE],
    )
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    (folder / "template.yaml").write_text(yaml.safe_dump(template(spec), sort_keys=False))
    return folder


def add_candidate(
    store: RunStore, run: Path, spec: Spec, cfg: ScorerConfig, finished: bool
) -> None:
    """Record one candidate's proposal, evaluations, decision and (finished runs) its folder."""
    store.add_candidate(spec.cid, 0, template(spec), "distractor", ())
    if spec.novelty is not None:
        store.add_evaluation(spec.cid, "novelty", 0, spec.novelty)
    scored = None
    for phase, n in spec.phases:
        scored = score(spec, n, cfg)
        store.add_evaluation(spec.cid, phase, n, scored[2].to_dict())
        store.add("requests_run", 6 * n)
        store.set_status(spec.cid, "screening", stage=0, best_gap_low=scored[2].gap_ci[0])
    store.set_status(spec.cid, spec.status, spec.reason, code=spec.code)
    store.add("proposed")
    counter = {GATE: "rejected:gate", NOVELTY: "rejected:novelty", DROPPED: "dropped:stage0"}
    if spec.cid in counter and spec.status != "screening":
        store.add(counter[spec.cid])
    if finished and scored is not None and spec.status in ("accepted", "not_confirmed"):
        write_folder(run, "tasks" if spec.status == "accepted" else "best", spec, scored)


def build_run(root: Path, finished: bool = True) -> Path:
    """Build the run folder under ``root`` and return it."""
    run = root / ("finished-run" if finished else "live-run")
    cfg = scorer_config(root)
    store = RunStore.open(run)
    config = Config(scorer=cfg, search=SearchConfig(ladder="fake", write_best=2))
    store.set_meta("config", config.model_dump(mode="json"))
    for spec in specs(finished):
        add_candidate(store, run, spec, cfg, finished)
    store.add("requests_run:stage", 300)
    store.add("requests_if_full", 1200)
    store.set_meta("elapsed_s", 754.0)
    if finished:
        store.set_meta("stop_reason", "candidate budget reached (5)")
    store.close()
    return run
