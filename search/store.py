"""The run store: every candidate, score and decision of a search, in SQLite, as it happens.

A run folder holds ``run.sqlite``; ``invscale search --resume RUN`` reads it back and continues
where the run stopped (crash, Ctrl-C or kill -9). Writes are committed one event at a time.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from invscale.search.reasons import Reason, reason_of

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS candidates (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    template TEXT NOT NULL,
    operator TEXT NOT NULL,
    parents TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL DEFAULT '',
    stage INTEGER NOT NULL DEFAULT -1,
    best_gap_low REAL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS evaluations (
    candidate TEXT NOT NULL,
    phase TEXT NOT NULL,
    n_examples INTEGER NOT NULL,
    data TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (candidate, phase)
);
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value REAL NOT NULL);
CREATE TABLE IF NOT EXISTS archive (
    cell TEXT PRIMARY KEY,
    candidate TEXT NOT NULL,
    score REAL,
    state TEXT NOT NULL,
    tried INTEGER NOT NULL DEFAULT 0,
    updated REAL NOT NULL
);
"""

STORE_FILE = "run.sqlite"
# Candidate lifecycle. Terminal: rejected, dropped, accepted, not_confirmed.
STATUSES = (
    "proposed",
    "screening",
    "confirming",
    "rejected",
    "dropped",
    "not_confirmed",
    "accepted",
)
TERMINAL = frozenset({"rejected", "dropped", "not_confirmed", "accepted"})


@dataclass(frozen=True)
class CandidateRow:
    """A candidate as stored."""

    id: str
    seq: int
    generation: int
    template: dict[str, Any]
    operator: str
    parents: tuple[str, ...]
    status: str
    reason: str
    stage: int
    best_gap_low: float | None
    code: Reason = Reason.NONE
    """The decision's kind, as data (``reason`` is its text for people)."""


@dataclass(frozen=True)
class CellRow:
    """One cell of the search's archive (cause family x lure x answer format).

    Attributes:
        candidate: Its best candidate so far.
        score: That candidate's best lower bound of the gap (None before any scoring).
        state: ``taken`` (an accepted task or a rediscovery, or the index holds it), ``open``
            (promising or not yet scored) or ``weak`` (scored, no inverse scaling so far).
        tried: Candidates of this cell seen so far.
    """

    candidate: str
    score: float | None
    state: str
    tried: int


@dataclass(frozen=True)
class EvaluationRow:
    """One scored phase of a candidate (a halving stage, the confirmation, a rewording)."""

    candidate: str
    phase: str
    n_examples: int
    data: dict[str, Any]


class RunStore:
    """SQLite store of one search run (open with :meth:`open`)."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn

    @classmethod
    def open(cls, run_dir: str | Path) -> RunStore:
        """Open (or create) the store of the run in ``run_dir``."""
        path = Path(run_dir) / STORE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=60)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)
        _add_missing_columns(conn)
        return cls(path, conn)

    def close(self) -> None:
        """Close the database."""
        self.conn.close()

    # -- meta -------------------------------------------------------------------------------
    def get_meta(self, key: str) -> Any:
        """A JSON value stored under ``key`` (None when absent)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        """Store a JSON value and commit."""
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))
        self.conn.commit()

    # -- counters ---------------------------------------------------------------------------
    def add(self, key: str, amount: float = 1.0) -> None:
        """Add to a counter and commit."""
        self.conn.execute(
            "INSERT INTO counters VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
            (key, amount),
        )
        self.conn.commit()

    def counters(self) -> dict[str, float]:
        """All counters."""
        return dict(self.conn.execute("SELECT key, value FROM counters").fetchall())

    # -- candidates -------------------------------------------------------------------------
    def add_candidate(
        self,
        cid: str,
        generation: int,
        template: dict[str, Any],
        operator: str,
        parents: tuple[str, ...],
    ) -> None:
        """Record a proposed candidate (ignored if the id exists: proposals are idempotent)."""
        seq = self.conn.execute("SELECT COUNT(*) FROM candidates").fetchone()[0]
        self.conn.execute(
            "INSERT OR IGNORE INTO candidates (id, seq, generation, template, operator, parents,"
            " status, updated) VALUES (?, ?, ?, ?, ?, ?, 'proposed', ?)",
            (
                cid,
                seq,
                generation,
                json.dumps(template),
                operator,
                json.dumps(parents),
                time.time(),
            ),
        )
        self.conn.commit()

    def set_status(
        self,
        cid: str,
        status: str,
        reason: str = "",
        stage: int | None = None,
        best_gap_low: float | None = None,
        code: Reason = Reason.NONE,
    ) -> None:
        """Update a candidate's status, its reason (text and code), and optionally its stage
        and best gap bound."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        self.conn.execute(
            "UPDATE candidates SET status = ?, reason = ?, code = ?, stage = COALESCE(?, stage), "
            "best_gap_low = COALESCE(?, best_gap_low), updated = ? WHERE id = ?",
            (status, reason, str(code), stage, best_gap_low, time.time(), cid),
        )
        self.conn.commit()

    def candidates(
        self, generation: int | None = None, status: str | None = None, cid: str | None = None
    ) -> list[CandidateRow]:
        """Candidates in proposal order, optionally filtered."""
        sql = (
            "SELECT id, seq, generation, template, operator, parents, status, reason, stage,"
            " best_gap_low, code FROM candidates WHERE 1=1"
        )
        args: list[Any] = []
        if generation is not None:
            sql += " AND generation = ?"
            args.append(generation)
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        if cid is not None:
            sql += " AND id = ?"
            args.append(cid)
        rows = self.conn.execute(sql + " ORDER BY seq", args).fetchall()
        return [
            CandidateRow(
                r[0],
                r[1],
                r[2],
                json.loads(r[3]),
                r[4],
                tuple(json.loads(r[5])),
                r[6],
                r[7],
                r[8],
                r[9],
                reason_of(r[10]),
            )
            for r in rows
        ]

    def candidate(self, cid: str) -> CandidateRow:
        """One candidate by id.

        Raises:
            KeyError: no candidate has that id.
        """
        rows = self.candidates(cid=cid)
        if not rows:
            raise KeyError(f"no candidate {cid!r} in this run")
        return rows[0]

    # -- archive ----------------------------------------------------------------------------
    def set_cell(self, cell: str, row: CellRow) -> None:
        """Store an archive cell's best candidate and state, and commit."""
        self.conn.execute(
            "INSERT OR REPLACE INTO archive VALUES (?, ?, ?, ?, ?, ?)",
            (cell, row.candidate, row.score, row.state, row.tried, time.time()),
        )
        self.conn.commit()

    def cells(self) -> dict[str, CellRow]:
        """The archive: each cell's best candidate so far and its state."""
        rows = self.conn.execute("SELECT cell, candidate, score, state, tried FROM archive")
        return {r[0]: CellRow(r[1], r[2], r[3], r[4]) for r in rows.fetchall()}

    # -- evaluations ------------------------------------------------------------------------
    def add_evaluation(self, cid: str, phase: str, n_examples: int, data: dict[str, Any]) -> None:
        """Record a scored phase of a candidate and commit."""
        self.conn.execute(
            "INSERT OR REPLACE INTO evaluations VALUES (?, ?, ?, ?, ?)",
            (cid, phase, n_examples, json.dumps(data), time.time()),
        )
        self.conn.commit()

    def evaluations(self, cid: str | None = None) -> list[EvaluationRow]:
        """Evaluations, in the order they were made."""
        sql = "SELECT candidate, phase, n_examples, data FROM evaluations"
        args: tuple[Any, ...] = ()
        if cid is not None:
            sql += " WHERE candidate = ?"
            args = (cid,)
        rows = self.conn.execute(sql + " ORDER BY created", args).fetchall()
        return [EvaluationRow(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    def evaluation(self, cid: str, phase: str) -> EvaluationRow | None:
        """One evaluation, or None."""
        for row in self.evaluations(cid):
            if row.phase == phase:
                return row
        return None


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    # Runs stored before reason codes existed gain the column (empty code: no decision kind).
    columns = {row[1] for row in conn.execute("PRAGMA table_info(candidates)")}
    if "code" not in columns:
        conn.execute("ALTER TABLE candidates ADD COLUMN code TEXT NOT NULL DEFAULT ''")
        conn.commit()
