"""Counts and the leaderboard of a run, read from its store (for the live view, status, summary)."""

from __future__ import annotations

from typing import Any

from invscale.search.reasons import Reason
from invscale.search.store import RunStore


def summary_counts(store: RunStore) -> dict[str, Any]:
    """Counts by status (accepted ones split into new tasks and rediscoveries), plus the run's
    counters."""
    counts: dict[str, int] = {}
    for row in store.candidates():
        status = row.status
        if status == "accepted" and row.code is Reason.REDISCOVERY:
            status = "rediscovered"
        counts[status] = counts.get(status, 0) + 1
    return {"by_status": counts, "counters": store.counters()}


def rediscoveries(store: RunStore) -> list[dict[str, Any]]:
    """Confirmed rediscoveries, each with the known task it rediscovers."""
    out = []
    for row in store.candidates(status="accepted"):
        if row.code is not Reason.REDISCOVERY:
            continue
        ev = store.evaluation(row.id, "novelty")
        data = ev.data if ev is not None else {}
        out.append(
            {
                "id": row.id,
                "title": row.template.get("title", ""),
                "rediscovers": data.get("task"),
                "rediscovers_title": data.get("task_title", ""),
            }
        )
    return out


def leaderboard(store: RunStore, limit: int = 8) -> list[dict[str, Any]]:
    """Candidates with evidence, best lower bound of the gap first."""
    rows = [c for c in store.candidates() if c.best_gap_low is not None]
    rows.sort(key=lambda c: (c.status == "accepted", c.best_gap_low or 0.0), reverse=True)
    out = []
    for row in rows[:limit]:
        evals = [e for e in store.evaluations(row.id) if e.phase.startswith(("stage", "confirm"))]
        best = max(evals, key=lambda e: (e.phase == "confirm", e.n_examples))
        out.append(
            {
                "id": row.id,
                "title": row.template.get("title", ""),
                "status": row.status,
                "phase": best.phase,
                "n": best.n_examples,
                "gap": best.data["gap"],
                "gap_ci": best.data["gap_ci"],
                "slope": best.data["slope"],
                "operator": row.operator,
            }
        )
    return out
