"""An optional LLM judge: reads a query, a one-line catalogue of every known and held task, and
the full cards of the tasks the embedding verdict considered nearest, and says whether the query
is novel, a rediscovery of a catalogued task, or a duplicate, with its reasons.

The catalogue lets the judge name the right task when the embedding shortlist missed it (the
shortlist is chosen by surface similarity, which is what fails on data written elsewhere); it
may name any catalogued task. Its verdict replaces the embedding verdict; its reasoning is
stored with it. A judge that fails (unreachable endpoint, unusable reply, a task outside the
catalogue) leaves the embedding verdict in place and records why.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from invscale.search.novelty.records import (
    KNOWN_SOURCE,
    Evidence,
    IndexEntry,
    JudgeVerdict,
    NoveltyQuery,
    NoveltyVerdict,
    VerdictKind,
)

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

    from invscale.search.novelty.config import JudgeSettings

# The rule below is the one a demanding reviewer applies: a known task is its manipulation, so
# a plain benchmark or a control on the same topic or format is not a rediscovery of it.
RULE = """A rediscovery or duplicate needs the known task's manipulation (its lure: what the \
larger model is drawn to) to be present in the PROPOSED prompts themselves. The same topic, \
format or benchmark without that manipulation is "novel" as far as this catalogue goes: for \
example a plain question-answering, classification or arithmetic set, or the un-negated or \
default-condition version of a task (its control), is not a rediscovery of the task that adds \
the negation, the lure or the changed condition. Judge by the PROPOSED prompts shown, not by \
the title alone."""

SYSTEM = f"""You review proposed inverse-scaling tasks (prompts on which larger language models \
do worse). Decide whether the PROPOSED task is new, judging by its mechanism (what the larger \
model is drawn to and what the task requires), not by its wording or topic.
{RULE}
Verdicts:
- "novel": no catalogued task's manipulation is present in the proposed prompts;
- "rediscovery": the proposed prompts carry the manipulation of one catalogued task in a new \
surface;
- "duplicate": it is a near copy of one catalogued task.
The catalogue lists every task you may name, one line each; the nearest ones are then shown in \
full. Reply with one JSON object: {{"verdict": "novel" | "rediscovery" | "duplicate", "task": \
the id of the catalogued task you mean, or null when novel, "reasoning": two or three \
sentences}}."""

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
_SHOWN_PROMPTS = 4  # examples of each shortlisted task
_PROPOSED_PROMPTS = 6  # examples of the proposed task: the rule asks for its manipulation
_CATALOGUE_LINE = 240  # characters of one catalogue line's mechanism


class Judge:
    """Reviews verdicts with a chat model. Use :meth:`from_settings` (or pass a fake model)."""

    def __init__(
        self, chat: BaseChatModel, model: str, shown: int = 5, replies: int | None = None
    ) -> None:
        self.chat = chat
        self.model = model
        self.shown = shown
        self.replies = replies  # recorded replies left to replay (None: a live endpoint)

    @classmethod
    def from_settings(cls, settings: JudgeSettings) -> Judge:
        """A judge on the configured OpenAI-compatible endpoint, or replaying recorded
        replies when ``settings.replay_file`` is set.

        Raises:
            invscale.generator.llm.replay.ReplayFileError: the replay file cannot be read.
        """
        if settings.replay_file is not None:
            return cls.replaying(settings.replay_file, settings.neighbours)
        from langchain_openai import ChatOpenAI
        from pydantic import SecretStr

        key = os.environ.get(settings.api_key_env) or "not-needed"
        chat = ChatOpenAI(
            base_url=settings.base_url,
            model=settings.model,
            api_key=SecretStr(key),
            temperature=0,
            timeout=settings.timeout_s,
            max_retries=settings.max_retries,
        )
        return cls(chat, settings.model, settings.neighbours)

    @classmethod
    def replaying(cls, path: str, shown: int = 5) -> Judge:
        """A judge whose replies are read, in order, from a recorded JSONL file (the same
        records the generator's replay backend reads). When the recording runs out, the judge
        fails and the offline verdict stands."""
        from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

        from invscale.generator.llm.replay import load_replies

        replies = load_replies(path)
        chat = GenericFakeChatModel(messages=iter(replies))
        return cls(chat, f"replay:{path}", shown, len(replies))

    def review(
        self,
        query: NoveltyQuery,
        verdict: NoveltyVerdict,
        entries: Sequence[IndexEntry],
        titles: dict[str, str],
    ) -> NoveltyVerdict:
        """The verdict after the judge's review (unchanged, with the error, if it fails)."""
        shown = self._candidates(verdict, entries)
        try:
            reply = self._ask(query, shown, entries)
            judged = self._parse(reply, {e.id for e in entries})
        except Exception as exc:  # noqa: BLE001 - any endpoint or parse failure keeps the verdict
            failed = JudgeVerdict(verdict.kind, verdict.task, "", self.model, error=str(exc)[:300])
            return replace(verdict, judge=failed)
        evidence = (Evidence("judge", judged.task or "", 1.0, 1.0), *verdict.evidence)
        return replace(
            verdict,
            novel=judged.kind is VerdictKind.NOVEL,
            kind=judged.kind,
            task=judged.task,
            task_title=titles.get(judged.task or "", ""),
            evidence=evidence if judged.task else verdict.evidence,
            judge=judged,
        )

    def _candidates(
        self, verdict: NoveltyVerdict, entries: Sequence[IndexEntry]
    ) -> list[IndexEntry]:
        wanted = (
            [verdict.task] + [e.task for e in verdict.evidence] + [n.id for n in verdict.neighbours]
        )
        by_id = {e.id: e for e in entries}
        ids = [i for i in dict.fromkeys(w for w in wanted if w) if i in by_id]
        return [by_id[i] for i in ids[: self.shown]]

    def _ask(
        self, query: NoveltyQuery, shown: Sequence[IndexEntry], entries: Sequence[IndexEntry]
    ) -> str:
        from langchain_core.messages import HumanMessage, SystemMessage

        if self.replies is not None:
            if self.replies <= 0:
                raise RuntimeError("the recorded judge replies ran out")
            self.replies -= 1
        text = request_text(query, shown, entries)
        reply = self.chat.invoke([SystemMessage(SYSTEM), HumanMessage(text)])
        content: Any = reply.content
        return content if isinstance(content, str) else json.dumps(content)

    def _parse(self, text: str, allowed: set[str]) -> JudgeVerdict:
        fenced = _FENCE.search(text)
        body = fenced.group(1) if fenced else text
        start, end = body.find("{"), body.rfind("}")
        data = json.loads(body[start : end + 1])
        kind = VerdictKind(str(data.get("verdict", "")).strip().lower())
        task = data.get("task") or None
        if kind is not VerdictKind.NOVEL and task not in allowed:
            raise ValueError(f"the judge named {task!r}, which is not a catalogued task")
        reasoning = str(data.get("reasoning", "")).strip()
        return JudgeVerdict(
            kind, None if kind is VerdictKind.NOVEL else task, reasoning, self.model
        )


def request_text(
    query: NoveltyQuery, shown: Sequence[IndexEntry], entries: Sequence[IndexEntry]
) -> str:
    """The judge's request: the proposed task, the catalogue of every task it may name, and the
    shortlist in full."""
    lines = [
        "PROPOSED task:",
        _describe(query.title, query.description, query.card, query.prompts, _PROPOSED_PROMPTS),
        "",
        "Catalogue (every task you may name; id [known: published, or held: found by a "
        "search]: title | what the larger model is drawn to; what the task requires):",
        *(catalogue_line(e) for e in entries),
        "",
        "Nearest catalogued tasks in full (chosen by surface similarity; the right one may be "
        "elsewhere in the catalogue, or none):",
        *(
            f"- id {e.id}: " + _describe(e.title, e.description, e.card, e.prompts, _SHOWN_PROMPTS)
            for e in shown
        ),
    ]
    return "\n".join(lines)


def catalogue_line(entry: IndexEntry) -> str:
    """One catalogue line: id, source, title and the mechanism (the card's lure and required
    behaviour, or the description's first sentence for a task without a card)."""
    if entry.card is not None:
        mechanism = entry.card.text
    else:
        mechanism = entry.description.split(". ")[0].rstrip(".") + "."
    if len(mechanism) > _CATALOGUE_LINE:
        mechanism = mechanism[: _CATALOGUE_LINE - 3].rstrip() + "..."
    source = "known" if entry.source == KNOWN_SOURCE else "held"
    return f"- {entry.id} [{source}]: {entry.title} | {mechanism}"


def _describe(
    title: str, description: str, card: Any, prompts: Sequence[str], examples: int
) -> str:
    parts = [title]
    if card is not None:
        parts.append(f"mechanism: {card.text}")
    if description:
        parts.append(f"description: {description}")
    parts += [f"example: {p!r}" for p in list(prompts)[:examples]]
    return " | ".join(parts)
