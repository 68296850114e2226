"""The candidate funnel: proposed, rejected by reason, scored, dropped, confirmed, accepted.

Counts come from the candidates' statuses and recorded reasons (what the store says now), so
they add up at every level even while the run is going.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from invscale.search.report.records import CandidateLine, FunnelRow
from invscale.search.store import CandidateRow, RunStore

# (status, reason prefix, label) in the order the funnel shows them; first match wins.
_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("rejected", "gate", "failed a quality gate (expansion)"),
    ("rejected", "novelty", "too close to a known task (novelty filter)"),
    ("rejected", "", "rejected for another reason"),
    ("proposed", "", "waiting to be filtered"),
    ("dropped", "selection set", "dropped on the full selection set (interval reaches zero)"),
    ("dropped", "", "dropped for another reason"),
    ("screening", "", "still being screened"),
    ("not_confirmed", "not significant", "not significant after the multiplicity correction"),
    ("not_confirmed", "artefact", "artefact: the largest model barely puts mass on the classes"),
    ("not_confirmed", "confirmation", "no fresh confirmation set could be built"),
    ("not_confirmed", "", "not confirmed for another reason"),
    ("confirming", "", "confirmed, awaiting the decision"),
)
_STAGE = re.compile(r"halving stage (\d+)")


def category(row: CandidateRow) -> str:
    """The funnel line a candidate ends on (or sits on, while the run goes on)."""
    if row.status == "accepted":
        return "accepted"
    if row.status == "dropped":
        match = _STAGE.match(row.reason)
        if match:
            return f"dropped at successive-halving stage {match.group(1)}"
    for status, prefix, label in _CATEGORIES:
        if row.status == status and row.reason.startswith(prefix):
            return label
    return row.status


def _losses(counts: Counter[str], labels: Sequence[str]) -> list[FunnelRow]:
    return [FunnelRow(label, counts[label], 1) for label in labels if counts[label]]


def funnel_rows(store: RunStore) -> tuple[FunnelRow, ...]:
    """The funnel of the run as it stands."""
    rows = store.candidates()
    phases: dict[str, set[str]] = {}
    for ev in store.evaluations():
        phases.setdefault(ev.candidate, set()).add(ev.phase)
    scored = sum(1 for r in rows if any(p.startswith("stage") for p in phases.get(r.id, ())))
    confirmed = sum(1 for r in rows if "confirm" in phases.get(r.id, ()))
    counts = Counter(category(r) for r in rows)
    labels = [label for _, _, label in _CATEGORIES]
    stages = sorted((k for k in counts if k.startswith("dropped at successive")), key=_stage_key)
    out = [FunnelRow("proposed", len(rows), 0)]
    out += _losses(counts, labels[:4])
    out.append(FunnelRow("scored on the ladder (screening)", scored, 0))
    out += _losses(counts, stages + labels[4:7])
    out.append(FunnelRow("scored on a fresh confirmation set", confirmed, 0))
    out += _losses(counts, labels[7:])
    out.append(FunnelRow("accepted", counts["accepted"], 0))
    known = set(labels) | set(stages) | {"accepted"}
    out += [FunnelRow(f"status {k}", n, 1) for k, n in sorted(counts.items()) if k not in known]
    return tuple(out)


def _stage_key(label: str) -> int:
    return int(label.rsplit(" ", 1)[1])


def candidate_lines(store: RunStore) -> tuple[CandidateLine, ...]:
    """Every candidate with its status and reason, in proposal order."""
    return tuple(
        CandidateLine(
            id=r.id,
            title=str(r.template.get("title") or ""),
            operator=r.operator,
            status=r.status,
            reason=r.reason,
        )
        for r in store.candidates()
    )
