"""The search loop: propose, filter, screen by successive halving, confirm, accept, expand.

Every step is recorded in the run store as it happens; evaluations already in the store are read
back rather than recomputed, and scores come through the persistent score cache, so a resumed run
scores nothing twice.
"""

from __future__ import annotations

import hashlib
import logging

from invscale.generator import (
    GateError,
    Generator,
    PoolSizes,
    ScoredParent,
    TaskTemplate,
    get_generator,
)
from invscale.scorer import dataset_requests
from invscale.scorer.config import ladder_kind
from invscale.search.acceptance import decide_all
from invscale.search.archive import refresh_archive, steering
from invscale.search.budget import (
    budget_exhausted,
    may_confirm,
    note_confirmation,
    time_stop_reason,
)
from invscale.search.candidates import selection_sets, template_of
from invscale.search.composition import is_composed, score_parts
from invscale.search.confirmation import score_confirmation
from invscale.search.evaluate import PairedEvaluation
from invscale.search.halving import screen, selected, waiting
from invscale.search.novelty_gate import DUPLICATE
from invscale.search.outcome import rediscovered_task, rediscovery_or_new
from invscale.search.reasons import Reason
from invscale.search.state import SearchRun
from invscale.search.store import CandidateRow
from invscale.search.writeout import refresh_decisions, robustness, write_task

log = logging.getLogger(__name__)
SETTLED_KEY = "settled_acceptances"
"""Run meta key: the accepted candidates whose bookkeeping outside the store is done."""
POSITION_KEY = "generator_position:g{generation}"
"""Run meta key: where the generator stood (a replay: the next reply) after a generation's
proposals; the next generation, resumed or not, continues from there."""


def candidate_id(generation: int, index: int, template: TaskTemplate) -> str:
    """A stable, readable id: generation, index and a hash of the template."""
    digest = hashlib.sha1(template.model_dump_json().encode()).hexdigest()[:8]
    return f"g{generation:02d}-{index:02d}-{digest}"


def _parents(run: SearchRun) -> list[ScoredParent]:
    """The best candidates so far, by the lower bound of their manipulation gap."""
    rows = [c for c in run.store.candidates() if c.best_gap_low is not None]
    rows.sort(key=lambda c: c.best_gap_low or 0.0, reverse=True)
    parents = []
    for row in rows[: run.cfg.search.parents]:
        ev = _best_evaluation(run, row.id)
        if ev is not None:
            parents.append(
                ScoredParent(
                    template=template_of(row.template),
                    loss_slope=ev.gap,
                    ci_low=ev.gap_ci[0],
                    ci_high=ev.gap_ci[1],
                )
            )
    return parents


def _best_evaluation(run: SearchRun, cid: str) -> PairedEvaluation | None:
    rows = [r for r in run.store.evaluations(cid) if r.phase.startswith(("stage", "confirm"))]
    if not rows:
        return None
    return PairedEvaluation.from_dict(max(rows, key=lambda r: r.n_examples).data)


def run_generator(run: SearchRun) -> Generator:
    """The run's one generator, made once: it checks templates at the sizes this search asks
    of each entity pool (largest selection stage, confirmation set)."""
    if run.generator is None:
        s = run.cfg.search
        sizes = PoolSizes(max(s.halving_sizes), s.confirm_examples)
        run.generator = get_generator(run.cfg.generator, sizes)
    return run.generator


def propose(run: SearchRun, generation: int) -> None:
    """Propose this generation's candidates (idempotent: ids are content hashes, and a replayed
    generation starts from the position the previous one ended at).

    A template whose id the run already holds is recorded as a rejected duplicate and never
    scored.
    """
    s = run.cfg.search
    room = s.max_candidates - len(run.store.candidates())
    n = min(s.candidates_per_generation, room)
    if n <= 0:
        return
    gen = run_generator(run)
    start = run.store.get_meta(POSITION_KEY.format(generation=generation - 1))
    if start is not None and hasattr(gen, "seek"):
        gen.seek(start)
    steer = steering(run) if s.steer_proposals and run.cfg.novelty.enabled else None
    templates = gen.propose(_parents(run), n, seed=s.seed * 1000 + generation, steering=steer)
    if hasattr(gen, "position"):
        # Before the candidates: a kill in between re-proposes this generation from `start`.
        run.store.set_meta(POSITION_KEY.format(generation=generation), gen.position)
    held = {row.template.get("id"): row.id for row in run.store.candidates()}
    for i, template in enumerate(templates[:n]):
        cid = candidate_id(generation, i, template)
        lineage = template.lineage
        run.store.add_candidate(
            cid,
            generation,
            template.model_dump(mode="json"),
            lineage.operator,
            tuple(lineage.parents),
        )
        first = held.setdefault(template.id, cid)
        if first != cid and run.store.candidate(cid).status == "proposed":
            why = f"duplicate: template {template.id} is already held as {first}"
            _reject(run, cid, why, Reason.DUPLICATE)
    run.store.add("proposed", len(templates[:n]))


def filter_candidate(run: SearchRun, row: CandidateRow) -> bool:
    """Expansion gates and the novelty filter; records a rejection and returns False on failure."""
    template = template_of(row.template)
    full = max(run.cfg.search.halving_sizes)
    try:
        items = selection_sets(template, full, run.cfg.search.seed)
    except GateError as exc:
        return _reject(run, row.id, f"gate: {exc}", Reason.GATE)
    verdict = run.novelty.check(row.id, template, items.task)
    run.store.add_evaluation(row.id, "novelty", 0, verdict.to_json())
    if not verdict.scorable:
        code = Reason.DUPLICATE if verdict.kind == DUPLICATE else Reason.NOVELTY
        return _reject(run, row.id, f"novelty: {verdict.reason}", code)
    run.items[row.id] = items
    if row.status == "proposed":
        n_req = len(dataset_requests(items.task)) + len(dataset_requests(items.control))
        run.store.add("requests_if_full", n_req * len(run.rungs))
        run.store.set_status(row.id, "screening", stage=-1)
    return True


def _reject(run: SearchRun, cid: str, reason: str, code: Reason) -> bool:
    log.info("%s rejected: %s", cid, reason)
    run.store.set_status(cid, "rejected", reason, code=code)
    run.store.add(f"rejected:{code}")
    return False


def confirm(run: SearchRun, cid: str) -> None:
    """Score a candidate on a fresh confirmation set (grown when the models leave many of its
    items unanswered); the decision waits for the correction."""
    template = template_of(run.store.candidate(cid).template)
    try:
        score_confirmation(run, cid, template)
    except GateError as exc:
        run.store.set_status(
            cid, "not_confirmed", f"confirmation: {exc}", code=Reason.NO_CONFIRMATION_SET
        )
        return
    if is_composed(template):
        score_parts(run, cid)
    run.store.set_status(cid, "confirming")
    note_confirmation(run, cid)


def decide(run: SearchRun) -> tuple[list[str], list[str]]:
    """Apply the multiplicity correction and the artefact checks to every confirmation so far.

    Returns:
        The candidates newly accepted, and those whose acceptance the correction withdrew (more
        tests make it stricter).
    """
    rows = [
        c
        for c in run.store.candidates()
        if c.status in ("confirming", "accepted", "not_confirmed")
        and run.store.evaluation(c.id, "confirm") is not None
    ]
    evs = [
        PairedEvaluation.from_dict(run.store.evaluation(c.id, "confirm").data)  # type: ignore[union-attr]
        for c in rows
    ]
    decisions = decide_all(evs, run.cfg.search, ladder_kind(run.rungs))
    newly, retracted = [], []
    for row, decision in zip(rows, decisions, strict=True):
        code, text = rediscovery_or_new(run, row.id, decision.code, decision.text)
        status = "accepted" if code in (Reason.ACCEPTED, Reason.REDISCOVERY) else "not_confirmed"
        if status != row.status:
            log.info("%s: %s", row.id, text)  # the text starts with the verdict
        if status == "accepted" and row.status != "accepted":
            newly.append(row.id)
        if status != "accepted" and row.status == "accepted":
            retracted.append(row.id)
        run.store.set_status(row.id, status, text, code=code)
    return newly, retracted


def _seen_generations(run: SearchRun) -> int:
    rows = run.store.candidates()
    return 1 + max((r.generation for r in rows), default=-1)


def run_generation(run: SearchRun, generation: int) -> None:
    """One generation: propose (unless resuming it), filter, screen (racing this generation's
    candidates against those still waiting from earlier ones), confirm, decide, write."""
    if not run.store.candidates(generation=generation):
        propose(run, generation)
    new = run.store.candidates(generation=generation)
    # No later generation will bring candidates: whatever is still in a race is promoted now.
    final = not new or len(run.store.candidates()) >= run.cfg.search.max_candidates
    screening = [
        row.id
        for row in new
        if row.status in ("proposed", "screening")
        and row.stage < len(run.cfg.search.halving_sizes)
        and filter_candidate(run, row)
    ]
    run.display.update(run)
    screen(run, generation, screening, final, budget_exhausted)
    # Candidates already confirming (a resumed run) need no more scoring: decide() reads them.
    for cid in selected(run):
        if not may_confirm(run):
            break
        confirm(run, cid)
        run.display.update(run)
    decide(run)
    settle(run)
    refresh_archive(run)
    run.store.set_meta("elapsed_s", run.minutes() * 60)


def settle(run: SearchRun) -> None:
    """Bring what an acceptance does outside the store (its task folder, the novelty index, the
    accepted-templates file, the counters) in line with the stored statuses.

    The statuses are committed first and a record of the settled acceptances after each one is
    done, so a run killed in between is settled by the next call (the resume's first decision).
    """
    booked = run.store.get_meta(SETTLED_KEY)
    accepted = [r.id for r in run.store.candidates(status="accepted")]
    if booked is None:  # a run from before this record (new runs start with []): all settled
        booked = accepted
        run.store.set_meta(SETTLED_KEY, booked)
    _retract(run, [cid for cid in booked if cid not in accepted])
    _accept(run, [cid for cid in accepted if cid not in booked])


def _book(run: SearchRun, cid: str, settled: bool) -> None:
    booked = [c for c in run.store.get_meta(SETTLED_KEY) or [] if c != cid]
    run.store.set_meta(SETTLED_KEY, [*booked, cid] if settled else booked)


def _accept(run: SearchRun, newly: list[str]) -> None:
    for cid in newly:
        robust = robustness(run, cid)
        write_task(run, cid, robust, accepted=True)
        row = run.store.candidate(cid)
        named = rediscovered_task(run, cid) if row.code is Reason.REDISCOVERY else None
        run.novelty.add_accepted(cid, template_of(row.template), run.items[cid].task, named)
        _count_accepted(run)
        _book(run, cid, settled=True)
        run.display.update(run)


def _retract(run: SearchRun, retracted: list[str]) -> None:
    """Undo acceptances the correction withdrew: the novelty index and the accepted-templates
    file forget them, the counter goes down, and their folders move to ``best/``."""
    for cid in retracted:
        run.novelty.retract(cid)
        run.store.add("retracted")
        _book(run, cid, settled=False)
    if retracted:
        _count_accepted(run)
        refresh_decisions(run)
        run.display.update(run)


def _count_accepted(run: SearchRun) -> None:
    """Set the "accepted" (new tasks) and "rediscovered" counters to the candidates accepted
    now: idempotent, so a run killed between a decision and its bookkeeping counts right after
    the resume."""
    rows = run.store.candidates(status="accepted")
    counters = run.store.counters()
    for key, code in (("accepted", Reason.ACCEPTED), ("rediscovered", Reason.REDISCOVERY)):
        now = sum(1 for r in rows if r.code is code)
        run.store.add(key, now - counters.get(key, 0))


def search_loop(run: SearchRun) -> str:
    """Run generations until a budget stops the run; return why it stopped."""
    generation = max(_seen_generations(run) - 1, 0)
    settle(run)  # what a kill of the last run cut short, even when no budget is left
    while True:
        reason = budget_exhausted(run)
        if reason:
            if reason.startswith("time budget"):
                _confirm_in_grace(run)
                reason = time_stop_reason(run, reason)
            log.info("stopping: %s", reason)
            return reason
        spent, limit = run.minutes(), run.cfg.search.max_minutes
        log.info("generation %d (%.1f of %g min spent)", generation, spent, limit)
        run_generation(run, generation)
        if not run.store.candidates(generation=generation) and not _live(run):
            return "the generator proposed nothing"
        generation += 1


def _live(run: SearchRun) -> bool:
    """Whether candidates are still waiting at a halving stage or past selection."""
    stages = range(len(run.cfg.search.halving_sizes))
    return bool(selected(run)) or any(waiting(run, stage) for stage in stages)


def _confirm_in_grace(run: SearchRun) -> None:
    """After the time budget: confirm the candidates already past selection, within the grace,
    and decide them."""
    todo = selected(run)
    for cid in todo:
        if not may_confirm(run):
            break
        log.info("time budget reached: confirming %s, already past selection", cid)
        confirm(run, cid)
        run.display.update(run)
    if todo:
        decide(run)
        settle(run)
        refresh_archive(run)
        run.store.set_meta("elapsed_s", run.minutes() * 60)
