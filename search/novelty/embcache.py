"""A persistent cache of text embeddings, keyed by embedder name and text hash.

The mechanism channels embed every exemplar of the known corpus (hundreds of prompts) in every
run's index; with the cache, MiniLM embeds each text once per machine.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from invscale.search.novelty.embedders import Embedder

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS vectors "
    "(model TEXT, key TEXT, vector BLOB, PRIMARY KEY (model, key))"
)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class CachedEmbedder:
    """Wraps an embedder; texts seen before (by this model) are read from SQLite.

    Use :meth:`open`; the constructor only assigns.
    """

    def __init__(self, inner: Embedder, path: Path | None) -> None:
        self.inner = inner
        self.path = path

    @classmethod
    def open(cls, inner: Embedder, folder: str | Path | None) -> CachedEmbedder:
        """A cache in ``folder/embeddings.sqlite`` (in memory only when ``folder`` is None)."""
        if folder is None:
            return cls(inner, None)
        path = Path(folder).expanduser() / "embeddings.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(inner, path)

    @property
    def name(self) -> str:
        """The wrapped model's name (the cache does not change the vectors)."""
        return self.inner.name

    @property
    def dim(self) -> int:
        """The wrapped model's vector length."""
        return self.inner.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of ``texts``: cached ones read back, the rest embedded in one batch and
        stored. Shape (len(texts), dim), float32."""
        if self.path is None or not texts:
            return self.inner.embed(texts)
        keys = [_key(t) for t in texts]
        with sqlite3.connect(self.path, timeout=60) as conn:
            conn.execute(_SCHEMA)
            found = self._read(conn, set(keys))
            missing = list(
                dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found)
            )
            if missing:
                new = self.inner.embed(missing)
                rows = [
                    (self.name, _key(t), v.astype(np.float32).tobytes())
                    for t, v in zip(missing, new, strict=True)
                ]
                conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)
                found.update({r[1]: np.frombuffer(r[2], np.float32) for r in rows})
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def _read(self, conn: sqlite3.Connection, keys: set[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        wanted = sorted(keys)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({marks})",
                (self.name, *chunk),
            )
            out.update({key: np.frombuffer(blob, np.float32) for key, blob in rows})
        return out
