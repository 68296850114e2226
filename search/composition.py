"""Does a composition of two mechanisms add something? The test, on matched items.

A composed template (two mechanisms in one item, see ``generator/offline/compose.py``) records
each mechanism alone as a part. After the composed task is confirmed on its fresh items, each
part is scored on the very same rows: the paired gap of the composed items over the part's
items is the composed task's effect minus the part's (same rows, same choice order).

The composition **adds something** when that difference's confidence interval lies above zero
for every part: the composed task inverse-scales more than either mechanism alone. Then it can
be new. Otherwise it is judged as its stronger part alone (the part it adds least to): a
rediscovery of that part's closest known ancestor, or, when that part is not a known task,
refused as a composition that adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from invscale.generator import GateError, TaskTemplate
from invscale.generator.card import card_of
from invscale.generator.offline.compose import comparison_template
from invscale.search.candidates import ItemSets, confirmation_sets, template_of
from invscale.search.confirmation import confirmed_size
from invscale.search.evaluate import PairedEvaluation
from invscale.search.phases import evaluate
from invscale.search.state import SearchRun

PHASE = "compose:"


@dataclass(frozen=True)
class CompositionVerdict:
    """The composition test of one candidate.

    Attributes:
        adds: Whether the composed gap exceeds every part's (interval above zero for each).
        margins: Per part: (name, composed gap minus the part's gap, its interval's lower end).
        stronger: Index of the part the composition adds least to.
        named: The known task of the stronger part (its card's first ancestor), if any.
    """

    adds: bool
    margins: tuple[tuple[str, float, float], ...]
    stronger: int
    named: str | None

    def describe(self) -> str:
        """The test in words."""
        parts = "; ".join(f"over {n} alone {g:+.3f} (low {lo:+.3f})" for n, g, lo in self.margins)
        verdict = "adds to every part" if self.adds else "adds nothing to its stronger part"
        return f"composition {verdict}: {parts}"


def is_composed(template: TaskTemplate) -> bool:
    """Whether the template records its parts for the composition test."""
    return len(template.parts) > 1


def score_parts(run: SearchRun, cid: str) -> None:
    """Score each part of a composed candidate on its confirmation rows (stored per part)."""
    template = template_of(run.store.candidate(cid).template)
    s = run.cfg.search
    sizes = dict.fromkeys((confirmed_size(run, cid), s.confirm_examples))
    for index in range(len(template.parts)):
        items = _part_items(comparison_template(template, index), tuple(sizes), s.seed)
        if items is not None:  # None: no matched items, the test cannot call this part added
            evaluate(run, cid, f"{PHASE}{index}", items)


def _part_items(part: TaskTemplate, sizes: tuple[int, ...], seed: int) -> ItemSets | None:
    """A part's confirmation rows at the composed task's size, else at the configured one."""
    for size in sizes:
        try:
            return confirmation_sets(part, size, seed)
        except GateError:
            continue
    return None


def composition_verdict(run: SearchRun, cid: str) -> CompositionVerdict | None:
    """The test's outcome (None for a candidate that is not a composition)."""
    template = template_of(run.store.candidate(cid).template)
    if not is_composed(template):
        return None
    margins = []
    for index, part in enumerate(template.parts):
        row = run.store.evaluation(cid, f"{PHASE}{index}")
        ev = None if row is None else PairedEvaluation.from_dict(row.data)
        gap, low = (ev.gap, ev.gap_ci[0]) if ev is not None else (float("-inf"), float("-inf"))
        margins.append((part.name, gap, low))
    stronger = min(range(len(margins)), key=lambda i: margins[i][1])
    card = card_of(template)
    part_cards = card.parts if len(card.parts) == len(margins) else ()
    ancestors = part_cards[stronger].ancestors if part_cards else ()
    return CompositionVerdict(
        adds=all(low > 0 for _, _, low in margins),
        margins=tuple(margins),
        stronger=stronger,
        named=ancestors[0] if ancestors else None,
    )
