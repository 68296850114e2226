from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from invscale.scorer import Rung, ScorerConfig, load_task, score_dataset
from invscale.search.cli import app

FAKE = (
    Rung(name="fake-s", params=10**7, backend="fake"),
    Rung(name="fake-l", params=10**9, backend="fake"),
)


def _cfg(tmp_path) -> ScorerConfig:
    return ScorerConfig(
        cache_path=str(tmp_path / "c.sqlite"),
        bootstrap_samples=200,
        ladders={"fake": FAKE},
        default_ladder="fake",
    )


def test_score_dataset_is_deterministic_and_paired(prize_dir, tmp_path):
    ds = load_task(prize_dir / "syllogism-opt" / "data.csv").subset(range(30))
    a = score_dataset(ds, FAKE, _cfg(tmp_path))
    b = score_dataset(ds, FAKE, _cfg(tmp_path / "other"))
    assert a.fit == b.fit
    assert a.losses().shape == (2, 30)


def test_unknown_backend_names_the_model(prize_dir, tmp_path):
    ds = load_task(prize_dir / "syllogism-opt" / "data.csv").subset(range(3))
    bad = (FAKE[0], Rung(name="mystery", params=10**9, backend="nope"))
    with pytest.raises(ValueError, match="model 'mystery': unknown backend 'nope'"):
        score_dataset(ds, bad, _cfg(tmp_path))


def _config_file(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        f"scorer:\n  cache_path: {tmp_path}/c.sqlite\n  bootstrap_samples: 200\n"
        "  default_ladder: fake\n  ladders:\n    fake:\n"
        "      - {name: fake-s, params: 10000000, backend: fake}\n"
        "      - {name: fake-l, params: 1000000000, backend: fake}\n"
    )
    return cfg


def test_score_command_writes_prize_outputs(prize_dir, tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app,
        [
            "score",
            str(prize_dir / "QA-v2-gpt3-abs" / "data.csv"),
            "--type",
            "absolute_logodds",
            "--config",
            str(_config_file(tmp_path)),
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in (out / "labelled_data.jsonl").read_text().splitlines()]
    assert len(rows) == 40
    assert {"fake-s_logodds_difference", "fake-l_correct", "fake-l_total_logprob"} <= set(rows[0])
    assert all(r["fake-s_logodds_difference"] >= 0 for r in rows)  # absolute value
    summary = json.loads((out / "summary.json").read_text())
    assert summary["task_type"] == "absolute_logodds" and len(summary["models"]) == 2
    assert (out / "scaling.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--ladder", "nope"], "unknown ladder 'nope'"),
        (["--type", "regression"], "unknown task type 'regression'"),
    ],
)
def test_score_command_reports_bad_input_without_traceback(prize_dir, tmp_path, args, needle):
    res = CliRunner().invoke(
        app,
        [
            "score",
            str(prize_dir / "syllogism-opt" / "data.csv"),
            "--config",
            str(_config_file(tmp_path)),
            "--out",
            str(tmp_path / "o"),
            *args,
        ],
    )
    assert res.exit_code == 2
    assert needle in res.output
    assert "Traceback" not in res.output
