"""Near-duplicate examples inside one dataset are found and dropped."""

from __future__ import annotations

import pytest

from invscale.scorer.records import ClassificationExample, TaskDataset
from invscale.search.novelty import HashingEmbedder, dedupe_dataset, dedupe_prompts

BASES = [
    "the orchard keeper counts red apples before noon",
    "a diesel engine turns the crankshaft of the tractor",
    "rivers carry melted snow down to the sea",
    "the violinist tunes her instrument before the concert",
]


@pytest.mark.parametrize(
    ("prompts", "kept", "dropped_to"),
    [
        ([], (), {}),
        (BASES, (0, 1, 2, 3), {}),
        ([BASES[0], BASES[1], BASES[0]], (0, 1), {2: 0}),
        ([BASES[0], BASES[0] + " today", BASES[1]], (0, 2), {1: 0}),
        # Each duplicate points at the first kept one, never at a dropped one.
        ([BASES[2], BASES[2] + " today", BASES[2] + " now", BASES[3]], (0, 3), {1: 0, 2: 0}),
    ],
)
def test_near_duplicates_are_dropped_against_the_first_kept(prompts, kept, dropped_to):
    result = dedupe_prompts(prompts, HashingEmbedder(), threshold=0.85)
    assert result.kept == kept
    assert {d.index: d.nearest_kept for d in result.dropped} == dropped_to
    assert all(d.similarity >= 0.85 for d in result.dropped)


def test_threshold_is_inclusive():
    result = dedupe_prompts([BASES[0], BASES[0]], HashingEmbedder(), threshold=1.0)
    assert result.kept == (0,) and result.dropped[0].similarity == pytest.approx(1.0)


def test_three_hundred_rewordings_of_twenty_prompts_collapse_to_twenty():
    words = [
        "amber",
        "basil",
        "cedar",
        "delta",
        "ember",
        "fjord",
        "garnet",
        "harbor",
        "iris",
        "jasper",
    ]
    bases = [
        f"question {i}: how far is {words[i % 10]} from {words[(i * 3 + 1) % 10]} {i}"
        for i in range(20)
    ]
    fillers = ["", " please", " now", " today", " exactly", " quickly", " again", " here"]
    expanded = [bases[i % 20] + fillers[(i // 20) % len(fillers)] for i in range(300)]
    result = dedupe_prompts(expanded, HashingEmbedder(), threshold=0.8)
    assert sorted(expanded[i] for i in result.kept) == sorted(bases)
    assert len(result.dropped) == 280


def test_dedupe_dataset_keeps_type_and_surviving_examples():
    examples = tuple(
        ClassificationExample(p, (" yes", " no"), 0) for p in [BASES[0], BASES[1], BASES[0]]
    )
    deduped, result = dedupe_dataset(
        TaskDataset("t", "classification", examples, ("prompt", "classes", "answer_index")),
        HashingEmbedder(),
        threshold=0.9,
    )
    assert deduped.task_type == "classification" and deduped.columns[0] == "prompt"
    assert [e.prompt for e in deduped.examples] == [BASES[0], BASES[1]]
    assert result.dropped[0].index == 2
