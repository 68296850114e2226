"""The ``replay`` backend: recorded llm replies played back through the ``llm`` code path."""

from __future__ import annotations

import json
from pathlib import Path

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from invscale.generator.config import GeneratorConfig
from invscale.generator.llm.generator import LLMGenerator
from invscale.generator.offline.lexicon import resolve_path
from invscale.scorer.errors import InvscaleError


class ReplayFileError(InvscaleError, ValueError):
    """The replay file cannot be read; the message names the file and line."""


def load_replies(path: str | Path) -> list[str]:
    """Replies from a JSONL file of ``{"reply": "..."}`` records (other keys are notes).

    Raises:
        ReplayFileError: missing file, bad JSON, or a record without a string ``reply``.
    """
    path = Path(path)
    if not path.exists() and not path.is_absolute():
        path = resolve_path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ReplayFileError(f"{path}: cannot read: {exc}") from None
    replies = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ReplayFileError(f"{path}: line {number}: not valid JSON: {exc}") from None
        if not isinstance(record, dict) or not isinstance(record.get("reply"), str):
            raise ReplayFileError(f"{path}: line {number}: need a string field 'reply'")
        replies.append(record["reply"])
    return replies


class ReplayGenerator(LLMGenerator):
    """An :class:`LLMGenerator` whose chat model replays recorded replies in order."""

    @classmethod
    def from_config(cls, cfg: GeneratorConfig) -> ReplayGenerator:
        """The generator replaying ``cfg.replay_file``."""
        return cls.from_replies(cfg, load_replies(cfg.replay_file))

    @classmethod
    def from_replies(cls, cfg: GeneratorConfig, replies: list[str]) -> ReplayGenerator:
        """The generator replaying ``replies`` (no waiting between retries)."""
        chat = GenericFakeChatModel(messages=iter(replies))
        return cls(cfg, chat, sleep=lambda _: None)
