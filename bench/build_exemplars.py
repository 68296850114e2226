"""Regenerate ``datasets/known/exemplars.jsonl``: many example prompts per known task.

Renders the hand-written frames of ``datasets/known/frames/`` and the offline operators that
descend from a known task (several seeds each: other wordings, formats and lexicon rows), and
writes the result as data. The novelty filter reads only the written file; a test checks that it
matches what this script builds.

    python bench/build_exemplars.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from invscale.search.novelty.exemplars import (  # noqa: E402
    EXEMPLARS_FILE,
    build_exemplars,
    load_exemplars,
    write_exemplars,
)

KNOWN = ROOT / "datasets/known"
SEEDS = str(ROOT / "datasets/seeds")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the stored file")
    args = parser.parse_args()
    built = build_exemplars(KNOWN, SEEDS)
    counts = Counter(e.task for e in built)
    for task, n in sorted(counts.items()):
        print(f"{task:40} {n:4}")
    print(f"{len(built)} exemplars of {len(counts)} tasks")
    if args.check:
        same = load_exemplars(KNOWN) == built
        print("stored file is current" if same else f"{EXEMPLARS_FILE} is stale: rerun this script")
        return 0 if same else 1
    write_exemplars(KNOWN / EXEMPLARS_FILE, built)
    print(f"wrote {KNOWN / EXEMPLARS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
