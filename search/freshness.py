"""Is a confirmation fresh? Count its items that share an entity with a selection item of the
candidate or of any ancestor (the templates it was mutated or crossed from, transitively)."""

from __future__ import annotations

from dataclasses import dataclass

from invscale.generator import GateError, TaskTemplate
from invscale.search.candidates import ItemSets, selection_sets, shared_with, template_of
from invscale.search.store import RunStore


@dataclass(frozen=True)
class Freshness:
    """The freshness check of one confirmation set.

    Attributes:
        shared: Confirmation items sharing an entity with a selection item (must be 0).
        ancestors: Ancestors whose selection sets were rebuilt and checked.
    """

    shared: int
    ancestors: int


def ancestors(store: RunStore, template: TaskTemplate) -> list[TaskTemplate]:
    """The run's candidates a template descends from, nearest first."""
    by_id = {row.template.get("id"): row.template for row in store.candidates()}
    found: list[TaskTemplate] = []
    queue, seen = list(template.lineage.parents), set()
    while queue:
        tid = queue.pop(0)
        if tid in seen or tid not in by_id:
            continue
        seen.add(tid)
        parent = template_of(by_id[tid])
        found.append(parent)
        queue += parent.lineage.parents
    return found


def check_freshness(
    store: RunStore,
    template: TaskTemplate,
    selection: ItemSets,
    confirm: ItemSets,
    n: int,
    seed: int,
) -> Freshness:
    """Count ``confirm``'s items sharing an entity with ``selection`` or with the selection sets
    (``n`` items, ``seed``) of the template's ancestors in the run."""
    used = selection.entity_set()
    lineage = ancestors(store, template)
    for parent in lineage:
        try:
            used |= selection_sets(parent, n, seed).entity_set()
        except GateError:
            continue  # a parent that never expanded was never selected on
    return Freshness(shared_with(confirm, used), len(lineage))
