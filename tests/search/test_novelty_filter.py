"""NoveltyFilter and the corpus: verdicts, the two channels, accepted templates, query building."""

from __future__ import annotations

import json

import pytest
import yaml

from invscale.scorer.records import (
    ClassificationExample,
    LogoddsExample,
    SequenceProbExample,
    TaskDataset,
)
from invscale.search.novelty import (
    NoveltyFilter,
    NoveltyInputError,
    NoveltyQuery,
    check_queries,
    load_known_tasks,
    query_from_dataset,
    sample_prompts,
)
from tests.search.novelty_fakes import TINY_CORPUS, CountingEmbedder, fake_config

PRIZE_WINNERS = {
    "prize-neqa",
    "prize-resisting-correction",
    "prize-redefine",
    "prize-hindsight-neglect",
    "prize-into-the-unknown",
    "prize-memo-trap",
    "prize-modus-tollens",
    "prize-pattern-match-suppression",
    "prize-prompt-injection",
    "prize-repetitive-algebra",
    "prize-sig-figs",
}

# A quote-copying task reworded: same mechanism, most content words shared with k-quote.
PARAPHRASE = NoveltyQuery(
    "echo-twisted-sayings",
    "the model must copy verbatim a famous proverb whose final word was swapped",
    ("Repeat exactly: actions speak louder than hats", "Repeat exactly: the early bird eats soup"),
)
DIFFERENT = NoveltyQuery(
    "compass-turns",
    "track which compass direction a walker faces after several left and right turns",
    ("Mia faces north and turns right twice. Which way now?",),
)


@pytest.fixture
def novelty(tmp_path):
    return NoveltyFilter.open(tmp_path / "run" / "novelty", fake_config(tmp_path))


def test_paraphrase_of_a_known_task_is_rejected_naming_it(novelty):
    verdict = novelty.check(PARAPHRASE)
    assert not verdict.novel
    assert verdict.neighbours[0].id == "k-quote"
    assert verdict.score == pytest.approx(1 - verdict.neighbours[0].similarity)
    assert verdict.score < verdict.threshold


def test_genuinely_different_task_passes(novelty):
    verdict = novelty.check(DIFFERENT)
    assert verdict.novel and verdict.score >= verdict.threshold


def test_verdict_lists_k_neighbours_most_similar_first(novelty):
    verdict = novelty.check(PARAPHRASE, k=3)
    sims = [n.similarity for n in verdict.neighbours]
    assert len(sims) == 3 and sims == sorted(sims, reverse=True)
    assert {n.source for n in verdict.neighbours} == {"known"}


def test_same_examples_under_a_different_reading_collide(novelty):
    # Shares no description word with k-quote; its examples are k-quote's examples.
    disguised = NoveltyQuery(
        "lexical-fidelity-probe",
        "measures output stability when reproducing short inputs under perturbation",
        tuple(TINY_CORPUS[0]["prompts"]),
    )
    verdict = novelty.check(disguised)
    assert not verdict.novel
    top = verdict.neighbours[0]
    assert top.id == "k-quote" and top.prompt_similarity > top.description_similarity


def test_accepted_template_makes_later_candidates_collide_in_later_runs(tmp_path):
    cfg = fake_config(tmp_path)
    first = NoveltyFilter.open(tmp_path / "run1" / "novelty", cfg)
    assert first.check(DIFFERENT).novel
    saved = first.accept(DIFFERENT, "compass", "run1")
    assert saved.id == "run1/compass" and saved.source == "accepted:run1"
    again = first.check(DIFFERENT)
    assert not again.novel and again.neighbours[0].id == "run1/compass"
    lines = (tmp_path / "known" / "accepted.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["run1/compass"]
    later = NoveltyFilter.open(tmp_path / "run2" / "novelty", cfg)
    assert later.check(DIFFERENT).neighbours[0].source == "accepted:run1"


def test_without_accepted_file_an_accepted_template_stays_in_the_run(tmp_path):
    cfg = fake_config(tmp_path, accepted_file=None)
    run = NoveltyFilter.open(tmp_path / "run1", cfg)
    run.accept(DIFFERENT, "compass", "run1")
    assert not NoveltyFilter.open(tmp_path / "run1", cfg).check(DIFFERENT).novel
    assert NoveltyFilter.open(tmp_path / "run2", cfg).check(DIFFERENT).novel


def test_a_second_run_of_the_same_name_gets_distinct_ids(tmp_path):
    cfg = fake_config(tmp_path)
    first = NoveltyFilter.open(tmp_path / "a" / "run1", cfg).accept(DIFFERENT, "c1", "run1")
    second = NoveltyFilter.open(tmp_path / "b" / "run1", cfg).accept(PARAPHRASE, "c1", "run1")
    assert (first.id, second.id) == ("run1/c1", "run1/c1~2")
    later = NoveltyFilter.open(tmp_path / "c", cfg)
    assert {"run1/c1", "run1/c1~2"} <= {e.id for e in later.index.entries}


def test_cli_function_caches_the_corpus_index_between_calls(tmp_path):
    cfg = fake_config(tmp_path)
    first, second = CountingEmbedder(), CountingEmbedder()
    check_queries([PARAPHRASE], cfg, embedder=first)
    reports = check_queries([PARAPHRASE, DIFFERENT], cfg, embedder=second)
    assert any("famous proverb" in text for text in first.seen)
    assert not any("famous proverb whose final word was swapped verbatim" in t for t in second.seen)
    assert [r.verdict.novel for r in reports] == [False, True]


def test_corpus_change_is_picked_up_on_open(tmp_path):
    cfg = fake_config(tmp_path)
    NoveltyFilter.open(tmp_path / "run", cfg)
    tasks = [*TINY_CORPUS[1:]]  # k-quote removed from the corpus
    (tmp_path / "known" / "tasks.yaml").write_text(yaml.safe_dump(tasks))
    reopened = NoveltyFilter.open(tmp_path / "run", cfg)
    assert "k-quote" not in {e.id for e in reopened.index.entries}
    assert reopened.check(PARAPHRASE).novel


def test_repository_corpus_holds_the_eleven_prize_winners_and_published_tasks():
    tasks = load_known_tasks("datasets/known")
    ids = [t.id for t in tasks]
    assert set(ids) >= PRIZE_WINNERS
    assert 25 <= len(tasks) <= 40 and len(set(ids)) == len(ids)
    assert all(1 <= len(t.prompts) <= 2 for t in tasks)
    assert all(2 <= t.description.count(". ") + 1 <= 5 for t in tasks)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- id: a\n  title: t\n", "missing fields"),
        (
            "- {id: a, title: t, cause: c, reference: r, description: d, prompts: [], x: 1}",
            "unknown",
        ),
        ("- {id: a, title: t, cause: c, reference: r, description: d, prompts: []}", "'prompts'"),
        ("- {id: a, title: '', cause: c, reference: r, description: d, prompts: [p]}", "'title'"),
        ("id: a", "expected a YAML list"),
        ("- [unclosed", "cannot read"),
    ],
)
def test_malformed_corpus_names_file_and_entry(tmp_path, content, message):
    (tmp_path / "bad.yaml").write_text(content)
    with pytest.raises(NoveltyInputError, match=rf"bad.yaml.*{message}"):
        load_known_tasks(tmp_path)


def test_repeated_corpus_id_names_both_files(tmp_path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(yaml.safe_dump(TINY_CORPUS[:1]))
    with pytest.raises(
        NoveltyInputError, match=r"b.yaml: id 'k-quote' already defined in .*a.yaml"
    ):
        load_known_tasks(tmp_path)


def test_missing_corpus_folder_says_which_setting(tmp_path):
    with pytest.raises(NoveltyInputError, match="novelty.known_path"):
        load_known_tasks(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("n", "expected"),
    [(3, ("p0", "p4", "p9")), (10, tuple(f"p{i}" for i in range(10))), (20, None)],
)
def test_prompt_sample_is_spread_through_the_list(n, expected):
    prompts = [f"p{i}" for i in range(10)]
    assert sample_prompts(prompts, n) == (expected or tuple(prompts))


def test_query_from_dataset_samples_prompts_and_keeps_completions():
    examples = tuple(SequenceProbExample(f"Say {i}:", f" {i}") for i in range(20))
    query = query_from_dataset(TaskDataset("counting", "sequence_prob", examples), sample=4)
    assert query.title == "counting" and query.description == ""
    assert query.prompts == ("Say 0: 0", "Say 6: 6", "Say 13: 13", "Say 19: 19")


@pytest.mark.parametrize(
    "example",
    [
        ClassificationExample("Is it new?", (" yes", " no"), 0),
        LogoddsExample("Is it new?", "Is it old?", (" yes", " no"), 0),
    ],
)
def test_query_from_dataset_uses_the_prompt_of_classification_types(example):
    dataset = TaskDataset("d", "classification", (example,))
    assert query_from_dataset(dataset, name="mine").prompts == ("Is it new?",)
