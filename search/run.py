"""Public entry points of a search run: start, resume, status."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from invscale.scorer import ModelPool, ScoreCache
from invscale.search.config import Config
from invscale.search.loop import search_loop
from invscale.search.novelty_gate import NoveltyGate
from invscale.search.reasons import Reason
from invscale.search.state import Display, NullDisplay, SearchRun
from invscale.search.store import RunStore
from invscale.search.summary import leaderboard, rediscoveries, summary_counts
from invscale.search.writeout import refresh_decisions, write_best


class RunError(ValueError):
    """The run folder cannot be started or resumed as asked."""


@dataclass(frozen=True)
class SearchOutcome:
    """How a run ended."""

    run_dir: Path
    stop_reason: str
    accepted: tuple[str, ...]
    counts: dict[str, Any]
    rediscoveries: tuple[str, ...] = ()
    """Candidates confirmed as rediscoveries of known tasks (not in ``accepted``)."""


def open_run(
    cfg: Config | None, run_dir: Path, resume: bool, budget: dict[str, Any] | None = None
) -> tuple[RunStore, Config]:
    """Open the run store; a resumed run uses the config it started with (budgets overridable)."""
    store = RunStore.open(run_dir)
    stored = store.get_meta("config")
    if resume:
        if stored is None:
            store.close()
            raise RunError(f"{run_dir}: nothing to resume (no run.sqlite with a config)")
        cfg = Config.model_validate(stored)
        store.set_meta("stop_reason", None)  # running again: the report must not say finished
    elif stored is not None:
        store.close()
        raise RunError(
            f"{run_dir}: a run already exists here; resume it with --resume or choose another --out"
        )
    assert cfg is not None
    if budget:
        cfg = cfg.model_copy(update={"search": cfg.search.model_copy(update=budget)})
    store.set_meta("config", cfg.model_dump(mode="json"))
    return store, cfg


def run_search(
    cfg: Config | None,
    run_dir: str | Path,
    resume: bool = False,
    budget: dict[str, Any] | None = None,
    display: Display | None = None,
) -> SearchOutcome:
    """Run (or resume) a search and write its results into ``run_dir``.

    Args:
        cfg: The config tree (ignored when resuming: the run's own config is used).
        run_dir: The run folder (``run.sqlite``, ``tasks/``, ``best/``, ``summary.json``).
        resume: Continue the run stored in ``run_dir``.
        budget: Overrides of ``search`` budget fields (max_candidates, max_minutes, ...).
        display: Progress display; none when None.

    Raises:
        RunError: starting over an existing run, or resuming a folder with none.
    """
    run_dir = Path(run_dir)
    store, cfg = open_run(cfg, run_dir, resume, budget)
    run = SearchRun(
        cfg=cfg,
        run_dir=run_dir,
        store=store,
        pool=ModelPool(cfg.scorer),
        cache=ScoreCache(cfg.scorer.cache_path),
        novelty=NoveltyGate(cfg.novelty, run_dir / "novelty", run_dir.name),
        display=display or NullDisplay(),
        elapsed_before=float(store.get_meta("elapsed_s") or 0.0),
    )
    try:
        reason = search_loop(run)
    except KeyboardInterrupt:
        reason = "interrupted (resume with --resume)"
    return finish(run, reason)


def finish(run: SearchRun, reason: str) -> SearchOutcome:
    """Write the best candidates and the run summary; close the store."""
    run.store.set_meta("elapsed_s", run.minutes() * 60)
    run.store.set_meta("stop_reason", reason)
    refresh_decisions(run)
    write_best(run)
    accepted = run.store.candidates(status="accepted")
    outcome = SearchOutcome(
        run.run_dir,
        reason,
        tuple(c.id for c in accepted if c.code is not Reason.REDISCOVERY),
        summary_counts(run.store),
        tuple(c.id for c in accepted if c.code is Reason.REDISCOVERY),
    )
    (run.run_dir / "summary.json").write_text(json.dumps(run_summary(run.store), indent=2) + "\n")
    run.store.close()
    return outcome


def run_summary(store: RunStore) -> dict[str, Any]:
    """Counts, compute saved by successive halving, and the leaderboard of a run."""
    counts = summary_counts(store)
    c = counts["counters"]
    selection = c.get("requests_run:stage", 0.0)
    full = c.get("requests_if_full", 0.0)
    return {
        "stop_reason": store.get_meta("stop_reason"),
        "elapsed_minutes": (store.get_meta("elapsed_s") or 0.0) / 60,
        **counts,
        "halving": {
            "selection_requests_run": selection,
            "selection_requests_if_every_candidate_scored_fully": full,
            "share_saved": (1 - selection / full) if full else None,
        },
        "leaderboard": leaderboard(store, limit=20),
        "rediscoveries": rediscoveries(store),
        "archive": {
            key: {"best": c.candidate, "gap_low": c.score, "state": c.state, "tried": c.tried}
            for key, c in sorted(store.cells().items())
        },
        "candidates": [
            {
                "id": r.id,
                "title": r.template.get("title"),
                "operator": r.operator,
                "status": r.status,
                "code": str(r.code),
                "reason": r.reason,
            }
            for r in store.candidates()
        ],
    }


def run_status(run_dir: str | Path) -> dict[str, Any]:
    """The summary of a finished or running run, read from its store."""
    path = Path(run_dir) / "run.sqlite"
    if not path.exists():
        raise RunError(f"{run_dir}: no run here (no run.sqlite)")
    store = RunStore.open(run_dir)
    try:
        return run_summary(store)
    finally:
        store.close()
