"""Score a task on a ladder of models and fit its scaling trend."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from invscale.scorer.backends import LM, load_backend
from invscale.scorer.cache import ScoreCache, cached_loglikelihood
from invscale.scorer.config import Rung, ScorerConfig
from invscale.scorer.errors import ConfigError, TaskFormatError
from invscale.scorer.fit import (
    ModelSummary,
    ScalingFit,
    bootstrap_counts,
    curve_shape,
    slope_with_ci,
    spearman,
    summarize,
)
from invscale.scorer.ladder_exec import run_ladder
from invscale.scorer.metrics import (
    ExampleScore,
    chance_accuracy,
    chance_loss,
    dataset_requests,
    score_examples,
)
from invscale.scorer.records import LLRequest, LLResult, TaskDataset, TaskType

log = logging.getLogger(__name__)
# Called with (model name, requests resolved so far, requests in total).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ModelResult:
    """One model's scores on a task."""

    rung: Rung
    fingerprint: str
    scores: tuple[ExampleScore, ...]
    summary: ModelSummary


@dataclass(frozen=True)
class LadderResult:
    """A task scored on a whole ladder, with its scaling fit."""

    dataset: TaskDataset
    models: tuple[ModelResult, ...]
    fit: ScalingFit

    def losses(self) -> np.ndarray:
        """Per-example losses, shape [models, examples]."""
        return np.array([[s.loss for s in m.scores] for m in self.models], dtype=np.float64)


@dataclass
class ModelPool:
    """Loads each rung's model once and keeps at most ``max_loaded`` in memory.

    The search scores hundreds of small tasks on the same ladder; reloading models per task would
    cost more than scoring.
    """

    cfg: ScorerConfig
    max_loaded: int = 4
    requests_run: int = 0
    """Requests that reached a model (cache misses): the pool's measure of compute spent."""
    _loaded: dict[str, LM] = field(default_factory=dict)
    # Endpoint rungs are scored from worker threads (see scorer.ladder_exec).
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def get(self, rung: Rung) -> LM:
        """Return the loaded model of ``rung``, loading it (and evicting the oldest) if needed."""
        key = rung.model_dump_json()
        with self._lock:
            if key in self._loaded:
                return self._loaded[key]
            while len(self._loaded) >= self.max_loaded:
                self._loaded.pop(next(iter(self._loaded)))
                gc.collect()
        # Loaded outside the lock: a large model loading must not hold up the endpoint threads.
        where = rung.base_url or rung.source or "no weights"
        log.info("loading model %s (%s backend, %s)", rung.name, rung.backend, where)
        start = time.monotonic()
        lm = _Counting(load_backend(rung, self.cfg), self)
        log.info("loaded model %s in %.1f s", rung.name, time.monotonic() - start)
        with self._lock:
            return self._loaded.setdefault(key, lm)

    def count(self, n: int) -> None:
        """Add ``n`` requests to :attr:`requests_run`."""
        with self._lock:
            self.requests_run += n


@dataclass(frozen=True)
class _Counting:
    """Passes requests through to a model, counting them on the pool."""

    inner: LM
    pool: ModelPool

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        self.pool.count(len(requests))
        return self.inner.loglikelihood(requests)


def score_requests(
    requests: list[LLRequest],
    rung: Rung,
    pool: ModelPool,
    cache: ScoreCache,
    progress: Progress | None = None,
) -> dict[LLRequest, LLResult]:
    """Score requests on one model through the persistent cache."""
    return _score_rung(requests, rung, pool, cache, progress)[1]


def _score_rung(
    requests: list[LLRequest],
    rung: Rung,
    pool: ModelPool,
    cache: ScoreCache,
    progress: Progress | None = None,
) -> tuple[str, dict[LLRequest, LLResult]]:
    """Score requests on one model; return its fingerprint and the results."""
    lm = pool.get(rung)
    done = 0

    def tick(k: int) -> None:
        nonlocal done
        done += k
        if progress is not None:
            progress(rung.name, done, len(requests))

    results = cached_loglikelihood(lm, requests, cache, on_progress=tick)
    return lm.fingerprint, dict(zip(requests, results, strict=True))


def model_result(
    dataset: TaskDataset, rung: Rung, fingerprint: str, results: dict[LLRequest, LLResult]
) -> ModelResult:
    """Per-example metrics and the summary of one model."""
    return summarize_model(dataset.task_type, rung, fingerprint, score_examples(dataset, results))


def summarize_model(
    task_type: TaskType, rung: Rung, fingerprint: str, scores: Sequence[ExampleScore]
) -> ModelResult:
    """Wrap one model's per-example scores (computed here or read from a file) with its summary."""
    scores = tuple(scores)
    losses = np.array([s.loss for s in scores])
    has_classes = task_type != "sequence_prob"
    correct = np.array([float(bool(s.correct)) for s in scores]) if has_classes else None
    # A Prize file may lack the total_logprob columns; then the class mass is unknown, not 1.
    logprobs = [s.mass_logprob for s in scores]
    known = has_classes and all(lp is not None for lp in logprobs)
    mass = np.array(logprobs, dtype=np.float64) if known else None
    summary = summarize(rung.name, rung.params, losses, correct, mass)
    return ModelResult(rung, fingerprint, scores, summary)


def fit_models(
    dataset: TaskDataset, models: Sequence[ModelResult], cfg: ScorerConfig
) -> ScalingFit:
    """Fit the scaling trend of per-model results (all on the same examples)."""
    params = [m.rung.params for m in models]
    losses = np.array([[s.loss for s in m.scores] for m in models], dtype=np.float64)
    weights = bootstrap_counts(losses.shape[1], cfg.bootstrap_samples, cfg.seed)
    slope, ci = slope_with_ci(params, losses, weights, cfg.confidence)
    acc_slope = acc_ci = None
    if dataset.task_type != "sequence_prob":
        correct = np.array([[float(bool(s.correct)) for s in m.scores] for m in models])
        acc_slope, acc_ci = slope_with_ci(params, correct, weights, cfg.confidence)
    means = [m.summary.mean_loss for m in models]
    return ScalingFit(
        loss_slope=slope,
        loss_ci=ci,
        accuracy_slope=acc_slope,
        accuracy_ci=acc_ci,
        rank_correlation=spearman(params, means),
        shape=curve_shape(means),
        chance_loss=chance_loss(dataset),
        chance_accuracy=chance_accuracy(dataset),
        confidence=cfg.confidence,
        n_examples=losses.shape[1],
    )


def score_dataset(
    dataset: TaskDataset,
    rungs: Sequence[Rung],
    cfg: ScorerConfig,
    pool: ModelPool | None = None,
    cache: ScoreCache | None = None,
    progress: Progress | None = None,
) -> LadderResult:
    """Score ``dataset`` on every rung and fit the trend.

    Args:
        dataset: The task.
        rungs: The ladder, at least two distinct sizes.
        cfg: Scorer configuration (batching, cache, bootstrap).
        pool: Loaded models to reuse across calls; a fresh pool when None.
        cache: The score cache; ``cfg.cache_path`` when None.
        progress: Called as requests resolve.
    """
    if len(dataset) == 0:
        raise TaskFormatError(f"task {dataset.name!r} has no examples")
    if len({r.params for r in rungs}) < 2:
        raise ConfigError("a ladder needs at least two models of different sizes")
    pool = pool or ModelPool(cfg)
    cache = cache or ScoreCache(cfg.cache_path)
    requests = dataset_requests(dataset)
    ladder = sorted(rungs, key=lambda r: r.params)
    # Rungs on inference servers are scored concurrently; in-process ones one by one.
    scored = run_ladder(
        ladder,
        lambda rung: _score_rung(requests, rung, pool, cache, progress),
        cfg.max_parallel_endpoints,
    )
    models = [
        model_result(dataset, rung, fingerprint, results)
        for rung, (fingerprint, results) in zip(ladder, scored, strict=True)
    ]
    return LadderResult(dataset, tuple(models), fit_models(dataset, models, cfg))
