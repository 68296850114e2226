"""The funnel and leaderboard as plain text that an 80-column terminal or a log file can read."""

from __future__ import annotations

from invscale.search.display import board
from invscale.search.reasons import Reason
from invscale.search.store import RunStore

LONG_TITLE = (
    "Stipulated definitions override memorised facts when the instruction redefines a common "
    "word just before the question about it"
)


def _store(tmp_path) -> RunStore:
    store = RunStore.open(tmp_path)
    for i, status in enumerate(("accepted", "not_confirmed", "dropped")):
        cid = f"g12-{i:02d}-0123abcd"
        store.add_candidate(cid, 12, {"title": f"{LONG_TITLE} ({i})"}, "op", ())
        data = {"gap": 0.1234 - i, "gap_ci": [-1.5 + i, 2.25], "slope": -10.5}
        store.add_evaluation(cid, "confirm" if i < 2 else "stage2", 300, data)
        store.set_status(cid, status, "why", best_gap_low=-1.5 + i)
    store.add("proposed", 3)
    store.add(f"rejected:{Reason.NOVELTY}", 7)
    store.add("dropped:stage0", 2)
    store.add("requests_run", 1_234_567)
    return store


def test_board_fits_80_columns_with_full_ids_and_wrapped_titles(tmp_path):
    text = board(_store(tmp_path), f"{'runs/' * 30}: candidate budget reached (10)")
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert all(f"g12-{i:02d}-0123abcd" in text for i in range(3))  # ids are never cut
    first = lines.index(next(line for line in lines if line.startswith("g12-00")))
    assert lines[first + 1].startswith("    Stipulated definitions")  # the title, below its row
    assert "[-1.500, +2.250]" in text and "-10.500" in text


def test_funnel_names_reasons_by_their_code_labels(tmp_path):
    text = board(_store(tmp_path), "run")
    assert Reason.NOVELTY.label in text and "dropped at halving stage 0" in text
    assert "1,234,567" in text


def test_narrow_width_drops_the_least_needed_columns_first(tmp_path):
    lines = board(_store(tmp_path), "run", width=60).splitlines()
    assert max(len(line) for line in lines) <= 60
    header = next(line for line in lines if line.startswith("candidate"))
    assert "slope" not in header and "phase" not in header and "interval" in header


def test_live_view_shows_the_latest_log_message_even_without_verbose():
    import logging

    from invscale.search.display import RichDisplay

    logger = logging.getLogger("invscale")
    before = logger.level
    logger.setLevel(logging.WARNING)  # as the CLI leaves it without -v
    with RichDisplay() as display:
        logging.getLogger("invscale.scorer.score").info("loading model %s", "gemma3-270m")
        assert "now: loading model gemma3-270m" in display._view().plain
    assert logger.level == logging.WARNING and display.status not in logger.handlers
    logger.setLevel(before)
