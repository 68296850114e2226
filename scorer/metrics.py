"""Turn tasks into log-likelihood requests, and results back into the Prize's per-example metrics.

Definitions follow the Prize's evaluation pipeline:

- classification: a class's log-prob is the sum over its tokens (no length normalisation);
  loss = -log of the correct class's probability renormalised over the classes; correct = argmax;
  total_logprob = log of the probability mass on all classes.
- sequence_prob: loss = -(summed log-prob of the completion).
- logodds: each prompt's log-odds = log p(class 0) - log p(class 1) (renormalised over the two);
  the loss is prompt's minus other_prompt's, negated when ``answer_index`` is 1; correct = argmax on
  other_prompt; total_logprob = log(m1 + m2), the log of the two prompts' class masses added
  (the Prize's Hugging Face path). The artefact checks use ``class_logmass`` instead: the mean of
  the two log masses (a geometric mean), which, unlike the Prize's column, is a probability.
- absolute_logodds: the absolute value of the logodds loss.

For single-token classes these coincide with the pipeline's first/last-token definitions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from invscale.scorer.records import (
    ClassificationExample,
    Example,
    LLRequest,
    LLResult,
    LogoddsExample,
    SequenceProbExample,
    TaskDataset,
    TaskType,
)


@dataclass(frozen=True)
class ExampleScore:
    """One model's score on one example.

    Attributes:
        loss: The Prize's loss (the logodds difference for the logodds types); higher is worse.
        correct: Whether the top class is the answer (None for sequence_prob).
        total_logprob: The Prize's column: log of the probability mass on the classes; for the
            logodds types log(m1 + m2) over the two prompts (None for sequence_prob).
        class_logprobs: Each class's summed log-prob (the prompt's, for logodds).
        class_logmass: Log of one prompt's class mass as the artefact checks read it: equal to
            ``total_logprob`` for classification, the mean of the two prompts' log masses for
            the logodds types (None for sequence_prob, or when a file does not say).
        predicted: Position of the top class (on ``other_prompt`` for logodds, as ``correct``).
        n_tokens: Tokens of the continuation (sequence_prob), for per-token checks.
    """

    loss: float
    correct: bool | None
    total_logprob: float | None
    class_logprobs: tuple[float, ...] = ()
    class_logmass: float | None = None
    predicted: int | None = None
    n_tokens: int | None = None

    @property
    def mass_logprob(self) -> float | None:
        """Log class mass of one prompt: ``class_logmass``, else ``total_logprob``."""
        return self.class_logmass if self.class_logmass is not None else self.total_logprob


# Output column suffixes per task type, in the Prize's naming.
PRIZE_COLUMNS: dict[TaskType, tuple[str, ...]] = {
    "classification": ("loss", "correct", "total_logprob"),
    "sequence_prob": ("loss",),
    "logodds": ("logodds_difference", "correct", "total_logprob"),
    "absolute_logodds": ("logodds_difference", "correct", "total_logprob"),
}


def example_requests(example: Example) -> list[LLRequest]:
    """The requests one example needs."""
    if isinstance(example, SequenceProbExample):
        return [LLRequest(example.prompt, example.completion)]
    reqs = [LLRequest(example.prompt, c) for c in example.classes]
    if isinstance(example, LogoddsExample):
        reqs += [LLRequest(example.other_prompt, c) for c in example.classes]
    return reqs


def dataset_requests(dataset: TaskDataset) -> list[LLRequest]:
    """Every distinct request of a dataset, in first-seen order."""
    seen: dict[LLRequest, None] = {}
    for ex in dataset.examples:
        for req in example_requests(ex):
            seen.setdefault(req, None)
    return list(seen)


def _logsumexp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def _argmax(values: list[float]) -> int:
    return max(range(len(values)), key=values.__getitem__)


def score_example(
    example: Example, task_type: TaskType, results: Mapping[LLRequest, LLResult]
) -> ExampleScore:
    """Compute one example's Prize metrics from its requests' results."""
    if isinstance(example, SequenceProbExample):
        result = results[LLRequest(example.prompt, example.completion)]
        return ExampleScore(-result.logprob, None, None, n_tokens=result.n_tokens)
    lps = [results[LLRequest(example.prompt, c)].logprob for c in example.classes]
    total = _logsumexp(lps)
    if isinstance(example, ClassificationExample):
        loss = total - lps[example.answer_index]
        top = _argmax(lps)
        return ExampleScore(
            loss, top == example.answer_index, total, tuple(lps), total, predicted=top
        )
    other = [results[LLRequest(example.other_prompt, c)].logprob for c in example.classes]
    diff = (lps[0] - lps[1]) - (other[0] - other[1])
    if example.answer_index == 1:
        diff = -diff
    if task_type == "absolute_logodds":
        diff = abs(diff)
    other_total = _logsumexp(other)
    top = _argmax(other)
    return ExampleScore(
        diff,
        top == example.answer_index,
        _logsumexp([total, other_total]),
        tuple(lps),
        (total + other_total) / 2,
        predicted=top,
    )


def score_examples(
    dataset: TaskDataset, results: Mapping[LLRequest, LLResult]
) -> tuple[ExampleScore, ...]:
    """Score every example of ``dataset`` from a request -> result mapping."""
    return tuple(score_example(ex, dataset.task_type, results) for ex in dataset.examples)


def chance_loss(dataset: TaskDataset) -> float | None:
    """Loss of a model that spreads probability evenly over the classes (None for sequence_prob)."""
    if dataset.task_type == "sequence_prob":
        return None
    if dataset.task_type in ("logodds", "absolute_logodds"):
        return 0.0
    counts = [len(ex.classes) for ex in dataset.examples if isinstance(ex, ClassificationExample)]
    return sum(math.log(n) for n in counts) / len(counts)


def chance_accuracy(dataset: TaskDataset) -> float | None:
    """Accuracy of uniform guessing over the classes (None for sequence_prob)."""
    if dataset.task_type == "sequence_prob":
        return None
    counts = [len(ex.classes) for ex in dataset.examples if not isinstance(ex, SequenceProbExample)]
    return sum(1 / n for n in counts) / len(counts)


def prize_columns(task_type: TaskType, model: str, score: ExampleScore) -> dict[str, float | int]:
    """The Prize's per-model output columns for one example (``<model>_loss`` and so on)."""
    values: dict[str, float | int | None] = {
        "loss": score.loss,
        "logodds_difference": score.loss,
        "correct": None if score.correct is None else int(score.correct),
        "total_logprob": score.total_logprob,
    }
    out: dict[str, float | int] = {}
    for col in PRIZE_COLUMNS[task_type]:
        value = values[col]
        if value is not None:
            out[f"{model}_{col}"] = value
    return out
