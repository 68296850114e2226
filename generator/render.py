"""Safe pattern rendering: ``{table.column}`` slots and ``{{``/``}}`` escapes, nothing else.

A template may come from an LLM, so a pattern is never evaluated: it is split into literal text and
slot names, and rendering only looks names up in a dictionary of strings. There are no attribute
lookups, indexing, filters or calls (unlike ``str.format`` or Jinja), so no pattern can run code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache

from invscale.scorer.errors import InvscaleError

# One token of a pattern: an escaped brace, a slot, or a stray brace (an error).
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
SLOT_NAME = re.compile(rf"{_NAME}(?:\.{_NAME})?")
IDENTIFIER = re.compile(_NAME)


class PatternError(InvscaleError, ValueError):
    """A pattern is malformed or names a slot that has no value."""


@lru_cache(maxsize=4096)
def parse(pattern: str) -> tuple[tuple[bool, str], ...]:
    """Split a pattern into ``(is_slot, text)`` parts.

    Raises:
        PatternError: a lone brace or a slot name that is not ``name`` or ``table.column``.
    """
    parts: list[tuple[bool, str]] = []
    literal: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(pattern):
        literal.append(pattern[pos : match.start()])
        token = match.group(0)
        pos = match.end()
        if token in ("{{", "}}"):
            literal.append(token[0])
            continue
        name = match.group(1)
        if name is None:
            raise PatternError(
                f"lone {token!r} at character {match.start()} (write {token * 2} for a brace)"
            )
        name = name.strip()
        if not SLOT_NAME.fullmatch(name):
            raise PatternError(f"bad slot {{{name}}}: slots are {{table.column}} or {{name}}")
        if literal:
            parts.append((False, "".join(literal)))
            literal = []
        parts.append((True, name))
    literal.append(pattern[pos:])
    if "".join(literal):
        parts.append((False, "".join(literal)))
    return tuple(parts)


def slots(pattern: str) -> frozenset[str]:
    """Names of the slots a pattern uses."""
    return frozenset(text for is_slot, text in parse(pattern) if is_slot)


def render(pattern: str, values: Mapping[str, str]) -> str:
    """Fill a pattern's slots from ``values``.

    Raises:
        PatternError: the pattern is malformed or uses a slot missing from ``values``.
    """
    out = []
    for is_slot, text in parse(pattern):
        if not is_slot:
            out.append(text)
        elif text in values:
            out.append(values[text])
        else:
            raise PatternError(f"slot {{{text}}} has no value")
    return "".join(out)


def escape(text: str) -> str:
    """Literal text as a pattern that renders back to it."""
    return text.replace("{", "{{").replace("}", "}}")


def map_literals(pattern: str, change: Callable[[str], str]) -> str:
    """Apply ``change`` to the literal text of a pattern, leaving its slots alone."""
    out = []
    for is_slot, text in parse(pattern):
        out.append("{" + text + "}" if is_slot else escape(change(text)))
    return "".join(out)


def describe(pattern: str) -> str:
    """A pattern as readable text, slots shown as ``[name]``."""
    return "".join(f"[{text}]" if is_slot else text for is_slot, text in parse(pattern))
