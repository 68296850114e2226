"""Batch limits sized from made-up devices: no GPU needed."""

from __future__ import annotations

import pytest

from invscale.scorer.backends._hf_budget import (
    CPU_ROWS,
    CPU_TOKENS,
    MAX_ROWS,
    MAX_TOKENS,
    MIN_TOKENS,
    DeviceMemory,
    ModelShape,
    activation_bytes_per_token,
    model_shape,
    size_budget,
)

GIB = 1 << 30
# Shapes (hidden, MLP, layers, vocab) of real models, bfloat16, full-width key/value heads.
SHAPES = {
    "smollm2-135m": ModelShape(576, 1536, 30, 49152, 2, 2 * 30 * 192 * 2),
    "llama-2-7b": ModelShape(4096, 11008, 32, 32000, 2, 2 * 32 * 4096 * 2),
    "opt-13b": ModelShape(5120, 20480, 40, 50272, 2, 2 * 40 * 5120 * 2),
}


@pytest.mark.parametrize(
    ("device", "shape", "tokens", "rows"),
    [
        # A CPU keeps the figures measured good there, whatever the model.
        (DeviceMemory("cpu"), "llama-2-7b", CPU_TOKENS, CPU_ROWS),
        (DeviceMemory("cpu", 64 * GIB), "smollm2-135m", CPU_TOKENS, CPU_ROWS),
        # Unknown free memory: sized as a CPU.
        (DeviceMemory("cuda", None), "llama-2-7b", CPU_TOKENS, CPU_ROWS),
        # A big card is capped where kernels are saturated.
        (DeviceMemory("cuda", 120 * GIB), "llama-2-7b", MAX_TOKENS, MAX_ROWS),
        (DeviceMemory("cuda", 120 * GIB), "smollm2-135m", MAX_TOKENS, MAX_ROWS),
        # A nearly full card gets small batches, never below the floor.
        (DeviceMemory("cuda", 1 * GIB), "llama-2-7b", 2539, 79),
        (DeviceMemory("cuda", GIB // 64), "opt-13b", MIN_TOKENS, 16),
    ],
)
def test_auto_limits_follow_the_device_and_the_model(device, shape, tokens, rows):
    budget = size_budget(device, SHAPES[shape])
    assert (budget.tokens, budget.rows) == (tokens, rows)


def test_gpu_limits_grow_with_free_memory_and_shrink_with_model_width():
    small, big = (size_budget(DeviceMemory("cuda", n * GIB), SHAPES["opt-13b"]) for n in (2, 8))
    assert small.tokens < big.tokens and small.span < big.span and small.logits < big.logits
    narrow = size_budget(DeviceMemory("cuda", 2 * GIB), SHAPES["smollm2-135m"])
    assert narrow.tokens > small.tokens


def test_explicit_integers_win_everywhere():
    for device in (DeviceMemory("cpu"), DeviceMemory("cuda", 80 * GIB)):
        budget = size_budget(device, SHAPES["llama-2-7b"], tokens=1000, rows=7)
        assert (budget.tokens, budget.rows) == (1000, 7)


def test_logits_at_every_position_cost_token_budget_on_a_gpu():
    shape, device = SHAPES["llama-2-7b"], DeviceMemory("cuda", 1 * GIB)
    selected, full = size_budget(device, shape), size_budget(device, shape, full_logits=True)
    assert full.tokens < selected.tokens
    assert activation_bytes_per_token(shape, True) > 3 * activation_bytes_per_token(shape, False)


def test_kv_and_logit_budgets_fit_their_memory_shares():
    shape = SHAPES["llama-2-7b"]
    budget = size_budget(DeviceMemory("cuda", 10 * GIB), shape)
    assert budget.span * shape.kv_bytes_per_token <= 10 * GIB * 0.7 * 0.35
    assert budget.logits * shape.vocab * 12 <= 10 * GIB * 0.7 * 0.15
    # On a CPU: the measured 1 GiB of cache and 256 MiB of float32 logits.
    cpu = size_budget(DeviceMemory("cpu"), shape)
    assert cpu.span == max(CPU_TOKENS, GIB // shape.kv_bytes_per_token)
    assert cpu.logits == (1 << 28) // (4 * 32000)


class _Config:
    def __init__(self, **widths: int | None) -> None:
        self.__dict__.update(widths)


@pytest.mark.parametrize(
    ("config", "widths"),
    [
        (
            _Config(hidden_size=4096, intermediate_size=11008, num_hidden_layers=32),
            (4096, 11008, 32),
        ),
        (_Config(hidden_size=2048, ffn_dim=8192, num_hidden_layers=24), (2048, 8192, 24)),  # OPT
        (_Config(n_embd=768, n_inner=None, n_layer=12), (768, 3072, 12)),  # GPT-2
    ],
)
def test_model_shape_reads_each_family_spelling(config, widths):
    shape = model_shape(config, vocab=100, dtype_bytes=2, kv_bytes_per_token=8)
    assert (shape.hidden, shape.intermediate, shape.layers) == widths
