"""Retries with jittered exponential backoff for calls to an inference server (tenacity drives
the loop; the policy says what to retry and how long to wait).

What is worth retrying: HTTP 429 and 5xx, timeouts, dropped connections and replies cut short
(unreadable JSON). Everything else (400, 401, 404, a reply of the wrong shape) fails at once: asking
again would get the same answer. A server's Retry-After is honoured (up to 5 minutes).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

# Longest wait honoured from a server's Retry-After header.
_MAX_RETRY_AFTER_S = 300.0


class RetriesExhaustedError(ConnectionError):
    """Every attempt of a call failed with a retryable error."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry.

    Attributes:
        max_retries: Retries after the first attempt.
        backoff_s: Delay before the first retry; doubled per retry.
        max_backoff_s: Cap of one delay (before jitter).
        sleep: Called with each delay (tests pass a recorder).
        rng: Source of the jitter.
    """

    max_retries: int
    backoff_s: float
    max_backoff_s: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (0-based), at least ``retry_after``."""
        base = min(self.max_backoff_s, self.backoff_s * 2.0**retry)
        # Full jitter in the upper half: clients that failed together do not retry together.
        wait = base * (0.5 + 0.5 * self.rng.random())
        if retry_after is not None:
            wait = max(wait, min(retry_after, _MAX_RETRY_AFTER_S))
        return wait


def retry_reason(exc: BaseException) -> str | None:
    """A short description of ``exc`` when it is worth retrying, else None."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return "timed out"
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        return f"connection failed ({type(cause).__name__ if cause else 'no reply'})"
    if isinstance(exc, openai.APIStatusError) and (
        exc.status_code == 429 or exc.status_code >= 500
    ):
        return f"HTTP {exc.status_code}"
    if isinstance(exc, json.JSONDecodeError):
        return "reply cut short (unreadable JSON)"
    return None


def retry_after_s(exc: BaseException) -> float | None:
    """The delay a 429/503 reply asks for in its Retry-After header, if any."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    value = headers.get("retry-after") if headers is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare from inference servers, and the backoff covers it


def with_retries(call: Callable[[], T], policy: RetryPolicy, what: str) -> T:
    """Run ``call``, retrying retryable failures per ``policy``.

    Args:
        call: The call.
        policy: How to retry.
        what: What the call is, for the error message.

    Raises:
        RetriesExhaustedError: every attempt failed retryably; the message lists each failure.
        Exception: the first failure that is not worth retrying, unchanged.
    """
    from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception
    from tenacity.stop import stop_after_attempt

    reasons: list[str] = []

    def retryable(exc: BaseException) -> bool:
        reason = retry_reason(exc)
        if reason is not None:
            reasons.append(reason)
        return reason is not None

    def wait(state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome is not None else None
        retry_after = retry_after_s(failure) if failure is not None else None
        return policy.delay(state.attempt_number - 1, retry_after)

    retrying = Retrying(
        stop=stop_after_attempt(policy.max_retries + 1),
        wait=wait,
        retry=retry_if_exception(retryable),
        sleep=policy.sleep,
    )
    try:
        return retrying(call)
    except RetryError as err:
        raise RetriesExhaustedError(
            f"gave up on {what} after {len(reasons)} attempts: {', '.join(reasons)}"
        ) from err.last_attempt.exception()
