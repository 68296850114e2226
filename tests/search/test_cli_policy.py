"""One policy for every command: user errors exit 2 on one line, bugs keep their traceback,
Ctrl-C exits 130 after saving, ``-v`` logs what happens."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from invscale.search.cli import app
from invscale.search.run import run_status
from invscale.search.store import RunStore

ROOT = Path(__file__).resolve().parents[2]
FAST = {
    "scorer": {"bootstrap_samples": 200},
    "novelty": {"model": "hashing", "accepted_file": None},
}


def _config(tmp_path: Path) -> str:
    path = tmp_path / "config.yaml"
    tree = {**FAST, "scorer": {**FAST["scorer"], "cache_path": str(tmp_path / "cache.sqlite")}}
    path.write_text(yaml.safe_dump(tree))
    return str(path)


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["status", "nowhere"], "no run here"),
        (["report", "nowhere"], "no run here"),
        (["export", "nowhere", "--out", "x"], "nowhere"),
        (["score", "missing.csv", "--out", "x"], "missing.csv: no such file"),
        (["analyze", "missing.jsonl", "--out", "x"], "missing.jsonl: no such file"),
        (["expand", "missing.jsonl", "--out-dir", "x"], "missing.jsonl"),
        (["novelty", "missing.yaml"], "no such file"),
        (["generate", "--out", "t.jsonl", "--backend", "gpt"], "generator.backend"),
        (["ladder", "check", "--ladder", "nope"], "unknown ladder 'nope'"),
        (["search", "--ladder", "nope", "--out", "run"], "unknown ladder 'nope'"),
    ],
)
def test_user_errors_exit_2_with_one_line_on_stderr(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    res = _invoke(*args)
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1
    assert message in res.stderr and "Traceback" not in res.output
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["search", "--ladder", "fake", "--out", "afile/run"],
        ["generate", "--backend", "offline", "--n", "1", "--out", "afile/t.jsonl"],
        ["export", "nowhere", "--out", "afile/x"],
    ],
)
def test_an_output_path_that_cannot_be_written_is_a_user_error(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("in the way")
    res = _invoke(*args)
    assert res.exit_code == 2, res.output
    assert "afile" in res.stderr and "is not a folder" in res.stderr
    assert "Traceback" not in res.output


def test_a_bug_keeps_its_traceback_instead_of_posing_as_a_user_error(tmp_path, monkeypatch):
    def broken(run_dir):
        raise KeyError("gap")

    monkeypatch.setattr("invscale.search.run.status_text", broken)
    res = _invoke("status", str(tmp_path))
    assert res.exit_code == 1 and isinstance(res.exception, KeyError)
    assert "error:" not in res.output


def test_debug_shows_the_traceback_of_a_user_error(tmp_path):
    res = _invoke("--debug", "status", str(tmp_path / "nowhere"))
    assert res.exit_code == 2
    assert "Traceback" in res.stderr and "RunError" in res.stderr


def test_resume_of_a_folder_without_a_run_creates_nothing(tmp_path):
    res = _invoke("search", "--resume", str(tmp_path / "nope"), "--no-live")
    assert res.exit_code == 2 and "nothing to resume" in res.stderr
    assert not (tmp_path / "nope").exists()


@pytest.mark.parametrize("option", [["--config", "c.yaml"], ["--ladder", "fake"], ["--seed", "1"]])
def test_resume_refuses_options_that_would_change_the_runs_config(tmp_path, option):
    RunStore.open(tmp_path / "run").set_meta("config", {})
    res = _invoke("search", "--resume", str(tmp_path / "run"), *option, "--no-live")
    assert res.exit_code == 2 and "cannot be combined with --resume" in res.stderr


def test_ctrl_c_saves_the_run_and_exits_130(tmp_path, monkeypatch):
    def interrupted(run):
        raise KeyboardInterrupt

    monkeypatch.setattr("invscale.search.run.search_loop", interrupted)
    run = tmp_path / "run"
    res = _invoke("search", "--config", _config(tmp_path), "--out", str(run), "--no-live")
    assert res.exit_code == 130, res.output
    assert run_status(run)["stop_reason"].startswith("interrupted")
    assert (run / "summary.json").is_file()


def test_search_takes_ladder_and_seed_from_the_command_line(tmp_path, monkeypatch):
    monkeypatch.setattr("invscale.search.run.search_loop", lambda run: "stopped at once")
    run = tmp_path / "run"
    args = ["search", "--config", _config(tmp_path), "--out", str(run), "--no-live"]
    res = _invoke(*args, "--ladder", "fake", "--seed", "7")
    assert res.exit_code == 0, res.output
    store = RunStore.open(run)
    search = store.get_meta("config")["search"]
    store.close()
    assert (search["ladder"], search["seed"]) == ("fake", 7)


def test_verbose_logs_model_loading_to_stderr(tmp_path, prize_dir):
    data = prize_dir / "syllogism-opt" / "data.csv"
    args = ["score", str(data), "--out", str(tmp_path / "o"), "--ladder", "fake", "--limit", "5"]
    quiet = _invoke(*args, "--config", _config(tmp_path))
    loud = _invoke("-v", *args, "--config", _config(tmp_path))
    assert quiet.exit_code == loud.exit_code == 0, loud.output
    assert "loading model" not in quiet.stderr
    assert re.search(r"INFO +invscale\.scorer\.score: loading model fake-s", loud.stderr)


def test_help_imports_nothing_heavy():
    # typer itself imports pydantic and rich; the scorer's numpy, torch etc. must wait.
    heavy = ("numpy", "scipy", "matplotlib", "torch", "transformers", "langchain_core", "faiss")
    code = (
        "import sys\nfrom invscale.search.cli import app\n"
        "try:\n    app(['search', '--help'])\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "--ladder" in out.stdout and out.stdout.splitlines()[-1] == "[]"


def test_readme_command_table_lists_every_command():
    from typer.main import get_command

    table = (ROOT / "README.md").read_text().split("## Commands", 1)[1].split("\n\n", 2)[1]
    listed = set(re.findall(r"^\| `invscale ([a-z]+)", table, re.M))
    assert listed == set(get_command(app).commands)  # type: ignore[attr-defined]
