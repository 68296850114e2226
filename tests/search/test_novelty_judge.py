"""The LLM judge's request (catalogue, shortlist, rule) and which tasks it may name, with a fake
chat model that records what it was sent."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from invscale.search.novelty import NoveltyQuery, load_known_tasks
from invscale.search.novelty.judge import RULE, Judge, catalogue_line
from invscale.search.novelty.records import (
    Evidence,
    IndexEntry,
    Neighbour,
    NoveltyVerdict,
    VerdictKind,
)

QUERY = NoveltyQuery("mine", "", ("Which is not a fruit?\nA. apple\nB. stone\nAnswer:",))
HELD = IndexEntry(
    "held-run1-cand0", "A held find", "Ask twice. Models repeat.", ("p",), "accepted:run1"
)


class RecordingChat(GenericFakeChatModel):
    """Replies in turn, remembering every list of messages it was sent."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.seen.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(next(self.messages)))])


@pytest.fixture(scope="module")
def entries() -> list[IndexEntry]:
    return [t.to_entry() for t in load_known_tasks("datasets/known")] + [HELD]


def _near(task: str) -> NoveltyVerdict:
    """An offline verdict whose only neighbour (the judge's whole shortlist) is ``task``."""
    near = Neighbour(task, task, "known", 0.5, None, 0.5)
    return NoveltyVerdict(
        True, 0.5, (near,), 0.4, evidence=(Evidence("exemplars", task, 0.5, 0.6),)
    )


def _review(reply: dict, entries: list[IndexEntry]) -> tuple[NoveltyVerdict, RecordingChat]:
    chat = RecordingChat(messages=iter([json.dumps(reply)]))
    verdict = Judge(chat, "fake", shown=1).review(QUERY, _near("prize-memo-trap"), entries, {})
    return verdict, chat


def test_the_request_catalogues_every_known_and_held_task(entries):
    _, chat = _review({"verdict": "novel", "task": None}, entries)
    request = chat.seen[0][1].content
    assert isinstance(request, str)
    catalogue = request.split("Catalogue")[1].split("Nearest")[0]
    for e in entries:
        assert catalogue_line(e) in catalogue.splitlines()
    assert "- held-run1-cand0 [held]: A held find | Ask twice." in catalogue
    # the shortlist (one task here) is shown in full, the rest only as catalogue lines
    assert request.count("| description:") == 1 and "id prize-memo-trap:" in request


def test_the_system_prompt_states_the_manipulation_rule(entries):
    _, chat = _review({"verdict": "novel", "task": None}, entries)
    system = chat.seen[0][0].content
    assert RULE in system and "manipulation" in RULE and "control" in RULE


@pytest.mark.parametrize(
    ("reply", "kind", "task", "error"),
    [
        # outside the shortlist (prize-memo-trap only) but in the catalogue: named
        (
            {"verdict": "rediscovery", "task": "prize-neqa"},
            VerdictKind.REDISCOVERY,
            "prize-neqa",
            "",
        ),
        ({"verdict": "duplicate", "task": HELD.id}, VerdictKind.DUPLICATE, HELD.id, ""),
        ({"verdict": "novel", "task": None}, VerdictKind.NOVEL, None, ""),
        # an id in no catalogue line: refused, the offline verdict stands
        (
            {"verdict": "rediscovery", "task": "prize-unknown"},
            VerdictKind.NOVEL,
            None,
            "not a catalogued task",
        ),
    ],
)
def test_the_judge_may_name_any_catalogued_task_and_no_other(entries, reply, kind, task, error):
    verdict, _ = _review({**reply, "reasoning": "r"}, entries)
    assert verdict.kind is kind and verdict.task == task
    assert verdict.judge is not None and error in verdict.judge.error
    assert bool(verdict.judge.error) == bool(error)
