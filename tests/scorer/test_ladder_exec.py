from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pytest

from invscale.scorer.config import Rung
from invscale.scorer.ladder_exec import endpoint_groups, run_ladder


def _ep(name: str, url: str) -> Rung:
    return Rung(name=name, params=10**6, backend="openai", base_url=url)


def _local(name: str) -> Rung:
    return Rung(name=name, params=10**6, backend="fake")


@dataclass
class Recorder:
    """A scorer noting which rungs overlap in time and on which thread each ran.

    A rung waits (up to 5 s) until at least ``wait_for`` rungs run, or all of ``meet`` when it is
    one of them, so overlap that the scheduler allows is seen, not left to timing luck.
    """

    hold_s: float = 0.05
    wait_for: int = 1
    meet: frozenset[str] = frozenset()
    fail: str | None = None
    running: set[str] = field(default_factory=set)
    overlaps: set[frozenset[str]] = field(default_factory=set)
    threads: dict[str, str] = field(default_factory=dict)
    peak: int = 0
    cond: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, rung: Rung) -> str:
        with self.cond:
            self.overlaps.update(frozenset({rung.name, o}) for o in self.running)
            self.running.add(rung.name)
            self.peak = max(self.peak, len(self.running))
            self.threads[rung.name] = threading.current_thread().name
            self.cond.notify_all()
            self.cond.wait_for(self._ready(rung.name), timeout=5)
        time.sleep(self.hold_s)
        with self.cond:
            self.running.discard(rung.name)
        if rung.name == self.fail:
            raise ConnectionError(f"{rung.name} broke")
        return f"scored {rung.name}"

    def _ready(self, name: str):
        if name in self.meet:
            return lambda: self.meet <= self.running
        return lambda: len(self.running) >= self.wait_for


def test_endpoints_are_grouped_by_url_in_ladder_order():
    rungs = [
        _ep("a", "http://x/v1"),
        _local("l"),
        _ep("b", "http://y/v1"),
        _ep("c", "http://x/v1/"),
    ]
    assert endpoint_groups(rungs) == [[0, 3], [2]]


def test_results_come_back_in_ladder_order():
    rungs = [_local("l1"), _ep("a", "http://x"), _local("l2"), _ep("b", "http://y")]
    assert run_ladder(rungs, Recorder(hold_s=0.0), 4) == [f"scored {r.name}" for r in rungs]


def test_different_endpoints_overlap_and_a_shared_endpoint_never_does():
    rec = Recorder(meet=frozenset({"x1", "y1", "l1"}))
    rungs = [
        _ep("x1", "http://x"),
        _ep("x2", "http://x"),
        _ep("y1", "http://y"),
        _local("l1"),
        _local("l2"),
    ]
    run_ladder(rungs, rec, 4)
    assert {frozenset({"x1", "y1"}), frozenset({"x1", "l1"})} <= rec.overlaps
    assert frozenset({"x1", "x2"}) not in rec.overlaps
    assert frozenset({"l1", "l2"}) not in rec.overlaps
    assert rec.threads["l1"] == rec.threads["l2"] == threading.main_thread().name


@pytest.mark.parametrize("limit", [1, 2])
def test_endpoints_worked_on_at_once_are_bounded(limit):
    rec = Recorder(wait_for=limit)
    run_ladder([_ep(f"e{i}", f"http://h{i}") for i in range(4)], rec, limit)
    assert rec.peak == limit


def test_a_failure_stops_new_rungs_and_is_raised_after_running_ones_finish():
    rec = Recorder(fail="x1", meet=frozenset({"x1", "y1"}))
    rungs = [_ep("x1", "http://x"), _ep("x2", "http://x"), _ep("y1", "http://y")]
    with pytest.raises(ConnectionError, match="x1 broke"):
        run_ladder(rungs, rec, 4)
    assert "x2" not in rec.threads  # never started after its endpoint failed
    assert "y1" in rec.threads and not rec.running  # the other endpoint finished its rung
