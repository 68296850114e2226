"""Pre-flight check: which rungs of a ladder fit in this machine's memory, before loading any.

The estimate is parameters x bytes per parameter of the rung's dtype x an overhead factor (for
activations, the KV of one batch and the framework's own buffers), against free memory now: each
GPU's free memory from CUDA, system memory from ``MemAvailable``. The scorer keeps up to
``max_loaded`` models in memory (see :class:`scorer.score.ModelPool`), so each rung is checked with
the models still loaded beside it, in the order the scorer loads them (smallest first).
Rungs on an endpoint load nothing here; their server's memory is the server's business.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from invscale.scorer.config import Rung
from invscale.scorer.ladder_exec import is_remote

BYTES_PER_PARAM = {"float32": 4, "bfloat16": 2, "float16": 2, "auto": 4}
"""Bytes per parameter of each dtype (``auto`` may load float32 weights: counted as such)."""
OVERHEAD = 1.2
"""Factor over the weights for activations and buffers while scoring."""
_ALL_GPUS = "cuda:*"


@dataclass(frozen=True)
class Memory:
    """Free memory on this machine, in bytes.

    Attributes:
        cpu: Available system memory (None when unknown).
        gpus: Free memory of each visible CUDA device, by index.
    """

    cpu: int | None
    gpus: tuple[int, ...] = ()


@dataclass(frozen=True)
class RungFit:
    """Whether one rung fits.

    Attributes:
        name: The rung's name.
        where: Where it would be loaded (``cpu``, ``cuda:0``, ``cuda:*`` for a device_map over
            every GPU) or the endpoint that serves it.
        need: Estimated bytes of the model alone (None when nothing is loaded here).
        resident: Estimated bytes of it plus the models still loaded beside it on the same place.
        free: Free bytes there (None when unknown).
        fits: Whether ``resident`` fits in ``free`` (None when unknown).
        note: What the verdict rests on, in words.
    """

    name: str
    where: str
    need: int | None
    resident: int | None
    free: int | None
    fits: bool | None
    note: str


def estimate_bytes(rung: Rung) -> int:
    """Estimated memory of ``rung``'s model while scoring."""
    return int(rung.params * BYTES_PER_PARAM[rung.dtype] * OVERHEAD)


def placement(rung: Rung) -> str:
    """Where an in-process rung's weights go: ``cpu``, ``cuda:N``, ``cuda:*`` or another device."""
    device = rung.device.strip().lower()
    if device.startswith("cuda"):
        return _ALL_GPUS if rung.device_map else (device if ":" in device else "cuda:0")
    return device


def probe_memory(rungs: Sequence[Rung]) -> Memory:
    """Measure free memory, touching CUDA only when some in-process rung asks for it."""
    gpus: tuple[int, ...] = ()
    if any(not is_remote(r) and placement(r).startswith("cuda") for r in rungs):
        import torch

        if torch.cuda.is_available():
            gpus = tuple(torch.cuda.mem_get_info(i)[0] for i in range(torch.cuda.device_count()))
    return Memory(_cpu_available(), gpus)


def _cpu_available() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def preflight(
    rungs: Sequence[Rung], memory: Memory | None = None, max_loaded: int = 4
) -> list[RungFit]:
    """Say which rungs fit, without loading anything.

    Args:
        rungs: The ladder.
        memory: Free memory; measured on this machine when None.
        max_loaded: Models the scorer keeps loaded at once.

    Returns:
        One :class:`RungFit` per rung, in the order given.
    """
    memory = memory if memory is not None else probe_memory(rungs)
    resident = _peak_resident(rungs, max_loaded, len(memory.gpus))
    fits = []
    for index, rung in enumerate(rungs):
        if is_remote(rung) or rung.backend == "fake":
            fits.append(_not_loaded(rung))
        else:
            need = estimate_bytes(rung)
            fits.append(_verdict(rung, placement(rung), need, resident[index], memory))
    return fits


def _peak_resident(rungs: Sequence[Rung], max_loaded: int, n_gpus: int) -> list[int]:
    """Most bytes resident at each rung's placement while it is loaded, per rung.

    Replays the pool over two passes of the ladder, smallest first, as the scorer loads it for
    one task and then the next (the pool is first-in first-out and outlives a task). A model
    spread over every GPU counts on one GPU with an even share.
    """
    order = sorted(range(len(rungs)), key=lambda i: rungs[i].params)
    local = {i: not is_remote(rungs[i]) and rungs[i].backend != "fake" for i in order}
    loaded: list[int] = []
    peak = [0] * len(rungs)
    for index in order * 2:
        if index not in loaded:
            del loaded[: max(0, len(loaded) - max_loaded + 1)]
            loaded.append(index)
        if local[index]:
            where = placement(rungs[index])
            here = sum(_share(rungs[j], where, n_gpus) for j in loaded if local[j])
            peak[index] = max(peak[index], here)
    return peak


def _share(rung: Rung, where: str, n_gpus: int) -> int:
    """Bytes of ``rung``'s model that sit at placement ``where``."""
    at = placement(rung)
    if at == where or (at.startswith("cuda") and where == _ALL_GPUS):
        return estimate_bytes(rung)
    if at == _ALL_GPUS and where.startswith("cuda"):
        return estimate_bytes(rung) // max(n_gpus, 1)
    return 0


def _not_loaded(rung: Rung) -> RungFit:
    if is_remote(rung):
        return RungFit(rung.name, rung.base_url or "?", None, None, None, True, "served there")
    return RungFit(rung.name, "-", None, None, None, True, "no weights (fake backend)")


def _verdict(rung: Rung, where: str, need: int, resident: int, memory: Memory) -> RungFit:
    missing = _missing_gpu(where, memory)
    if missing:
        return RungFit(rung.name, where, need, resident, 0, False, missing)
    free, known = _free(where, memory)
    if free is None:
        return RungFit(rung.name, where, need, resident, None, None, known)
    if need > free:
        note = f"needs {_gib(need)} alone; {known} has {_gib(free)} free"
        if where.startswith("cuda:") and where != _ALL_GPUS and len(memory.gpus) > 1:
            note += "; device_map: auto spreads it over every GPU"
        return RungFit(rung.name, where, need, resident, free, False, note)
    if resident > free:
        note = (
            f"fits alone, but not beside the {_gib(resident - need)} of other models the scorer "
            "keeps loaded; give it a ladder of its own or serve it from an endpoint"
        )
        return RungFit(rung.name, where, need, resident, free, False, note)
    return RungFit(rung.name, where, need, resident, free, True, f"{known}: {_gib(free)} free")


def _missing_gpu(where: str, memory: Memory) -> str | None:
    """Why a CUDA placement cannot be used here, or None."""
    if not where.startswith("cuda"):
        return None
    if not memory.gpus:
        return "CUDA is not available on this machine"
    suffix = where.split(":", 1)[1]
    if suffix != "*" and not suffix.isdigit():
        return f"device {where!r} is neither cuda nor cuda:N"
    if suffix.isdigit() and int(suffix) >= len(memory.gpus):
        return f"{where} does not exist: {len(memory.gpus)} GPU(s) visible"
    return None


def _free(where: str, memory: Memory) -> tuple[int | None, str]:
    """Free bytes at ``where`` (a usable placement) and its description, or why it is unknown."""
    if where == "cpu":
        return memory.cpu, "system memory" if memory.cpu is not None else "system memory unknown"
    if where == _ALL_GPUS:
        return sum(memory.gpus), f"{len(memory.gpus)} GPU(s)"
    if where.startswith("cuda:"):
        return memory.gpus[int(where.split(":")[1])], where
    return None, f"memory of device {where!r} is not checked"


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"
