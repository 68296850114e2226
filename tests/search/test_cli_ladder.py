from __future__ import annotations

import pytest
from typer.testing import CliRunner

from invscale.search.cli import app


def _config(tmp_path, rung: str):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "scorer:\n  default_ladder: l\n  ladders:\n    l:\n"
        "      - {name: ep, params: 66000000000, backend: openai, base_url: 'http://gpu:8000/v1'}\n"
        f"      - {rung}\n"
    )
    return cfg


@pytest.mark.parametrize(
    ("rung", "code", "needle"),
    [
        ("{name: tiny, params: 1000, source: org/tiny}", 0, "system memory"),
        ("{name: huge, params: 100000000000000, source: org/huge}", 1, "needs"),
        ("{name: g, params: 1000, source: org/g, device: 'cuda:7'}", 1, "cuda:7"),
    ],
)
def test_ladder_check_prints_each_rung_and_fails_when_one_does_not_fit(
    tmp_path, rung, code, needle
):
    res = CliRunner().invoke(app, ["ladder", "check", "--config", str(_config(tmp_path, rung))])
    assert res.exit_code == code, res.output
    assert "http://gpu:8000/v1" in res.output and needle in res.output


def test_ladder_check_names_an_unknown_ladder(tmp_path):
    cfg = _config(tmp_path, "{name: t, params: 1000, source: org/t}")
    res = CliRunner().invoke(app, ["ladder", "check", "--ladder", "nope", "--config", str(cfg)])
    assert res.exit_code == 2 and "unknown ladder 'nope'" in res.output


def test_score_command_reports_a_dead_endpoint_without_traceback(prize_dir, tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        f"scorer:\n  cache_path: {tmp_path}/c.sqlite\n  bootstrap_samples: 200\n"
        "  default_ladder: l\n  ladders:\n    l:\n"
        "      - {name: fake-s, params: 10000000, backend: fake}\n"
        "      - {name: dead, params: 1000000000, backend: openai, "
        "base_url: 'http://127.0.0.1:9/v1', max_retries: 0}\n"
    )
    data = prize_dir / "syllogism-opt" / "data.csv"
    args = ["score", str(data), "--config", str(cfg), "--out", str(tmp_path / "o"), "--limit", "3"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2
    assert (
        "model 'dead' at http://127.0.0.1:9/v1" in res.output and "connection failed" in res.output
    )
    assert "Traceback" not in res.output


def test_ladder_check_lines_fit_80_columns_with_the_note_below(tmp_path):
    cfg = _config(tmp_path, "{name: a-rather-long-model-name, params: 1000, source: org/t}")
    res = CliRunner().invoke(app, ["ladder", "check", "--config", str(cfg)])
    lines = res.output.splitlines()
    assert max(len(line) for line in lines) <= 80, res.output
    assert any(line.startswith("a-rather-long-model-name") for line in lines)
    assert any(line.startswith("    ") and "memory" in line for line in lines)
