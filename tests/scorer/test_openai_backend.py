from __future__ import annotations

import dataclasses
import math

import pytest

from invscale.scorer.backends import load_backend
from invscale.scorer.backends._openai_retry import RetryPolicy
from invscale.scorer.backends.openai_api import (
    ContinuationBoundaryError,
    EndpointError,
    EndpointLM,
    split_request,
)
from invscale.scorer.cache import ScoreCache, cached_loglikelihood
from invscale.scorer.config import Rung, ScorerConfig
from invscale.scorer.metrics import dataset_requests
from invscale.scorer.records import ClassificationExample, LLRequest, LLResult, TaskDataset
from invscale.scorer.score import score_dataset
from tests.scorer._completions_server import ServerState, start_server

REQUESTS = [
    LLRequest("The capital of France is", " Paris"),
    LLRequest("The capital of France is", " London"),
    LLRequest("Question: Is the sky blue? Answer:", " Yes"),
    LLRequest("Question: Is the sky blue? Answer: ", "No"),  # trailing space moves over
    LLRequest("Review: I loved this film. Sentiment:", " positive"),
    LLRequest("Review: I loved this film. Sentiment:", " negative"),
    LLRequest("Numbers: one two three", " four five six seven"),
    LLRequest("Question:", " Is fire cold? Answer: No"),
    LLRequest("She said", ""),  # nothing to score
]


def _lm(
    url: str, sleeps: list[float] | None = None, probed: bool = False, **rung: object
) -> EndpointLM:
    """A rung on ``url``; ``probed`` skips the load-time probe (as if it had passed on echo), for
    tests that count requests."""
    defaults = {"model": "tiny", "request_batch_size": 3, "max_concurrency": 2, "timeout_s": 5.0}
    cfg = Rung(name="tiny-ep", params=10**6, backend="openai", base_url=url, **(defaults | rung))
    lm = load_backend(cfg, ScorerConfig())
    assert isinstance(lm, EndpointLM)
    recorded = sleeps if sleeps is not None else []
    policy = RetryPolicy(cfg.max_retries, backoff_s=0.01, sleep=recorded.append)
    return dataclasses.replace(lm, policy=policy, field="echo" if probed else None)


def _reference(tiny, request: LLRequest, bos: bool) -> LLResult:
    """Plain in-process scoring of one request on the same weights: one forward pass."""
    import torch

    _, model, tok = tiny
    # lm-evaluation-harness's split: the context's trailing spaces belong to the continuation.
    context = request.context.rstrip(" ")
    continuation = request.context[len(context) :] + request.continuation
    head = [tok.bos_token_id] if bos else []
    ctx = head + tok(context, add_special_tokens=False)["input_ids"]
    ids = head + tok(context + continuation, add_special_tokens=False)["input_ids"]
    assert ids[: len(ctx)] == ctx, "test requests must split on a token boundary"
    if len(ids) == len(ctx):
        return LLResult(0.0, 0, True)
    with torch.no_grad():
        logprobs = torch.log_softmax(model(torch.tensor([ids])).logits[0].double(), dim=-1)
    picked = [logprobs[i - 1, ids[i]] for i in range(len(ctx), len(ids))]
    greedy = all(int(logprobs[i - 1].argmax()) == ids[i] for i in range(len(ctx), len(ids)))
    return LLResult(float(sum(picked)), len(picked), greedy)


def _assert_close(got: list[LLResult], want: list[LLResult]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert abs(g.logprob - w.logprob) < 1e-4, (g, w)
        assert (g.n_tokens, g.is_greedy) == (w.n_tokens, w.is_greedy)


@pytest.mark.parametrize(
    ("vllm_style", "echo_max_tokens"),
    [(False, 0), (False, 1), (True, 1)],
    ids=["openai-offsets-no-generation", "openai-offsets", "vllm-bos-offsets"],
)
def test_endpoint_matches_in_process_scoring_of_the_same_weights(
    tiny, server, vllm_style, echo_max_tokens
):
    server.state.vllm_style = vllm_style
    requests = REQUESTS + ([LLRequest("", "Question: Is")] if vllm_style else [])
    lm = _lm(server.base_url, echo_max_tokens=echo_max_tokens)
    got = lm.loglikelihood(requests)
    _assert_close(got, [_reference(tiny, r, vllm_style) for r in requests])
    assert max(server.state.batch_sizes) == 3  # request_batch_size is honoured
    if vllm_style:  # vLLM's own field is used where the server answers it
        assert lm.field == "prompt_logprobs" and server.state.max_tokens_seen == []
    else:
        assert lm.field == "echo" and set(server.state.max_tokens_seen) == {echo_max_tokens}


def test_vllm_servers_can_be_scored_through_echo_too(tiny, server):
    server.state.vllm_style = True
    lm = _lm(server.base_url, logprobs_field="echo")
    got = lm.loglikelihood(REQUESTS)
    _assert_close(got, [_reference(tiny, r, True) for r in REQUESTS])
    assert lm.field == "echo" and server.state.prompt_logprobs_requests == 0


def test_a_server_refusing_max_tokens_0_is_asked_for_1_and_the_extra_token_ignored(tiny, server):
    server.state.vllm_style = True
    lm = _lm(server.base_url, max_concurrency=1, echo_max_tokens=0, logprobs_field="echo")
    got = lm.loglikelihood(REQUESTS[:4])
    assert lm.max_tokens == 1 and server.state.max_tokens_seen[:2] == [0, 1]
    _assert_close(got, [_reference(tiny, r, True) for r in REQUESTS[:4]])


def _greedy_requests(tiny) -> list[LLRequest]:
    """Requests whose continuation is the model's own argmax next token (where it re-tokenizes
    to the same split)."""
    import torch

    _, model, tok = tiny
    found = []
    for text in ["Review: I loved", "The capital of", "Numbers: one", "Question: Is the", "She"]:
        ids = tok(text, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            nxt = int(model(torch.tensor([ids])).logits[0, -1].argmax())
        piece = tok.decode([nxt])
        if tok(text + piece, add_special_tokens=False)["input_ids"] == [*ids, nxt]:
            found.append(LLRequest(text, piece))
    assert found, "no context had a cleanly re-tokenizing argmax token"
    return found


def test_argmax_continuations_are_flagged_greedy_and_others_not(tiny, server):
    greedy = _greedy_requests(tiny)
    got = _lm(server.base_url).loglikelihood([*greedy, *REQUESTS[:3]])
    want = [True] * len(greedy) + [_reference(tiny, r, False).is_greedy for r in REQUESTS[:3]]
    assert [r.is_greedy for r in got] == want and not all(want)


def test_endpoint_matches_the_hf_backend_on_the_same_weights(tiny, server):
    folder = tiny[0]
    hf = load_backend(Rung(name="tiny-hf", params=10**6, source=str(folder)), ScorerConfig())
    want = hf.loglikelihood(REQUESTS)
    _assert_close(_lm(server.base_url).loglikelihood(REQUESTS), want)


@pytest.mark.parametrize("fault", ["429", "500", "stall", "truncated", "cut"])
def test_transient_faults_are_retried_with_backoff_and_scores_stay_right(tiny, server, fault):
    server.state.faults.extend([fault])
    server.state.stall_s = 4.0
    sleeps: list[float] = []
    # Only the stall needs a short client timeout; a loaded test machine needs slack elsewhere.
    timeout = 1.5 if fault == "stall" else 30
    lm = _lm(server.base_url, sleeps, probed=True, max_concurrency=1, timeout_s=timeout)
    got = lm.loglikelihood(REQUESTS)
    assert server.state.faults_served == [fault]
    # One retry per fault (a stall may cost more on a loaded machine: its timeout is short).
    assert len(sleeps) == 1 or (fault == "stall" and len(sleeps) > 1)
    assert 0.005 <= sleeps[0] <= 0.01  # the first backoff with jitter
    _assert_close(got, [_reference(tiny, r, False) for r in REQUESTS])


def test_a_server_that_keeps_failing_gives_a_clear_error_and_a_rerun_resumes(
    tiny, server, tmp_path
):
    server.state.healthy_requests = 2  # two batches of 3 answered, then HTTP 500 for good
    cache = ScoreCache(str(tmp_path / "scores.sqlite"))
    sleeps: list[float] = []
    lm = _lm(server.base_url, sleeps, probed=True, max_concurrency=1, max_retries=2)
    with pytest.raises(EndpointError) as caught:
        cached_loglikelihood(lm, REQUESTS, cache)
    message = str(caught.value)
    assert "model 'tiny-ep' at http://127.0.0.1:" in message
    assert "after 3 attempts: HTTP 500, HTTP 500, HTTP 500" in message
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] / 2
    served_before = sum(server.state.batch_sizes)

    server.state.healthy_requests = None  # the server is back
    got = cached_loglikelihood(_lm(server.base_url, probed=True), REQUESTS, cache)
    _assert_close(got, [_reference(tiny, r, False) for r in REQUESTS])
    # Only the prompts not finished before the failure reached the server the second time.
    non_empty = sum(1 for r in REQUESTS if split_request(r)[1])
    assert served_before == 6
    assert sum(server.state.batch_sizes) == non_empty


def _mid_token_split(tok, text: str) -> int:
    """A character position of ``text`` inside one of its multi-character tokens."""
    at = 0
    for t in tok(text, add_special_tokens=False)["input_ids"]:
        piece = tok.decode([t])
        if len(piece) >= 3 and " " not in piece:
            return at + len(piece) // 2
        at += len(piece)
    raise AssertionError(f"no multi-character token in {text!r}")


def test_a_class_that_does_not_start_on_a_token_boundary_is_an_error(tiny, server):
    text = "Review: I loved this film. Sentiment: positive"
    cut = _mid_token_split(tiny[2], text)
    requests = [*REQUESTS[:3], LLRequest(text[:cut], text[cut:])]
    with pytest.raises(
        ContinuationBoundaryError, match="no token starts where the continuation"
    ) as caught:
        _lm(server.base_url).loglikelihood(requests)
    assert "model 'tiny-ep'" in str(caught.value) and repr(text[cut:]) in str(caught.value)
    assert sorted(caught.value.partial) == [0, 1, 2]  # the other requests were scored


@pytest.mark.parametrize(
    ("rung", "faults", "needle"),
    [
        ({"model": "no-such-model"}, [], "HTTP 404: The model `no-such-model` does not exist"),
        ({"base_url": "http://127.0.0.1:9/v1", "max_retries": 1}, [], "connection failed"),
        ({"probed": True}, ["no-logprobs"], "a choice has no 'logprobs' object"),
    ],
)
def test_unusable_endpoints_name_the_rung_and_the_problem(server, rung, faults, needle):
    settings = dict(rung)
    url = settings.pop("base_url", server.base_url)
    server.state.faults.extend(faults)
    with pytest.raises(EndpointError, match="model 'tiny-ep' at ") as caught:
        _lm(str(url), **settings).loglikelihood(REQUESTS[:2])  # type: ignore[arg-type]
    assert needle in str(caught.value)


def test_a_rung_without_base_url_is_refused():
    with pytest.raises(ValueError, match="model 'x': backend openai needs base_url"):
        load_backend(Rung(name="x", params=1, backend="openai"), ScorerConfig())


def test_fingerprint_is_url_model_and_revision():
    base = Rung(name="opt", params=1, backend="openai", base_url="http://h:8000/v1/", model="m")
    plain = load_backend(base, ScorerConfig()).fingerprint
    assert plain == "openai:http://h:8000/v1:m"
    revised = base.model_copy(update={"revision": "2024-05"})
    assert load_backend(revised, ScorerConfig()).fingerprint == plain + "@2024-05"


def test_results_are_finite_log_probabilities(server):
    got = _lm(server.base_url).loglikelihood(REQUESTS[:3])
    assert all(math.isfinite(r.logprob) and r.logprob < 0 for r in got)


def _task() -> TaskDataset:
    rows = [
        ("Question: Is the sky blue? Answer:", (" Yes", " No"), 0),
        ("Question: Is fire cold? Answer:", (" Yes", " No"), 1),
        ("Review: I loved this film. Sentiment:", (" positive", " negative"), 0),
        ("Review: A dull and tedious mess. Sentiment:", (" positive", " negative"), 1),
    ]
    examples = tuple(ClassificationExample(p, c, a) for p, c, a in rows)
    return TaskDataset("tiny-task", "classification", examples)


def test_a_mixed_ladder_scores_through_servers_and_rescores_from_cache_without_them(
    tiny, server, tmp_path
):
    other = start_server(ServerState("tiny-b", tiny[1], tiny[2]))
    try:
        ladder = (
            Rung(name="fake-s", params=10**5, backend="fake"),
            Rung(
                name="ep-a", params=10**6, backend="openai", base_url=server.base_url, model="tiny"
            ),
            Rung(
                name="ep-b", params=10**7, backend="openai", base_url=other.base_url, model="tiny-b"
            ),
        )
        cfg = ScorerConfig(cache_path=str(tmp_path / "c.sqlite"), bootstrap_samples=200)
        first = score_dataset(_task(), ladder, cfg)
    finally:
        other.stop()
    server.stop()  # both servers are gone: a rerun must come from the score cache alone

    again = score_dataset(_task(), ladder, cfg)
    assert again.losses().tolist() == first.losses().tolist()
    assert [m.fingerprint for m in first.models][1:] == [
        f"openai:{server.base_url}:tiny",
        f"openai:{other.base_url}:tiny-b",
    ]
    requests = dataset_requests(_task())
    want = [_reference(tiny, r, False) for r in requests]
    by_request = dict(zip(requests, want, strict=True))
    want_classes = [
        by_request[LLRequest(e.prompt, c)].logprob for e in _task().examples for c in e.classes
    ]
    for model in first.models[1:]:  # both servers serve the same weights
        got = [lp for s in model.scores for lp in s.class_logprobs]
        assert got == pytest.approx(want_classes, abs=1e-4)
