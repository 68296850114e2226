"""The offline generator: mechanism operators, mutation and crossover, with no network."""

from __future__ import annotations

import itertools
import logging
import random
from collections.abc import Iterator, Sequence

from pydantic import ValidationError

from invscale.generator.base import GenerationError, ScoredParent
from invscale.generator.card import card_of
from invscale.generator.config import GeneratorConfig
from invscale.generator.expand import check_pools
from invscale.generator.gates import GateError
from invscale.generator.offline.compose import compose
from invscale.generator.offline.lexicon import Lexicon, load_lexicon
from invscale.generator.offline.mutate import MUTATIONS, crossover
from invscale.generator.offline.operators import select
from invscale.generator.reword import reword
from invscale.generator.steering import Steering
from invscale.generator.template import TaskTemplate

log = logging.getLogger(__name__)


def tournament(parents: Sequence[ScoredParent], rng: random.Random) -> ScoredParent:
    """The better of two random parents, by the lower confidence bound, then the slope."""
    a, b = rng.choice(parents), rng.choice(parents)
    return max((a, b), key=lambda p: (p.ci_low, p.loss_slope))


class OfflineGenerator:
    """Proposes fresh templates from mechanism operators and varies scored parents."""

    def __init__(self, cfg: GeneratorConfig) -> None:
        self.cfg = cfg
        self.operators = select(cfg.offline.operators)

    @classmethod
    def from_config(cls, cfg: GeneratorConfig) -> OfflineGenerator:
        """The generator for ``cfg``."""
        return cls(cfg)

    @property
    def lexicon(self) -> Lexicon:
        """The seed lexicons."""
        return load_lexicon(self.cfg.seeds_dir)

    def passes(self, template: TaskTemplate) -> bool:
        """Whether the template expands to a full task through every gate, from each of its
        entity pools (selection and confirmation)."""
        try:
            check_pools(template, self.cfg.examples_per_task, self.cfg.max_prompt_tokens)
        except GateError as exc:
            log.info("dropped %s: %s", template.id, exc)
            return False
        return True

    def fresh(self, rng: random.Random, index: int) -> TaskTemplate:
        """A new template from the operator whose turn it is (operators take turns)."""
        op = self.operators[index % len(self.operators)]
        return op.build(self.lexicon, rng, self.cfg.examples_per_task)

    def propose(
        self,
        parents: Sequence[ScoredParent],
        n: int,
        seed: int,
        steering: Steering | None = None,
    ) -> list[TaskTemplate]:
        """Up to ``n`` distinct templates that pass the gates: mutations and crossovers of
        parents in the configured shares, fresh operator templates for the rest.

        With ``steering``, operators are drawn by the state of their archive cell (open cells
        first, known mechanisms less, cells the run already holds almost never), parents in
        held cells are not varied, and a proposal landing in a held cell is not returned.
        """
        rng = random.Random(seed)
        if steering is not None:
            parents = [p for p in parents if not steering.is_taken(card_of(p.template))]
        turns = self._turns(rng, steering)
        out: dict[str, TaskTemplate] = {}
        for _ in range(20 * n + 20):
            if len(out) >= n:
                break
            try:
                template = self._attempt(parents, rng, turns)
            except (GenerationError, ValidationError) as exc:
                log.info("proposal failed: %s", exc)
                continue
            if steering is not None and steering.is_taken(card_of(template)):
                log.info("skipped %s: its cell is already held", template.id)
                continue
            if template.id not in out and self.passes(template):
                out[template.id] = template
        return list(out.values())

    def _turns(self, rng: random.Random, steering: Steering | None) -> Iterator[int]:
        """Which operator builds each fresh template: in turns, or drawn by cell weight."""
        if steering is None:
            return itertools.cycle(rng.sample(range(len(self.operators)), len(self.operators)))
        weights = [steering.weight(op.card) for op in self.operators]
        return iter(lambda: rng.choices(range(len(self.operators)), weights)[0], None)

    def _attempt(
        self, parents: Sequence[ScoredParent], rng: random.Random, turns: Iterator[int]
    ) -> TaskTemplate:
        shares = self.cfg.offline
        draw = rng.random()
        if parents and draw < shares.mutation_share:
            return self.mutate(tournament(parents, rng).template, rng.randrange(1 << 30))
        if len(parents) > 1 and draw < shares.mutation_share + shares.crossover_share:
            a, b = tournament(parents, rng).template, tournament(parents, rng).template
            return self.crossover(a, b, rng.randrange(1 << 30))
        if rng.random() < shares.compose_share:
            return self.composed(self.fresh(rng, next(turns)), rng)
        return self.fresh(rng, next(turns))

    def composed(self, template: TaskTemplate, rng: random.Random) -> TaskTemplate:
        """``template`` with a second mechanism layered into its items.

        Raises:
            GenerationError: the template has no fixed wrong answer to layer.
        """
        child = compose(template, rng)
        if child is None:
            raise GenerationError(f"{template.id} cannot be composed with a layer")
        return child

    def mutate(self, template: TaskTemplate, seed: int) -> TaskTemplate:
        """One mutation (reword, fresh slot rows, demonstrations, labels, rule or type) that
        passes the gates, tried in random order.

        Raises:
            GenerationError: none applies or passes.
        """
        rng = random.Random(seed)
        names = ["reword", *MUTATIONS]
        rng.shuffle(names)
        for name in names:
            try:
                if name == "reword":
                    child: TaskTemplate | None = reword(template, seed, self.cfg.seeds_dir)
                else:
                    child = MUTATIONS[name](template, self.lexicon, rng)
            except (GateError, ValidationError) as exc:
                log.info("mutation %s of %s failed: %s", name, template.id, exc)
                continue
            if child is not None and child.id != template.id and self.passes(child):
                return child
        raise GenerationError(f"no mutation of {template.id} passes the gates")

    def crossover(self, a: TaskTemplate, b: TaskTemplate, seed: int) -> TaskTemplate:
        """Merge two same-schema templates' tables, or graft a solved item of ``b`` onto ``a``.

        Raises:
            GenerationError: the result is invalid or fails a gate.
        """
        try:
            child = crossover(a, b, self.lexicon, random.Random(seed))
        except (GateError, ValidationError) as exc:
            raise GenerationError(f"crossover of {a.id} and {b.id}: {exc}") from None
        if child is None or not self.passes(child):
            raise GenerationError(f"crossover of {a.id} and {b.id} fails the gates")
        return child
