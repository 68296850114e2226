from __future__ import annotations

import pytest

from invscale.scorer.config import Rung
from invscale.scorer.preflight import Memory, estimate_bytes, placement, preflight

GIB = 2**30


def _hf(name: str, params: float, **kw: object) -> Rung:
    return Rung(name=name, params=int(params), source=f"org/{name}", **kw)


@pytest.mark.parametrize(
    ("dtype", "per_param"), [("float32", 4), ("bfloat16", 2), ("float16", 2), ("auto", 4)]
)
def test_estimate_is_params_times_dtype_bytes_times_overhead(dtype, per_param):
    assert estimate_bytes(_hf("m", 10**9, dtype=dtype)) == int(10**9 * per_param * 1.2)


@pytest.mark.parametrize(
    ("device", "device_map", "where"),
    [
        ("cpu", None, "cpu"),
        ("cuda", None, "cuda:0"),
        ("cuda:1", None, "cuda:1"),
        ("cuda", "auto", "cuda:*"),
        ("mps", None, "mps"),
    ],
)
def test_placement(device, device_map, where):
    assert placement(_hf("m", 1, device=device, device_map=device_map)) == where


# A 13B model in bf16 needs 13e9 * 2 * 1.2 = 31.2e9 bytes (29.1 GiB).
@pytest.mark.parametrize(
    ("rung", "memory", "fits", "needle"),
    [
        (
            _hf("opt-13b", 13e9, dtype="bfloat16", device="cuda"),
            Memory(64 * GIB, (80 * GIB,)),
            True,
            "cuda:0: 80.0 GiB free",
        ),
        (
            _hf("opt-13b", 13e9, dtype="bfloat16", device="cuda"),
            Memory(64 * GIB, (24 * GIB, 24 * GIB)),
            False,
            "device_map: auto spreads it",
        ),
        (
            _hf("opt-13b", 13e9, dtype="bfloat16", device="cuda", device_map="auto"),
            Memory(64 * GIB, (24 * GIB, 24 * GIB)),
            True,
            "2 GPU(s): 48.0 GiB free",
        ),
        (
            _hf("opt-13b", 13e9, dtype="bfloat16", device="cuda"),
            Memory(64 * GIB),
            False,
            "CUDA is not available",
        ),
        (
            _hf("opt-13b", 13e9, dtype="bfloat16", device="cuda:2"),
            Memory(64 * GIB, (80 * GIB,)),
            False,
            "cuda:2 does not exist",
        ),
        (
            _hf("opt-13b", 13e9, dtype="float32"),
            Memory(32 * GIB),
            False,
            "needs 58.1 GiB alone; system memory has 32.0 GiB",
        ),
        (_hf("opt-1.3b", 1.3e9), Memory(None), None, "system memory unknown"),
        (_hf("x", 1e9, device="mps"), Memory(None), None, "'mps' is not checked"),
    ],
)
def test_a_single_rung_is_judged_against_its_device(rung, memory, fits, needle):
    (fit,) = preflight([rung], memory)
    assert fit.fits is fits
    assert needle in fit.note


def test_endpoint_and_fake_rungs_load_nothing_here():
    rungs = [
        Rung(name="big", params=66 * 10**9, backend="openai", base_url="http://gpu:8000/v1"),
        Rung(name="f", params=10, backend="fake"),
    ]
    fits = preflight(rungs, Memory(0, ()))
    assert [(f.fits, f.need, f.where) for f in fits] == [
        (True, None, "http://gpu:8000/v1"),
        (True, None, "-"),
    ]


def test_models_the_pool_keeps_loaded_count_against_a_rung():
    # Three 8.9 GiB models on one 24 GiB GPU: any two fit together, all three do not.
    rungs = [_hf(f"m{i}", 4e9, dtype="bfloat16", device="cuda") for i in range(3)]
    memory = Memory(64 * GIB, (24 * GIB,))
    held_four = preflight(rungs, memory)  # the pool keeps all three (and, next task, still does)
    assert [f.fits for f in held_four] == [False] * 3
    assert all("not beside the 17.9 GiB" in f.note for f in held_four)
    assert all(f.fits for f in preflight(rungs, memory, max_loaded=2))


def test_models_on_other_devices_do_not_count():
    rungs = [
        _hf("g", 8e9, dtype="bfloat16", device="cuda:0"),
        _hf("h", 8e9, dtype="bfloat16", device="cuda:1"),
    ]
    fits = preflight(rungs, Memory(64 * GIB, (24 * GIB, 24 * GIB)))
    assert [f.resident for f in fits] == [f.need for f in fits]
    assert all(f.fits for f in fits)


def test_a_model_spread_over_gpus_counts_its_share_on_one_gpu():
    spread = _hf("big", 20e9, dtype="bfloat16", device="cuda", device_map="auto")  # 44.7 GiB
    small = _hf("small", 1e9, dtype="bfloat16", device="cuda:0")  # 2.2 GiB
    fits = preflight([small, spread], Memory(64 * GIB, (40 * GIB, 40 * GIB)))
    assert fits[0].resident == fits[0].need + fits[1].need // 2
    assert fits[1].resident == fits[0].need + fits[1].need
    assert [f.fits for f in fits] == [True, True]
