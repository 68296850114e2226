"""Schedule the rungs of a ladder: endpoint rungs concurrently, in-process rungs one by one.

A rung on an inference server costs this process nothing but waiting, so rungs on different
servers are scored at the same time (bounded), each server's rungs one after another (a server
busy with one model gains nothing from a second at once). In-process rungs run in the calling
thread, one at a time, while the servers work: two large models never compete for one device.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Generic, TypeVar

from invscale.scorer.config import Rung

T = TypeVar("T")

# Backends whose models live in another process, reached over the network.
REMOTE_BACKENDS = frozenset({"openai"})


def is_remote(rung: Rung) -> bool:
    """Whether ``rung`` is scored by a server rather than in this process."""
    return rung.backend in REMOTE_BACKENDS


def endpoint_groups(rungs: Sequence[Rung]) -> list[list[int]]:
    """Indices of the remote rungs, grouped by endpoint URL, in ladder order."""
    groups: dict[str, list[int]] = {}
    for index, rung in enumerate(rungs):
        if is_remote(rung):
            groups.setdefault((rung.base_url or "").rstrip("/"), []).append(index)
    return list(groups.values())


def run_ladder(rungs: Sequence[Rung], score: Callable[[Rung], T], max_parallel: int) -> list[T]:
    """Call ``score`` on every rung and return the results in ladder order.

    After a failure no further rung starts; rungs already running finish, so what they score is
    in the score cache for the rerun. Endpoint rungs run in daemon threads: Ctrl-C is not held up
    by a slow server.

    Args:
        rungs: The ladder.
        score: Scores one rung; called from worker threads for remote rungs.
        max_parallel: Endpoints worked on at the same time.

    Raises:
        Exception: the failure of the first failed rung in ladder order.
    """
    done: dict[int, T] = {}
    errors: dict[int, Exception] = {}
    stop = threading.Event()
    gate = threading.BoundedSemaphore(max_parallel)
    threads = [
        threading.Thread(
            target=_score_group,
            args=(rungs, group, score, _Shared(done, errors, stop, gate)),
            name=f"invscale-endpoint-{group[0]}",
            daemon=True,
        )
        for group in endpoint_groups(rungs)
    ]
    for thread in threads:
        thread.start()
    try:
        _score_group(
            rungs,
            [i for i, r in enumerate(rungs) if not is_remote(r)],
            score,
            _Shared(done, errors, stop, None),
        )
        for thread in threads:
            thread.join()
    finally:
        stop.set()
    if errors:
        raise errors[min(errors)]
    return [done[i] for i in range(len(rungs))]


@dataclass(frozen=True)
class _Shared(Generic[T]):
    """What the rung runners share: results, failures, the stop signal, the concurrency gate."""

    done: dict[int, T]
    errors: dict[int, Exception]
    stop: threading.Event
    gate: threading.BoundedSemaphore | None


def _score_group(
    rungs: Sequence[Rung], group: list[int], score: Callable[[Rung], T], shared: _Shared[T]
) -> None:
    """Score one endpoint's rungs (or the in-process ones) in order until one fails."""
    with shared.gate or nullcontext():
        for i in group:
            if shared.stop.is_set():
                return
            try:
                shared.done[i] = score(rungs[i])
            except Exception as exc:
                shared.errors[i] = exc
                shared.stop.set()
                return
