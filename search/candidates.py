"""Adapters between the generator's templates and the search: selection and confirmation sets.

Selection items come from a template's selection pool of entities and confirmation items from its
confirmation pool (see :mod:`invscale.generator.pools`), so the two never share an entity, and
neither do a candidate's confirmation items and its ancestors' selection items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from invscale.generator import Expansion, TaskTemplate
from invscale.generator.expand import expand_pool
from invscale.scorer import TaskDataset

# Seeds of a candidate's item sets.
SELECTION_SEED_OFFSET = 0
CONFIRM_SEED_OFFSET = 7919


@dataclass(frozen=True)
class ItemSets:
    """A candidate's paired item sets for one phase.

    Attributes:
        task: The manipulated items.
        control: Their controls, item by item.
        clusters: Each item's entity cluster (uncertainty resamples whole clusters); empty when
            unknown, and then every item is its own cluster.
        entities: Each item's entities (the key values of its rows).
        consistent: The consistent control, item by item, when the template has one.
    """

    task: TaskDataset
    control: TaskDataset
    clusters: tuple[str, ...] = ()
    entities: tuple[tuple[str, ...], ...] = ()
    consistent: TaskDataset | None = None

    def subset(self, indices: list[int] | range) -> ItemSets:
        """The items at ``indices``, in every set."""
        keep = list(indices)
        return ItemSets(
            self.task.subset(keep),
            self.control.subset(keep),
            tuple(self.clusters[i] for i in keep) if self.clusters else (),
            tuple(self.entities[i] for i in keep) if self.entities else (),
            None if self.consistent is None else self.consistent.subset(keep),
        )

    def entity_set(self) -> set[str]:
        """Every entity any item uses."""
        return {e for entities in self.entities for e in entities}


def template_of(data: dict[str, Any]) -> TaskTemplate:
    """Rebuild a stored template."""
    return TaskTemplate.model_validate(data)


def _sets(exp: Expansion, consistent: bool) -> ItemSets:
    return ItemSets(
        exp.dataset,
        exp.control,
        tuple(o.cluster for o in exp.origins),
        tuple(o.entities for o in exp.origins),
        # The decomposition reads two-class log-odds: other task types would score it for nothing.
        exp.consistent if consistent and exp.dataset.task_type == "classification" else None,
    )


def selection_sets(template: TaskTemplate, n: int, seed: int) -> ItemSets:
    """The selection items (the first ``n``; halving stages take prefixes of the largest set).

    Raises:
        GateError: the template fails a quality gate.
    """
    exp = expand_pool(template, "selection", n=n, seed=seed + SELECTION_SEED_OFFSET)
    return _sets(exp, consistent=False)


def confirmation_sets(template: TaskTemplate, n: int, seed: int) -> ItemSets:
    """Fresh items for confirmation: rows of the confirmation pool only, so no item shares an
    entity with a selection item of this template or of any ancestor (however reworded, relabelled
    or reordered), which :func:`shared_with` verifies.

    Raises:
        GateError: the confirmation pool cannot give ``n`` items.
    """
    exp = expand_pool(template, "confirmation", n=n, seed=seed + CONFIRM_SEED_OFFSET)
    return _sets(exp, consistent=True)


def shared_with(items: ItemSets, entities: set[str]) -> int:
    """How many of ``items`` use an entity of ``entities``."""
    return sum(1 for own in items.entities if entities.intersection(own))


def prefix(items: ItemSets, n: int) -> ItemSets:
    """The first ``n`` pairs."""
    return items.subset(range(min(n, len(items.task))))
