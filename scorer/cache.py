"""Persistent score cache: SQLite, keyed by model fingerprint and request.

Rescoring what was scored before costs nothing, and results are committed chunk by chunk, so a
killed run loses at most the chunk in flight (and a backend failing with
:class:`~invscale.scorer.backends.base.PartialScoresError` loses none of what it finished).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from invscale.scorer.backends.base import LM, PartialScoresError
from invscale.scorer.records import LLRequest, LLResult

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scores (
    model TEXT NOT NULL,
    key TEXT NOT NULL,
    logprob REAL NOT NULL,
    n_tokens INTEGER NOT NULL,
    is_greedy INTEGER NOT NULL,
    PRIMARY KEY (model, key)
) WITHOUT ROWID
"""


def request_key(request: LLRequest) -> str:
    """Stable key of a request (hash of context and continuation, unambiguously joined)."""
    h = hashlib.sha256()
    for part in (request.context, request.continuation):
        data = part.encode()
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


@dataclass(frozen=True)
class ScoreCache:
    """A SQLite file of scored requests, shared across runs.

    Attributes:
        path: The database file; ``:memory:`` for a throwaway cache.
    """

    path: str

    def connect(self) -> sqlite3.Connection:
        """Open the database (creating it and its folder when needed)."""
        if self.path != ":memory:":
            Path(self.path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            str(Path(self.path).expanduser()) if self.path != ":memory:" else self.path, timeout=60
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(_SCHEMA)
        return conn

    def lookup(self, conn: sqlite3.Connection, model: str, keys: list[str]) -> dict[str, LLResult]:
        """Return the cached results among ``keys`` for ``model``."""
        found: dict[str, LLResult] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                f"SELECT key, logprob, n_tokens, is_greedy FROM scores "
                f"WHERE model = ? AND key IN ({marks})",
                [model, *chunk],
            )
            for key, logprob, n_tokens, greedy in rows:
                found[key] = LLResult(float(logprob), int(n_tokens), bool(greedy))
        return found

    def store(
        self, conn: sqlite3.Connection, model: str, items: list[tuple[str, LLResult]]
    ) -> None:
        """Write results and commit."""
        conn.executemany(
            "INSERT OR REPLACE INTO scores VALUES (?, ?, ?, ?, ?)",
            [(model, k, r.logprob, r.n_tokens, int(r.is_greedy)) for k, r in items],
        )
        conn.commit()


def cached_loglikelihood(
    lm: LM,
    requests: list[LLRequest],
    cache: ScoreCache,
    chunk_size: int = 512,
    on_progress: Callable[[int], None] | None = None,
) -> list[LLResult]:
    """Score ``requests`` with ``lm``, answering from ``cache`` where possible.

    Misses are scored in chunks of ``chunk_size`` and committed after each chunk.

    Args:
        lm: The backend.
        requests: Requests; duplicates are scored once.
        cache: The score cache.
        chunk_size: Requests per backend call (and per commit).
        on_progress: Called with the number of requests just resolved.

    Returns:
        One result per request, in request order.
    """
    keys = [request_key(r) for r in requests]
    conn = cache.connect()
    try:
        known = cache.lookup(conn, lm.fingerprint, list(dict.fromkeys(keys)))
        if on_progress is not None:
            on_progress(sum(1 for k in keys if k in known))
        todo: dict[str, LLRequest] = {}
        for key, req in zip(keys, requests, strict=True):
            if key not in known:
                todo.setdefault(key, req)
        todo_keys = list(todo)
        for start in range(0, len(todo_keys), chunk_size):
            chunk_keys = todo_keys[start : start + chunk_size]
            try:
                results = lm.loglikelihood([todo[k] for k in chunk_keys])
            except PartialScoresError as err:
                done = [(chunk_keys[i], r) for i, r in sorted(err.partial.items())]
                cache.store(conn, lm.fingerprint, done)
                raise
            cache.store(conn, lm.fingerprint, list(zip(chunk_keys, results, strict=True)))
            known.update(zip(chunk_keys, results, strict=True))
            if on_progress is not None:
                on_progress(sum(1 for k in keys if k in set(chunk_keys)))
    finally:
        conn.close()
    return [known[k] for k in keys]
