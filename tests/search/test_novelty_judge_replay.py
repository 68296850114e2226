"""The novelty judge's replay mode, on real judge conversations recorded through the relay.

``data/judge_replay_tune_standin.jsonl`` holds the judge's 21 exchanges on the third-party tune
split (bench/calibrate_real.py --split tune --judge-url, through bench/relay.py), with the prompt
that shows the catalogue of every known task and states the manipulation rule. No capable model
was reachable: a helper session stood in as the model, seeing only the messages the judge sent;
every record says so in its ``source``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from invscale.search.novelty.config import JudgeSettings
from invscale.search.novelty.judge import Judge
from invscale.search.novelty.records import (
    Evidence,
    IndexEntry,
    NoveltyQuery,
    NoveltyVerdict,
    VerdictKind,
)

FIXTURE = Path(__file__).parent / "data" / "judge_replay_tune_standin.jsonl"
ROOT = Path(__file__).resolve().parents[2]


def _records() -> list[dict]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


def _verdict_naming(task: str) -> NoveltyVerdict:
    return NoveltyVerdict(True, 1.0, (), 0.4, evidence=(Evidence("exemplars", task, 0.1, 0.15),))


def test_the_fixture_says_a_stand_in_answered_every_request():
    records = _records()
    assert len(records) == 21
    assert all(r["source"].startswith("stand-in:") for r in records)
    assert all(r["messages"][0]["role"] == "system" for r in records)


def test_replayed_replies_decide_the_verdict_in_order():
    records = _records()
    judge = Judge.from_settings(JudgeSettings(replay_file=str(FIXTURE)))
    for record in records[:6]:
        said = json.loads(record["reply"])
        task = said["task"] or "self-preservation-statements"
        entries = [IndexEntry(task, task, "d", ("p",), "known")]
        verdict = judge.review(NoveltyQuery("q", "", ("p",)), _verdict_naming(task), entries, {})
        assert verdict.judge is not None and not verdict.judge.error
        assert verdict.kind is VerdictKind(said["verdict"]) and verdict.task == said["task"]
        assert verdict.judge.model.startswith("replay:") and not verdict.offline


def test_a_judge_whose_recording_ran_out_leaves_the_offline_verdict(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"reply": '{"verdict": "novel", "task": null}'}) + "\n")
    judge = Judge.replaying(str(path))
    before = _verdict_naming("prize-neqa")
    query = NoveltyQuery("q", "", ("p",))
    assert judge.review(query, before, [], {}).kind is VerdictKind.NOVEL
    after = judge.review(query, before, [], {})
    assert after.kind is before.kind and after.judge is not None and after.judge.error
    assert after.offline


@pytest.mark.slow
def test_replayed_judge_on_the_tune_split_names_what_it_named_live(capsys):
    sys.path.insert(0, str(ROOT / "bench"))
    from build_novelty_real import locate

    if locate("bbq-age-ambiguous.csv") is None:
        pytest.skip("third-party sets not rendered here (python bench/build_novelty_real.py)")
    import calibrate_real

    calibrate_real.main(["--split", "tune", "--judge-replay", str(FIXTURE)])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    # Measured live through the relay (stand-in judge), 05:40 UTC, on the 21 tune sets: the
    # same figures (the offline path alone: named 8 of 12, new kept new 7 of 9).
    assert last == "real third-party: named 12 of 12, new kept new 9 of 9"
