"""The rediscovery benchmark (bench/bench_rediscovery.py) on the fake ladder."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

from invscale.search.store import RunStore

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from bench_rediscovery import Outcome, main, report  # noqa: E402

LAST = re.compile(
    r"^rediscovered (\d+) of (\d+) hidden winners in (\d+) candidates "
    r"\((\d+) accepted, (\d+) accepted but not a winner\)$"
)
WINNERS = [{"id": "prize-memo-trap"}, {"id": "prize-neqa"}]


def test_only_an_accepted_task_named_a_rediscovery_of_a_hidden_winner_counts():
    outcomes = [
        Outcome("a", "accepted", "rediscovery", "prize-memo-trap", "rediscovery"),
        Outcome("b", "accepted", "accepted", None, "novel"),
        Outcome("c", "refused", "low_mass_share", "prize-neqa", "rediscovery", "confirm n=300"),
        Outcome("d", "screened", "halving", "prize-neqa", "duplicate"),
    ]
    lines = report(outcomes, WINNERS)
    assert lines[0].startswith("prize-memo-trap: 1 candidate(s) (1 accepted); furthest: accepted")
    assert lines[1].startswith("prize-neqa: 2 candidate(s) (1 screened, 1 refused); furthest: ")
    assert "refused (low_mass_share) c confirm n=300" in lines[1]
    assert lines[-1] == (
        "rediscovered 1 of 2 hidden winners in 4 candidates (2 accepted, 1 accepted but not a winner)"
    )
    unnamed = [Outcome("a", "accepted", "accepted", "prize-memo-trap", "duplicate")]
    assert LAST.match(report(unnamed, WINNERS)[-1]).group(1) == "0"  # named, but not a rediscovery


def _fake_config(tmp: Path) -> Path:
    cfg = {
        "scorer": {
            "cache_path": str(tmp / "cache.sqlite"),
            "bootstrap_samples": 200,
        },
        "novelty": {"model": "hashing", "cache_dir": str(tmp / "emb")},
        "search": {
            "candidates_per_generation": 3,
            "halving_sizes": [16, 48],
            "confirm_examples": 60,
            "rewordings": 0,
        },
    }
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_the_bench_hides_one_family_and_reports_every_hidden_winner(tmp_path, capsys):
    args = ["--ladder", "fake", "--candidates", "3", "--seed", "1", "--family", "strong-prior"]
    lines = main([*args, "--config", str(_fake_config(tmp_path)), "--out", str(tmp_path / "run")])
    hidden = ["prize-resisting-correction", "prize-redefine", "prize-memo-trap"]
    hidden += ["prize-prompt-injection"]
    assert [line.split(":")[0] for line in lines[: len(hidden)]] == hidden
    match = LAST.match(lines[-1])
    assert match and match.group(2) == "4" and match.group(3) == "3"
    assert capsys.readouterr().out.strip().splitlines()[-1] == lines[-1]
    store = RunStore.open(tmp_path / "run")
    try:  # the search itself never saw a hidden winner: no verdict of the run names one
        named = [e.data.get("task") for e in store.evaluations() if e.phase == "novelty"]
        assert named and not set(named) & set(hidden)
    finally:
        store.close()


def test_no_search_judges_the_run_as_it_stands_and_needs_one(tmp_path, capsys):
    config = str(_fake_config(tmp_path))
    args = ["--ladder", "fake", "--candidates", "2", "--seed", "1", "--config", config]
    with pytest.raises(SystemExit, match="no run"):
        main([*args, "--out", str(tmp_path / "none"), "--no-search"])
    assert not (tmp_path / "none").exists()  # a mistaken --no-search leaves nothing behind
    searched = main([*args, "--out", str(tmp_path / "run")])
    again = main([*args, "--out", str(tmp_path / "run"), "--no-search"])
    assert again == searched
