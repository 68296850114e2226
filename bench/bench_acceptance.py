"""Calibration of the acceptance rule: how often it accepts what it must not, and how often it
finds what is there.

Simulated candidates (per-item class log-probabilities with entity clusters, for a two-model
ladder of 135M and 270M parameters) go through the real acceptance path: the real scorer computes
losses, accuracies, class masses and label shares from a scenario-driven fake backend, the real
paired evaluation gives cluster-bootstrap intervals and sign-flip p-values, and the real
``decide_all`` corrects every candidate together with Holm (one run of m candidates) and applies
the artefact checks.

Null scenarios (nothing a reader should call inverse scaling) must be refused; planted effects of
realistic size must be accepted. The knowledge-only scenario (both models ignore a stipulation,
the larger knows the fact better) is inverse scaling by the Prize's definition: it is neither,
and its row shows what the decomposition control calls it.

    python bench/bench_acceptance.py [--scale 1.0] [--items 300] [--seed 0] [--run-size 200]
        [--no-growth]

As in the search, a candidate with fewer than ``--items`` supported items is tested again on a
grown set (up to ``confirm_max_examples``, 600 by default; ``--no-growth`` tests every candidate
on its first ``--items`` items of the same draws), and a confirmation with too few supported items
is refused outside the correction's family.

``--run-size`` is m, the confirmations one simulated run corrects over together (Holm over m).
The headline uses 200, a long search's worth; a 60-candidate search on the offline ladder
confirms a handful (2 in the first 25 candidates of ``bench/bench_rediscovery.py``).

Beside the simulated nulls, nulls drawn from real scored items (``bench/data/real_items.npz``,
made by ``bench/build_real_items.py``: offline-generated tasks and controls scored on the offline
ladder) with the size effect removed: the models' labels permuted within items, or the task's own
items as its control. ``--real none`` leaves them out.

The last two lines are ``false-acceptance rate R (X of N)`` and ``power P (Y of M)``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from invscale.search.calibration import Calibration, ScenarioRow, run_calibration
from invscale.search.calibration.real import RealItems
from invscale.search.calibration.scenarios import SCENARIOS
from invscale.search.config import SearchConfig

REAL = Path(__file__).resolve().parent / "data" / "real_items.npz"
_HEADER = (
    f"{'scenario':<38}{'kind':<10}{'n':>4}{'acc s->l':>12}{'gap':>8}{'p<=.05':>8}"
    f"{'accepted':>10}  refused by / decomposition"
)


def _line(row: ScenarioRow) -> str:
    why = ", ".join(f"{code} {n}" for code, n in row.refused.items())
    labels = ", ".join(f"{label} {n}" for label, n in row.labels.items())
    sizes = ", ".join(f"drop {r}: {hits}/{n}" for r, hits, n in row.by_effect)
    notes = "; ".join(x for x in (why, labels, sizes) if x) or "-"
    acc = f"{row.accuracy[0]:.2f}->{row.accuracy[1]:.2f}"
    return (
        f"{row.name:<38}{row.kind:<10}{row.n:>4}{acc:>12}{row.gap:>+8.2f}{row.nominal:>8}"
        f"{row.accepted:>10}  {notes}"
    )


def report(cal: Calibration, cfg: SearchConfig, seconds: float) -> list[str]:
    """The table and the two closing lines."""
    fa, nulls = cal.false_acceptances
    hits, planted = cal.power
    lines = [
        f"{cal.candidates} candidates decided as runs of m = {cal.m} confirmations: "
        f"{cfg.correction} at alpha {cfg.alpha} (alpha/m = {cfg.alpha / cal.m:.2g}), "
        f"{cfg.acceptance.sign_flip_draws} sign flips at most; {seconds:.0f} s",
        f"confirmation sets grown for too few supported items: {cal.grown} of {cal.candidates} "
        f"(up to {cfg.confirm_max_examples} items)",
        "acc s->l: mean task accuracy, small -> large model; gap: mean gap, nats/decade; "
        "p<=.05: candidates with p <= 0.05 before correction and checks; drop a-b: accepted "
        "among planted log-odds drops in a-b",
        "",
        _HEADER,
        *(_line(r) for r in cal.rows),
        "",
        f"false-acceptance rate {fa / nulls:.3f} ({fa} of {nulls})",
        f"power {hits / planted:.3f} ({hits} of {planted})",
    ]
    return lines


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply candidate counts")
    parser.add_argument("--items", type=int, default=300, help="confirmation items per candidate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--run-size", type=int, default=200, help="confirmations corrected together (m)"
    )
    parser.add_argument(
        "--real", default=str(REAL), help="real scored items for the real-data nulls, or none"
    )
    parser.add_argument(
        "--no-growth",
        action="store_true",
        help="test every candidate on its first --items items (no growth of the set)",
    )
    args = parser.parse_args(argv)
    cfg = SearchConfig()
    start = time.monotonic()
    real = None
    if args.real != "none" and Path(args.real).exists():
        real = RealItems.load(args.real)
    elif args.real != "none":
        print(
            f"no real scored items at {args.real} (python bench/build_real_items.py makes "
            "them): real-data nulls left out",
            file=sys.stderr,
        )

    def progress(name: str, n: int) -> None:
        print(f"  {name}: {n} candidates ({time.monotonic() - start:.0f} s)", file=sys.stderr)

    cal = run_calibration(
        SCENARIOS,
        args.items,
        args.scale,
        args.seed,
        cfg,
        progress,
        args.run_size,
        real=real,
        grow=not args.no_growth,
    )
    if real is not None:
        print(
            f"real-data nulls from {args.real}: {len(real.names)} tasks of {real.items} items "
            f"scored on {', '.join(real.models)} ({', '.join(real.names)})"
        )
    print("\n".join(report(cal, cfg, time.monotonic() - start)))


if __name__ == "__main__":
    main()
