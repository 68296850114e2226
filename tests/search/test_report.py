from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import shutil

import pytest
from typer.testing import CliRunner

from invscale.search.cli import app
from invscale.search.report import ReportError, collect_report, write_report
from invscale.search.report.ladder import ladder_notes
from invscale.search.report.records import RungView
from invscale.search.store import RunStore
from tests.search.report_run import (
    ACCEPTED,
    DROPPED,
    HOSTILE_TITLE,
    NOT_CONFIRMED,
    build_run,
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The hand-built run, finished and still in progress."""
    root = tmp_path_factory.mktemp("report")
    return {"finished": build_run(root, finished=True), "live": build_run(root, finished=False)}


@pytest.fixture(scope="module")
def html(runs):
    return {kind: write_report(run).read_text(encoding="utf-8") for kind, run in runs.items()}


def test_report_is_written_into_the_run_folder(runs):
    path = write_report(runs["finished"])
    assert path == runs["finished"] / "report.html"
    assert path.read_text(encoding="utf-8").startswith("<!doctype html>")


@pytest.mark.parametrize("kind", ["finished", "live"])
def test_report_needs_no_network(html, kind):
    page = html[kind]
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    sources = re.findall(r'<img src="([^"]*)"', page)
    assert len(sources) >= 2
    for src in sources:
        prefix = "data:image/png;base64,"
        assert src.startswith(prefix)
        assert base64.b64decode(src[len(prefix) :]).startswith(b"\x89PNG\r\n\x1a\n")


def test_template_text_is_escaped(html):
    page = html["finished"]
    assert "Avoid the &lt;b&gt;named&lt;/b&gt; word &amp; &#34;quote&#34; it" in page
    assert "<b>named</b>" not in page and HOSTILE_TITLE not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_leaderboard_shows_the_accepted_task_with_its_evidence(runs, html):
    (task,) = collect_report(runs["finished"]).accepted
    store = RunStore.open(runs["finished"])
    confirm = store.evaluation(ACCEPTED, "confirm").data
    store.close()
    assert (task.id, task.phase, task.n, task.cause_family) == (
        ACCEPTED,
        "confirm",
        40,
        "strong_prior",
    )
    assert (task.gap.value, task.gap.low, task.gap.high) == (confirm["gap"], *confirm["gap_ci"])
    assert task.slope.value == confirm["slope"]
    assert (task.smallest.name, task.largest.name) == ("fake-s", "fake-l")
    assert task.largest.accuracy == confirm["models"][-1]["accuracy"]
    assert task.novelty.nearest.title == "Redefine Math" and task.robustness == pytest.approx(2 / 3)
    assert task.folder.startswith("tasks/") and task.plot_caption.startswith("scaling.png")
    assert f"{confirm['gap']:+.3f}" in html["finished"]


FINISHED_FUNNEL = [
    ("proposed", 5, 0),
    ("failed a quality gate (expansion)", 1, 1),
    ("too close to a known task (novelty filter)", 1, 1),
    ("scored on the ladder (screening)", 3, 0),
    ("dropped at successive-halving stage 0", 1, 1),
    ("scored on a fresh confirmation set", 2, 0),
    ("not significant after the multiplicity correction", 1, 1),
    ("accepted as new", 1, 0),
    ("confirmed rediscovery of a known task", 0, 0),
]
LIVE_FUNNEL = [
    row if row[0] != "dropped at successive-halving stage 0" else ("still being screened", 1, 1)
    for row in FINISHED_FUNNEL
]


@pytest.mark.parametrize(
    ("kind", "expected"), [("finished", FINISHED_FUNNEL), ("live", LIVE_FUNNEL)]
)
def test_funnel_counts_every_outcome(runs, kind, expected):
    funnel = collect_report(runs[kind]).funnel
    assert [(r.label, r.count, r.level) for r in funnel] == expected


def test_best_candidates_come_from_best_folders_with_why(runs, html):
    data = collect_report(runs["finished"])
    assert [t.id for t in data.best] == [NOT_CONFIRMED]
    (best,) = data.best
    assert best.folder.startswith("best/") and best.reason.startswith("not significant")
    assert "best/ folders" in data.best_source
    assert "Why not accepted:</strong> not significant after correction" in html["finished"]


def test_running_run_picks_best_candidates_from_the_store(runs):
    data = collect_report(runs["live"])
    assert {t.id for t in data.best} == {NOT_CONFIRMED, DROPPED}
    still = next(t for t in data.best if t.id == DROPPED)
    assert still.status == "screening" and still.reason.startswith("no decision yet")
    assert "no best/ folders" in data.best_source


def test_running_run_says_running_and_draws_plots_from_the_store(runs, html):
    data = collect_report(runs["live"])
    assert data.run.running and not data.run.stop_reason
    (task,) = data.accepted
    assert task.plot.startswith("data:image/png;base64,") and "run store" in task.plot_caption
    assert task.problems == ("no task folder written yet",) and not task.examples
    assert '<span class="badge running">running</span>' in html["live"]
    assert "candidate budget reached (5)" in html["finished"]
    assert '<span class="badge running">' not in html["finished"]


def test_examples_show_each_models_probability_beside_the_control(runs):
    (task,) = collect_report(runs["finished"]).accepted
    folder = runs["finished"] / task.folder
    first = json.loads((folder / "labelled_data.jsonl").read_text().splitlines()[0])
    assert len(task.examples) == 3 and task.prob_label == "P(answer)"
    pair = task.examples[0]
    assert pair.task.prompt == first["prompt"] and pair.control is not None
    assert pair.control.prompt.startswith("Say ") and pair.task.answer in pair.task.classes
    cell = pair.task.cells[-1]
    assert cell.model == "fake-l" and cell.correct == bool(first["fake-l_correct"])
    assert cell.prob == pytest.approx(math.exp(-first["fake-l_loss"]))
    assert cell.class_mass == pytest.approx(math.exp(first["fake-l_total_logprob"]))


def test_half_written_task_folder_is_noted_not_fatal(runs, tmp_path):
    run = shutil.copytree(runs["finished"], tmp_path / "run")
    (folder,) = (run / "tasks").iterdir()
    (folder / "scaling.png").unlink()
    (folder / "labelled_data.jsonl").write_text("{not json\n")
    (task,) = collect_report(run).accepted
    assert any("scaling.png is missing" in p for p in task.problems)
    assert any("labelled_data.jsonl line 1: invalid JSON" in p for p in task.problems)
    assert "run store" in task.plot_caption and task.plot.startswith("data:image/png")
    assert write_report(run).exists()


def test_report_leaves_the_run_store_untouched(runs):
    run = runs["finished"]
    before = hashlib.sha256((run / "run.sqlite").read_bytes()).hexdigest()
    listing = sorted(p.name for p in run.iterdir())
    write_report(run)
    assert hashlib.sha256((run / "run.sqlite").read_bytes()).hexdigest() == before
    assert sorted(p.name for p in run.iterdir()) == sorted({*listing, "report.html"})


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no run here (no run.sqlite)"), (b"not a database" * 100, "cannot read the run store")],
)
def test_a_folder_without_a_readable_run_is_a_clear_error(tmp_path, content, message):
    if content is not None:
        (tmp_path / "run.sqlite").write_bytes(content)
    with pytest.raises(ReportError, match=re.escape(message)):
        write_report(tmp_path)


def _rungs(*rows: tuple[str, int, str]) -> list[RungView]:
    return [RungView(name, params, backend, "") for name, params, backend in rows]


@pytest.mark.parametrize(
    ("rungs", "expected", "absent"),
    [
        (
            _rungs(("smollm2-135m", 135_000_000, "hf"), ("gemma3-270m", 270_000_000, "hf")),
            ["Only 2 model sizes", "2 different families (gemma3, smollm2", "a factor of 2"],
            ["fake backend"],
        ),
        (
            _rungs(("fake-s", 10**7, "fake"), ("fake-l", 10**9, "fake")),
            ["fake backend", "Only 2 model sizes"],
            ["different families"],
        ),
        (
            _rungs(
                *(
                    (f"pythia-{s}", p, "hf")
                    for s, p in [("70m", 7e7), ("410m", 4.1e8), ("2.8b", 2.8e9)]
                )
            ),
            ["3 sizes of one family (pythia) spanning 1.6 decades"],
            ["Only 2", "different families"],
        ),
        (_rungs(("gpt2", 124_000_000, "hf")), ["no slope can be measured"], ["Only 2"]),
    ],
)
def test_ladder_notes_say_what_the_ladder_can_show(rungs, expected, absent):
    text = " ".join(ladder_notes([RungView(r.name, int(r.params), r.backend, "") for r in rungs]))
    for phrase in expected:
        assert phrase in text
    for phrase in absent:
        assert phrase not in text


def test_cli_report_writes_the_page(runs):
    result = CliRunner().invoke(app, ["report", str(runs["live"])])
    assert result.exit_code == 0, result.output
    assert f"wrote {runs['live'] / 'report.html'}" in result.output


def test_cli_report_on_a_folder_without_a_run_exits_cleanly(tmp_path):
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "no run.sqlite" in result.output


def test_report_reads_a_store_the_search_holds_open(runs, tmp_path):
    run = shutil.copytree(runs["live"], tmp_path / "live")
    writer = RunStore.open(run)
    writer.add_candidate("g01-00-ffff0006", 1, {"title": "Fresh"}, "llm", ())
    try:
        data = collect_report(run)
        writer.set_status("g01-00-ffff0006", "rejected", "gate: too short")
    finally:
        writer.close()
    assert data.run.running and data.candidates[-1].id == "g01-00-ffff0006"
    assert data.funnel[0].count == 6


def test_a_run_that_has_just_started_renders(tmp_path):
    RunStore.open(tmp_path).close()
    page = write_report(tmp_path).read_text(encoding="utf-8")
    assert "No task has been accepted yet." in page and "badge running" in page
    assert "ladder is not recorded" in page
