"""What an accepted candidate is: a new task, or a confirmed rediscovery of a known one.

The novelty verdict is taken before scoring (a duplicate is rejected there); a rediscovery is
still screened and confirmed, because a fresh dataset of a known mechanism is useful, but when
the confirmation accepts it, its decision code is ``rediscovery``: it is written to
``RUN/rediscoveries/`` with the task it rediscovers, counted apart from new tasks, and indexed
as a rediscovery (later copies of it are duplicates), not as a new task.
"""

from __future__ import annotations

from typing import Any

from invscale.search.reasons import Reason
from invscale.search.state import SearchRun


def novelty_record(run: SearchRun, cid: str) -> dict[str, Any]:
    """The candidate's stored novelty verdict ({} when none was taken)."""
    row = run.store.evaluation(cid, "novelty")
    return {} if row is None else row.data


def rediscovered_task(run: SearchRun, cid: str) -> str | None:
    """The known task a candidate's verdict says it rediscovers (None when it is new)."""
    data = novelty_record(run, cid)
    if data.get("kind") == "rediscovery" and data.get("task"):
        return str(data["task"])
    return None


def rediscovery_or_new(run: SearchRun, cid: str, code: Reason, reason: str) -> tuple[Reason, str]:
    """An acceptance's code and text: ``rediscovery`` (naming the known task) when the verdict
    was one; any other decision unchanged."""
    if code is not Reason.ACCEPTED:
        return code, reason
    task = rediscovered_task(run, cid)
    if task is None:
        return code, reason
    title = novelty_record(run, cid).get("task_title") or task
    return Reason.REDISCOVERY, f"rediscovery of {title} ({task}); {reason}"
