"""The novelty filter: known corpus + accepted templates in an index, and verdicts against it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from invscale.search.novelty.config import NoveltyConfig
from invscale.search.novelty.corpus import append_accepted, known_entries, remove_accepted
from invscale.search.novelty.embedders import Embedder, make_embedder
from invscale.search.novelty.index import IndexSettings, NoveltyIndex
from invscale.search.novelty.records import (
    ACCEPTED_PREFIX,
    IndexEntry,
    Neighbour,
    NoveltyQuery,
    NoveltyReport,
    NoveltyVerdict,
)
from invscale.search.novelty.vectors import sample_prompts


def verdict_from(neighbours: tuple[Neighbour, ...], threshold: float) -> NoveltyVerdict:
    """Score = 1 - highest similarity (1.0 when nothing is indexed); novel when >= threshold."""
    score = 1.0 - neighbours[0].similarity if neighbours else 1.0
    return NoveltyVerdict(score >= threshold, score, neighbours, threshold)


class NoveltyFilter:
    """Checks candidates against everything known and records the ones a run accepts.

    Use :meth:`open`; the constructor only assigns.
    """

    def __init__(self, index: NoveltyIndex, config: NoveltyConfig):
        self.index = index
        self.config = config

    @classmethod
    def open(
        cls,
        directory: str | Path | None,
        config: NoveltyConfig,
        embedder: Embedder | None = None,
    ) -> NoveltyFilter:
        """Open (or create) the index in ``directory`` and bring it up to date with the known
        corpus and the accepted-templates file; only new or changed texts are embedded.

        Args:
            directory: Index folder, e.g. ``RUN/novelty``; None keeps it in memory.
            config: The ``novelty`` config section.
            embedder: Overrides the configured model (tests pass a fake).

        Raises:
            invscale.search.novelty.records.NoveltyInputError: a malformed corpus or accepted file.
            invscale.search.novelty.embedders.EmbedderError: the model cannot be found.
        """
        settings = IndexSettings(
            approximate_above=config.approximate_above,
            prompts_per_entry=config.prompts_per_query,
        )
        index = NoveltyIndex.open(directory, embedder or make_embedder(config), settings)
        if index.sync(known_entries(config)):
            index.save()
        return cls(index, config)

    def check(self, query: NoveltyQuery, k: int | None = None) -> NoveltyVerdict:
        """Is ``query`` new? The verdict names its ``k`` nearest indexed tasks."""
        return self.check_many([query], k)[0]

    def check_many(
        self, queries: Sequence[NoveltyQuery], k: int | None = None
    ) -> list[NoveltyVerdict]:
        """:meth:`check` for many queries, embedded in one batch."""
        found = self.index.search_many(queries, k or self.config.k)
        return [verdict_from(neighbours, self.config.threshold) for neighbours in found]

    def accept(self, query: NoveltyQuery, name: str, run: str) -> IndexEntry:
        """Record an accepted template so later candidates, in this run and later ones, must be
        new against it: it joins the index (saved at once) and the accepted-templates file.

        Args:
            query: The template as a query (hypothesis + instruction, rendered prompts).
            name: The task's name within the run.
            run: The run's name.

        Returns:
            The stored entry. Its id is ``<run>/<name>``, or ``<run>/<name>~2`` (``~3``, ...)
            when an earlier run of the same name already used that id.
        """
        taken = {e.id for e in self.index.entries}
        entry_id, n = f"{run}/{name}", 1
        while entry_id in taken:
            n += 1
            entry_id = f"{run}/{name}~{n}"
        entry = IndexEntry(
            id=entry_id,
            title=query.title,
            description=query.description,
            prompts=sample_prompts(query.prompts, self.config.prompts_per_query),
            source=ACCEPTED_PREFIX + run,
        )
        self.index.add([entry])
        self.index.save()
        if self.config.accepted_file is not None:
            append_accepted(self.config.accepted_file, entry)
        return entry

    def retract(self, name: str, run: str) -> list[str]:
        """Forget a task this run accepted and then withdrew: it leaves the index and the
        accepted-templates file, so later candidates no longer have to be new against it.

        Returns:
            The entry ids removed (``<run>/<name>``, or its ``~2``... form).
        """
        pattern = re.compile(re.escape(f"{run}/{name}") + r"(~\d+)?")
        ids = {
            e.id
            for e in self.index.entries
            if e.source == ACCEPTED_PREFIX + run and pattern.fullmatch(e.id)
        }
        if ids:
            self.index.remove(ids)
            self.index.save()
        if ids and self.config.accepted_file is not None:
            remove_accepted(self.config.accepted_file, ids)
        return sorted(ids)


def check_queries(
    queries: Sequence[NoveltyQuery],
    config: NoveltyConfig,
    k: int | None = None,
    embedder: Embedder | None = None,
) -> list[NoveltyReport]:
    """Check queries against the known corpus and accepted templates (what ``invscale
    novelty`` does). The index is cached under ``config.cache_dir``, one folder per embedder."""
    model = embedder or make_embedder(config)
    folder = Path(config.cache_dir).expanduser() / re.sub(r"[^A-Za-z0-9._-]+", "_", model.name)
    verdicts = NoveltyFilter.open(folder, config, model).check_many(queries, k)
    return [NoveltyReport(q, v) for q, v in zip(queries, verdicts, strict=True)]


def check_path(
    path: str | Path,
    config: NoveltyConfig,
    k: int | None = None,
    embedder: Embedder | None = None,
    description: str | None = None,
) -> list[NoveltyReport]:
    """:func:`check_queries` for the queries of a Prize data file or a novelty query file.

    Args:
        description: What a data file's task tests, in words; a bare data file is otherwise
            compared on its prompts alone, which catches fewer rediscoveries.
    """
    from invscale.search.novelty.queries import load_path_queries

    queries = load_path_queries(path, config.prompts_per_query)
    if description:
        queries = [q if q.description else replace(q, description=description) for q in queries]
    return check_queries(queries, config, k, embedder)
