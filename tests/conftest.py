"""Shared fixtures: the real Prize-format files (``tests/data/prize-format``) and a table-driven LM."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from invscale.scorer.records import LLRequest, LLResult

# Copied into the repository (see its README for source and licence), so a fresh clone has them.
PRIZE = Path(__file__).resolve().parent / "data" / "prize-format"


@pytest.fixture
def prize_dir() -> Path:
    return PRIZE


@dataclass
class TableLM:
    """An LM whose log-probs come from a table keyed by (context, continuation); counts calls."""

    table: dict[tuple[str, str], float]
    name: str = "table"
    calls: list[int] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        return f"table:{self.name}"

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        self.calls.append(len(requests))
        return [LLResult(self.table[(r.context, r.continuation)], 1, False) for r in requests]
