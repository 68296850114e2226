"""The novelty judge's replay mode, on real judge conversations recorded through the relay.

``data/judge_replay_tune_standin.jsonl`` holds the judge's 21 exchanges on the third-party tune
split (bench/calibrate_real.py --split tune --judge-url, through bench/relay.py), with the prompt
that shows the catalogue of every known task and states the manipulation rule. No capable model
was reachable: a helper session stood in as the model, seeing only the messages the judge sent;
every record says so in its ``source``. ``judge_replay_report_standin.jsonl`` (16 exchanges),
``judge_replay_report2_standin.jsonl`` (18) and ``judge_replay_report3_standin.jsonl`` (17) are
the same judge on the three held-out splits. Every set was handed over as "dataset N": its id,
written here knowing its expected verdict, never reached the judge.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

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


def _records(split: str = "tune") -> list[dict]:
    path = FIXTURE.parent / SPLITS[split][0]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


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


# Each split's last line as measured live through the relay (stand-in judge, a fresh helper
# session per split, sets handed over as "dataset N") on 2026-12-05 at 08:25-08:36 UTC, once each.
# report3's sources had never been run through any verdict before that day; an earlier run of
# report3 that still showed the set ids (9 of 9, 8 of 8) is superseded, as are the earlier
# recordings of the other splits, which showed them too.
SPLITS = {
    "tune": ("judge_replay_tune_standin.jsonl", "named 12 of 12, new kept new 9 of 9"),
    "report": ("judge_replay_report_standin.jsonl", "named 8 of 9, new kept new 7 of 7"),
    "report2": ("judge_replay_report2_standin.jsonl", "named 7 of 10, new kept new 8 of 8"),
    "report3": ("judge_replay_report3_standin.jsonl", "named 9 of 9, new kept new 8 of 8"),
}


@pytest.mark.parametrize("split", sorted(SPLITS))
def test_the_judge_never_saw_a_set_id(split):
    manifest = ROOT / "bench" / "data" / "novelty_real" / "manifest.yaml"
    ids = [s["id"] for s in yaml.safe_load(manifest.read_text(encoding="utf-8"))["sets"]]
    for number, record in enumerate(_records(split), start=1):
        proposed = record["messages"][-1]["content"].split("Catalogue")[0]
        assert proposed.startswith(f"PROPOSED task:\ndataset {number} |")
        assert [i for i in ids if i in proposed] == []


@pytest.mark.parametrize("split", sorted(SPLITS))
def test_every_split_fixture_is_a_stand_ins(split):
    records = _records(split)
    assert records and all(r["source"].startswith("stand-in:") for r in records)
    assert all("manipulation" in r["messages"][0]["content"] for r in records)


def _calibrate_real():
    """bench/calibrate_real.py, or a skip when the third-party sets are not rendered here (one
    file of each split is looked for)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from build_novelty_real import locate

    files = ("bbq-age-ambiguous.csv", "winobias-pro-type2.csv", "aqua-test.csv", "asdiv.csv")
    if any(locate(f) is None for f in files):
        pytest.skip("third-party sets not rendered here (python bench/build_novelty_real.py)")
    import calibrate_real

    return calibrate_real


@pytest.mark.slow
@pytest.mark.parametrize("split", sorted(SPLITS))
def test_replayed_judge_names_what_it_named_live(split, capsys):
    calibrate_real = _calibrate_real()

    fixture, figures = SPLITS[split]
    calibrate_real.main(["--split", split, "--judge-replay", str(FIXTURE.parent / fixture)])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == f"real third-party: {figures}"


@pytest.mark.slow
def test_the_held_out_splits_together_replay_their_recordings(capsys):
    calibrate_real = _calibrate_real()

    files = [str(FIXTURE.parent / SPLITS[s][0]) for s in ("report", "report2", "report3")]
    calibrate_real.main(["--judge-replay", *files])  # the default split: held-out
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("split held-out: 51 sets")
    assert out[-1] == "real third-party: named 24 of 28, new kept new 23 of 23"
