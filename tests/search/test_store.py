from __future__ import annotations

import pytest

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
