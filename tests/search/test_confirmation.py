from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from invscale.generator import reword
from invscale.search.candidates import confirmation_sets, selection_sets
from invscale.search.cli import app
from invscale.search.evaluate import PairedEvaluation
from invscale.search.freshness import check_freshness
from invscale.search.loop import _retract, decide, settle
from invscale.search.reasons import Reason
from invscale.search.store import RunStore

from .planted import config, copy_trap, planted_run


def _summary(run_dir: Path) -> dict:
    (folder,) = list((run_dir / "tasks").glob("*"))
    return json.loads((folder / "summary.json").read_text())


def test_a_two_rung_verdict_says_two_model_contrast_everywhere(tmp_path):
    run = planted_run(tmp_path, config(tmp_path, "two"))
    row = run.store.candidates()[0]
    assert row.status == "accepted" and "two-model contrast" in row.reason
    summary = _summary(run.run_dir)
    assert summary["ladder_kind"] == "two-model contrast"
    assert summary["rescored_on"] == ["fake"]
    assert summary["other_ladders"]["fake"]["ladder_kind"] == "scaling ladder"
    assert "cluster bootstrap" in summary["uncertainty"]
    run.store.close()
    status = CliRunner().invoke(app, ["status", str(run.run_dir)])
    assert "two: two-model contrast (accepted tasks re-scored on: fake)" in status.output
    CliRunner().invoke(app, ["report", str(run.run_dir)])
    assert "two-model contrast" in (run.run_dir / "report.html").read_text()
    out = tmp_path / "export"
    res = CliRunner().invoke(
        app, ["export", str(run.run_dir), "--out", str(out), "--format", "all", "--min-rows", "50"]
    )
    assert res.exit_code == 0, res.output
    (meta,) = list(out.glob("prize/*/metadata.yaml"))
    result = yaml.safe_load(meta.read_text())["result"]
    assert result["ladder_kind"] == "two-model contrast" and result["rescored_on"] == ["fake"]
    assert "two-model contrast" in next(out.glob("hf/*/README.md")).read_text()


def test_a_confirmation_shares_no_entity_with_selection_and_says_so(tmp_path):
    run = planted_run(tmp_path, config(tmp_path, "fake"))
    freshness = _summary(run.run_dir)["freshness"]
    assert freshness["confirmation_items_sharing_an_entity_with_selection"] == 0
    assert _summary(run.run_dir)["ladder_kind"] == "scaling ladder"


def test_the_freshness_check_covers_ancestors_and_can_fail(tmp_path):
    parent = copy_trap()
    child = reword(parent, seed=3)
    store = RunStore.open(tmp_path)
    for i, t in enumerate((parent, child)):
        store.add_candidate(f"g0{i}-00-x", i, t.model_dump(mode="json"), "op", ())
    selection = selection_sets(child, 100, 0)
    fresh = check_freshness(store, child, selection, confirmation_sets(child, 100, 0), 100, 0)
    assert (fresh.shared, fresh.ancestors) == (0, 1)
    # Confirming on the parent's selection items is caught, item by item.
    leaked = check_freshness(store, child, selection, selection_sets(parent, 100, 0), 100, 0)
    assert leaked.shared == 100


def _confirm_noise(run, k: int) -> None:
    """Add ``k`` confirmed candidates with no effect, so Holm over more tests gets stricter."""
    (stored,) = [e for e in run.store.evaluations() if e.phase == "confirm"]
    ev = PairedEvaluation.from_dict(stored.data)
    flat = {**ev.to_dict(), "p_gap": 0.9, "p_slope": 0.9, "gap": 0.0}
    for i in range(k):
        cid = f"g01-{i:02d}-noise"
        run.store.add_candidate(cid, 1, {"title": "noise"}, "op", ())
        run.store.add_evaluation(cid, "confirm", ev.n, flat)
        run.store.set_status(cid, "confirming")


def test_a_retracted_acceptance_rolls_back_the_accepted_file_and_counter(tmp_path):
    accepted_file = tmp_path / "accepted.jsonl"
    novelty = {"model": "hashing", "accepted_file": str(accepted_file)}
    run = planted_run(tmp_path, config(tmp_path, "fake", novelty=novelty))
    cid = run.store.candidates()[0].id
    assert run.store.counters()["accepted"] == 1
    assert [json.loads(line)["id"] for line in accepted_file.read_text().splitlines()] == [
        f"run/{cid}"
    ]
    _confirm_noise(run, 60)  # p = 0.0046 no longer survives Holm over 61 tests
    newly, retracted = decide(run)
    assert (newly, retracted) == ([], [cid])
    assert run.store.candidate(cid).code is Reason.NOT_SIGNIFICANT
    _retract(run, retracted)
    assert run.store.counters()["accepted"] == 0
    assert accepted_file.read_text() == ""
    assert not any(e.id == f"run/{cid}" for e in run.novelty._get().index.entries)  # type: ignore[attr-defined]
    assert not list((run.run_dir / "tasks").glob("*")) and list((run.run_dir / "best").glob("*"))


def _indexed(run) -> list[str]:
    return [e.id for e in run.novelty._get().index.entries if e.source == "accepted:run"]  # type: ignore[attr-defined]


def test_a_retraction_cut_short_by_a_kill_is_settled_by_the_next_decision(tmp_path):
    accepted_file = tmp_path / "accepted.jsonl"
    novelty = {"model": "hashing", "accepted_file": str(accepted_file)}
    run = planted_run(tmp_path, config(tmp_path, "fake", novelty=novelty))
    cid = run.store.candidates()[0].id
    _confirm_noise(run, 60)
    decide(run)  # the status is withdrawn and committed; the kill comes before the bookkeeping
    assert _indexed(run) == [f"run/{cid}"] and run.store.counters()["accepted"] == 1
    settle(run)
    assert _indexed(run) == [] and accepted_file.read_text() == ""
    assert run.store.counters()["accepted"] == 0
    settle(run)  # idempotent
    assert run.store.counters()["retracted"] == 1


def test_an_acceptance_cut_short_by_a_kill_is_written_once_by_the_next_decision(tmp_path):
    accepted_file = tmp_path / "accepted.jsonl"
    novelty = {"model": "hashing", "accepted_file": str(accepted_file)}
    run = planted_run(tmp_path, config(tmp_path, "fake", novelty=novelty))
    cid = run.store.candidates()[0].id
    # As if killed after the status became "accepted" and the index was saved, before the task
    # folder, the accepted file and the record of settled acceptances were written.
    (folder,) = (run.run_dir / "tasks").iterdir()
    shutil.rmtree(folder)
    accepted_file.write_text("")
    run.store.set_meta("settled_acceptances", [])
    settle(run)
    assert (folder / "summary.json").is_file()
    assert _indexed(run) == [f"run/{cid}"]  # not a second entry run/<cid>~2
    assert [json.loads(line)["id"] for line in accepted_file.read_text().splitlines()] == [
        f"run/{cid}"
    ]
    assert run.store.counters()["accepted"] == 1


def test_an_artefact_refusal_shows_in_status_and_report(tmp_path):
    cfg = config(tmp_path, "fake", acceptance={"class_mass_tau": 0.99})
    run = planted_run(tmp_path, cfg)
    row = run.store.candidates()[0]
    assert (row.status, row.code) == ("not_confirmed", Reason.LOW_MASS_SHARE)
    run.store.close()
    status = CliRunner().invoke(app, ["status", str(run.run_dir)])
    assert Reason.LOW_MASS_SHARE.label in status.output
    CliRunner().invoke(app, ["report", str(run.run_dir)])
    assert Reason.LOW_MASS_SHARE.label in (run.run_dir / "report.html").read_text()


def _grown_run(tmp_path: Path, cap: int):
    cfg = config(tmp_path, "two", confirm_max_examples=cap, acceptance={"class_mass_tau": 0.1})
    run = planted_run(tmp_path, cfg)
    (row,) = run.store.candidates()
    return run, row, PairedEvaluation.from_dict(run.store.evaluation(row.id, "confirm").data)


def test_a_partly_answered_confirmation_set_grows_and_is_written_whole(tmp_path):
    run, row, ev = _grown_run(tmp_path / "grow", 200)
    assert ev.supported is not None and ev.n > 100  # 100 asked, some items left unanswered
    assert ev.supported.n >= 0.95 * 100 and ev.shared_entities == 0
    assert f"on the {ev.supported.n} supported items" in row.reason
    (folder,) = list((run.run_dir / "tasks").glob("*"))
    assert len((folder / "data.csv").read_text().splitlines()) == ev.n + 1  # header + items
    _, _, fixed = _grown_run(tmp_path / "fixed", 100)  # growth off: the 100 asked
    assert fixed.n == 100 and fixed.supported is not None and fixed.supported.n < 100
