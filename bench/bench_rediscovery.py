"""Rediscovery benchmark: can the search find the Prize winners when it is not told about them?

The Inverse Scaling Prize winners (or, with ``--family``, the winners of one cause family) are
hidden from the known-task corpus; the search then runs with a fixed budget and seed on a ladder.
Every candidate is judged afterwards against the whole corpus, which names the hidden winner
whose mechanism it has (a rediscovery or a duplicate of it). Per hidden winner the bench reports
how far its mechanism got: proposed, screened, confirmed, refused (with the reason code) or
accepted. An accepted task counts as a rediscovery only when the whole corpus names it a
rediscovery of that winner. The last line is

    rediscovered K of W hidden winners in N candidates (A accepted, F accepted but not a winner)

This is the figure that says what the search can find on a given ladder. The search runs with
its shipped settings (``config.yaml``) except the ladder, seed, candidate budget and corpus;
the run folder is kept (``--out``), and a bench run killed midway resumes from it.

    python bench/bench_rediscovery.py [--ladder offline] [--candidates 60] [--seed 3]
        [--family strong-prior] [--minutes 600] [--out DIR] [--config FILE] [--no-search] [-v]

``--no-search`` judges the run folder as it stands (a run still going, or stopped midway)
without searching further; its last line then counts the candidates proposed so far.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from invscale.generator import GateError
from invscale.generator.card import card_of
from invscale.scorer.paths import data_path
from invscale.search.candidates import selection_sets, template_of
from invscale.search.config import Config, load_config
from invscale.search.novelty_gate import DUPLICATE, REDISCOVERY, NoveltyGate
from invscale.search.run import run_search
from invscale.search.store import STORE_FILE, CandidateRow, RunStore

ROOT = Path(__file__).resolve().parent.parent
WINNERS_FILE = "prize_winners.yaml"
# How far a candidate got, worst to best: a winner's row shows its best candidate.
STAGES = ("proposed", "screened", "confirmed", "refused", "accepted")


@dataclass(frozen=True)
class Outcome:
    """One candidate, as the bench sees it.

    Attributes:
        id: The candidate.
        stage: How far it got (one of ``STAGES``).
        code: Its decision's reason code.
        winner: The hidden winner whose mechanism the whole corpus names it (None: none).
        named: How the whole corpus names it: ``rediscovery``, ``duplicate``, ``novel`` or
            ``ancestry`` (no items to judge: its card's closest known ancestor).
        gap: Its best measured gap and interval, as text ("" before any scoring).
    """

    id: str
    stage: str
    code: str
    winner: str | None
    named: str
    gap: str = ""


def hide_winners(known: str | Path, dest: Path, family: str | None) -> list[dict]:
    """Copy the known-task corpus to ``dest`` without the Prize winners (of ``family`` only,
    when given); returns the hidden winners' entries.

    Raises:
        SystemExit: ``family`` names no winner's cause.
    """
    src = data_path(known)
    winners = yaml.safe_load((src / WINNERS_FILE).read_text(encoding="utf-8"))
    hidden = [w for w in winners if family is None or w["cause"] == family]
    if not hidden:
        causes = sorted({w["cause"] for w in winners})
        raise SystemExit(f"--family {family!r}: no winner has it (causes: {', '.join(causes)})")
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest)
    kept = [w for w in winners if w not in hidden]
    (dest / WINNERS_FILE).write_text(yaml.safe_dump(kept, sort_keys=False), encoding="utf-8")
    return hidden


def bench_config(base: Config, args: argparse.Namespace, known: Path) -> Config:
    """The shipped settings with the bench's ladder, seed, budget and corpus."""
    data = base.model_dump(mode="json")
    data["novelty"].update(known_path=str(known), accepted_file=None)
    data["search"].update(
        ladder=args.ladder,
        seed=args.seed,
        max_candidates=args.candidates,
        max_minutes=args.minutes,
    )
    cfg = Config.model_validate(data)
    cfg.scorer.ladder(cfg.search.ladder)  # an unknown ladder fails before any model loads
    return cfg


def _stage(store: RunStore, row: CandidateRow) -> str:
    if row.status == "accepted":
        return "accepted"
    if row.status == "not_confirmed":
        return "refused"
    if store.evaluation(row.id, "confirm") is not None:
        return "confirmed"
    if any(e.phase.startswith("stage") for e in store.evaluations(row.id)):
        return "screened"
    return "proposed"


def _gap(store: RunStore, cid: str) -> str:
    rows = [e for e in store.evaluations(cid) if e.phase.startswith(("stage", "confirm"))]
    if not rows:
        return ""
    best = max(rows, key=lambda e: (e.phase == "confirm", e.n_examples))
    low, high = best.data["gap_ci"]
    return f"{best.phase} n={best.n_examples} gap {best.data['gap']:+.2f} [{low:+.2f}, {high:+.2f}]"


def judge(run_dir: Path, cfg: Config, full: Config, hidden: Sequence[str]) -> list[Outcome]:
    """Every candidate of the run, judged against the whole corpus (``full``'s novelty
    settings): which hidden winner's mechanism it has, and how far it got."""
    gate = NoveltyGate(full.novelty, run_dir / "bench-full-corpus", "bench")
    store = RunStore.open(run_dir)
    try:
        out = []
        for row in store.candidates():
            template = template_of(row.template)
            try:
                items = selection_sets(template, max(cfg.search.halving_sizes), cfg.search.seed)
            except GateError:
                ancestors = card_of(template).ancestors
                winner = next((a for a in ancestors[:1] if a in hidden), None)
                named = "ancestry"
            else:
                verdict = gate.check(row.id, template, items.task)
                winner = verdict.task if verdict.kind in (REDISCOVERY, DUPLICATE) else None
                winner = winner if winner in hidden else None
                named = verdict.kind
            stage = _stage(store, row)
            out.append(Outcome(row.id, stage, str(row.code), winner, named, _gap(store, row.id)))
        return out
    finally:
        store.close()


def rediscovered(outcomes: Sequence[Outcome]) -> set[str]:
    """Hidden winners with an accepted candidate that the whole corpus names a rediscovery of."""
    return {
        o.winner
        for o in outcomes
        if o.stage == "accepted" and o.named == REDISCOVERY and o.winner is not None
    }


def report(outcomes: Sequence[Outcome], hidden: Sequence[dict]) -> list[str]:
    """Per hidden winner, how far its mechanism got; then the accepted tasks; then the tally."""
    lines = []
    for winner in hidden:
        mine = [o for o in outcomes if o.winner == winner["id"]]
        if not mine:
            lines.append(f"{winner['id']}: never proposed")
            continue
        best = max(mine, key=lambda o: STAGES.index(o.stage))
        counts = ", ".join(
            f"{sum(o.stage == s for o in mine)} {s}"
            for s in STAGES
            if any(o.stage == s for o in mine)
        )
        code = f" ({best.code})" if best.stage in ("refused", "accepted") else ""
        lines.append(
            f"{winner['id']}: {len(mine)} candidate(s) ({counts}); furthest: {best.stage}{code}"
            f" {best.id} {best.gap}".rstrip()
        )
    accepted = [o for o in outcomes if o.stage == "accepted"]
    for o in accepted:
        whose = f"{o.named} of {o.winner}" if o.winner else f"{o.named} (no hidden winner)"
        lines.append(f"accepted {o.id} ({o.code}): the whole corpus names it a {whose}")
    found = rediscovered(outcomes)
    not_winner = sum(o.winner is None for o in accepted)
    lines.append(
        f"rediscovered {len(found)} of {len(hidden)} hidden winners in {len(outcomes)} "
        f"candidates ({len(accepted)} accepted, {not_winner} accepted but not a winner)"
    )
    return lines


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ladder", default="offline", help="ladder to search on")
    parser.add_argument("--candidates", type=int, default=60, help="candidate budget")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--family", default=None, help="hide only this cause family's winners")
    parser.add_argument("--minutes", type=float, default=600.0, help="time budget (minutes)")
    parser.add_argument("--config", type=Path, default=None, help="settings (default: shipped)")
    parser.add_argument("--out", type=Path, default=None, help="run folder (kept; resumed)")
    parser.add_argument(
        "--no-search", action="store_true", help="judge the run folder as it stands"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> list[str]:
    """Run the benchmark; prints the report and returns its lines."""
    args = _args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    base = load_config(args.config or ROOT / "config.yaml")
    hidden_name = args.family or "winners"
    out = args.out or ROOT / "runs" / f"rediscovery-{args.ladder}-{hidden_name}-s{args.seed}"
    resume = (out / STORE_FILE).is_file()
    if args.no_search and not resume:
        raise SystemExit(f"--no-search: no run in {out}")
    out.mkdir(parents=True, exist_ok=True)
    hidden = hide_winners(base.novelty.known_path, out.parent / f"{out.name}-known", args.family)
    cfg = bench_config(base, args, out.parent / f"{out.name}-known")
    if not args.no_search:
        outcome = run_search(None if resume else cfg, out, resume=resume)
        print(f"search: {outcome.stop_reason} ({out})", file=sys.stderr)
    full = base.model_copy(
        update={"novelty": base.novelty.model_copy(update={"accepted_file": None})}
    )
    outcomes = judge(out, cfg, full, [w["id"] for w in hidden])
    lines = report(outcomes, hidden)
    print("\n".join(lines))
    return lines


if __name__ == "__main__":
    main()
