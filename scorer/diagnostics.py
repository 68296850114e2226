"""Per-model diagnostics of a scored task: which labels a model picks, how much probability it
puts on the answers at all.

A loss slope can rise for reasons that are not a belief: a model that drifts to one label on a
balanced task raises its mean loss (the loss is convex) without any change in what it knows, and a
model that puts almost no probability on the classes has "answers" made of tail noise. These
numbers let a caller refuse such tasks; the thresholds are the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from invscale.scorer.metrics import ExampleScore
from invscale.scorer.records import SequenceProbExample, TaskDataset
from invscale.scorer.score import LadderResult, ModelResult

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


@dataclass(frozen=True)
class ModelDiagnostics:
    """One model's label choices and answer support on one dataset.

    Attributes:
        name: Model name.
        params: Parameter count.
        predicted_shares: Share of items whose top class sits at each position (empty for
            sequence_prob): a model answering by content spreads like the right answers do.
        support: Per-item support, summarised at :data:`QUANTILES`: the probability mass on the
            classes (one prompt's, for the logodds types), or for sequence_prob the continuation's
            probability per token (the geometric mean over its tokens).
        support_threshold: The threshold the share below is counted against.
        share_supported: Share of items whose support is at least ``support_threshold``.
        mean_support: Mean per-item support.
    """

    name: str
    params: int
    predicted_shares: tuple[float, ...]
    support: tuple[float, ...]
    support_threshold: float
    share_supported: float
    mean_support: float

    @property
    def top_label_share(self) -> float:
        """The largest share of items any one position gets (0 when there are no classes)."""
        return max(self.predicted_shares, default=0.0)


def n_choices(dataset: TaskDataset) -> int:
    """The most classes an item of the dataset has (1 for sequence_prob)."""
    if dataset.task_type == "sequence_prob":
        return 1
    return max(
        len(ex.classes) for ex in dataset.examples if not isinstance(ex, SequenceProbExample)
    )


def answer_shares(dataset: TaskDataset) -> tuple[float, ...]:
    """Share of items whose right answer sits at each position (empty for sequence_prob)."""
    k = n_choices(dataset)
    if dataset.task_type == "sequence_prob":
        return ()
    counts = np.zeros(k)
    for ex in dataset.examples:
        if isinstance(ex, SequenceProbExample):
            continue
        counts[ex.answer_index] += 1
    return tuple(float(c) for c in counts / counts.sum())


def _support(scores: tuple[ExampleScore, ...], task_type: str) -> np.ndarray | None:
    if task_type == "sequence_prob":
        per_token = [-s.loss / max(s.n_tokens or 1, 1) for s in scores]
        return np.exp(np.array(per_token, dtype=np.float64))
    logmass = [s.mass_logprob for s in scores]
    if any(v is None for v in logmass):
        return None
    return np.exp(np.array(logmass, dtype=np.float64))


def _predicted_shares(scores: tuple[ExampleScore, ...], k: int) -> tuple[float, ...]:
    picks = [s.predicted for s in scores if s.predicted is not None]
    if k < 2 or not picks:
        return ()
    counts = np.bincount(np.array(picks, dtype=np.int64), minlength=k)
    return tuple(float(c) for c in counts / counts.sum())


def diagnose_model(
    model: ModelResult, dataset: TaskDataset, threshold: float
) -> ModelDiagnostics | None:
    """One model's diagnostics (None when the scores do not carry the class mass)."""
    support = _support(model.scores, dataset.task_type)
    if support is None:
        return None
    return ModelDiagnostics(
        name=model.rung.name,
        params=model.rung.params,
        predicted_shares=_predicted_shares(model.scores, n_choices(dataset)),
        support=tuple(float(q) for q in np.quantile(support, QUANTILES)),
        support_threshold=threshold,
        share_supported=float(np.mean(support >= threshold)),
        mean_support=float(support.mean()),
    )


def diagnose(result: LadderResult, threshold: float) -> tuple[ModelDiagnostics, ...]:
    """Every model's diagnostics on a scored dataset (models whose scores lack the class mass,
    e.g. read from a file without it, are left out)."""
    found = (diagnose_model(m, result.dataset, threshold) for m in result.models)
    return tuple(d for d in found if d is not None)
