"""What differs between the transformers versions we support, in one place.

* The key/value cache argument is ``cache`` in recent transformers (5.24); ``past_key_values`` is
  deprecated there (removal announced for 5.40) and the only name before. The name is read from
  the model's ``forward`` signature, and the returned cache from whichever field the output has.
* Logits at a few positions per row. ``logits_to_keep`` with a 2-D per-row index is read as
  per-row positions only by recent versions; 5.17 indexes ``hidden_states[:, keep, :]`` (a
  [B, B, K, H] result, and an out-of-bounds device assert on CUDA, which poisons the context so
  it cannot be probed safely). So the rows are selected here instead: a pre-hook on the output
  layer gathers the wanted positions of the final hidden states before the vocabulary projection.
  Whatever a model applies after that layer (soft-capping, scaling) is elementwise, so it
  computes the same numbers on fewer positions, in every version.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch

CACHE_NEW = "cache"
CACHE_OLD = "past_key_values"


def cache_argument(model: Any) -> str:
    """The name under which ``model.forward`` takes a key/value cache."""
    params = inspect.signature(model.forward).parameters
    return CACHE_NEW if CACHE_NEW in params else CACHE_OLD


def returned_cache(output: Any, name: str) -> Any:
    """The key/value cache a forward pass returned, under the name it was passed in."""
    return getattr(output, name, None)


class SelectionError(RuntimeError):
    """The output layer was called with hidden states of an unexpected shape."""


@contextmanager
def rows_selected(head: torch.nn.Module, keep: torch.Tensor) -> Iterator[None]:
    """While active, ``head`` projects only positions ``keep`` [B, K] of its input [B, L, H].

    Raises:
        SelectionError: (inside the block) the head was called with anything but [B, L, H].
    """

    def gather(_module: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
        hidden = args[0]
        if hidden.dim() != 3 or hidden.shape[0] != keep.shape[0]:
            raise SelectionError(
                f"output layer called with hidden states {tuple(hidden.shape)}, "
                f"expected [{keep.shape[0]}, L, H]"
            )
        index = keep.to(hidden.device)[..., None]  # [B, K, 1]
        return (torch.take_along_dim(hidden, index, dim=1), *args[1:])  # [B, K, H]

    handle = head.register_forward_pre_hook(gather)
    try:
        yield
    finally:
        handle.remove()


def cache_tensors(layer: Any) -> bool:
    """Whether a cache layer holds key/value tensors [B, H_kv, T, D] (not yet, or never)."""
    keys = getattr(layer, "keys", None)
    return isinstance(keys, torch.Tensor) and keys.dim() == 4
