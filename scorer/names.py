"""Names made from free text and numbers: the one slug and the one parameter-count label."""

from __future__ import annotations

import re

_NOT_SLUG = re.compile(r"[^a-z0-9_]+")


def slug(text: str, max_len: int = 60) -> str:
    """``text`` lower-cased, each run of other characters than a-z, 0-9 and ``_`` made one
    ``-``, trimmed of ``-`` and ``_`` at both ends and cut to ``max_len``; may be empty."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-_")[:max_len].rstrip("-_")


def param_label(params: int) -> str:
    """A parameter count as people write it: ``135M``, ``1.3B``, ``175B``."""
    for size, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if params >= size:
            return f"{params / size:.3g}{unit}"
    return str(params)
