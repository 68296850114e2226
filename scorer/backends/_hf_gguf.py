"""Dequantize a GGUF file once into a plain transformers folder, cached by the file's sha256.

transformers reads GGUF by dequantizing every tensor (tens of seconds); the folder it leaves in
the cache loads in a few. ``save_pretrained`` refuses a model loaded from GGUF, so the weights move
into a model built from the same config without its quantization entry. The folder is written
beside its final place and renamed into it, so a killed conversion leaves no half cache.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from invscale.scorer.backends._hf_load import ModelSourceError

_log = logging.getLogger(__name__)
_DONE = "invscale-gguf.json"


def converted_folder(gguf: Path, digest: str, cache_dir: Path) -> Path:
    """The cached dequantized folder for ``gguf`` (sha256 ``digest``), made if needed."""
    target = cache_dir / f"gguf-{digest}"
    if (target / _DONE).is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-gguf-{digest[:12]}-", dir=cache_dir))
    try:
        _log.info("dequantizing %s into %s (once)", gguf, target)
        _convert(gguf, tmp)
        (tmp / _DONE).write_text(json.dumps({"gguf": str(gguf), "sha256": digest}, indent=1))
        # mkdtemp and save_pretrained make private files; the cache serves every user here.
        tmp.chmod(0o755)
        for path in tmp.iterdir():
            path.chmod(0o644)
        if target.exists() and not (target / _DONE).is_file():
            shutil.rmtree(target)  # an unfinished folder from an old layout: replace it
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / _DONE).is_file():  # not a concurrent run that finished first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _convert(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=torch.float32
    )
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = plain.load_state_dict(loaded.state_dict(), strict=False)
    if unexpected or any("lm_head" not in m for m in missing):
        raise ModelSourceError(
            f"GGUF {gguf}: weights do not fit the config ({missing}, {unexpected})"
        )
    plain.tie_weights()
    plain.save_pretrained(out)
    tokenizer.save_pretrained(out)
