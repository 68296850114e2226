from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from invscale.scorer.records import ClassificationExample, LogoddsExample, SequenceProbExample
from invscale.scorer.taskio import ClassSpaceWarning, TaskFormatError, load_task, save_task


@pytest.mark.parametrize(
    ("folder", "file", "task_type", "n", "kind"),
    [
        ("syllogism-opt", "data.csv", None, 1000, ClassificationExample),
        ("QA-v1-opt", "data.csv", None, 40, LogoddsExample),
        ("QA-v2-gpt3-abs", "data.csv", "absolute_logodds", 40, LogoddsExample),
        ("lambada-1k_opt", "data.csv", "single_word", 1000, SequenceProbExample),
        ("syllogism-opt", "labelled_data.jsonl", None, 1000, ClassificationExample),
        ("QA-v1-opt", "labelled_data.jsonl", "logodds", 40, LogoddsExample),
    ],
)
def test_real_prize_files_load_unchanged(prize_dir, folder, file, task_type, n, kind):
    ds = load_task(prize_dir / folder / file, task_type)
    assert len(ds) == n
    assert all(isinstance(ex, kind) for ex in ds.examples)
    assert ds.name == folder


def test_python_list_and_json_classes_both_parse(tmp_path: Path):
    p = tmp_path / "t.csv"
    p.write_text(
        "prompt,classes,answer_index\n"
        "\"Q1\",\"[' Yes', ' No']\",1\n"
        '"Q2","["" A"", "" B"", "" C""]",2\n'
    )
    ds = load_task(p)
    assert ds.examples[0].classes == (" Yes", " No")
    assert ds.examples[1].classes == (" A", " B", " C")  # classes may vary in number by row


def _write(tmp_path: Path, text: str, name: str = "bad.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("prompt,classes\nQ,\"[' a', ' b']\"\n", "missing column(s) answer_index"),
        (
            "prompt,classes,answer_index\nQ,\"[' a', ' b']\",2\n",
            "row 1: column 'answer_index': 2 out of range",
        ),
        (
            "prompt,classes,answer_index\nQ,\"[' a', ' b']\",x\n",
            "row 1: column 'answer_index': not an integer",
        ),
        (
            "prompt,classes,answer_index\nQ,\"[' a', oops\",0\n",
            "row 1: column 'classes': cannot parse",
        ),
        (
            "prompt,classes,answer_index\nQ,\"[' a', ' b']\",0\n ,\"[' a', ' b']\",0\n",
            "row 2: column 'prompt': empty",
        ),
        (
            "prompt,other_prompt,classes,answer_index\nA,B,\"[' a', ' b', ' c']\",0\n",
            "logodds tasks need exactly 2 classes",
        ),
        ("foo,bar\n1,2\n", "cannot infer the task type"),
        ("", "no rows"),
    ],
)
def test_bad_input_names_file_row_and_column(tmp_path, text, needle):
    p = _write(tmp_path, text)
    with pytest.raises(TaskFormatError) as err:
        load_task(p)
    assert needle in str(err.value)
    assert str(p) in str(err.value)


def test_broken_jsonl_names_the_line(tmp_path):
    p = _write(tmp_path, '{"prompt": "a", "completion": " b"}\n{"prompt": \n', "t.jsonl")
    with pytest.raises(TaskFormatError, match=r"line 2: invalid JSON"):
        load_task(p)


def test_classes_without_leading_space_warn(tmp_path):
    p = _write(tmp_path, "prompt,classes,answer_index\nQ,\"['Yes', 'No']\",0\n", "t.csv")
    with pytest.warns(ClassSpaceWarning, match="no leading space"):
        load_task(p)


def test_spaced_classes_do_not_warn(tmp_path):
    p = _write(tmp_path, "prompt,classes,answer_index\nQ,\"[' Yes', ' No']\",0\n", "t.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_task(p)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_save_then_load_round_trips(prize_dir, tmp_path, suffix):
    ds = load_task(prize_dir / "QA-v2-gpt3-abs" / "data.csv", "absolute_logodds")
    back = load_task(save_task(ds, tmp_path / f"x{suffix}"), "absolute_logodds")
    assert back.examples == ds.examples
