"""What an accepted candidate is: a new task, or a confirmed rediscovery of a known one.

The novelty verdict is taken before scoring (a duplicate is rejected there); a rediscovery is
still screened and confirmed, because a fresh dataset of a known mechanism is useful, but when
the confirmation accepts it, its decision code is ``rediscovery``: it is written to
``RUN/rediscoveries/`` with the task it rediscovers, counted apart from new tasks, and indexed
as a rediscovery (later copies of it are duplicates), not as a new task.
"""

from __future__ import annotations

from typing import Any

from invscale.search.composition import composition_verdict
from invscale.search.reasons import Reason
from invscale.search.state import SearchRun


def novelty_record(run: SearchRun, cid: str) -> dict[str, Any]:
    """The candidate's stored novelty verdict ({} when none was taken)."""
    row = run.store.evaluation(cid, "novelty")
    return {} if row is None else row.data


def rediscovered_task(run: SearchRun, cid: str) -> str | None:
    """The known task a candidate rediscovers (None when it is new): the one its novelty
    verdict names, or, for a composition that adds nothing to its stronger part, that part's
    known task."""
    data = novelty_record(run, cid)
    if data.get("kind") == "rediscovery" and data.get("task"):
        return str(data["task"])
    composition = composition_verdict(run, cid)
    if composition is not None and not composition.adds:
        return composition.named
    return None


def rediscovery_or_new(run: SearchRun, cid: str, code: Reason, reason: str) -> tuple[Reason, str]:
    """An acceptance's code and text: ``rediscovery`` (naming the known task) when the verdict
    was one, or a composition adds nothing to a known part; ``composition_adds_nothing`` when it
    adds nothing to a part that is no known task; any other decision unchanged."""
    if code is not Reason.ACCEPTED:
        return code, reason
    composition = composition_verdict(run, cid)
    if composition is not None:
        reason = f"{composition.describe()}; {reason}"
    task = rediscovered_task(run, cid)
    if task is not None:
        title = novelty_record(run, cid).get("task_title") or task
        if novelty_record(run, cid).get("task") != task:
            title = task
        return Reason.REDISCOVERY, f"rediscovery of {title} ({task}); {reason}"
    if composition is not None and not composition.adds:
        return Reason.COMPOSITION_ADDS_NOTHING, reason
    return code, reason
