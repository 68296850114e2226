"""Load-time probes: which of the fast path's tricks this model, this transformers version and
this device compute correctly. A probe never stops a load: whatever fails, or raises, switches
the trick off with a warning, down to the plain batched path with logits picked afterwards.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

import torch

from invscale.scorer.backends._hf_attn import use_native_gqa
from invscale.scorer.backends._hf_budget import model_shape
from invscale.scorer.backends._hf_encode import EncodedPair
from invscale.scorer.backends._hf_plan import Budget
from invscale.scorer.backends._hf_run import (
    Engine,
    cache_is_supported,
    forward,
    kv_bytes_per_token,
)
from invscale.scorer.backends._hf_score import FastOptions, score_fast, score_naive

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Probed:
    """What the probes found.

    Attributes:
        engine: The engine, with row selection on or off.
        kv_bytes_per_token: Key/value cache bytes of one token of one row (measured when the
            cache probe ran, else estimated from the config).
        fast: Whether the cached fast path agreed with the naive one.
    """

    engine: Engine
    kv_bytes_per_token: int
    fast: bool


def probe(engine: Engine, name: str) -> Probed:
    """Run every probe on ``engine`` (under inference mode); never raises for a model's sake."""
    engine = _with_selection_checked(engine, name)
    kv_per_token, cache_ok = _estimated_kv_bytes(engine), False
    try:
        kv_per_token, cache_ok = _probe_cache(engine)
        fast = cache_ok and _checked_attention(engine)
    except Exception as err:  # any failure of an optional trick means the plain path
        _log.warning("model %r: fast path probe failed (%s: %s)", name, type(err).__name__, err)
        fast = False
    if not fast:
        _log.warning("model %r: cached scoring unsupported, using the plain batched path", name)
    return Probed(engine, kv_per_token, fast)


def _with_selection_checked(engine: Engine, name: str) -> Engine:
    """Row selection before the output layer, if it gives the logits of the full projection."""
    try:
        if _selection_agrees(engine):
            return engine
        _log.warning("model %r: selected-row logits disagree; projecting every position", name)
    except Exception as err:  # a model whose output layer is called unusually
        _log.warning(
            "model %r: row selection failed (%s: %s); projecting every position",
            name,
            type(err).__name__,
            err,
        )
    return dataclasses.replace(engine, select_rows=False)


def _selection_agrees(engine: Engine) -> bool:
    device = engine.device
    ids = (torch.arange(10, device=device).reshape(2, 5) * 7 + 3) % engine.vocab_size  # [2, 5]
    mask = torch.ones_like(ids)
    mask[1, 3:] = 0  # a padded row
    positions = torch.arange(5, device=device).expand(2, -1)
    keep = torch.tensor([[4, 1], [2, 0]], device=device)  # [2, 2] different positions per row
    full = dataclasses.replace(engine, select_rows=False)
    want, _ = forward(full, ids, mask, positions, keep=keep)
    got, _ = forward(engine, ids, mask, positions, keep=keep)
    return got.shape == want.shape and _close(got, want, engine.model.dtype)


def _close(got: torch.Tensor, want: torch.Tensor, dtype: Any) -> bool:
    tolerance = 1e-3 if dtype == torch.float32 else 5e-2
    scale = want.abs().max().clamp(min=1.0)
    return bool(((got - want).abs().max() <= tolerance * scale).item())


def _estimated_kv_bytes(engine: Engine) -> int:
    # Full-width key/value heads: an upper bound for grouped-query models.
    dtype_bytes = engine.model.dtype.itemsize
    shape = model_shape(engine.model.config, engine.vocab_size, dtype_bytes, 1)
    return 2 * shape.layers * shape.hidden * dtype_bytes


def _probe_cache(engine: Engine) -> tuple[int, bool]:
    """Key/value bytes per token, and whether the cache layers are ones we can reshape."""
    positions = torch.arange(4, device=engine.device)[None, :]
    ids = positions % engine.vocab_size
    keep = torch.zeros(1, 1, dtype=torch.long, device=engine.device)
    _, cache = forward(engine, ids, torch.ones_like(ids), positions, keep=keep, use_cache=True)
    if not cache_is_supported(cache):
        return _estimated_kv_bytes(engine), False
    return kv_bytes_per_token(cache, 4), True


def _checked_attention(engine: Engine) -> bool:
    """Use native grouped-query attention where it helps and agrees; say if the fast path agrees."""
    model = engine.model
    before = model.config._attn_implementation
    if use_native_gqa(model):
        try:
            if _fast_path_agrees(engine, model.dtype):
                return True
            _log.warning("native grouped-query attention disagrees with %s; not using it", before)
        except Exception as err:
            _log.warning("native grouped-query attention failed (%s); not using it", err)
        model.set_attn_implementation(before)
    return _fast_path_agrees(engine, model.dtype)


def _probe_pairs(vocab: int) -> list[EncodedPair]:
    """Shared prefixes, several context lengths, one- and multi-token continuations."""

    def toks(*seeds: int) -> tuple[int, ...]:
        return tuple((7 + 31 * s) % vocab for s in seeds)

    prefix = toks(*range(1, 7))
    contexts = [prefix + toks(*range(40, 40 + n)) for n in (1, 4)] + [toks(90, 91)]
    conts = [toks(60), toks(61, 62, 63)]
    return [EncodedPair(c, k) for c in contexts for k in conts]


def _fast_path_agrees(engine: Engine, dtype: Any) -> bool:
    pairs = _probe_pairs(engine.vocab_size)
    options = FastOptions(Budget(8, 3, 64, 64), reuse_prefix=True, min_prefix=2)
    fast = score_fast(engine, pairs, options)
    naive = score_naive(engine, pairs)
    tolerance = 1e-3 if dtype == torch.float32 else 5e-2
    for got, want in zip(fast, naive, strict=True):
        assert got is not None and want is not None
        if abs(got.logprob - want.logprob) > tolerance * max(1.0, abs(want.logprob)):
            _log.warning("fast path probe: %s vs naive %s", got, want)
            return False
    return True
