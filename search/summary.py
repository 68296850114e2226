"""Counts and the leaderboard of a run, read from its store (for the live view, status, summary)."""

from __future__ import annotations

from typing import Any

from invscale.search.store import RunStore


def summary_counts(store: RunStore) -> dict[str, Any]:
    """Counts by status and rejection reason, plus the run's counters."""
    counts: dict[str, int] = {}
    for row in store.candidates():
        counts[row.status] = counts.get(row.status, 0) + 1
    return {"by_status": counts, "counters": store.counters()}


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
