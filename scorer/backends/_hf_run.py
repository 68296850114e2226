"""Forward passes of a causal LM: padded batches, cached prefixes, scores (torch lives here).

Every batched call pads on the right, passes an explicit attention mask and explicit position ids,
so each row computes what it would alone: a padded slot is masked out of every attention and the
real tokens keep their true positions. Key/value caches of a prefix are reused by shallow-copying
the cache object and its layers and swapping in expanded or row-selected tensors; the stored
tensors are never written to, so one prefix cache serves many batches.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer, DynamicSlidingWindowLayer

from invscale.scorer.backends._hf_compat import (
    cache_argument,
    cache_tensors,
    returned_cache,
    rows_selected,
)
from invscale.scorer.backends._hf_encode import EncodedPair, Tokens

# Cache layers whose tensors we know how to expand and select (plain or sliding-window attention).
_KNOWN_LAYERS = (DynamicLayer, DynamicSlidingWindowLayer)


@dataclass(frozen=True)
class TokenScore:
    """Summed log-probability of some tokens, and whether each was the argmax."""

    logprob: float
    greedy: bool


@dataclass
class RunStats:
    """Work done so far: forward passes and tokens fed (padding included)."""

    forwards: int = 0
    tokens: int = 0


@dataclass(frozen=True)
class Engine:
    """A loaded model with what the runner needs to know about it.

    Attributes:
        model: The causal LM, in eval mode.
        device: Its device (of its input embeddings when spread over several).
        cache_arg: The name ``forward`` takes the key/value cache under (see ``_hf_compat``).
        select_rows: Project only the kept positions onto the vocabulary (see ``_hf_compat``);
            False computes logits everywhere and picks positions afterwards.
        window_limit: Longest index span the cached path may use (sliding-window models: nothing
            may fall out of a window), None for no limit.
        vocab_size: Width of the logits.
        stats: Counters, updated by every forward pass.
    """

    model: Any
    device: torch.device
    cache_arg: str
    select_rows: bool
    window_limit: int | None
    vocab_size: int
    stats: RunStats = field(default_factory=RunStats)


@dataclass(frozen=True)
class ContextBatch:
    """Contexts computed together: their cache, mask and where each one's next token goes."""

    cache: Any
    mask: torch.Tensor  # [B, P + L] 1 for real tokens
    ends: torch.Tensor  # [B] position id of the token after each context
    logprobs: torch.Tensor  # [B, V] log-probabilities of the token after each context


def make_engine(model: Any) -> Engine:
    """Describe ``model`` for the runner (no forward pass); rows are selected until a probe
    says otherwise."""
    device = model.get_input_embeddings().weight.device
    vocab = int(model.get_output_embeddings().weight.shape[0])
    return Engine(model, device, cache_argument(model), True, _window_limit(model), vocab)


def _window_limit(model: Any) -> int | None:
    layers = getattr(DynamicCache(config=model.config), "layers", [])
    windows = [int(layer.sliding_window) for layer in layers if getattr(layer, "is_sliding", False)]
    return min(windows) - 1 if windows else None


def cache_is_supported(cache: Any) -> bool:
    """Whether every layer of ``cache`` is one whose tensors we can expand and select."""
    layers: list[Any] = getattr(cache, "layers", None) or []
    return bool(layers) and all(type(layer) in _KNOWN_LAYERS for layer in layers)


def kv_bytes_per_token(cache: Any, n_tokens: int) -> int:
    """Bytes of keys and values one token of one row holds in ``cache``."""
    total = sum(
        layer.keys.numel() * layer.keys.element_size() * 2
        for layer in cache.layers
        if layer.keys is not None
    )
    return max(total // max(n_tokens, 1), 1)


def _with_layers(cache: Any, swap: Any) -> Any:
    # A shallow copy whose layers hold new tensor objects; the originals stay untouched.
    new = copy.copy(cache)
    new.layers = []
    for layer in cache.layers:
        clone = copy.copy(layer)
        if cache_tensors(layer):
            clone.keys, clone.values = swap(layer.keys), swap(layer.values)
        new.layers.append(clone)
    return new


def expand_cache(cache: Any, rows: int) -> Any:
    """The one-row ``cache`` seen by ``rows`` rows (views, no copy)."""
    return _with_layers(cache, lambda t: t.expand(rows, -1, -1, -1))


def select_cache(cache: Any, rows: list[int]) -> Any:
    """The rows ``rows`` of ``cache`` (a view when they are consecutive, else a copy)."""
    if rows == list(range(rows[0], rows[0] + len(rows))):
        return _with_layers(cache, lambda t: t[rows[0] : rows[0] + len(rows)])
    index = torch.tensor(rows, device=cache.layers[0].keys.device)
    return _with_layers(cache, lambda t: t.index_select(0, index))


def _pad(seqs: list[Tokens], width: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.zeros(len(seqs), width, dtype=torch.long)
    mask = torch.zeros(len(seqs), width, dtype=torch.long)
    for row, seq in enumerate(seqs):
        ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return ids.to(device), mask.to(device)


def forward(
    engine: Engine,
    ids: torch.Tensor,
    mask: torch.Tensor,
    positions: torch.Tensor,
    cache: Any = None,
    keep: torch.Tensor | None = None,
    use_cache: bool = False,
) -> tuple[torch.Tensor, Any]:
    """One forward pass; returns float32 logits (at ``keep`` [B, K] positions if given) and cache.

    Shapes: ids, positions [B, Q]; mask [B, cached + Q]; logits [B, K or Q, V].
    """
    engine.stats.forwards += 1
    engine.stats.tokens += ids.numel()
    kwargs: dict[str, Any] = {
        "input_ids": ids,
        "attention_mask": mask,
        "position_ids": positions,
        engine.cache_arg: cache,
        "use_cache": use_cache,
    }
    if keep is not None and engine.select_rows:
        with rows_selected(engine.model.get_output_embeddings(), keep):
            out = engine.model(**kwargs)
        logits = out.logits  # [B, K, V]
    else:
        out = engine.model(**kwargs)
        logits = out.logits  # [B, Q, V]
        if keep is not None:
            logits = torch.take_along_dim(logits, keep[..., None].to(logits.device), dim=1)
    return logits.float(), returned_cache(out, engine.cache_arg) if use_cache else None


def log_softmax_scores(
    logits: torch.Tensor, targets: torch.Tensor, lengths: torch.Tensor
) -> list[TokenScore]:
    """Sum the targets' log-probabilities over the first ``lengths`` positions of each row.

    Shapes: logits [N, K, V]; targets [N, K]; lengths [N].
    """
    picked = logits.gather(-1, targets[..., None])[..., 0] - torch.logsumexp(logits, dim=-1)
    valid = torch.arange(targets.shape[1], device=logits.device)[None, :] < lengths[:, None]
    hit = logits.argmax(dim=-1) == targets
    total = torch.where(valid, picked, torch.zeros_like(picked)).sum(dim=-1)  # [N]
    greedy = (hit | ~valid).all(dim=-1)  # [N]
    return [TokenScore(lp, g) for lp, g in zip(total.tolist(), greedy.tolist(), strict=True)]


def run_prefix(engine: Engine, prefix: Tokens, chunk: int) -> Any:
    """Compute the key/value cache of one shared prefix, ``chunk`` tokens per pass."""
    cache = None
    for start in range(0, len(prefix), chunk):
        part = prefix[start : start + chunk]
        ids = torch.tensor([part], dtype=torch.long, device=engine.device)
        mask = torch.ones(1, start + len(part), dtype=torch.long, device=engine.device)
        positions = torch.arange(start, start + len(part), device=engine.device)[None, :]
        keep = torch.zeros(1, 1, dtype=torch.long, device=engine.device)
        _, cache = forward(engine, ids, mask, positions, cache, keep, use_cache=True)
    return cache


def run_contexts(
    engine: Engine, prefix_cache: Any, prefix_len: int, rests: list[Tokens], keep_cache: bool
) -> ContextBatch:
    """Compute contexts (their tokens after the shared prefix) in one padded batch."""
    width = max(len(r) for r in rests)
    ids, row_mask = _pad(rests, width, engine.device)  # [B, L]
    rows = len(rests)
    head = torch.ones(rows, prefix_len, dtype=torch.long, device=engine.device)
    mask = torch.cat([head, row_mask], dim=1)  # [B, P + L]
    positions = prefix_len + torch.arange(width, device=engine.device).expand(rows, -1)
    lengths = torch.tensor([len(r) for r in rests], device=engine.device)
    keep = (lengths - 1)[:, None]  # [B, 1]
    cache = expand_cache(prefix_cache, rows) if prefix_cache is not None else None
    logits, cache = forward(engine, ids, mask, positions, cache, keep, use_cache=keep_cache)
    logprobs = torch.log_softmax(logits[:, 0, :], dim=-1)  # [B, V]
    return ContextBatch(cache if keep_cache else None, mask, prefix_len + lengths, logprobs)


def first_token_scores(batch: ContextBatch, rows: list[int], tokens: list[int]) -> list[TokenScore]:
    """Score token ``tokens[i]`` right after context row ``rows[i]``."""
    row_t = torch.tensor(rows, device=batch.logprobs.device)
    tok_t = torch.tensor(tokens, device=batch.logprobs.device)
    picked = batch.logprobs[row_t, tok_t].tolist()
    greedy = (batch.logprobs[row_t].argmax(dim=-1) == tok_t).tolist()
    return [TokenScore(lp, g) for lp, g in zip(picked, greedy, strict=True)]


def run_continuations(
    engine: Engine, batch: ContextBatch, rows: list[int], conts: list[Tokens]
) -> list[TokenScore]:
    """Score tokens 2.. of each continuation on top of its context row's cache."""
    steps = [c[:-1] for c in conts]
    width = max(len(s) for s in steps)
    ids, step_mask = _pad(steps, width, engine.device)  # [R, Q]
    targets, _ = _pad([c[1:] for c in conts], width, engine.device)  # [R, Q]
    index = torch.tensor(rows, device=engine.device)
    mask = torch.cat([batch.mask.index_select(0, index), step_mask], dim=1)  # [R, P + L + Q]
    positions = batch.ends.index_select(0, index)[:, None] + torch.arange(width, device=ids.device)
    cache = select_cache(batch.cache, rows)
    logits, _ = forward(engine, ids, mask, positions, cache)  # [R, Q, V]
    lengths = torch.tensor([len(s) for s in steps], device=engine.device)
    return log_softmax_scores(logits, targets, lengths)


def run_full(engine: Engine, pairs: list[EncodedPair]) -> list[TokenScore]:
    """The plain path: each pair's whole sequence in one right-padded batch, no cache."""
    seqs = [p.context + p.continuation[:-1] for p in pairs]
    width = max(len(s) for s in seqs)
    ids, mask = _pad(seqs, width, engine.device)  # [B, L]
    positions = torch.arange(width, device=engine.device).expand(len(seqs), -1)
    span = max(len(p.continuation) for p in pairs)
    starts = torch.tensor([len(p.context) - 1 for p in pairs], device=engine.device)
    ends = torch.tensor([len(s) - 1 for s in seqs], device=engine.device)
    keep = torch.minimum(starts[:, None] + torch.arange(span, device=engine.device), ends[:, None])
    logits, _ = forward(engine, ids, mask, positions, keep=keep)  # [B, K, V]
    targets, _ = _pad([p.continuation for p in pairs], span, engine.device)
    lengths = torch.tensor([len(p.continuation) for p in pairs], device=engine.device)
    return log_softmax_scores(logits, targets, lengths)


def run_naive(engine: Engine, pair: EncodedPair) -> TokenScore:
    """The reference: one sequence alone, full logits, no mask, no cache, no position ids."""
    seq = pair.context + pair.continuation[:-1]
    ids = torch.tensor([seq], dtype=torch.long, device=engine.device)
    logits = engine.model(input_ids=ids).logits.float()[:, len(pair.context) - 1 :]  # [1, K, V]
    targets = torch.tensor([pair.continuation], device=engine.device)
    lengths = torch.tensor([len(pair.continuation)], device=engine.device)
    return log_softmax_scores(logits, targets, lengths)[0]
