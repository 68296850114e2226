"""The one strict pydantic base of every config section and template record."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Frozen, unknown keys are errors, and each field's docstring is its description (which
    ``invscale init`` writes out as the field's comment)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
