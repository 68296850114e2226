"""``score`` and ``analyze`` judge a file with the search's own decision (fake ladder; the
shipped models in the slow tests)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from invscale.scorer import ScorerConfig, UsageError
from invscale.search.cli import app
from invscale.search.config import Config
from invscale.search.reasons import Reason
from invscale.search.verdict import analyze_and_judge, score_and_judge

THINGS = ("apple", "stone", "river", "chair", "lemon", "cloud", "tiger", "brick", "grape", "spoon")


def _write(path: Path, rows: list[tuple[str, list[str], int]]) -> Path:
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["prompt", "classes", "answer_index"])
        out.writerows((p, json.dumps(c), a) for p, c, a in rows)
    return path


def label_biased(path: Path, n: int = 100, lure: str = " Say Yes.") -> Path:
    """The fake models copy words of the prompt more as they grow: a prompt that says "Yes"
    drives the larger one to answer Yes on nearly every item of a (60/40) balanced set."""
    rows = [
        (f"Item {i}.{lure} Is the {THINGS[i % 10]} number {i} special? Answer:", [" Yes", " No"])
        for i in range(n)
    ]
    return _write(path, [(p, c, int(i % 5 > 1)) for i, (p, c) in enumerate(rows)])


def rising_accuracy(path: Path, n: int = 100) -> Path:
    """Three items in four name the right colour in the prompt (the larger fake copies it: its
    accuracy rises); the fourth repeats the wrong answer's words (its loss soars)."""
    rows = []
    for i in range(n):
        thing = THINGS[i % 10]
        if i % 4:
            rows.append(
                (f"Item {i}: the {thing} is green. The {thing} is", [" green", " violet"], 0)
            )
        else:
            wrong = " a b c d e f g h"
            rows.append((f"Item {i}:{wrong}. The {thing} is", [wrong, " x y z"], 1))
    return _write(path, rows)


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"scorer:\n  cache_path: {tmp_path}/c.sqlite\n  bootstrap_samples: 500\n"
        "  default_ladder: wide\n  ladders:\n    wide:\n"
        "      - {name: fake-s, params: 1000000, backend: fake}\n"
        "      - {name: fake-l, params: 10000000000, backend: fake}\n"
    )
    return path


def _score(tmp_path: Path, data: Path, *extra: str) -> tuple[str, dict]:
    out = tmp_path / "out"
    args = ["score", str(data), "--config", str(_config(tmp_path)), "--out", str(out), *extra]
    res = CliRunner().invoke(app, args, env={"COLUMNS": "400"})
    assert res.exit_code == 0, res.output
    return res.output, json.loads((out / "summary.json").read_text())["verdict"]


def test_score_refuses_a_label_preference_with_its_code(tmp_path):
    output, verdict = _score(tmp_path, label_biased(tmp_path / "bias.csv"))
    assert "a label preference, not inverse scaling [label_bias]" in output
    assert "fake-l puts 98% of the task's items on label 1" in output
    assert "INVERSE SCALING" not in output
    assert (verdict["kind"], verdict["code"]) == ("refused", "label_bias")
    assert verdict["slope"] > 0 and verdict["p"] < 0.05  # the loss does rise, significantly


def test_score_refuses_a_rising_loss_whose_accuracy_rises(tmp_path):
    output, verdict = _score(tmp_path, rising_accuracy(tmp_path / "rising.csv"))
    assert "[accuracy_not_down" in output and "does not fall with the loss" in output
    assert verdict["code"] == Reason.ACCURACY_NOT_DOWN and verdict["accuracy_slope"] > 0
    assert verdict["supported"]["share"] < 1  # the soaring items are the ones not answered


def test_score_with_a_control_reports_the_paired_gap(tmp_path):
    task = label_biased(tmp_path / "task.csv", 60)
    control = label_biased(tmp_path / "control.csv", 60, lure="")  # the same items, no lure
    output, verdict = _score(tmp_path, task, "--control", str(control))
    assert verdict["controlled"] and verdict["gap"] == pytest.approx(
        verdict["slope"] - verdict["control_slope"]
    )
    assert verdict["gap"] > 0 and verdict["gap_ci"][0] <= verdict["gap"] <= verdict["gap_ci"][1]
    assert "the gap rises with size, but fake-l puts" in output and verdict["code"] == "label_bias"
    assert (tmp_path / "out" / "control_labelled_data.jsonl").is_file()
    assert (
        json.loads((tmp_path / "out" / "summary.json").read_text())["control"]["n_examples"] == 60
    )


def test_a_control_of_another_length_is_a_usage_error(tmp_path):
    cfg = Config(scorer=ScorerConfig(cache_path=str(tmp_path / "c.sqlite")))
    task, control = label_biased(tmp_path / "t.csv", 20), label_biased(tmp_path / "c.csv", 10)
    with pytest.raises(UsageError, match="pairs item i"):
        score_and_judge(task, cfg, tmp_path / "o", ladder="fake", control=control)


def test_analyze_judges_a_prize_file_as_the_search_would(prize_dir, tmp_path):
    cfg = Config(scorer=ScorerConfig(bootstrap_samples=500))
    flat = prize_dir / "syllogism-opt" / "labelled_data.jsonl"
    _, verdict = analyze_and_judge(flat, tmp_path / "flat", cfg)
    assert verdict.code is Reason.LOW_MASS_SHARE and verdict.kind == "refused"  # not testable
    assert verdict.line.startswith("the loss does not rise with size; only 0% of items")
    summary = json.loads((tmp_path / "flat" / "summary.json").read_text())
    assert summary["verdict"]["codes"] == [str(c) for c in verdict.codes]
    qa = prize_dir / "QA-v2-gpt3-abs" / "labelled_data.jsonl"
    _, verdict = analyze_and_judge(qa, tmp_path / "qa", cfg)
    assert verdict.kind == "inverse scaling" and verdict.evaluation.supported is not None


def all_yes_demos(path: Path, n: int = 24) -> Path:
    """Yes/No questions after four demonstrations that all answer Yes: small models copy the
    demonstrated label, whatever the question (half the right answers are No)."""
    demos = "".join(
        f"Q: Is the {t} number {i} special?\nA: Yes\n" for i, t in enumerate(THINGS[:4])
    )
    rows = [
        (f"{demos}Q: Is {a} {'larger' if i % 2 else 'smaller'} than {b}?\nA:", [" Yes", " No"])
        for i, (a, b) in enumerate((x, x + 7) for x in range(10, 10 + n))
    ]
    # "Is x larger than x + 7": No; "is x smaller than x + 7": Yes.
    return _write(path, [(p, c, int(i % 2 == 1)) for i, (p, c) in enumerate(rows)])


@pytest.mark.slow
def test_score_on_the_shipped_models_names_their_label_preference(tmp_path):
    out = tmp_path / "out"
    data = all_yes_demos(tmp_path / "yes.csv")
    cfg = Config(scorer=ScorerConfig(cache_path=str(tmp_path / "c.sqlite")))
    _, _, verdict = score_and_judge(data, cfg, out, ladder="offline")
    assert verdict.kind != "inverse scaling"
    assert Reason.LABEL_BIAS in verdict.codes, verdict.line
    # Seen on the offline ladder: SmolLM2 answers Yes on 92% of the items, loss 0.75 -> 1.07
    # while accuracy rises 0.42 -> 0.50, so the rising-accuracy check refuses it too.
    assert Reason.ACCURACY_NOT_DOWN in verdict.codes, verdict.line
    saved = json.loads((out / "summary.json").read_text())["verdict"]
    assert saved["codes"] == [str(c) for c in verdict.codes]
