"""Load-time probes: a model that breaks a trick of the fast path is scored right anyway, with a
warning, and the probe itself never raises."""

from __future__ import annotations

import logging

import pytest

from invscale.scorer.backends._hf_encode import EncodedPair
from invscale.scorer.backends._hf_plan import Budget
from invscale.scorer.backends._hf_probe import probe
from invscale.scorer.backends._hf_run import make_engine
from invscale.scorer.backends._hf_score import score_naive, score_plain
from tests.scorer._hf_fixtures import make_config


def _tiny(kind: str):
    """The tiny Llama, made awkward in one way."""
    import torch
    from transformers import LlamaForCausalLM
    from transformers.modeling_outputs import CausalLMOutputWithPast

    class FlatHead(LlamaForCausalLM):
        # Calls its output layer on flattened hidden states [B * L, H], as a few models do.
        def forward(self, input_ids=None, **kwargs):
            kwargs.pop("logits_to_keep", None)
            base = self.model(input_ids=input_ids, **kwargs)
            hidden = base.last_hidden_state  # [B, L, H]
            flat = self.lm_head(hidden.reshape(-1, hidden.shape[-1]))  # [B * L, V]
            logits = flat.reshape(*hidden.shape[:2], -1)
            return CausalLMOutputWithPast(logits=logits, past_key_values=base.past_key_values)

    class NoCache(LlamaForCausalLM):
        # A model whose caching path raises (an unsupported cache class, a version quirk).
        def forward(self, *args, use_cache=None, **kwargs):
            if use_cache:
                raise NotImplementedError("no cache here")
            return super().forward(*args, use_cache=False, **kwargs)

    cls = {"flat-head": FlatHead, "no-cache": NoCache, "plain": LlamaForCausalLM}[kind]
    torch.manual_seed(0)
    return cls(make_config("llama", 300, 32)).eval()


PAIRS = [
    EncodedPair((5, 6, 7, 8), (9,)),
    EncodedPair((5, 6, 7, 8, 10, 11), (12, 13, 14)),
    EncodedPair((20, 21), (22, 23)),
]


@pytest.mark.parametrize(
    ("kind", "select_rows", "fast", "warning"),
    [
        ("plain", True, True, None),
        ("flat-head", False, True, "row selection failed (SelectionError"),
        ("no-cache", True, False, "fast path probe failed (NotImplementedError: no cache here)"),
    ],
)
def test_a_trick_that_breaks_is_switched_off_and_scores_stay_exact(
    caplog, kind, select_rows, fast, warning
):
    import torch

    with caplog.at_level(logging.WARNING), torch.inference_mode():
        probed = probe(make_engine(_tiny(kind)), "awkward")
        plain = score_plain(probed.engine, PAIRS, Budget(16, 2, 64, 4))
        naive = score_naive(probed.engine, PAIRS)
    assert (probed.engine.select_rows, probed.fast) == (select_rows, fast)
    assert probed.kv_bytes_per_token > 0
    if warning is None:
        assert not caplog.records
    else:
        assert warning in caplog.text and "model 'awkward'" in caplog.text
    for got, want in zip(plain, naive, strict=True):
        assert got is not None and want is not None
        assert got.logprob == pytest.approx(want.logprob, abs=1e-4)
