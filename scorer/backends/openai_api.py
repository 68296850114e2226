"""The ``openai`` backend: log-likelihoods from an OpenAI-compatible completions endpoint.

For models that do not belong in the search process (13B and up), served by vLLM, llama.cpp's
server or anything else that speaks the legacy ``/v1/completions`` API. Each request is sent as
one prompt, context + continuation, with ``echo`` and ``logprobs`` and one generated token that
is ignored (or none, ``echo_max_tokens: 0``, where the server allows it; one refusing 0 is asked
for 1). The continuation is found by character offset: the trailing whitespace of the context is
moved into the continuation first (as lm-evaluation-harness does), then the token starting at the
context's end begins the continuation. If the server's tokenizer merges across that point, no token
starts there and the request fails with an error instead of being scored wrongly.

vLLM's own request field ``prompt_logprobs`` is used instead where the server answers it (its
reply carries only the prompt's log-probabilities; ``logprobs_field`` on the rung). Before a rung
scores anything, a probe checks that the server's prompt log-probabilities are its model's (see
``_openai_probe``): a server that shifts them or gives none is refused with an error naming it.

Prompts go in batches of ``request_batch_size`` per HTTP request, ``max_concurrency`` requests in
flight, each retried with jittered exponential backoff on 429, 5xx, timeouts, dropped connections
and cut-off replies. When a rung finally fails, what finished is handed to the score cache (see
:class:`~invscale.scorer.backends.base.PartialScoresError`), so a rerun resumes where the
server dropped.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from invscale.scorer.backends._openai_parse import (
    BoundaryError,
    EchoedPrompt,
    ResponseFormatError,
    continuation_result,
    parse_completion,
    parse_prompt_logprobs,
)
from invscale.scorer.backends._openai_probe import EndpointCheckError, run_probe
from invscale.scorer.backends._openai_retry import RetriesExhaustedError, RetryPolicy, with_retries
from invscale.scorer.backends.base import PartialScoresError
from invscale.scorer.config import Rung, ScorerConfig
from invscale.scorer.errors import ConfigError
from invscale.scorer.records import LLRequest, LLResult

# Request index -> result, and request index -> why it could not be scored.
Scored = dict[int, LLResult]
Refused = dict[int, BoundaryError]


class EndpointError(PartialScoresError, ConnectionError):
    """The server failed (after retries) or answered in a way we cannot use."""


class ContinuationBoundaryError(PartialScoresError, ValueError):
    """A continuation does not start on a token boundary of the server's tokenizer."""


def split_request(request: LLRequest) -> tuple[str, str]:
    """Move the context's trailing whitespace to the front of the continuation."""
    context = request.context.rstrip()
    return context, request.context[len(context) :] + request.continuation


@dataclass
class EndpointLM:
    """A model behind an OpenAI-compatible completions endpoint.

    Attributes:
        rung: The rung (URL, model name, batching, retry settings).
        client: An ``openai.OpenAI`` client for ``rung.base_url`` with its own retries off.
        policy: How failed HTTP requests are retried.
        max_tokens: Tokens generated per prompt (``rung.echo_max_tokens``; 1 once the server
            refuses 0).
        field: How prompt log-probabilities are asked for: ``echo`` or ``prompt_logprobs``
            (None until the probe has run).
    """

    rung: Rung
    client: Any
    policy: RetryPolicy
    max_tokens: int = 0
    field: str | None = None

    @property
    def model(self) -> str:
        """The model's name on the server."""
        return self.rung.model or self.rung.name

    @property
    def fingerprint(self) -> str:
        """``openai:<base_url>:<model>`` plus ``@<revision>`` when the rung sets one.

        The server is trusted to serve the same weights under the same name: if it swaps them,
        set ``revision`` on the rung, or the score cache answers with the old model's scores.
        """
        base = f"openai:{(self.rung.base_url or '').rstrip('/')}:{self.model}"
        return f"{base}@{self.rung.revision}" if self.rung.revision else base

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        """Score every request on the server, in batches, several requests in flight.

        Raises:
            ContinuationBoundaryError: a continuation does not start on a token boundary.
            EndpointError: the server failed after retries, or its reply cannot be used.
        """
        splits = [split_request(r) for r in requests]
        scored: Scored = {i: LLResult(0.0, 0, True) for i, (_, k) in enumerate(splits) if not k}
        todo = [i for i, (_, k) in enumerate(splits) if k]
        if todo and self.field is None:
            self.check_server()
        size = self.rung.request_batch_size
        batches = [todo[s : s + size] for s in range(0, len(todo), size)]
        refused: Refused = {}
        error = self._run(batches, splits, scored, refused)
        if error is not None:
            raise self._failure(error, len(requests), scored)
        if refused:
            index, err = min(refused.items())
            raise ContinuationBoundaryError(
                f"model {self.rung.name!r}: {_describe(requests[index])}: {err}"
                + (f" ({len(refused) - 1} more requests like it)" if len(refused) > 1 else ""),
                scored,
            )
        return [scored[i] for i in range(len(requests))]

    def _run(
        self,
        batches: list[list[int]],
        splits: list[tuple[str, str]],
        scored: Scored,
        refused: Refused,
    ) -> BaseException | None:
        """Score batches concurrently into ``scored``/``refused``; return the first failure."""
        if not batches:
            return None
        error: BaseException | None = None
        workers = min(self.rung.max_concurrency, len(batches))
        with ThreadPoolExecutor(workers, thread_name_prefix=f"invscale-{self.rung.name}") as pool:
            futures = [pool.submit(self._score_batch, b, splits) for b in batches]
            for future in as_completed(futures):
                if future.cancelled():
                    continue
                exc = future.exception()
                if exc is None:
                    done, bad = future.result()
                    scored.update(done)
                    refused.update(bad)
                elif error is None:
                    error = exc
                    _cancel(futures)  # batches in flight finish; queued ones never start
        return error

    def _score_batch(
        self, batch: list[int], splits: list[tuple[str, str]]
    ) -> tuple[Scored, Refused]:
        prompts = [splits[i][0] + splits[i][1] for i in batch]
        done: Scored = {}
        bad: Refused = {}
        for i, prompt, echo in zip(batch, prompts, self._prompt_logprobs(prompts), strict=True):
            try:
                done[i] = continuation_result(echo, prompt, len(splits[i][0]))
            except BoundaryError as err:
                bad[i] = err
        return done, bad

    def check_server(self) -> None:
        """Probe the server once (see ``_openai_probe``); pick how to ask for prompt logprobs.

        Raises:
            EndpointError: the server's prompt log-probabilities are missing or wrong, or it
                failed after retries.
        """
        wanted = self.rung.logprobs_field
        try:
            self.field = "echo" if wanted == "echo" else "prompt_logprobs"
            if wanted == "auto" and not self._answers_prompt_logprobs():
                self.field = "echo"
            run_probe(self._next_token, lambda p: self._prompt_logprobs([p])[0], self.field)
        except EndpointCheckError as err:
            self.field = None
            raise EndpointError(
                f"model {self.rung.name!r} at {self.rung.base_url}: refused: {err}", {}
            ) from None
        except Exception as err:
            self.field = None
            raise self._failure(err, 0, {}) from err

    def _answers_prompt_logprobs(self) -> bool:
        import openai

        try:
            self._prompt_logprobs(["Hello"])
        except (openai.BadRequestError, openai.UnprocessableEntityError, ResponseFormatError):
            return False
        return True

    def _next_token(self, prompt: str) -> object:
        return with_retries(
            lambda: self._post(prompt=[prompt], max_tokens=1, logprobs=1, echo=False),
            self.policy,
            "a probe request",
        )

    def _prompt_logprobs(self, prompts: list[str]) -> list[EchoedPrompt]:
        """The server's log-probabilities of each prompt's tokens, asked the probed way."""
        what = f"an HTTP request of {len(prompts)} prompts"
        if self.field == "prompt_logprobs":
            data = with_retries(
                lambda: self._post(
                    prompt=prompts, max_tokens=1, echo=False, extra_body={"prompt_logprobs": 1}
                ),
                self.policy,
                what,
            )
            return parse_prompt_logprobs(data, prompts)
        data = with_retries(lambda: self._complete(prompts), self.policy, what)
        return parse_completion(data, len(prompts))

    def _complete(self, prompts: list[str]) -> object:
        import openai

        try:
            return self._create(prompts, self.max_tokens)
        except (openai.BadRequestError, openai.UnprocessableEntityError):
            if self.max_tokens != 0:
                raise
            # vLLM and others insist on generating at least one token: generate it and ignore it.
            data = self._create(prompts, 1)
            self.max_tokens = 1
            return data

    def _create(self, prompts: list[str], max_tokens: int) -> object:
        return self._post(prompt=prompts, echo=True, logprobs=1, max_tokens=max_tokens)

    def _post(self, **body: Any) -> object:
        raw = self.client.completions.with_raw_response.create(
            model=self.model, temperature=0.0, **body
        )
        # Decoded here, not by the client, so a reply cut short is a JSONDecodeError we retry.
        return json.loads(raw.text)

    def _failure(self, exc: BaseException, total: int, scored: Scored) -> BaseException:
        import openai

        where = f"model {self.rung.name!r} at {self.rung.base_url}"
        kept = f"{len(scored)} of {total} requests of this call were scored and are kept"
        if isinstance(exc, RetriesExhaustedError):
            return EndpointError(f"{where}: {exc}; {kept}", scored)
        if isinstance(exc, openai.APIStatusError):
            hint = " (is `model` the name the server serves?)" if exc.status_code == 404 else ""
            return EndpointError(
                f"{where}: HTTP {exc.status_code}: {_server_message(exc)}{hint}; {kept}", scored
            )
        if isinstance(exc, ResponseFormatError | openai.APIError):
            return EndpointError(f"{where}: {exc}; {kept}", scored)
        return exc


def _cancel(futures: list[Future[Any]]) -> None:
    for future in futures:
        future.cancel()


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if message:
            return str(message)[:300]
    return str(exc)[:300]


def _describe(request: LLRequest) -> str:
    tail = request.context[-40:]
    return f"request with context ...{tail!r} and continuation {request.continuation!r}"


def load(rung: Rung, cfg: ScorerConfig) -> EndpointLM:
    """Backend factory for ``backend: openai``; connects lazily (a fully cached task needs no
    server).

    Raises:
        ConfigError: the rung has no ``base_url``.
    """
    if not rung.base_url:
        raise ConfigError(
            f"model {rung.name!r}: backend openai needs base_url (e.g. http://localhost:8000/v1)"
        )
    import openai

    client = openai.OpenAI(
        base_url=rung.base_url,
        # Local servers usually take any key; OpenAI's client refuses an empty one.
        api_key=os.environ.get(rung.api_key_env) or "EMPTY",
        timeout=rung.timeout_s,
        max_retries=0,
    )
    policy = RetryPolicy(rung.max_retries, rung.retry_backoff_s)
    return EndpointLM(rung, client, policy, rung.echo_max_tokens)
