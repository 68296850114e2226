"""The run's ladder and a plain account of what a slope measured on it can and cannot show."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from invscale.scorer.config import TWO_MODEL_CONTRAST, Rung, ladder_kind
from invscale.scorer.names import param_label
from invscale.search.report.records import LadderView, RungView


def model_family(name: str) -> str:
    """A model's family guessed from its name: the part before the first ``-`` (``opt-1.3b``)."""
    return re.split(r"[-_/]", name.lower().strip(), maxsplit=1)[0] or name


def ladder_notes(rungs: Sequence[RungView]) -> tuple[str, ...]:
    """What a loss slope on this ladder means, in plain words, worst limits first."""
    if not rungs:
        return ("The run's ladder is not recorded, so its limits cannot be described.",)
    notes = []
    rows = sorted(rungs, key=lambda r: r.params)
    if kind_of(rows) == TWO_MODEL_CONTRAST:
        notes.append(
            "A two-model contrast: no family has 3 sizes on this ladder, so every verdict says "
            "which of two particular models does worse, not that loss grows with scale. An "
            "accepted task lists the further ladders it was re-scored on."
        )
    if any(r.backend == "fake" for r in rows):
        notes.append(
            "The ladder uses the fake backend: deterministic hashed scores, not language "
            "models. Its numbers test the pipeline and say nothing about real models."
        )
    sizes = sorted({r.params for r in rows})
    if len(sizes) < 2:
        notes.append("Fewer than 2 model sizes: no slope can be measured on this ladder.")
    elif len(sizes) == 2:
        notes.append(
            "Only 2 model sizes: every slope is the line through 2 points. Its interval "
            "reflects which items were sampled, not which models were chosen, and no curve "
            "shape (such as U-shaped scaling) can be seen."
        )
    families = sorted({r.family or model_family(r.name) for r in rows})
    if len(families) > 1:
        notes.append(
            f"The models come from {len(families)} different families ({', '.join(families)}; "
            "guessed from their names), so they differ in training data and, most likely, "
            "tokenizer as well as in size: a trend may come from any of these, not from scale "
            "alone. Only whole-option probabilities are compared across them."
        )
    decades = math.log10(sizes[-1] / sizes[0]) if sizes[0] > 0 else 0.0
    if len(sizes) >= 2 and decades < 1:
        notes.append(
            f"The sizes span {param_label(sizes[0])} to {param_label(sizes[-1])}, a factor of "
            f"{sizes[-1] / sizes[0]:.3g} ({decades:.2f} of a decade): slopes per decade are "
            "extrapolated from a short range."
        )
    if not notes:
        notes.append(
            f"{len(sizes)} sizes of one family ({families[0]}) spanning {decades:.1f} decades "
            f"({param_label(sizes[0])} to {param_label(sizes[-1])})."
        )
    return tuple(notes)


def _rung(raw: Mapping[str, Any]) -> RungView:
    return RungView(
        name=str(raw.get("name", "?")),
        params=int(raw.get("params", 0) or 0),
        backend=str(raw.get("backend", "hf")),
        source=str(raw.get("source", "") or ""),
        family=None if raw.get("family") is None else str(raw["family"]),
    )


def kind_of(rungs: Sequence[RungView]) -> str:
    """``two-model contrast`` or ``scaling ladder`` (see scorer.config.ladder_kind)."""
    return ladder_kind([Rung(name=r.name, params=max(r.params, 1), family=r.family) for r in rungs])


def ladder_view(
    config: Mapping[str, Any] | None, fallback: Sequence[Mapping[str, Any]]
) -> LadderView:
    """The selection ladder named in the run's stored config (raw JSON, read leniently).

    Args:
        config: The run's config as stored (None when absent).
        fallback: Rungs from a task folder's ``summary.json`` (name and params), used when the
            config does not name the ladder.
    """
    scorer = (config or {}).get("scorer") or {}
    search = (config or {}).get("search") or {}
    name = str(search.get("ladder") or scorer.get("default_ladder") or "")
    raw = (scorer.get("ladders") or {}).get(name)
    if not isinstance(raw, list):
        raw = list(fallback)
    rungs = tuple(sorted((_rung(r) for r in raw if isinstance(r, Mapping)), key=lambda r: r.params))
    return LadderView(name or "unknown", rungs, ladder_notes(rungs), kind_of(rungs))
