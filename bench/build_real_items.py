"""Build ``bench/data/real_items.npz``: real scored items for the acceptance benchmark's nulls.

The offline generator proposes templates (seed 5), each is expanded into a task and its paired
control (300 items, seed 1), and both are scored on the offline ladder (SmolLM2-135M and
Gemma-3-270M, shipped in PyPI packages). What is kept, per template with two classes per item:
each model's summed log-probability of each class on each task and control item, the right
answers, and each item's entity cluster. ``bench/bench_acceptance.py`` builds its real-data nulls
from this file (the models' labels permuted within items, so no size effect is left), so the
benchmark itself runs no model.

    python bench/build_real_items.py [--templates 8] [--items 300]

The shipped file was made with ``--templates 4 --items 200`` (4 templates of 200 items, their
controls, both models: 3,200 requests per model) in 1,124 s on 2 CPU cores shared with a search;
the default (8 x 300) is about three times that.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from invscale.generator import GeneratorConfig, expand, generate_templates
from invscale.generator.gates import GateError
from invscale.scorer import ModelPool, ScoreCache, ScorerConfig, score_dataset
from invscale.scorer.ladders import OFFLINE

OUT = Path(__file__).resolve().parent / "data" / "real_items.npz"


def _class_logprobs(result) -> np.ndarray:  # type: ignore[no-untyped-def]
    """[models, items, 2] class log-probabilities of a scored two-class dataset."""
    return np.array([[s.class_logprobs for s in m.scores] for m in result.models], dtype=np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--templates", type=int, default=8)
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    start = time.monotonic()
    scorer = ScorerConfig()
    pool, cache = ModelPool(scorer), ScoreCache(scorer.cache_path)
    names, logprobs, answers, clusters = [], [], [], []
    for template in generate_templates(GeneratorConfig(backend="offline"), args.templates, 5):
        try:
            exp = expand(template, args.items, seed=1)
        except GateError as exc:
            print(f"skipped {template.id}: {exc}", file=sys.stderr)
            continue
        if {len(ex.classes) for ex in exp.dataset.examples} != {2}:  # type: ignore[union-attr]
            print(f"skipped {template.id}: not two classes per item", file=sys.stderr)
            continue
        scored = [
            score_dataset(ds, OFFLINE, scorer, pool=pool, cache=cache)
            for ds in (exp.dataset, exp.control)
        ]
        names.append(template.id)
        logprobs.append(np.stack([_class_logprobs(r) for r in scored], axis=1))
        answers.append(
            np.array(
                [[ex.answer_index for ex in ds.examples] for ds in (exp.dataset, exp.control)],  # type: ignore[union-attr]
                dtype=np.int8,
            )
        )
        clusters.append(np.array([o.cluster for o in exp.origins]))
        print(f"{template.id}: scored ({time.monotonic() - start:.0f} s)", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        names=np.array(names),
        models=np.array([r.name for r in OFFLINE]),
        params=np.array([r.params for r in OFFLINE], dtype=np.int64),
        logprobs=np.stack(logprobs),  # [templates, models, variants (task, control), items, 2]
        answers=np.stack(answers),  # [templates, variants, items]
        clusters=np.stack(clusters),  # [templates, items]
    )
    print(f"wrote {args.out}: {len(names)} templates of {args.items} items")
    return 0


if __name__ == "__main__":
    sys.exit(main())
