"""Simulated candidates for calibrating the acceptance rule: per-item log-probabilities of each
class, for each model, on the task, the control and (strong-prior scenarios) the consistent control.

Every item has two classes. A model's log-odds of the right class is

    z = mu[variant, model] + sign[variant] * entity difficulty + entity noise + item noise
        (+ a push towards label 0 where a scenario plants a label bias),

and its probability mass on the two classes is logit-normal around a scenario's median. The
class log-probabilities are then log(mass) + log sigmoid(+-z): what a backend returns, so the real
scorer turns them into losses, accuracies, class masses and label shares.

For strong-prior scenarios the means come from two per-model quantities: ``knows`` (log-odds of
the world's answer with no statement) and ``follows`` (how far a statement moves it). The task
states the opposite of the world (its right answer is the stated one), the control states
nothing, the consistent control states the world: mu = (follows - knows, knows, knows + follows),
and an entity's difficulty enters the task with the opposite sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Kind = Literal["null", "planted", "knowledge"]
# Share of a model's log-odds noise on an item that it carries into every variant of the item.
SHARED = 0.4
VARIANTS = ("task", "control", "consistent")
Pair = tuple[float, float]


@dataclass(frozen=True)
class Scenario:
    """A family of simulated candidates on a two-model ladder (small, large).

    Attributes:
        name: Row name in the table.
        kind: ``null`` (must be refused), ``planted`` (must be accepted) or ``knowledge``
            (inverse scaling by the Prize's definition, reported on its own).
        count: Candidates simulated.
        task: Mean log-odds of the right class on the task, small and large model.
        control: The same on the control.
        effect: When set, the large model's task mean drops by a uniform draw from this range
            (planted effects of varied size), below ``task[1]``.
        knows: Strong-prior scenarios: log-odds of the world's answer with no statement.
        follows: Strong-prior scenarios: how far a statement moves the log-odds.
        items_per_entity: Items sharing one entity (a cluster).
        icc: Share of the variant-specific noise that is shared by an entity's items.
        noise: Standard deviation of the model-specific log-odds noise.
        difficulty: Standard deviation of an entity's difficulty, shared by models and variants.
        label_bias: Log-odds pushed towards label 0 on the task, small and large model.
        task_mass: Median probability on the two classes on the task, small and large.
        control_mass: The same on the control (and consistent control).
        real: Draw the candidates from real scored items instead (``swap`` or ``split``, see
            :mod:`invscale.search.calibration.real`); the other fields are then unused.
    """

    name: str
    kind: Kind
    count: int
    task: Pair = (1.0, 1.0)
    control: Pair = (1.0, 1.0)
    effect: Pair | None = None
    knows: Pair | None = None
    follows: Pair | None = None
    items_per_entity: int = 2
    icc: float = 0.3
    noise: float = 1.0
    difficulty: float = 1.5
    label_bias: Pair = (0.0, 0.0)
    task_mass: Pair = (0.6, 0.6)
    control_mass: Pair = (0.6, 0.6)
    real: Literal["swap", "split"] | None = None

    @property
    def strong_prior(self) -> bool:
        """Whether the scenario has a consistent control."""
        return self.knows is not None


@dataclass(frozen=True)
class Simulated:
    """One simulated candidate.

    Attributes:
        logprobs: Class log-probabilities, shape [models, variants, items, 2] (class position).
        answers: The right class's position per variant and item, shape [variants, items]
            (balanced; a strong-prior task's right answer is the stated one, the controls' the
            world's, so their positions differ).
        clusters: Each item's entity.
        has_consistent: Whether the consistent control is part of the candidate.
        effect: The planted drop of the large model's task log-odds (0 when none).
    """

    logprobs: NDArray[np.float64]
    answers: NDArray[np.int64]
    clusters: tuple[str, ...]
    has_consistent: bool
    effect: float

    @property
    def items(self) -> int:
        """Items simulated."""
        return len(self.clusters)

    def head(self, n: int) -> Simulated:
        """The first ``n`` items (items are drawn independently, entity by entity, so the first
        ``n`` of a larger draw are a draw of ``n``)."""
        return Simulated(
            self.logprobs[:, :, :n],
            self.answers[:, :n],
            self.clusters[:n],
            self.has_consistent,
            self.effect,
        )


def _means(s: Scenario, effect: float) -> NDArray[np.float64]:
    """Mean log-odds of the right class, shape [models, variants]."""
    if s.knows is not None and s.follows is not None:
        k, f = np.array(s.knows), np.array(s.follows)
        return np.stack([f - k, k, k + f], axis=1)
    task = np.array(s.task) - np.array([0.0, effect])
    return np.stack([task, np.array(s.control), np.array(s.control)], axis=1)


def _noise(
    s: Scenario, rng: np.random.Generator, n: int, entity: NDArray[np.int64], signs: NDArray
) -> NDArray:
    """Model-specific noise, shape [models, variants, items]: a part a model's item carries into
    every variant (what this model happens to know of the entity; the pairing cancels it from
    the gap), then an entity part and an item part of each variant's own."""
    entities = int(entity.max()) + 1
    known = rng.normal(0, s.noise * np.sqrt(SHARED), size=(2, 1, entities))[:, :, entity]
    per_entity = rng.normal(0, s.noise * np.sqrt((1 - SHARED) * s.icc), size=(2, 3, entities))
    own = rng.normal(0, s.noise * np.sqrt((1 - SHARED) * (1 - s.icc)), size=(2, 3, n))
    return signs[None, :, None] * known + per_entity[:, :, entity] + own


def _mass(medians: NDArray, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
    """Log class mass, shape [models, variants, items], logit-normal around the medians."""
    centre = np.log(medians / (1 - medians))[:, :, None]
    return -np.logaddexp(0.0, -(centre + rng.normal(0, 1.0, size=(2, 3, n))))


def simulate(s: Scenario, n: int, rng: np.random.Generator) -> Simulated:
    """One candidate of scenario ``s`` with ``n`` items."""
    entity = np.arange(n) // s.items_per_entity
    task = (np.arange(n) % 2).astype(np.int64)
    answers = np.stack([task, 1 - task, 1 - task] if s.strong_prior else [task, task, task])
    effect = 0.0 if s.effect is None else float(rng.uniform(*s.effect))
    signs = np.array([-1.0, 1.0, 1.0]) if s.strong_prior else np.ones(3)
    difficulty = rng.normal(0, s.difficulty, size=int(entity.max()) + 1)[entity]
    noise = _noise(s, rng, n, entity, signs)
    z = _means(s, effect)[:, :, None] + signs[None, :, None] * difficulty + noise
    towards_zero = np.where(task == 0, 1.0, -1.0)
    z[:, 0, :] += np.array(s.label_bias)[:, None] * towards_zero
    medians = np.array([[s.task_mass[m], s.control_mass[m], s.control_mass[m]] for m in range(2)])
    logmass = _mass(medians, rng, n)
    right = logmass - np.logaddexp(0.0, -z)
    wrong = logmass - np.logaddexp(0.0, z)
    logprobs = np.empty((2, 3, n, 2))
    rows = np.arange(n)
    for v in range(3):
        logprobs[:, v, rows, answers[v]] = right[:, v]
        logprobs[:, v, rows, 1 - answers[v]] = wrong[:, v]
    clusters = tuple(f"e{e}" for e in entity)
    return Simulated(logprobs, answers, clusters, s.strong_prior, effect)


# Realistic sizes: item difficulty dominates; a planted effect lowers the larger model's task
# log-odds by 0.4 to 1.0 (its accuracy by about 0.07 to 0.18, as in a real run's 0.51 -> 0.39);
# the clustered null repeats an entity five times with most of the noise shared by the entity.
# 300 simulated nulls, 80 planted and 20 knowledge-only candidates, then 100 nulls drawn from
# real scored items (bench/data/real_items.npz; left out when the file is not given).
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("no effect", "null", 50, task=(1.0, 1.0), control=(2.0, 2.0)),
    Scenario("larger worse at everything", "null", 50, task=(1.5, 0.7), control=(1.5, 0.7)),
    Scenario("label bias in the larger model", "null", 50, task=(1.5, 1.5), label_bias=(0, 3.0)),
    Scenario(
        "low class mass", "null", 50, task=(1.0, 0.3), task_mass=(0.01, 0.05), control=(1.5, 1.5)
    ),
    Scenario(
        "clustered entities (ICC 0.8)",
        "null",
        50,
        task=(1.0, 1.0),
        control=(1.5, 1.5),
        items_per_entity=5,
        icc=0.8,
        noise=1.5,
    ),
    Scenario("trivially easy control", "null", 50, task=(1.0, 1.0), control=(7.0, 7.0)),
    Scenario(
        "planted effect", "planted", 60, task=(1.5, 1.5), control=(1.5, 1.5), effect=(0.4, 1.0)
    ),
    Scenario(
        "planted: ignores the statement",
        "planted",
        20,
        knows=(1.5, 1.5),
        follows=(3.0, 2.3),
    ),
    Scenario("knowledge only", "knowledge", 20, knows=(1.0, 1.8), follows=(0.0, 0.0)),
    Scenario("real: model labels swapped in items", "null", 50, real="swap"),
    Scenario("real: task's own items as control", "null", 50, real="split"),
)
