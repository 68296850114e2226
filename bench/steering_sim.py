"""A proposal loop without any ladder: the generator and the novelty filter as in a search, with
simulated evidence, to measure how many proposals the index rejects as near-duplicates.

Per generation (as ``search.loop``): propose, check every proposal against the index. Each
proposal that may be scored gets a simulated gap (a hash of its id, uniform in [-1, 1]); the best
scored proposal of a generation with a gap above ``ACCEPT_ABOVE`` is "accepted" and joins the
index (as new, or as a rediscovery when its verdict says so), as a real acceptance would. Scored
proposals are the parents of the next generation. With steering, the generator is told the
archive (known cells, cells with an acceptance or two duplicates, weak cells, rediscovered tasks)
exactly as ``search.archive`` computes it from a run store.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict

from invscale.generator import ScoredParent, get_generator
from invscale.generator.card import card_of
from invscale.generator.steering import Steering
from invscale.search.candidates import selection_sets
from invscale.search.config import Config
from invscale.search.novelty_gate import NoveltyGate

ACCEPT_ABOVE = 0.6


def _gap(template_id: str) -> float:
    digest = hashlib.sha256(template_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**63 - 1.0


def simulate(cfg: Config, name: str) -> str:
    """Run the simulated loop for ``cfg.search.max_candidates`` proposals; one summary line."""
    import tempfile
    from pathlib import Path

    s = cfg.search
    gen = get_generator(cfg.generator)
    with tempfile.TemporaryDirectory() as folder:
        gate = NoveltyGate(cfg.novelty, Path(folder) / "novelty", "sim")
        known = frozenset(gate.known_cells()) if cfg.novelty.mechanism else frozenset()
        parents: list[ScoredParent] = []
        cells: dict[str, list[tuple[str, float | None]]] = defaultdict(list)
        taken: set[str] = set()
        rediscovered: set[str] = set()
        counts: Counter[str] = Counter()
        generation = 0
        while counts["proposed"] < s.max_candidates:
            steer = None
            if s.steer_proposals:
                weak = {k for k, v in cells.items() if all(g is not None and g <= 0 for _, g in v)}
                steer = Steering(known, frozenset(taken), frozenset(weak), frozenset(rediscovered))
            n = min(s.candidates_per_generation, s.max_candidates - counts["proposed"])
            templates = gen.propose(parents, n, seed=s.seed * 1000 + generation, steering=steer)
            if not templates:
                break
            best = None
            for template in templates[:n]:
                counts["proposed"] += 1
                key = card_of(template).cell.key
                items = selection_sets(template, max(s.halving_sizes), s.seed)
                verdict = gate.check(template.id, template, items.task)
                counts[verdict.kind if verdict.scorable else "rejected"] += 1
                if not verdict.scorable:
                    cells[key].append((template.id, None))
                    if sum(g is None for _, g in cells[key]) >= 2:
                        taken.add(key)
                    continue
                gap = _gap(template.id)
                cells[key].append((template.id, gap))
                parents.append(ScoredParent(template, gap, gap - 0.2, gap + 0.2))
                if gap > ACCEPT_ABOVE and (best is None or gap > best[1]):
                    best = (template, gap, verdict, items)
            if best is not None:
                template, gap, verdict, items = best
                named = verdict.task if verdict.kind == "rediscovery" else None
                gate.add_accepted(template.id, template, items.task, named)
                card = card_of(template)
                taken.update([card.cell.key, *(p.cell.key for p in card.parts)])
                counts["accepted:rediscovery" if named else "accepted:new"] += 1
                if named:
                    rediscovered.add(named)
            parents = sorted(parents, key=lambda p: p.ci_low, reverse=True)[: s.parents]
            generation += 1
    rejected = counts["rejected"]
    return (
        f"{name:9} proposed {counts['proposed']:3}; rejected as near-duplicates {rejected:3} "
        f"({rejected / max(1, counts['proposed']):.0%}); rediscoveries {counts['rediscovery']:3}, "
        f"novel {counts['novel']:3}; simulated acceptances: new {counts['accepted:new']}, "
        f"rediscoveries {counts['accepted:rediscovery']}"
    )
