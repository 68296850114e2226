"""Propose templates with the configured backend and save them (what ``invscale generate`` runs)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from invscale.generator.base import ScoredParent, get_generator
from invscale.generator.config import GeneratorConfig
from invscale.generator.template import TaskTemplate
from invscale.generator.templateio import save_templates


def generate_templates(
    cfg: GeneratorConfig,
    n: int,
    seed: int = 0,
    out: str | Path | None = None,
    parents: Sequence[ScoredParent] = (),
) -> list[TaskTemplate]:
    """Propose ``n`` templates with ``cfg.backend``; write them to ``out`` when given.

    Fewer than ``n`` come back when the backend runs out (e.g. a replay file ends, or the
    llm's replies keep failing validation); the reasons are logged.
    """
    templates = get_generator(cfg).propose(list(parents), n, seed)
    if out is not None:
        save_templates(templates, out)
    return templates
