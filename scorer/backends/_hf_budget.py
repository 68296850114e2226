"""How big one forward pass may be: batch limits sized from the device's memory and the model.

Pure arithmetic on a few numbers (no torch), so it is tested with made-up devices. On a CPU the
limits are the figures measured good there (4096 tokens, 64 rows: bigger batches gain nothing
and cost memory). On a GPU, batches are sized from the free memory left after the model loaded:
a share for the activations of one pass, one for the key/value cache the cached path keeps, one
for the kept logits (float32, and vocabularies are wide). The estimates are deliberately rough and
on the safe side; an explicit integer in the config always wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from invscale.scorer.backends._hf_plan import Budget

Auto = Literal["auto"]

CPU_TOKENS = 4096
CPU_ROWS = 64
# Memory held by one batch's key/value cache and by its kept logits on a CPU (measured good).
CPU_KV_BYTES = 1 << 30
CPU_LOGIT_BYTES = 1 << 28
# Share of the free accelerator memory the scorer plans to use: the rest is slack for the
# allocator's fragmentation, kernels' workspaces and other processes.
USABLE_SHARE = 0.7
ACTIVATION_SHARE, KV_SHARE, LOGIT_SHARE = 0.5, 0.35, 0.15
# Bounds of the sized limits: below MIN_TOKENS a GPU pass is all overhead; past MAX_TOKENS
# kernels are saturated and only latency and padding grow.
MIN_TOKENS, MAX_TOKENS = 512, 65536
MIN_ROWS, MAX_ROWS = 16, 1024
# Bytes per kept position of the logits: float32 copy, log-softmax and a temporary.
_LOGIT_BYTES_PER_ENTRY = 12


@dataclass(frozen=True)
class ModelShape:
    """What a model's memory per token depends on.

    Attributes:
        hidden: Width of the residual stream.
        intermediate: Width of the MLP.
        layers: Decoder layers.
        vocab: Width of the logits.
        dtype_bytes: Bytes per element of the compute dtype.
        kv_bytes_per_token: Key/value cache bytes of one token of one row (all layers).
    """

    hidden: int
    intermediate: int
    layers: int
    vocab: int
    dtype_bytes: int
    kv_bytes_per_token: int


@dataclass(frozen=True)
class DeviceMemory:
    """The device a model runs on: its kind (``cpu``, ``cuda``, ...) and free bytes if known."""

    kind: str
    free_bytes: int | None = None


def model_shape(config: Any, vocab: int, dtype_bytes: int, kv_bytes_per_token: int) -> ModelShape:
    """Read a transformers config's widths (Llama, GPT-2 and OPT spell them differently)."""
    hidden = int(_first(config, ("hidden_size", "n_embd", "d_model"), 1024))
    inner = _first(config, ("intermediate_size", "ffn_dim", "n_inner"), None)
    layers = int(_first(config, ("num_hidden_layers", "n_layer"), 1))
    return ModelShape(
        hidden, int(inner or 4 * hidden), layers, vocab, dtype_bytes, kv_bytes_per_token
    )


def _first(config: Any, names: tuple[str, ...], default: Any) -> Any:
    for name in names:
        value = getattr(config, name, None)
        if value is not None:
            return value
    return default


def activation_bytes_per_token(shape: ModelShape, full_logits: bool) -> int:
    """Peak memory of one token inside one layer's forward pass (activations of earlier layers
    are freed under inference mode), plus its logits when every position is projected."""
    # Residual, norm, q/k/v, attention output and projection (~6 hidden), gate/up/product (3 MLP),
    # and norms upcast to float32.
    per_token = shape.dtype_bytes * (6 * shape.hidden + 3 * shape.intermediate) + 8 * shape.hidden
    if full_logits:
        per_token += shape.vocab * (shape.dtype_bytes + _LOGIT_BYTES_PER_ENTRY)
    return per_token


def size_budget(
    memory: DeviceMemory,
    shape: ModelShape,
    tokens: int | Auto = "auto",
    rows: int | Auto = "auto",
    full_logits: bool = False,
) -> Budget:
    """Limits of one forward pass for ``shape`` on ``memory``.

    Args:
        memory: The device and its free memory (None: unknown, sized as a CPU).
        shape: The model.
        tokens: ``max_batch_tokens`` from the config, or ``auto``.
        rows: ``max_batch_size`` from the config, or ``auto``.
        full_logits: Whether logits are computed at every position (no row selection).
    """
    if memory.kind == "cpu" or memory.free_bytes is None:
        n_tokens = CPU_TOKENS if tokens == "auto" else tokens
        n_rows = CPU_ROWS if rows == "auto" else rows
        kv_bytes, logit_bytes, per_logit = CPU_KV_BYTES, CPU_LOGIT_BYTES, 4
        span = max(n_tokens, kv_bytes // max(shape.kv_bytes_per_token, 1))
    else:
        usable = memory.free_bytes * USABLE_SHARE
        per_token = activation_bytes_per_token(shape, full_logits)
        sized = _clamp(int(usable * ACTIVATION_SHARE) // per_token, MIN_TOKENS, MAX_TOKENS)
        n_tokens = sized if tokens == "auto" else tokens
        n_rows = _clamp(n_tokens // 32, MIN_ROWS, MAX_ROWS) if rows == "auto" else rows
        kv_bytes, logit_bytes = int(usable * KV_SHARE), int(usable * LOGIT_SHARE)
        per_logit = _LOGIT_BYTES_PER_ENTRY
        # Wide models hold more cache than activations per token: the span limit binds then.
        span = max(MIN_TOKENS, kv_bytes // max(shape.kv_bytes_per_token, 1))
    return Budget(
        tokens=n_tokens,
        rows=n_rows,
        span=span,
        logits=max(1, logit_bytes // (per_logit * shape.vocab)),
    )


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
