"""Backends, registered lazily by name so heavy imports happen only when one is used."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from invscale.scorer.backends.base import LM, PartialScoresError
from invscale.scorer.config import Rung, ScorerConfig
from invscale.scorer.errors import BackendError

# name -> "module:factory"; the factory takes (rung, scorer config) and returns an LM.
_REGISTRY: dict[str, str] = {
    "fake": "invscale.scorer.backends.fake:load",
    "hf": "invscale.scorer.backends.hf:load",
    "openai": "invscale.scorer.backends.openai_api:load",
}


class UnknownBackendError(BackendError, ValueError):
    """A rung names a backend nobody registered."""


def register(name: str, target: str) -> None:
    """Register a backend factory given as ``"module:function"``."""
    _REGISTRY[name] = target


def load_backend(rung: Rung, cfg: ScorerConfig) -> LM:
    """Load the model of ``rung`` with its backend.

    Raises:
        UnknownBackendError: the rung names an unregistered backend.
    """
    if rung.backend not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownBackendError(
            f"model {rung.name!r}: unknown backend {rung.backend!r} (known: {known})"
        )
    module_name, func_name = _REGISTRY[rung.backend].split(":")
    factory: Callable[[Rung, ScorerConfig], LM] = getattr(import_module(module_name), func_name)
    return factory(rung, cfg)


__all__ = ["LM", "PartialScoresError", "UnknownBackendError", "load_backend", "register"]
