"""The registry of mechanism operators."""

from __future__ import annotations

from invscale.generator.offline import ops_distract, ops_imitation, ops_novel, ops_prior
from invscale.generator.offline.common import Operator
from invscale.scorer.errors import ConfigError

OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in ops_prior.OPERATORS
    + ops_imitation.OPERATORS
    + ops_distract.OPERATORS
    + ops_novel.OPERATORS
}


def select(names: tuple[str, ...] = ()) -> list[Operator]:
    """The named operators (all of them when ``names`` is empty).

    Raises:
        ConfigError: an unknown name, listing the known ones.
    """
    if not names:
        return list(OPERATORS.values())
    unknown = [n for n in names if n not in OPERATORS]
    if unknown:
        raise ConfigError(f"unknown operator(s) {unknown}; known: {', '.join(OPERATORS)}")
    return [OPERATORS[n] for n in names]
