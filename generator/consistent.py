"""The consistent control of a strong-prior template: its statement made to agree with the world.

A template whose manipulation states something against the world (a redefinition, a stipulated
fact, an inverted rule) can carry a second control of the same form with the statement agreeing
with the world. Beside the plain control it splits the gap (see ``invscale.search.decompose``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from invscale.generator.template import TaskTemplate


class ConsistentControl(BaseModel):
    """A second control for a template whose manipulation states something against the world
    (a redefinition, a stipulated fact, an inverted rule): the same form with the statement made
    to agree with the world, answered as the control is answered.

    Beside the plain control it splits the gap into two parts: how much less the larger model
    follows what the prompt states, and how much better it knows the fact the statement fights.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    prompt: str = Field(min_length=1, max_length=8000)
    """Pattern of the prompt, its statement consistent with the world."""
    other_prompt: str | None = Field(default=None, max_length=8000)
    """Pattern of the second prompt (logodds tasks); None uses ``control_other_prompt``."""
    demos: tuple[str, ...] = Field(default=(), max_length=16)
    """Demonstrations shown as ``{demos}``; empty uses ``control_demos``."""


def consistent_changed(
    template: TaskTemplate, pattern: Callable[[str], str], demo: Callable[[str], str] | None = None
) -> dict[str, Any] | None:
    """The template's consistent control with ``pattern`` applied to its prompts (and ``demo``
    to its demonstrations), as ``derive`` takes it; None when the template has none.

    A mutation that rewords or relabels the prompts must change the consistent control alike, or
    the second control would measure the wording instead of the statement.
    """
    extra = template.consistent_control
    if extra is None:
        return None
    return {
        "prompt": pattern(extra.prompt),
        "other_prompt": None if extra.other_prompt is None else pattern(extra.other_prompt),
        "demos": tuple((demo or pattern)(d) for d in extra.demos),
    }
