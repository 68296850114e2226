from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from invscale.scorer.analyze import analyze_file, known_params, parse_param_count, parse_params
from invscale.scorer.taskio import TaskFormatError
from invscale.search.cli import app

# folder -> (inferred task type, models smallest first, loss column suffix)
FILES = {
    "QA-v1-opt": ("logodds", ["opt-125m", "opt-350m"], "logodds_difference"),
    "QA-v2-gpt3-abs": (
        "absolute_logodds",
        ["ada", "babbage", "curie", "davinci"],
        "logodds_difference",
    ),
    "lambada-1k_opt": ("sequence_prob", ["opt-125m", "opt-350m"], "loss"),
    "syllogism-opt": ("classification", ["opt-125m", "opt-350m"], "loss"),
}


@pytest.mark.parametrize("folder", FILES)
def test_per_model_means_equal_direct_column_means(prize_dir, tmp_path, folder):
    task_type, models, loss = FILES[folder]
    path = prize_dir / folder / "labelled_data.jsonl"
    result = analyze_file(path, tmp_path)
    frame = pd.read_json(path, lines=True)
    assert result.dataset.task_type == task_type
    assert [m.rung.name for m in result.models] == models
    for m in result.models:
        s = m.summary
        assert s.n == len(frame)
        assert s.mean_loss == pytest.approx(frame[f"{s.name}_{loss}"].mean(), abs=1e-12)
        if task_type == "sequence_prob":
            assert s.accuracy is None and s.mean_class_prob is None
        else:
            assert s.accuracy == pytest.approx(frame[f"{s.name}_correct"].mean())
            # The logodds types' total_logprob is log(m1 + m2) over two prompts (the Prize's own
            # column); the summary's class mass is one prompt's.
            prompts = 2 if task_type.endswith("logodds") else 1
            assert s.mean_class_prob == pytest.approx(
                np.exp(frame[f"{s.name}_total_logprob"]).mean() / prompts
            )


def test_model_columns_are_not_carried_as_input_columns(prize_dir, tmp_path):
    result = analyze_file(prize_dir / "syllogism-opt" / "labelled_data.jsonl", tmp_path)
    assert result.dataset.columns == ("prompt", "classes", "answer_index")
    assert all(ex.extra == () for ex in result.dataset.examples)


def test_gpt3_qa_v2_inverse_scales_and_writes_summary_and_plot(prize_dir, tmp_path):
    result = analyze_file(prize_dir / "QA-v2-gpt3-abs" / "labelled_data.jsonl", tmp_path)
    assert [m.rung.params for m in result.models] == [
        350 * 10**6,
        1300 * 10**6,
        6700 * 10**6,
        175 * 10**9,
    ]
    assert result.fit.shape == "increasing" and result.fit.inverse_scaling
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["task"] == "QA-v2-gpt3-abs" and summary["task_type"] == "absolute_logodds"
    assert [m["name"] for m in summary["models"]] == ["ada", "babbage", "curie", "davinci"]
    assert summary["fit"]["loss_slope"] == pytest.approx(result.fit.loss_slope)
    assert summary["params_from"]["davinci"] == "built-in table"
    assert (tmp_path / "scaling.png").stat().st_size > 10_000


def test_two_model_slope_is_the_difference_per_decade(prize_dir, tmp_path):
    path = prize_dir / "lambada-1k_opt" / "labelled_data.jsonl"
    frame = pd.read_json(path, lines=True)
    expected = (frame["opt-350m_loss"].mean() - frame["opt-125m_loss"].mean()) / (
        math.log10(350e6) - math.log10(125e6)
    )
    fit = analyze_file(path, tmp_path).fit
    assert fit.loss_slope == pytest.approx(expected)
    assert fit.loss_ci.high < 0  # the 350m model is much better at LAMBADA


def test_broken_syllogism_run_is_flat_not_inverse(prize_dir, tmp_path):
    # Every row of that old run has loss ln 2 and correct 0 for both models: nothing to fit.
    result = analyze_file(prize_dir / "syllogism-opt" / "labelled_data.jsonl", tmp_path)
    assert [m.summary.mean_loss for m in result.models] == pytest.approx([math.log(2)] * 2)
    assert [m.summary.accuracy for m in result.models] == [0.0, 0.0]
    assert result.fit.loss_slope == pytest.approx(0.0, abs=1e-12)
    assert result.fit.shape == "flat" and not result.fit.inverse_scaling


def test_params_override_the_table_and_reorder_the_ladder(prize_dir, tmp_path):
    path = prize_dir / "QA-v2-gpt3-abs" / "labelled_data.jsonl"
    result = analyze_file(path, tmp_path, params={"davinci": "125m", "ada": 10**12})
    assert [m.rung.name for m in result.models] == ["davinci", "babbage", "curie", "ada"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["params_from"] == {
        "davinci": "--params",
        "babbage": "built-in table",
        "curie": "built-in table",
        "ada": "--params",
    }


def test_type_override_keeps_signed_logodds(prize_dir, tmp_path):
    path = prize_dir / "QA-v2-gpt3-abs" / "labelled_data.jsonl"
    assert analyze_file(path, tmp_path, task_type="logodds").dataset.task_type == "logodds"


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("125m", 125 * 10**6),
        ("1.3b", 1300 * 10**6),
        ("6.7B", 6700 * 10**6),
        ("350M", 350 * 10**6),
        ("1e9", 10**9),
        ("175000000", 175 * 10**6),
        (42, 42),
        ("2k", 2000),
    ],
)
def test_parse_param_count(text, count):
    assert parse_param_count(text) == count


@pytest.mark.parametrize("text", ["big", "0", "-1m", "1.3x", ""])
def test_parse_param_count_rejects(text):
    with pytest.raises(ValueError, match="parameter count"):
        parse_param_count(text)


def test_parse_params_accepts_repeats_and_commas():
    assert parse_params(["a=1m,b=2b", "c=3"]) == {"a": 10**6, "b": 2 * 10**9, "c": 3}
    with pytest.raises(ValueError, match="expected NAME=COUNT"):
        parse_params(["ada"])


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("facebook/opt-1.3b", 1300 * 10**6),
        ("EleutherAI/pythia-70m-deduped", 70 * 10**6),
        ("davinci", 175 * 10**9),
        ("gpt2-xl", 1500 * 10**6),
        ("opt-66b", 66 * 10**9),
        ("llama-7b", None),
    ],
)
def test_known_params(name, count):
    assert known_params(name) == count


CLS = {"prompt": "Q: x?\nA:", "classes": "[' Yes', ' No']", "answer_index": 0}


def _write(path, rows):
    path.write_text("".join(r if isinstance(r, str) else json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize(
    ("rows", "needle"),
    [
        (
            [{**CLS, "mystery_loss": 1.0, "mystery_correct": 1, "ada_loss": 1, "ada_correct": 0}],
            "unknown parameter count for model(s) mystery; pass --params mystery=COUNT",
        ),
        ([{**CLS, "ada_loss": 1.0, "ada_correct": 1}], "found 1 model(s) (ada)"),
        (
            [
                {
                    **CLS,
                    "ada_loss": 1.0,
                    "ada_correct": 1,
                    "curie_logodds_difference": 1.0,
                    "curie_correct": 1,
                }
            ],
            "inconsistent columns: task type classification needs curie_loss",
        ),
        (
            [{**CLS, "ada_loss": 1.0, "curie_loss": 1.0}],
            "needs ada_correct for model 'ada' (found ada_loss)",
        ),
        (
            [
                {**CLS, "ada_loss": 1, "ada_correct": 1, "curie_loss": 1, "curie_correct": 0},
                '{"prompt": "Q: y?\\nA:", "classes": \n',
            ],
            "line 2: invalid JSON",
        ),
        (
            [
                {**CLS, "ada_loss": 1, "ada_correct": 1, "curie_loss": 1, "curie_correct": 0},
                {**CLS, "ada_loss": 1, "ada_correct": 1, "curie_correct": 0},
            ],
            "row 2: column 'curie_loss' is missing",
        ),
        (
            [{**CLS, "ada_loss": "x", "ada_correct": 1, "curie_loss": 1, "curie_correct": 0}],
            "row 1: column 'ada_loss': not a number",
        ),
        (
            [{**CLS, "ada_loss": 1, "ada_correct": 2, "curie_loss": 1, "curie_correct": 0}],
            "column 'ada_correct': expected 0/1",
        ),
    ],
)
def test_bad_labelled_files_get_clear_errors(tmp_path, rows, needle):
    path = _write(tmp_path / "labelled_data.jsonl", rows)
    with pytest.raises((TaskFormatError, ValueError)) as info:
        analyze_file(path, tmp_path / "out")
    assert needle in str(info.value)


def test_analyze_command_prints_table(prize_dir, tmp_path):
    res = CliRunner().invoke(
        app,
        [
            "analyze",
            str(prize_dir / "QA-v2-gpt3-abs" / "labelled_data.jsonl"),
            "--out",
            str(tmp_path),
            "--params",
            "ada=350m",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "davinci" in res.output and "175,000,000,000" in res.output
    assert "INVERSE" in res.output  # rich may wrap the verdict at the terminal width
    assert (tmp_path / "summary.json").exists()


def test_analyze_command_unknown_size_is_a_clean_error(tmp_path):
    path = _write(
        tmp_path / "l.jsonl", [{**CLS, "a_loss": 1, "a_correct": 1, "b_loss": 2, "b_correct": 0}]
    )
    res = CliRunner().invoke(app, ["analyze", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "--params a=COUNT --params b=COUNT" in res.output and "Traceback" not in res.output
