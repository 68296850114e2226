"""The archive of mechanism cells, and the steering it gives the generator.

Every candidate falls in a cell of (cause family x lure x answer format), read from its mechanism
card. Each cell keeps its best candidate (by the lower bound of its gap) and a state, stored in
the run store so a resumed run keeps them:

* ``taken``: the run accepted or rediscovered a task there, or the index has rejected two of its
  candidates as duplicates: more proposals there would be rejected;
* ``weak``: scored, no candidate with a positive lower bound, nothing still in the pipeline;
* ``open``: anything else.

Before each generation the generator is told the known cells (cells of the known tasks' cards),
the taken and weak ones and the known tasks already rediscovered, so it spends proposals where
a new task can still be found (like Rainbow Teaming's descriptor grid, with novelty decided by
mechanism rather than by a fixed grid).
"""

from __future__ import annotations

from collections import defaultdict

from invscale.generator.card import card_of
from invscale.generator.steering import Steering
from invscale.search.candidates import template_of
from invscale.search.reasons import Reason
from invscale.search.state import SearchRun
from invscale.search.store import TERMINAL, CandidateRow, CellRow

DUPLICATES_TO_TAKE = 2  # duplicate verdicts after which a cell counts as held


def cell_key(row: CandidateRow) -> str:
    """The archive cell of a stored candidate."""
    return card_of(template_of(row.template)).cell.key


def _state(rows: list[CandidateRow]) -> str:
    held = any(r.status == "accepted" for r in rows)
    duplicates = sum(r.code is Reason.DUPLICATE for r in rows)
    if held or duplicates >= DUPLICATES_TO_TAKE:
        return "taken"
    scored = [r for r in rows if r.best_gap_low is not None]
    pending = any(r.status not in TERMINAL for r in rows)
    if scored and not pending and max(r.best_gap_low or 0.0 for r in scored) <= 0:
        return "weak"
    return "open"


def refresh_archive(run: SearchRun) -> dict[str, CellRow]:
    """Recompute every cell from the store's candidates and store the ones that changed."""
    by_cell: dict[str, list[CandidateRow]] = defaultdict(list)
    for row in run.store.candidates():
        by_cell[cell_key(row)].append(row)
    stored = run.store.cells()
    out = {}
    for key, rows in by_cell.items():
        scored = [r for r in rows if r.best_gap_low is not None]
        best = max(scored, key=lambda r: r.best_gap_low or 0.0) if scored else rows[0]
        cell = CellRow(best.id, best.best_gap_low, _state(rows), len(rows))
        if stored.get(key) != cell:
            run.store.set_cell(key, cell)
        out[key] = cell
    return out


def rediscovered(run: SearchRun) -> frozenset[str]:
    """Known task ids this run has confirmed rediscoveries of."""
    out = set()
    for row in run.store.candidates(status="accepted"):
        if row.code is Reason.REDISCOVERY:
            ev = run.store.evaluation(row.id, "novelty")
            if ev is not None and ev.data.get("task"):
                out.add(str(ev.data["task"]))
    return frozenset(out)


def _held_parts(run: SearchRun) -> set[str]:
    """Cells of the parts of accepted compositions: the run holds those mechanisms too."""
    out: set[str] = set()
    for row in run.store.candidates(status="accepted"):
        card = card_of(template_of(row.template))
        out.update(part.cell.key for part in card.parts)
    return out


def steering(run: SearchRun) -> Steering:
    """What the generator is told before proposing: known, taken and weak cells."""
    cells = refresh_archive(run)
    taken = {k for k, c in cells.items() if c.state == "taken"} | _held_parts(run)
    return Steering(
        known=frozenset(run.novelty.known_cells()),
        taken=frozenset(taken),
        weak=frozenset(k for k, c in cells.items() if c.state == "weak"),
        rediscovered=rediscovered(run),
        best={k: c.score for k, c in cells.items() if c.score is not None},
    )
