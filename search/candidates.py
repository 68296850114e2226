"""Adapters between the generator's templates and the search: selection and confirmation sets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from invscale.generator import Expansion, GateError, TaskTemplate, expand
from invscale.scorer import TaskDataset

# Seeds of a candidate's item sets: selection and confirmation never share items.
SELECTION_SEED_OFFSET = 0
CONFIRM_SEED_OFFSET = 7919


@dataclass(frozen=True)
class ItemSets:
    """A candidate's paired item sets for one phase."""

    task: TaskDataset
    control: TaskDataset


def template_of(data: dict[str, Any]) -> TaskTemplate:
    """Rebuild a stored template."""
    return TaskTemplate.model_validate(data)


def selection_sets(template: TaskTemplate, n: int, seed: int) -> ItemSets:
    """The selection items (the first ``n``; halving stages take prefixes of the largest set).

    Raises:
        GateError: the template fails a quality gate.
    """
    exp: Expansion = expand(template, n=n, seed=seed + SELECTION_SEED_OFFSET)
    return ItemSets(exp.dataset, exp.control)


def confirmation_sets(template: TaskTemplate, n: int, seed: int, used: set[str]) -> ItemSets:
    """Fresh items for confirmation: a new seed, and any prompt used for selection removed.

    Raises:
        GateError: the template cannot give ``n`` fresh items.
    """
    best = 0
    for size in dict.fromkeys((n + len(used), n + len(used) // 2, n)):
        try:
            exp = expand(template, n=size, seed=seed + CONFIRM_SEED_OFFSET)
        except GateError:
            continue
        keep = [i for i, ex in enumerate(exp.dataset.examples) if ex.prompt not in used][:n]
        if len(keep) == n:
            return ItemSets(exp.dataset.subset(keep), exp.control.subset(keep))
        best = max(best, len(keep))
    raise GateError(f"only {best} fresh items for confirmation, {n} needed")


def prefix(items: ItemSets, n: int) -> ItemSets:
    """The first ``n`` pairs."""
    rng = range(min(n, len(items.task)))
    return ItemSets(items.task.subset(rng), items.control.subset(rng))
