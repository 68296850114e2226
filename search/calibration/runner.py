"""Run the real acceptance path on simulated candidates and count what it accepts.

Each simulated candidate is scored through the scenario backend by the real scorer (losses,
accuracies, class masses, label shares), evaluated by the real paired evaluation (cluster
bootstrap, sign-flip p-values, diagnostics, decomposition), and all candidates are then decided
together by the real :func:`~invscale.search.acceptance.decide_all` (Holm over every candidate,
then the artefact checks), as one search run's confirmations would be.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from invscale.scorer import ClassificationExample, ModelPool, Rung, ScoreCache, ScorerConfig
from invscale.scorer.backends import register
from invscale.scorer.config import ladder_kind
from invscale.scorer.records import TaskDataset
from invscale.search.acceptance import Decision, decide_all
from invscale.search.calibration import backend
from invscale.search.calibration.real import RealItems, real_null
from invscale.search.calibration.scenarios import (
    SCENARIOS,
    VARIANTS,
    Kind,
    Scenario,
    Simulated,
    simulate,
)
from invscale.search.config import SearchConfig
from invscale.search.evaluate import PairedEvaluation, score_pair
from invscale.search.reasons import Reason
from invscale.search.support import grown_size

LADDER = (
    Rung(name="sim-135m", params=135_000_000, backend=backend.BACKEND),
    Rung(name="sim-270m", params=270_000_000, backend=backend.BACKEND),
)


@dataclass(frozen=True)
class Outcome:
    """One simulated candidate, evaluated (and, once the run is corrected, decided)."""

    scenario: str
    kind: Kind
    evaluation: PairedEvaluation
    effect: float
    decision: Decision | None = None


@dataclass(frozen=True)
class ScenarioRow:
    """What the acceptance rule did with one scenario's candidates.

    Attributes:
        name: The scenario.
        kind: null, planted or knowledge.
        n: Candidates.
        accepted: How many were accepted.
        nominal: How many had p <= 0.05 before any correction or check.
        accuracy: Mean task accuracy of the small and the large model.
        gap: Mean gap (nats per decade).
        refused: Refusal codes and how often each was the verdict.
        labels: The decomposition's labels and how often (strong-prior scenarios).
        by_effect: Planted effects of varied size: (range, accepted, candidates) for the smaller
            and the larger half of the range, so power can be read against effect size.
    """

    name: str
    kind: Kind
    n: int
    accepted: int
    nominal: int
    accuracy: tuple[float, float]
    gap: float
    refused: dict[str, int] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)
    by_effect: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True)
class Calibration:
    """The whole benchmark: a row per scenario and the two figures it is judged by.

    Attributes:
        rows: One per scenario.
        m: Confirmations each simulated run corrects over.
        candidates: Candidates in all.
        grown: Candidates whose confirmation set grew (too few supported items at first).
    """

    rows: tuple[ScenarioRow, ...]
    m: int
    candidates: int
    grown: int = 0

    def _total(self, kind: Kind) -> tuple[int, int]:
        rows = [r for r in self.rows if r.kind == kind]
        return sum(r.accepted for r in rows), sum(r.n for r in rows)

    @property
    def false_acceptances(self) -> tuple[int, int]:
        """Accepted nulls, and nulls."""
        return self._total("null")

    @property
    def power(self) -> tuple[int, int]:
        """Accepted planted effects, and planted effects."""
        return self._total("planted")


def _dataset(key: str, variant: str, sim: Simulated) -> TaskDataset:
    answers = sim.answers[VARIANTS.index(variant)]
    examples = tuple(
        ClassificationExample(backend.prompt(key, i, variant), backend.CLASSES, int(a))
        for i, a in enumerate(answers)
    )
    return TaskDataset(f"{key}-{variant}", "classification", examples)


def evaluate_simulated(
    key: str, sim: Simulated, cfg: SearchConfig, scorer: ScorerConfig, pool: ModelPool, seed: int
) -> PairedEvaluation:
    """Score one simulated candidate through the scenario backend and evaluate it."""
    backend.SIMULATIONS[key] = sim.logprobs
    try:
        ev, _, _ = score_pair(
            _dataset(key, "task", sim),
            _dataset(key, "control", sim),
            LADDER,
            scorer,
            pool,
            ScoreCache(":memory:"),
            seed=seed,
            clusters=sim.clusters,
            acceptance=cfg.acceptance,
            consistent=_dataset(key, "consistent", sim) if sim.has_consistent else None,
        )
    finally:
        del backend.SIMULATIONS[key]
    return ev


def _row(scenario: Scenario, outcomes: Sequence[Outcome]) -> ScenarioRow:
    decided = [o.decision for o in outcomes if o.decision is not None]
    refused = Counter(
        str(d.code) for d in decided if d.code not in (Reason.ACCEPTED, Reason.NOT_SIGNIFICANT)
    )
    labels = Counter(
        o.evaluation.decomposition.label.split(":")[0]
        for o in outcomes
        if o.evaluation.decomposition is not None
    )
    acc = np.array([[m["accuracy"] for m in o.evaluation.models] for o in outcomes])
    return ScenarioRow(
        name=scenario.name,
        kind=scenario.kind,
        n=len(outcomes),
        accepted=sum(d.code is Reason.ACCEPTED for d in decided),
        nominal=sum(d.p <= 0.05 for d in decided),
        accuracy=(float(acc[:, 0].mean()), float(acc[:, -1].mean())),
        gap=float(np.mean([o.evaluation.gap for o in outcomes])),
        refused=dict(refused.most_common()),
        labels=dict(labels.most_common()),
        by_effect=_by_effect(scenario, outcomes),
    )


def _by_effect(scenario: Scenario, outcomes: Sequence[Outcome]) -> tuple[tuple[str, int, int], ...]:
    if scenario.effect is None:
        return ()
    low, high = scenario.effect
    mid = (low + high) / 2
    out = []
    for name, keep in (
        (f"{low:g}-{mid:g}", lambda e: e < mid),
        (f"{mid:g}-{high:g}", lambda e: e >= mid),
    ):
        chosen = [o for o in outcomes if keep(o.effect)]
        hits = sum(o.decision is not None and o.decision.code is Reason.ACCEPTED for o in chosen)
        out.append((name, hits, len(chosen)))
    return tuple(out)


def run_calibration(
    scenarios: Sequence[Scenario] = SCENARIOS,
    items: int = 300,
    scale: float = 1.0,
    seed: int = 0,
    cfg: SearchConfig | None = None,
    progress: Callable[[str, int], None] | None = None,
    run_size: int | None = 200,
    real: RealItems | None = None,
    grow: bool = True,
) -> Calibration:
    """Simulate every scenario's candidates, evaluate them, decide them together.

    Args:
        scenarios: What to simulate.
        items: Confirmation items per candidate (the search's ``confirm_examples``).
        scale: Multiplies every scenario's candidate count (small for quick tests).
        seed: Seed of the simulation (and of each evaluation's resampling).
        cfg: The search config whose acceptance rule is calibrated (defaults when None).
        progress: Called with each scenario's name and candidate count as it finishes.
        run_size: Confirmations per simulated run: Holm corrects over this many (all candidates
            at once when None); the candidates should make whole runs of it.
        real: Real scored items for the scenarios drawn from them (those are left out when
            None).
        grow: Grow a confirmation set with too few supported items as the search does (up to
            ``cfg.confirm_max_examples``); False tests every candidate on its first ``items``
            items of the same draws.
    """
    cfg = cfg or SearchConfig()
    register(backend.BACKEND, "invscale.search.calibration.backend:load")
    backend.MODELS[:] = [r.name for r in LADDER]
    scorer = ScorerConfig(cache_path=":memory:")
    pool, rng = ModelPool(scorer), np.random.default_rng(seed)
    grouped: list[tuple[Scenario, list[Outcome]]] = []
    drawn, grown = max(items, cfg.confirm_max_examples), 0
    for s_index, scenario in enumerate(scenarios):
        if scenario.real is not None and real is None:
            continue
        outcomes = []
        for j in range(max(1, round(scenario.count * scale))):
            if scenario.real is not None and real is not None:
                sim = real_null(real, scenario.real, drawn, rng)
            else:
                sim = simulate(scenario, drawn, rng)
            ev, more = _confirm(
                f"s{s_index}-{j}", sim, items, cfg, (scorer, pool), seed + 1000 * s_index + j, grow
            )
            grown += more
            outcomes.append(Outcome(scenario.name, scenario.kind, ev, sim.effect))
        grouped.append((scenario, outcomes))
        if progress is not None:
            progress(scenario.name, len(outcomes))
    flat = [o for _, group in grouped for o in group]
    decisions = _decide_in_runs([o.evaluation for o in flat], cfg, run_size, rng)
    rows, at = [], 0
    for scenario, group in grouped:
        decided = [
            Outcome(o.scenario, o.kind, o.evaluation, o.effect, decisions[at + i])
            for i, o in enumerate(group)
        ]
        rows.append(_row(scenario, decided))
        at += len(group)
    return Calibration(tuple(rows), min(run_size or len(flat), len(flat)), len(flat), grown)


def _confirm(
    key: str,
    sim: Simulated,
    items: int,
    cfg: SearchConfig,
    scoring: tuple[ScorerConfig, ModelPool],
    seed: int,
    grow: bool,
) -> tuple[PairedEvaluation, bool]:
    """Evaluate a candidate on its first ``items`` items and, as the search does, again on a
    grown set when too few of them were supported (the draw holds the most it may grow to).
    Returns the evaluation kept and whether the set grew."""
    n = min(items, sim.items)
    ev = evaluate_simulated(key, sim.head(n), cfg, *scoring, seed)
    floor = cfg.acceptance.min_supported_items
    size = grown_size(ev.supported, n, items, sim.items, floor) if grow else n
    if size <= n:
        return ev, False
    return evaluate_simulated(key, sim.head(size), cfg, *scoring, seed), True


def _decide_in_runs(
    evaluations: list[PairedEvaluation],
    cfg: SearchConfig,
    run_size: int | None,
    rng: np.random.Generator,
) -> list[Decision]:
    """Decide the candidates as runs of ``run_size`` confirmations each (all as one run when
    None): shuffled, so each run mixes scenarios as a search's run would, corrected run by run."""
    order = rng.permutation(len(evaluations))
    size = run_size or len(evaluations)
    out: dict[int, Decision] = {}
    for start in range(0, len(order), size):
        run = [int(i) for i in order[start : start + size]]
        decided = decide_all([evaluations[i] for i in run], cfg, ladder_kind(LADDER))
        out.update(zip(run, decided, strict=True))
    return [out[i] for i in range(len(evaluations))]
