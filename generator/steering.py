"""What a search tells its generator about the archive: which mechanism cells are known, taken,
weak or still empty, so proposals go where the novelty verdict can call them new.

A cell is (cause family x lure x answer format), see :class:`invscale.generator.card.ArchiveCell`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from invscale.generator.card import MechanismCard

# Relative proposal weights of a fresh template by the state of its cell and its ancestry.
_WEIGHT_OPEN = 4.0  # a cell no known task and no candidate of this run holds yet
_WEIGHT_KNOWN = 1.0  # a known mechanism not rediscovered in this run yet
_WEIGHT_WEAK = 0.5  # tried in this run without a promising candidate
_WEIGHT_TAKEN = 0.05  # this run already holds it: anything more there is a duplicate


@dataclass(frozen=True)
class Steering:
    """The archive as the generator sees it.

    Attributes:
        known: Cell keys of known tasks' mechanisms (their templates are rediscoveries at best).
        taken: Cell keys where this run already accepted or rediscovered a task, or whose
            proposals the index rejects as duplicates: more of the same will be rejected.
        weak: Cell keys tried in this run whose best candidate showed no inverse scaling.
        rediscovered: Known task ids this run has already rediscovered.
        best: Per cell key, the best lower bound of the gap so far (for the llm's prompt).
    """

    known: frozenset[str] = frozenset()
    taken: frozenset[str] = frozenset()
    weak: frozenset[str] = frozenset()
    rediscovered: frozenset[str] = frozenset()
    best: dict[str, float] = field(default_factory=dict)

    def is_taken(self, card: MechanismCard) -> bool:
        """Whether proposals with this card would only repeat what the run holds: its
        mechanism (family and lure, in any answer format) is held, or its closest known
        ancestor was rediscovered."""
        ancestors_done = bool(card.ancestors) and set(card.ancestors[:1]) <= self.rediscovered
        if card.composed:
            ancestors_done = False  # a composition may add to its parts
        held = {key.rsplit("/", 1)[0] for key in self.taken}
        return card.cell.key.rsplit("/", 1)[0] in held or ancestors_done

    def weight(self, card: MechanismCard | None) -> float:
        """How strongly to favour proposing a template with this card."""
        if card is None:
            return _WEIGHT_KNOWN
        key = card.cell.key
        if self.is_taken(card):
            return _WEIGHT_TAKEN
        if key in self.weak:
            return _WEIGHT_WEAK
        if card.ancestors or key in self.known:
            return _WEIGHT_KNOWN
        return _WEIGHT_OPEN

    def lines(self, limit: int = 12) -> list[str]:
        """The archive in words, for an llm prompt."""
        out = []
        if self.known:
            out.append("Mechanism cells of known tasks: " + ", ".join(sorted(self.known)[:limit]))
        if self.taken:
            out.append("Cells this search already holds: " + ", ".join(sorted(self.taken)[:limit]))
        if self.weak:
            out.append("Cells tried without effect so far: " + ", ".join(sorted(self.weak)[:limit]))
        return out
