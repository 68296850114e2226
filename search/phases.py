"""Scoring one phase of a candidate (a halving stage, the confirmation, a rewording)."""

from __future__ import annotations

import logging
from dataclasses import replace

from invscale.scorer import Rung
from invscale.search.candidates import ItemSets
from invscale.search.evaluate import PairedEvaluation, score_pair
from invscale.search.freshness import Freshness
from invscale.search.state import SearchRun

log = logging.getLogger(__name__)


def evaluate(
    run: SearchRun, cid: str, phase: str, items: ItemSets, fresh: Freshness | None = None
) -> PairedEvaluation:
    """Score a candidate's paired items (or read the evaluation back from the store).

    Args:
        run: The search run.
        cid: The candidate.
        phase: ``stage<k>``, ``confirm`` or ``reword<k>``.
        items: The phase's items (their entity clusters set the uncertainty).
        fresh: The confirmation's freshness check, recorded with the evaluation.
    """
    stored = run.store.evaluation(cid, phase)
    if stored is not None and stored.n_examples == len(items.task):
        return PairedEvaluation.from_dict(stored.data)
    log.info(
        "scoring %s %s: %d items and their controls on %d models",
        cid,
        phase,
        len(items.task),
        len(run.rungs),
    )
    before = run.pool.requests_run
    ev = score_items(run, items, run.rungs)
    if fresh is not None:
        ev = replace(ev, shared_entities=fresh.shared, ancestors_checked=fresh.ancestors)
    spent = run.pool.requests_run - before
    run.store.add("requests_run", spent)
    run.store.add(f"requests_run:{phase.split(':')[0].rstrip('0123456789')}", spent)
    run.store.add_evaluation(cid, phase, len(items.task), ev.to_dict())
    return ev


def score_items(
    run: SearchRun, items: ItemSets, rungs: tuple[Rung, ...], consistent: bool = True
) -> PairedEvaluation:
    """Score paired items on a ladder with the run's settings (entity clusters, checks, and the
    consistent control when the items have one and ``consistent`` is set); nothing is stored."""
    ev, _, _ = score_pair(
        items.task,
        items.control,
        rungs,
        run.cfg.scorer,
        run.pool,
        run.cache,
        seed=run.cfg.search.seed,
        clusters=items.clusters or None,
        acceptance=run.cfg.search.acceptance,
        consistent=items.consistent if consistent else None,
    )
    return ev
