from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from invscale.generator import load_templates, save_templates
from invscale.search.cli import app

from .conftest import make

runner = CliRunner()


def test_generate_then_expand_writes_prize_csvs_and_controls(tmp_path: Path) -> None:
    templates = tmp_path / "templates.jsonl"
    result = runner.invoke(
        app, ["generate", "--backend", "offline", "--n", "4", "--out", str(templates)]
    )
    assert result.exit_code == 0, result.output
    ids = [t.id for t in load_templates(templates)]
    assert len(ids) == 4
    out = tmp_path / "out"
    result = runner.invoke(app, ["expand", str(templates), "--n", "300", "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    for template_id in ids:
        lines = (out / f"{template_id}.csv").read_text().count("\n")
        assert lines > 300
        assert (out / f"{template_id}.control.csv").exists()
    assert (out / "rejections.jsonl").read_text() == ""


def test_expand_logs_rejected_templates_and_writes_the_rest(tmp_path: Path) -> None:
    bad = make(prompt='End with "x": {p.stem}')
    good = make()
    path = save_templates([good, bad], tmp_path / "t.yaml")
    result = runner.invoke(app, ["expand", str(path), "--n", "300", "--out-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"{good.id}.csv").exists()
    assert not (tmp_path / f"{bad.id}.csv").exists()
    (record,) = [json.loads(x) for x in (tmp_path / "rejections.jsonl").read_text().splitlines()]
    assert record["template_id"] == bad.id and record["reason"] == "duplicate_prompts"
    assert "rejected" in result.output


def test_expand_of_an_invalid_file_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": "x"}\n')
    result = runner.invoke(app, ["expand", str(path), "--out-dir", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "line 1" in result.output and "Traceback" not in result.output


def test_generate_with_the_replay_backend(tmp_path: Path) -> None:
    out = tmp_path / "t.yaml"
    result = runner.invoke(app, ["generate", "--backend", "replay", "--n", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(load_templates(out)) == 3
    assert "2 fewer than asked" in result.output


def test_generate_rejects_an_unknown_backend(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "--backend", "gpt", "--out", str(tmp_path / "t")])
    assert result.exit_code == 2 and "backend" in result.output
