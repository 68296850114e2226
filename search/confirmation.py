"""The confirmation set: fresh items, scored once, grown once when the models leave many of them
unanswered (the effect is tested on the items every model answers, see :mod:`.support`)."""

from __future__ import annotations

from invscale.generator import GateError, TaskTemplate
from invscale.search.candidates import ItemSets, confirmation_sets
from invscale.search.evaluate import PairedEvaluation
from invscale.search.freshness import check_freshness
from invscale.search.halving import selection_items
from invscale.search.phases import evaluate
from invscale.search.state import SearchRun
from invscale.search.support import grown_size

# Sizes tried when the pool cannot give the grown set: each halves the growth asked for.
_TRIES = 4


def score_confirmation(run: SearchRun, cid: str, template: TaskTemplate) -> PairedEvaluation:
    """Score ``cid`` on ``confirm_examples`` fresh items; when fewer of them are supported, score
    it again on a grown set (as large as the confirmation pool allows, up to
    ``confirm_max_examples``) and keep that. The size depends only on the first set's supported
    share, so a run resumed after a kill chooses it again the same way (from cached scores).

    Raises:
        GateError: the confirmation pool cannot give ``confirm_examples`` items.
    """
    s = run.cfg.search
    items = confirmation_sets(template, s.confirm_examples, s.seed)
    ev = _score(run, cid, template, items)
    n = len(items.task)
    cap, floor = s.confirm_max_examples, s.acceptance.min_supported_items
    size = grown_size(ev.supported, n, s.confirm_examples, cap, floor)
    grown = _largest_set(template, n, size, s.seed)
    return ev if grown is None else _score(run, cid, template, grown)


def confirmed_size(run: SearchRun, cid: str) -> int:
    """Items in ``cid``'s confirmation set: the stored confirmation's, else the configured size."""
    row = run.store.evaluation(cid, "confirm")
    return row.n_examples if row is not None else run.cfg.search.confirm_examples


def _score(run: SearchRun, cid: str, template: TaskTemplate, items: ItemSets) -> PairedEvaluation:
    s = run.cfg.search
    fresh = check_freshness(
        run.store, template, selection_items(run, cid), items, max(s.halving_sizes), s.seed
    )
    run.items[cid + ":confirm"] = items
    return evaluate(run, cid, "confirm", items, fresh)


def _largest_set(template: TaskTemplate, n: int, size: int, seed: int) -> ItemSets | None:
    """The confirmation set of ``size`` items, or of the largest smaller size tried that the pool
    gives (None when it gives none larger than ``n``)."""
    for _ in range(_TRIES):
        if size <= n:
            return None
        try:
            return confirmation_sets(template, size, seed)
        except GateError:
            size = n + (size - n) // 2
    return None
