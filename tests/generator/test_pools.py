from __future__ import annotations

import random

import pytest

from invscale.generator import TaskTemplate, reword
from invscale.generator.expand import expand_pool
from invscale.generator.offline.lexicon import load_lexicon
from invscale.generator.offline.mutate import MUTATIONS, crossover
from invscale.generator.offline.operators import OPERATORS
from invscale.generator.pools import entity, pool_of, pool_view
from invscale.scorer.records import ClassificationExample

from .conftest import make

STRONG_PRIOR = ("redefine_word", "redefine_fact", "redefine_symbol", "memo_trap")


def _built(name: str, seed: int = 0) -> TaskTemplate:
    return OPERATORS[name].build(load_lexicon(), random.Random(seed), 300)


def _entities(template: TaskTemplate, pool: str, n: int = 300, seed: int = 0) -> set[str]:
    exp = expand_pool(template, pool, n, seed)  # type: ignore[arg-type]
    return {e for origin in exp.origins for e in origin.entities}


def test_an_entity_belongs_to_one_pool_whatever_its_case_or_spacing() -> None:
    assert pool_of("Paris") == pool_of(" paris ") == pool_of("PARIS")
    pools = {pool_of(f"word{i}") for i in range(40)}
    assert pools == {"selection", "confirmation"}


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_every_operators_pools_give_300_items_that_share_no_entity(name: str) -> None:
    template = _built(name)
    selection = _entities(template, "selection")
    confirmation = _entities(template, "confirmation")
    assert selection and confirmation and not selection & confirmation


def test_an_option_order_swap_is_the_same_row_so_it_stays_in_its_pool() -> None:
    # The same rows under many seeds (so in both option orders): never in the other pool.
    template = _built("redefine_word")
    confirmation = set().union(*(_entities(template, "confirmation", 100, s) for s in range(4)))
    assert all(pool_of(e) == "confirmation" for e in confirmation)
    assert not confirmation & _entities(template, "selection")


def _lineage(template: TaskTemplate) -> list[TaskTemplate]:
    """Children of ``template`` by every mutation that applies, then grandchildren by reword."""
    lex, rng = load_lexicon(), random.Random(0)
    children = [reword(template, seed=1)]
    for mutation in MUTATIONS.values():
        child = mutation(template, lex, rng)
        if child is not None:
            children.append(child)
    other = _built("redefine_word", 3)
    for child in (crossover(template, other, lex, rng), crossover(other, template, lex, rng)):
        if child is not None:
            children.append(child)
    return children + [reword(c, seed=2) for c in children]


@pytest.mark.parametrize("name", ["redefine_word", "negation", "memo_trap", "spurious_fewshot"])
def test_no_descendant_confirms_on_an_entity_an_ancestor_was_selected_on(name: str) -> None:
    parent = _built(name)
    ancestors = _entities(parent, "selection")
    checked = 0
    for child in _lineage(parent):
        try:
            confirmation = _entities(child, "confirmation")
        except Exception:  # noqa: BLE001 - a child whose pool is too small has no items
            continue
        assert not confirmation & ancestors, child.lineage.operator
        checked += 1
    assert checked >= 3


def test_demonstrations_leave_no_row_of_their_entity_to_be_asked() -> None:
    template = make(control_answer={"kind": "fixed", "index": 0})
    child = MUTATIONS["add_demos"](template, load_lexicon(), random.Random(0))
    assert child is not None
    shown = {e for e in map(entity, (r["stem"] for r in template.tables["p"].rows))} - {
        entity(r["stem"]) for r in child.tables["p"].rows
    }
    assert shown and all(pool_of(e) == "selection" for e in shown)


@pytest.mark.parametrize("name", STRONG_PRIOR + ("answer_inversion",))
def test_the_consistent_control_states_the_world_and_is_answered_like_the_control(
    name: str,
) -> None:
    exp = expand_pool(_built(name), "confirmation", 60, 0)
    assert exp.consistent is not None and len(exp.consistent) == 60
    for item, control, consistent in zip(
        exp.dataset.examples, exp.control.examples, exp.consistent.examples, strict=True
    ):
        assert isinstance(consistent, ClassificationExample)
        assert isinstance(control, ClassificationExample) and isinstance(
            item, ClassificationExample
        )
        assert consistent.classes == item.classes
        assert consistent.answer_index == control.answer_index != item.answer_index
        if name != "answer_inversion":  # its plain rule is both the control and consistent
            assert consistent.prompt not in (item.prompt, control.prompt)
        world = consistent.classes[consistent.answer_index].strip()
        stated = item.classes[item.answer_index].strip()
        if name in ("redefine_word", "memo_trap"):
            statement = consistent.prompt.split("\n")[0]  # the phrase itself may hold a word
            assert world in statement
            assert (stated if name == "redefine_word" else f'"{stated}"') not in statement


def test_rewording_changes_the_consistent_control_alike() -> None:
    template = _built("redefine_fact", 1)
    assert template.consistent_control is not None
    for seed in range(1, 6):
        child = reword(template, seed=seed)
        assert child.consistent_control is not None
        if child.prompt.split("\n")[0] != template.prompt.split("\n")[0]:
            continue  # the change reached the stipulation line: compare the question lines
        question = child.prompt.split("\n", 1)[1]
        assert child.consistent_control.prompt.endswith(question)


def test_a_pool_view_keeps_the_id_so_draws_are_reproducible() -> None:
    template = _built("negation")
    view = pool_view(template, "selection")
    assert view.id == template.id
    a = expand_pool(template, "selection", 50, 7).dataset
    b = expand_pool(template, "selection", 50, 7).dataset
    assert a == b


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_every_operators_confirmation_has_enough_clusters_to_meet_holm_at_200_tests(
    name: str,
) -> None:
    # A sign-flip p-value over G entity clusters cannot fall below 2**-G.
    exp = expand_pool(_built(name), "confirmation", 300, 0)
    clusters = len({origin.cluster for origin in exp.origins})
    assert 2.0**-clusters < 0.05 / 200, clusters


def test_items_are_clustered_by_the_table_with_most_entities_not_most_rows() -> None:
    # anchoring: eight lead-ins times thirteen numbers (104 rows, 8 entities) before a question
    # drawn from the numeric facts (fewer rows, one entity each).
    template = _built("anchoring")
    assert len(template.tables["a"].rows) > len(template.tables["f"].rows)
    exp = expand_pool(template, "confirmation", 300, 0)
    assert {origin.cluster.split(":")[0] for origin in exp.origins} == {"f"}
