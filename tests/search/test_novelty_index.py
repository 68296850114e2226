"""NoveltyIndex: search, persistence, repair from texts, exact vs approximate by size."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from invscale.search.novelty import (
    HashingEmbedder,
    IndexSettings,
    NoveltyIndex,
    NoveltyIndexWarning,
    NoveltyInputError,
    NoveltyQuery,
)
from tests.search.novelty_fakes import CountingEmbedder, entry

ENTRIES = [
    entry("apples", "red apples grow on orchard trees", ("pick the ripe apples",)),
    entry("rivers", "rivers carry water down to the sea", ("the river floods in spring",)),
    entry("engines", "diesel engines burn fuel to turn a crankshaft", ("start the diesel engine",)),
    entry("prompts-only", "", ("bake the sourdough bread at dawn",)),
]


def _built(folder: Path | None, embedder=None, **settings) -> NoveltyIndex:
    index = NoveltyIndex.open(folder, embedder or HashingEmbedder(), IndexSettings(**settings))
    index.add(ENTRIES)
    index.save()
    return index


def _ids(index: NoveltyIndex, text: str, k: int = 4) -> list[str]:
    return [n.id for n in index.search(NoveltyQuery("q", text, (text,)), k)]


def test_search_ranks_by_shared_words_and_reports_both_channels():
    index = _built(None)
    found = index.search(NoveltyQuery("q", "apples grow on trees", ("ripe apples",)), 2)
    assert found[0].id == "apples"
    assert found[0].similarity == max(found[0].description_similarity, found[0].prompt_similarity)
    assert found[0].similarity > found[1].similarity


def test_entry_without_description_is_matched_on_prompts_only():
    index = _built(None)
    top = index.search(NoveltyQuery("q", "", ("bake the sourdough bread at dawn",)), 1)[0]
    assert (top.id, top.description_similarity) == ("prompts-only", None)
    assert top.prompt_similarity == pytest.approx(1.0)


def test_empty_index_finds_nothing(tmp_path):
    index = NoveltyIndex.open(tmp_path / "idx", HashingEmbedder())
    assert index.search(NoveltyQuery("q", "anything", ()), 3) == ()


def test_index_survives_a_restart_without_re_embedding(tmp_path):
    before = _ids(_built(tmp_path / "idx"), "diesel fuel for the engine")
    counting = CountingEmbedder()
    with warnings.catch_warnings():
        warnings.simplefilter("error", NoveltyIndexWarning)
        reopened = NoveltyIndex.open(tmp_path / "idx", counting)
    assert len(reopened) == len(ENTRIES) and counting.seen == []
    assert _ids(reopened, "diesel fuel for the engine") == before


def _corrupt(folder: Path) -> None:
    (folder / "description.faiss").write_bytes(b"not a faiss index")


def _truncate(folder: Path) -> None:
    data = (folder / "prompts.faiss").read_bytes()
    (folder / "prompts.faiss").write_bytes(data[: len(data) // 2])


def _delete(folder: Path) -> None:
    (folder / "prompts.faiss").unlink()


def _drop_manifest(folder: Path) -> None:
    (folder / "manifest.json").unlink()


def _edit_texts(folder: Path) -> None:
    path = folder / "entries.jsonl"
    path.write_text(path.read_text().replace("red apples", "green apples"))


def _other_embedder(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["embedder"] = "sentence-transformers:some-other-model"
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_corrupt, "description.faiss is corrupt"),
        (_truncate, "prompts.faiss is corrupt"),
        (_delete, "prompts.faiss is missing"),
        (_drop_manifest, "manifest.json is missing"),
        (_edit_texts, "entries_sha256"),
        (_other_embedder, "embedder="),
    ],
)
def test_damaged_index_is_rebuilt_from_its_texts_with_a_warning(tmp_path, damage, message):
    folder = tmp_path / "idx"
    expected = _ids(_built(folder), "diesel fuel for the engine")
    damage(folder)
    with pytest.warns(NoveltyIndexWarning, match=message):
        repaired = NoveltyIndex.open(folder, HashingEmbedder())
    assert len(repaired) == len(ENTRIES)
    assert _ids(repaired, "diesel fuel for the engine") == expected
    with warnings.catch_warnings():  # the repair was saved: the next open is clean
        warnings.simplefilter("error", NoveltyIndexWarning)
        NoveltyIndex.open(folder, HashingEmbedder())


def test_index_built_by_another_embedder_is_re_embedded_with_the_current_one(tmp_path):
    _built(tmp_path / "idx", HashingEmbedder(512))
    with pytest.warns(NoveltyIndexWarning, match="hashing-ngram-v1:512"):
        reopened = NoveltyIndex.open(tmp_path / "idx", HashingEmbedder(64))
    assert reopened.search(NoveltyQuery("q", "rivers carry water", ()), 1)[0].id == "rivers"


def test_missing_entries_file_starts_empty_with_a_warning(tmp_path):
    _built(tmp_path / "idx")
    (tmp_path / "idx" / "entries.jsonl").unlink()
    with pytest.warns(NoveltyIndexWarning, match="entries.jsonl is missing"):
        assert len(NoveltyIndex.open(tmp_path / "idx", HashingEmbedder())) == 0


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"id": "x", "title": "t", "description": "d", "prompts": [], "source": 3}', "'source'"),
        (
            '{"id": "x", "title": "t", "description": "", "prompts": [], "source": "known"}',
            "no desc",
        ),
        ('["a list"]', "expected a JSON object"),
    ],
)
def test_malformed_entries_line_is_named_by_file_and_line(tmp_path, line, message):
    _built(tmp_path / "idx")
    path = tmp_path / "idx" / "entries.jsonl"
    path.write_text(path.read_text() + line + "\n")
    with pytest.raises(NoveltyInputError, match=rf"entries.jsonl:{len(ENTRIES) + 1}: .*{message}"):
        NoveltyIndex.open(tmp_path / "idx", HashingEmbedder())


def test_duplicate_ids_are_refused():
    index = _built(None)
    with pytest.raises(NoveltyInputError, match="apples"):
        index.add([entry("apples", "again")])


@pytest.mark.parametrize(("limit", "kind"), [(10, "exact"), (3, "approximate")])
def test_index_kind_is_chosen_by_size(tmp_path, limit, kind):
    index = _built(tmp_path / "idx", approximate_above=limit)
    assert index.kind == kind
    assert _ids(index, "rivers carry water to the sea", 1) == ["rivers"]
    reopened = NoveltyIndex.open(
        tmp_path / "idx", HashingEmbedder(), IndexSettings(approximate_above=limit)
    )
    assert reopened.kind == kind
    assert _ids(reopened, "rivers carry water to the sea", 1) == ["rivers"]


def test_crossing_the_size_threshold_switches_to_approximate_and_keeps_results():
    index = NoveltyIndex.open(None, HashingEmbedder(), IndexSettings(approximate_above=3))
    index.add(ENTRIES[:3])
    assert index.kind == "exact"
    index.add(ENTRIES[3:])
    assert index.kind == "approximate"
    assert _ids(index, "diesel engines burn fuel", 1) == ["engines"]


def test_changed_size_setting_swaps_kind_on_open_without_re_embedding(tmp_path):
    _built(tmp_path / "idx", approximate_above=100)
    counting = CountingEmbedder()
    reopened = NoveltyIndex.open(tmp_path / "idx", counting, IndexSettings(approximate_above=2))
    assert reopened.kind == "approximate" and counting.seen == []


def test_sync_adds_re_embeds_and_drops_known_but_keeps_accepted():
    counting = CountingEmbedder()
    index = NoveltyIndex.open(None, counting)
    accepted = entry("run1/task", "accepted template about glaciers", (), "accepted:run1")
    index.add([*ENTRIES, accepted])
    counting.seen.clear()
    wanted = [
        entry("apples", "red apples grow on orchard trees", ("pick the ripe apples",)),  # same
        entry("rivers", "lakes hold still water", ("the lake freezes",)),  # changed
        entry("volcanoes", "volcanoes erupt molten lava", ()),  # new
    ]
    changed = index.sync(wanted)
    assert {e.id for e in index.entries} == {"apples", "rivers", "volcanoes", "run1/task"}
    assert changed == 4  # engines and prompts-only dropped, rivers re-embedded, volcanoes added
    assert "red apples grow on orchard trees" not in counting.seen
    assert _ids(index, "lakes hold still water", 1) == ["rivers"]
