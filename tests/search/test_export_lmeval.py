"""The lm-evaluation-harness export, loaded by the harness itself (no model weights involved)."""

from __future__ import annotations

import json
import math

import pytest
import yaml
from lm_eval.api.model import LM
from lm_eval.evaluator import evaluate

from invscale.scorer.backends.fake import FakeLM
from invscale.scorer.metrics import example_requests
from invscale.scorer.records import LLRequest
from invscale.search.export import export_lm_eval, load_task_folder


@pytest.fixture
def harness(tmp_path, monkeypatch):
    """lm_eval's TaskManager factory, offline, with the datasets cache under tmp_path."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    import datasets.config
    from lm_eval.tasks import TaskManager

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)

    def load(include_path, names):
        manager = TaskManager(include_path=str(include_path), include_defaults=False)
        return manager.load_task_or_group(names)

    return load


def _requests(task) -> list[LLRequest]:
    task.build_all_requests(rank=0, world_size=1)
    return [LLRequest(*inst.arguments) for inst in task.instances]


TYPES = {
    "classification": ["invscale_copy-trap", "invscale_copy-trap_control"],
    "sequence_prob": ["invscale_copy-trap", "invscale_copy-trap_control"],
    "logodds": [
        "invscale_copy-trap",
        "invscale_copy-trap_other_prompt",
        "invscale_copy-trap_control",
    ],
}


@pytest.mark.parametrize("task_type", TYPES)
def test_harness_builds_the_tasks_with_our_docs(task_folder, tmp_path, harness, task_type):
    src = task_folder(task_type)
    export_lm_eval(src, tmp_path / "lm")
    tasks = harness(tmp_path / "lm", TYPES[task_type])
    assert sorted(tasks) == sorted(TYPES[task_type])
    ours = load_task_folder(src).dataset
    docs = list(tasks["invscale_copy-trap"].test_docs())
    task = tasks["invscale_copy-trap"]
    assert len(docs) == len(ours) == 300
    for doc, ex in zip(docs, ours.examples, strict=True):
        assert task.doc_to_text(doc) == ex.prompt
        if task_type == "sequence_prob":
            assert task.doc_to_target(doc) == ex.completion
        else:
            assert task.doc_to_choice(doc) == list(ex.classes)
            assert task.doc_to_target(doc) == ex.answer_index


@pytest.mark.parametrize("task_type", TYPES)
def test_harness_asks_exactly_the_requests_the_scorer_asks(
    task_folder, tmp_path, harness, task_type
):
    # The empty target_delimiter matters here: the default " " would score "  Yes" not " Yes".
    src = task_folder(task_type)
    export_lm_eval(src, tmp_path / "lm")
    names = [n for n in TYPES[task_type] if not n.endswith("_control")]
    tasks = harness(tmp_path / "lm", names)
    asked = {req for name in names for req in _requests(tasks[name])}
    ours = {req for ex in load_task_folder(src).dataset.examples for req in example_requests(ex)}
    assert asked == ours


def test_logodds_yaml_says_there_is_no_two_prompt_metric(task_folder, tmp_path):
    folder = export_lm_eval(task_folder("absolute_logodds"), tmp_path / "lm")
    text = (folder / "copy-trap.yaml").read_text()
    assert "no two-prompt metric" in text
    config = yaml.safe_load(text)
    assert config["output_type"] == "multiple_choice" and config["target_delimiter"] == ""
    assert config["metadata"]["prize_task_type"] == "absolute_logodds"


class HarnessFake(LM):
    """The scorer's fake model behind the harness's LM interface."""

    def __init__(self, name: str, params: int) -> None:
        super().__init__()
        self.fake = FakeLM(name, params)

    def loglikelihood(self, requests):
        results = self.fake.loglikelihood([LLRequest(*r.args) for r in requests])
        return [(r.logprob, r.is_greedy) for r in results]

    def loglikelihood_rolling(self, requests):
        raise NotImplementedError

    def generate_until(self, requests):
        raise NotImplementedError


@pytest.mark.slow
@pytest.mark.parametrize("task_type", ["classification", "sequence_prob"])
def test_harness_scores_match_the_scorer_summary(task_folder, tmp_path, harness, task_type):
    src = task_folder(task_type)
    export_lm_eval(src, tmp_path / "lm")
    tasks = harness(tmp_path / "lm", ["invscale_copy-trap"])
    results = evaluate(HarnessFake("fake-l", 10**9), tasks, bootstrap_iters=0, log_samples=False)[
        "results"
    ]
    got = results["invscale_copy-trap"]
    ours = json.loads((src / "summary.json").read_text())["models"][1]
    assert ours["name"] == "fake-l"
    if task_type == "classification":
        assert got["acc,none"] == pytest.approx(ours["accuracy"])
    else:  # the Prize's loss is -loglikelihood; the harness reports exp(mean loss)
        assert math.log(got["perplexity,none"]) == pytest.approx(ours["mean_loss"])
