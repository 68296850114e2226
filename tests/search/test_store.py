from __future__ import annotations

import sqlite3

import pytest

from invscale.search.reasons import Reason
from invscale.search.store import RunStore


def test_store_survives_reopen(tmp_path):
    store = RunStore.open(tmp_path)
    store.add_candidate("c1", 0, {"title": "t"}, "redefine", ("p0",))
    store.set_status("c1", "screening", stage=0, best_gap_low=0.3)
    store.add_evaluation("c1", "stage0", 32, {"gap": 0.5})
    store.add("requests_run", 10)
    store.add("requests_run", 5)
    store.close()
    again = RunStore.open(tmp_path)
    (row,) = again.candidates()
    assert (row.status, row.stage, row.best_gap_low, row.parents) == ("screening", 0, 0.3, ("p0",))
    assert again.evaluation("c1", "stage0").data == {"gap": 0.5}
    assert again.counters()["requests_run"] == 15


def test_proposals_are_idempotent(tmp_path):
    store = RunStore.open(tmp_path)
    store.add_candidate("c1", 0, {"title": "a"}, "op", ())
    store.add_candidate("c1", 0, {"title": "b"}, "op", ())
    assert [r.template["title"] for r in store.candidates()] == ["a"]


def test_candidate_by_id(tmp_path):
    store = RunStore.open(tmp_path)
    store.add_candidate("c1", 0, {"title": "a"}, "op", ())
    store.add_candidate("c2", 1, {"title": "b"}, "op", ())
    assert store.candidate("c2").template == {"title": "b"}
    with pytest.raises(KeyError, match="no candidate 'c3'"):
        store.candidate("c3")


def test_reason_code_is_stored_beside_the_text(tmp_path):
    store = RunStore.open(tmp_path)
    store.add_candidate("c1", 0, {"title": "a"}, "op", ())
    store.set_status("c1", "rejected", "gate: any wording at all", code=Reason.GATE)
    store.close()
    (row,) = RunStore.open(tmp_path).candidates()
    assert (row.code, row.reason) == (Reason.GATE, "gate: any wording at all")


def test_a_store_written_before_reason_codes_gains_the_column(tmp_path):
    conn = sqlite3.connect(tmp_path / "run.sqlite")
    conn.executescript(
        "CREATE TABLE candidates (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, generation INTEGER"
        " NOT NULL, template TEXT NOT NULL, operator TEXT NOT NULL, parents TEXT NOT NULL,"
        " status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', stage INTEGER NOT NULL DEFAULT"
        " -1, best_gap_low REAL, updated REAL NOT NULL);"
        "INSERT INTO candidates VALUES ('old', 0, 0, '{}', 'op', '[]', 'rejected', 'gate: x',"
        " -1, NULL, 0);"
    )
    conn.commit()
    conn.close()
    (row,) = RunStore.open(tmp_path).candidates()
    assert (row.id, row.status, row.code) == ("old", "rejected", Reason.NONE)
