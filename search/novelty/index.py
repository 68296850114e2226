"""The novelty index: entries, their two channel vectors, and a faiss index per channel.

On disk (a folder, usually ``RUN/novelty/``):

* ``entries.jsonl``: the indexed tasks and their texts, the source of truth;
* ``description.faiss`` and ``prompts.faiss``: one vector per entry, row i is entry i;
* ``manifest.json``: format, embedder name, dimension, count, index kind and the sha256 of
  ``entries.jsonl``.

A missing or corrupt faiss file, or a manifest that does not match the texts or the embedder,
is repaired by re-embedding ``entries.jsonl`` with a :class:`NoveltyIndexWarning`.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from invscale.scorer.fileio import atomic_path, atomic_write, jsonl_text
from invscale.search.novelty.embedders import Embedder
from invscale.search.novelty.records import (
    KNOWN_SOURCE,
    IndexEntry,
    Neighbour,
    NoveltyInputError,
    NoveltyQuery,
)
from invscale.search.novelty.vectors import QueryVectors, embed_queries

FORMAT = 1
ENTRIES_FILE = "entries.jsonl"
MANIFEST_FILE = "manifest.json"
CHANNEL_FILES = ("description.faiss", "prompts.faiss")
_PARALLEL_QUERIES = 16  # fewer queries than this are searched on one thread


class NoveltyIndexWarning(UserWarning):
    """The stored index was unusable and has been rebuilt from its texts."""


@dataclass(frozen=True)
class IndexSettings:
    """How the index is built.

    Attributes:
        approximate_above: Entry count above which HNSW replaces exact inner-product search.
        prompts_per_entry: Prompts sampled per task when embedding (entries and queries alike).
        hnsw_m: HNSW graph degree.
        ef_search: HNSW search breadth (raised to k when k is larger).
    """

    approximate_above: int = 20000
    prompts_per_entry: int = 8
    hnsw_m: int = 32
    ef_search: int = 128


class NoveltyIndex:
    """Indexed tasks, searchable by the two-channel similarity of
    :mod:`invscale.search.novelty.vectors`.

    Use :meth:`open`; the constructor only assigns.
    """

    def __init__(self, directory: Path | None, embedder: Embedder, settings: IndexSettings):
        self.directory = directory
        self.embedder = embedder
        self.settings = settings
        self._entries: list[IndexEntry] = []
        self._vectors: QueryVectors | None = None
        self._faiss: tuple[Any, Any] | None = None  # (description index, prompts index)

    @classmethod
    def open(
        cls, directory: str | Path | None, embedder: Embedder, settings: IndexSettings | None = None
    ) -> NoveltyIndex:
        """Load the index stored in ``directory`` (empty if there is none; in memory if None).

        Raises:
            NoveltyInputError: ``entries.jsonl`` has a malformed line (named by file:line).
        """
        folder = Path(directory).expanduser() if directory is not None else None
        index = cls(folder, embedder, settings or IndexSettings())
        if folder is None:
            return index
        entries_path = folder / ENTRIES_FILE
        if not entries_path.exists():
            if any((folder / name).exists() for name in (MANIFEST_FILE, *CHANNEL_FILES)):
                _warn(f"{folder}: {ENTRIES_FILE} is missing, so the index starts empty")
            return index
        entries = read_entries(entries_path)
        problem = index._load_stored(entries, entries_path)
        if problem is not None:
            _warn(f"{folder}: {problem}; rebuilding from {ENTRIES_FILE} ({len(entries)} entries)")
            index._replace_all(entries)
            index.save()
        return index

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def entries(self) -> tuple[IndexEntry, ...]:
        """The indexed entries, in index order."""
        return tuple(self._entries)

    @property
    def kind(self) -> str:
        """``exact`` (flat inner product) or ``approximate`` (HNSW), chosen by size."""
        return "approximate" if len(self) > self.settings.approximate_above else "exact"

    def add(self, entries: Sequence[IndexEntry]) -> None:
        """Embed and add ``entries``.

        Raises:
            NoveltyInputError: an id is already indexed or repeated in ``entries``.
        """
        counts = Counter(e.id for e in entries)
        clash = sorted(set(counts) & {e.id for e in self._entries}) or sorted(
            i for i, n in counts.items() if n > 1
        )
        if clash:
            raise NoveltyInputError(f"novelty index: duplicate entry id(s) {', '.join(clash)}")
        if not entries:
            return
        new = embed_queries([e.query for e in entries], self.embedder, self._per_entry)
        before = self.kind
        self._entries.extend(entries)
        self._vectors = new if self._vectors is None else _concat(self._vectors, new)
        if self._faiss is not None and before == self.kind:
            self._faiss[0].add(new.description)
            self._faiss[1].add(new.prompts)
        else:
            self._faiss = self._build_faiss(self._vectors)

    def remove(self, ids: set[str]) -> None:
        """Drop the entries of ``ids`` (unknown ids are ignored); call :meth:`save` after."""
        self._remove(ids)

    def sync(self, wanted: Iterable[IndexEntry]) -> int:
        """Make the index hold ``wanted``: add new ids, re-embed changed ones, and drop
        ``known`` entries no longer wanted. Accepted entries are never dropped.

        Returns:
            The number of entries added, re-embedded or dropped.
        """
        target = {e.id: e for e in wanted}
        stale = {
            e.id for e in self._entries if e.id in target and target[e.id].digest() != e.digest()
        }
        gone = {e.id for e in self._entries if e.id not in target and e.source == KNOWN_SOURCE}
        # Same texts, other metadata (e.g. source): swap the record, keep the vectors.
        self._entries = [target.get(e.id, e) if e.id not in stale else e for e in self._entries]
        if stale or gone:
            self._remove(stale | gone)
        present = {e.id for e in self._entries}
        new = [e for e in target.values() if e.id not in present]
        self.add(new)
        return len(gone) + len(new)

    def search(self, query: NoveltyQuery, k: int) -> tuple[Neighbour, ...]:
        """The ``k`` indexed tasks most similar to ``query``, most similar first."""
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[NoveltyQuery], k: int) -> list[tuple[Neighbour, ...]]:
        """:meth:`search` for many queries, embedded in one batch."""
        if not queries:
            return []
        return self.search_vectors(embed_queries(queries, self.embedder, self._per_entry), k)

    def search_vectors(self, queries: QueryVectors, k: int) -> list[tuple[Neighbour, ...]]:
        """Search with already-embedded queries.

        faiss proposes the top ``k`` of each channel; a task in the true top ``k`` by the
        larger channel similarity is in the top ``k`` of that channel, so the union holds the
        answer (exactly for the flat index). Both channel cosines are then computed exactly
        for the candidates, so reported similarities are exact for either index kind.
        """
        if self._vectors is None or self._faiss is None or not self._entries:
            return [() for _ in range(len(queries))]
        width = min(k, len(self))
        candidates: list[set[int]] = [set() for _ in range(len(queries))]
        for channel, (q_vecs, has) in enumerate(
            ((queries.description, queries.has_description), (queries.prompts, queries.has_prompts))
        ):
            rows = np.flatnonzero(has)
            if rows.size == 0:
                continue
            self._tune(self._faiss[channel], width)
            with _few_threads(rows.size):
                _, found = self._faiss[channel].search(q_vecs[rows], width)  # (r, width)
            for row, ids in zip(rows, found, strict=True):
                candidates[row].update(int(i) for i in ids if i >= 0)
        return [self._rank(queries, row, sorted(cands), k) for row, cands in enumerate(candidates)]

    def save(self) -> None:
        """Write the index folder (atomically per file). A no-op for an in-memory index."""
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        lines = jsonl_text(e.to_json() for e in self._entries)
        atomic_write(self.directory / ENTRIES_FILE, lines)
        for path in (self.directory / name for name in CHANNEL_FILES):
            path.unlink(missing_ok=True)
        if self._faiss is not None:
            import faiss

            for name, index in zip(CHANNEL_FILES, self._faiss, strict=True):
                with atomic_path(self.directory / name) as tmp:
                    faiss.write_index(index, str(tmp))
        manifest = {
            "format": FORMAT,
            "embedder": self.embedder.name,
            "dim": None if self._vectors is None else int(self._vectors.description.shape[1]),
            "count": len(self),
            "kind": self.kind,
            "entries_sha256": hashlib.sha256(lines.encode()).hexdigest(),
        }
        atomic_write(self.directory / MANIFEST_FILE, json.dumps(manifest, indent=2))

    # -- internals ---------------------------------------------------------------------------

    @property
    def _per_entry(self) -> int:
        return self.settings.prompts_per_entry

    def _rank(
        self, queries: QueryVectors, row: int, cands: list[int], k: int
    ) -> tuple[Neighbour, ...]:
        assert self._vectors is not None
        vecs = self._vectors
        idx = np.array(cands, dtype=np.int64)
        desc = vecs.description[idx] @ queries.description[row]  # (c,)
        prom = vecs.prompts[idx] @ queries.prompts[row]  # (c,)
        desc_ok = vecs.has_description[idx] & queries.has_description[row]
        prom_ok = vecs.has_prompts[idx] & queries.has_prompts[row]
        best = np.maximum(np.where(desc_ok, desc, -np.inf), np.where(prom_ok, prom, -np.inf))
        order = [i for i in np.argsort(-best, kind="stable") if np.isfinite(best[i])][:k]
        return tuple(
            Neighbour(
                id=self._entries[cands[i]].id,
                title=self._entries[cands[i]].title,
                source=self._entries[cands[i]].source,
                similarity=float(best[i]),
                description_similarity=float(desc[i]) if desc_ok[i] else None,
                prompt_similarity=float(prom[i]) if prom_ok[i] else None,
            )
            for i in order
        )

    def _tune(self, index: Any, width: int) -> None:
        hnsw = getattr(index, "hnsw", None)
        if hnsw is not None:
            hnsw.efSearch = max(self.settings.ef_search, width)

    def _build_faiss(self, vecs: QueryVectors) -> tuple[Any, Any]:
        import faiss

        dim = int(vecs.description.shape[1])

        def build(matrix: np.ndarray) -> Any:
            index: Any
            if self.kind == "approximate":
                index = faiss.IndexHNSWFlat(dim, self.settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            else:
                index = faiss.IndexFlatIP(dim)
            index.add(np.ascontiguousarray(matrix))
            return index

        return build(vecs.description), build(vecs.prompts)

    def _replace_all(self, entries: Sequence[IndexEntry]) -> None:
        self._entries, self._vectors, self._faiss = [], None, None
        self.add(entries)

    def _remove(self, ids: set[str]) -> None:
        keep = [i for i, e in enumerate(self._entries) if e.id not in ids]
        self._entries = [self._entries[i] for i in keep]
        if self._vectors is None:
            return
        v = self._vectors
        self._vectors = QueryVectors(
            v.description[keep], v.prompts[keep], v.has_description[keep], v.has_prompts[keep]
        )
        self._faiss = self._build_faiss(self._vectors) if keep else None

    def _load_stored(self, entries: list[IndexEntry], entries_path: Path) -> str | None:
        """Adopt the stored vectors for ``entries``; return why they cannot be used, or None."""
        assert self.directory is not None
        try:
            manifest = json.loads((self.directory / MANIFEST_FILE).read_text())
        except FileNotFoundError:
            return f"{MANIFEST_FILE} is missing"
        except (OSError, ValueError) as exc:
            return f"{MANIFEST_FILE} is unreadable ({exc})"
        expected = {
            "format": FORMAT,
            "embedder": self.embedder.name,
            "count": len(entries),
            "entries_sha256": hashlib.sha256(entries_path.read_bytes()).hexdigest(),
        }
        for key, want in expected.items():
            if not isinstance(manifest, dict) or manifest.get(key) != want:
                got = manifest.get(key) if isinstance(manifest, dict) else None
                return f"{MANIFEST_FILE} has {key}={got!r}, expected {want!r}"
        if not entries:
            return None
        loaded = _read_channels(self.directory, len(entries), manifest.get("dim"))
        if isinstance(loaded, str):
            return loaded
        self._entries = list(entries)
        self._vectors = QueryVectors(
            loaded[0],
            loaded[1],
            np.array([bool(e.description.strip()) for e in entries]),
            np.array([any(p.strip() for p in e.prompts) for e in entries]),
        )
        # A changed approximate_above setting swaps the index kind without re-embedding.
        self._faiss = loaded[2] if manifest.get("kind") == self.kind else None
        if self._faiss is None:
            self._faiss = self._build_faiss(self._vectors)
        return None


def read_entries(path: Path, allow_repeats: bool = False) -> list[IndexEntry]:
    """Read a JSONL file of :class:`IndexEntry` (blank lines skipped).

    Args:
        path: The file.
        allow_repeats: Let a later line with an id replace the earlier one (an append-only
            log); otherwise a repeated id is an error.

    Raises:
        NoveltyInputError: naming ``path:line`` of a malformed line or a repeated id.
    """
    entries: dict[str, IndexEntry] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise NoveltyInputError(f"{where}: not valid JSON ({exc.msg})") from exc
        entry = IndexEntry.from_json(raw, where)
        if entry.id in entries and not allow_repeats:
            raise NoveltyInputError(f"{where}: id {entry.id!r} appears twice")
        entries[entry.id] = entry
    return list(entries.values())


def _read_channels(folder: Path, count: int, dim: object) -> tuple | str:
    """Read both faiss files; return (description vecs, prompt vecs, indexes) or a problem."""
    import faiss

    indexes, matrices = [], []
    for name in CHANNEL_FILES:
        path = folder / name
        if not path.exists():
            return f"{name} is missing"
        try:
            index = faiss.read_index(str(path))
        except (RuntimeError, OSError) as exc:
            return f"{name} is corrupt ({str(exc).splitlines()[0][:120]})"
        if index.ntotal != count or index.d != dim:
            return f"{name} holds {index.ntotal}x{index.d} vectors, expected {count}x{dim}"
        indexes.append(index)
        matrices.append(index.reconstruct_n(0, count).astype(np.float32))  # (count, dim)
    return matrices[0], matrices[1], (indexes[0], indexes[1])


@contextmanager
def _few_threads(n_queries: int) -> Iterator[None]:
    """Search a handful of queries on one OpenMP thread: faiss splits a flat search of a single
    query across threads, and on a busy machine the threads' start-up and spinning cost far
    more than the scan (measured: 87 vs 3450 single queries/s over 10k vectors, 2 cores)."""
    import faiss

    if n_queries >= _PARALLEL_QUERIES:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _concat(a: QueryVectors, b: QueryVectors) -> QueryVectors:
    return QueryVectors(
        np.concatenate([a.description, b.description]),
        np.concatenate([a.prompts, b.prompts]),
        np.concatenate([a.has_description, b.has_description]),
        np.concatenate([a.has_prompts, b.has_prompts]),
    )


def _warn(message: str) -> None:
    warnings.warn(message, NoveltyIndexWarning, stacklevel=3)
