"""Shared fixtures: paths to the real Prize-format files and a table-driven LM."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from invscale.scorer.records import LLRequest, LLResult

ROOT = Path(__file__).resolve().parents[1]
PRIZE = ROOT.parent / "shared" / "prize-format"


@pytest.fixture
def prize_dir() -> Path:
    if not PRIZE.exists():
        pytest.skip(f"shared Prize fixtures not found at {PRIZE}")
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
