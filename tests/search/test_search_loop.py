from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from invscale.search.cli import app
from invscale.search.config import Config
from invscale.search.run import RunError, run_search, run_status

FAKE_LADDER = [
    {"name": "fake-s", "params": 10_000_000, "backend": "fake"},
    {"name": "fake-m", "params": 100_000_000, "backend": "fake"},
    {"name": "fake-l", "params": 1_000_000_000, "backend": "fake"},
]


def _config(tmp_path: Path, **search) -> dict:
    return {
        "scorer": {
            "cache_path": str(tmp_path / "cache.sqlite"),
            "bootstrap_samples": 300,
            "default_ladder": "fake",
            "ladders": {"fake": FAKE_LADDER},
        },
        "novelty": {"model": "hashing", "accepted_file": None},
        "search": {
            "max_candidates": 8,
            "candidates_per_generation": 4,
            "halving_sizes": [16, 48, 120],
            "confirm_examples": 120,
            "rewordings": 1,
            "reword_examples": 24,
            **search,
        },
    }


def _cache_rows(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "cache.sqlite") as conn:
        return conn.execute("SELECT COUNT(*) FROM scores").fetchone()[0]


def test_search_records_every_candidate_and_writes_results(tmp_path):
    cfg = Config.model_validate(_config(tmp_path))
    outcome = run_search(cfg, tmp_path / "run")
    summary = run_status(tmp_path / "run")
    assert summary["stop_reason"] == outcome.stop_reason == "candidate budget reached (8)"
    assert len(summary["candidates"]) == 8
    assert all(
        c["status"] in {"rejected", "dropped", "not_confirmed", "accepted"}
        for c in summary["candidates"]
    )
    assert all(c["reason"] for c in summary["candidates"])  # every decision says why
    assert all(c["code"] for c in summary["candidates"])  # ... and what kind it is, as data
    written = list((tmp_path / "run").glob("best/*")) + list((tmp_path / "run").glob("tasks/*"))
    assert written, "the best candidates are always written out"
    for folder in written:
        assert {"data.csv", "control.csv", "summary.json", "scaling.png", "template.yaml"} <= {
            p.name for p in folder.iterdir()
        }
    assert summary["counters"]["requests_run"] <= _cache_rows(tmp_path)
    assert 0 < summary["halving"]["share_saved"] < 1


def test_same_seed_gives_the_same_run(tmp_path):
    a = run_search(Config.model_validate(_config(tmp_path / "a")), tmp_path / "a" / "run")
    b = run_search(Config.model_validate(_config(tmp_path / "b")), tmp_path / "b" / "run")
    sa, sb = run_status(a.run_dir), run_status(b.run_dir)
    assert [(c["id"], c["status"], c["reason"]) for c in sa["candidates"]] == [
        (c["id"], c["status"], c["reason"]) for c in sb["candidates"]
    ]


def test_time_budget_stops_cleanly_and_resume_continues(tmp_path):
    cfg = Config.model_validate(_config(tmp_path, max_minutes=0.0001))
    first = run_search(cfg, tmp_path / "run")
    assert first.stop_reason.startswith("time budget reached")
    again = run_search(None, tmp_path / "run", resume=True, budget={"max_minutes": 30})
    assert again.stop_reason == "candidate budget reached (8)"


def test_starting_over_an_existing_run_is_refused(tmp_path):
    cfg = Config.model_validate(_config(tmp_path, max_candidates=1))
    run_search(cfg, tmp_path / "run")
    with pytest.raises(RunError, match="resume it with --resume"):
        run_search(cfg, tmp_path / "run")
    with pytest.raises(RunError, match="nothing to resume"):
        run_search(None, tmp_path / "empty", resume=True)


def test_kill_9_mid_run_then_resume_loses_nothing_and_scores_nothing_twice(tmp_path):
    cfg_file = tmp_path / "config.yaml"
    cfg_file.write_text(yaml.safe_dump(_config(tmp_path, max_candidates=12)))
    run = tmp_path / "run"
    cmd = [
        sys.executable,
        "-c",
        "from invscale.search.cli import main; main()",
        "search",
        "--config",
        str(cfg_file),
        "--out",
        str(run),
        "--no-live",
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(Path.cwd())},
    )
    deadline = time.monotonic() + 120
    evaluations = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if (run / "run.sqlite").exists():
            try:
                with sqlite3.connect(run / "run.sqlite", timeout=5) as conn:
                    evaluations = conn.execute(
                        "SELECT COUNT(*) FROM evaluations WHERE phase LIKE 'stage%'"
                    ).fetchone()[0]
            except sqlite3.OperationalError:
                continue
            if evaluations >= 3:
                break
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    before = {c["id"]: c for c in run_status(run)["candidates"]}
    res = CliRunner().invoke(app, ["search", "--resume", str(run), "--no-live"])
    assert res.exit_code == 0, res.output
    after = run_status(run)
    ids = [c["id"] for c in after["candidates"]]
    assert len(ids) == len(set(ids)) == 12
    assert set(before) <= set(ids)  # nothing proposed before the kill was lost
    for cid, row in before.items():  # decisions made before the kill stand
        if row["status"] in {"rejected", "dropped", "accepted", "not_confirmed"}:
            assert next(c for c in after["candidates"] if c["id"] == cid)["status"] == row["status"]
    # every request that reached a model is a distinct cache row: none was scored twice
    assert after["counters"]["requests_run"] <= _cache_rows(tmp_path)


def test_status_command_prints_leaderboard(tmp_path):
    run_search(Config.model_validate(_config(tmp_path, max_candidates=4)), tmp_path / "run")
    res = CliRunner().invoke(app, ["status", str(tmp_path / "run")])
    assert res.exit_code == 0, res.output
    assert "leaderboard" in res.output and "proposed" in res.output
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["counters"]["proposed"] == 4


def test_finished_run_folders_carry_the_final_decision(tmp_path):
    cfg = Config.model_validate(_config(tmp_path))
    run_search(cfg, tmp_path / "run")
    statuses = {
        c["id"]: (c["status"], c["reason"]) for c in run_status(tmp_path / "run")["candidates"]
    }
    for folder in (tmp_path / "run").glob("*/*"):
        if folder.parent.name not in {"tasks", "best"}:
            continue
        summary = json.loads((folder / "summary.json").read_text())
        assert (summary["status"], summary["reason"]) == statuses[summary["candidate"]]
        assert (folder.parent.name == "tasks") == (summary["status"] == "accepted")


def test_a_retracted_acceptance_moves_its_folder_to_best(tmp_path):
    from types import SimpleNamespace

    from invscale.search.store import RunStore
    from invscale.search.writeout import refresh_decisions, task_name

    store = RunStore.open(tmp_path)
    store.add_candidate("g00-00-abc", 0, {"title": "Some task"}, "op", ())
    store.set_status("g00-00-abc", "accepted", "accepted: holm over 1 test")
    run = SimpleNamespace(store=store, run_dir=tmp_path)
    folder = tmp_path / "tasks" / task_name(run, "g00-00-abc")
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps({"candidate": "g00-00-abc"}))
    store.set_status("g00-00-abc", "not_confirmed", "not significant after correction: holm over 3")
    refresh_decisions(run)
    moved = tmp_path / "best" / folder.name / "summary.json"
    assert not folder.exists() and moved.exists()
    summary = json.loads(moved.read_text())
    assert summary["status"] == "not_confirmed" and summary["accepted"] is False
    assert "holm over 3" in summary["reason"]
