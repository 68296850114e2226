"""The one-method backend contract."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from invscale.scorer.errors import BackendError
from invscale.scorer.records import LLRequest, LLResult


@runtime_checkable
class LM(Protocol):
    """A language model as the scorer sees it.

    Backends never see task types: the scorer turns every task into log-likelihood requests.
    """

    @property
    def fingerprint(self) -> str:
        """Stable identity of the weights and tokenizer, the score cache's key."""
        ...

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        """Score every request; results come back in request order.

        A backend that fails after scoring some of the requests should raise
        :class:`PartialScoresError` carrying them, so the score cache keeps that work.
        """
        ...


class PartialScoresError(BackendError):
    """A backend call that failed part-way; ``partial`` maps request index -> finished result.

    The score cache stores ``partial`` before passing the error on, so a rerun resumes there.
    """

    def __init__(self, message: str, partial: dict[int, LLResult]) -> None:
        super().__init__(message)
        self.partial = partial
