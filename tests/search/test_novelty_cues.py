"""Semantic cues: a signature recognises an instruction by its meaning as well as its keywords."""

from __future__ import annotations

import pytest

from invscale.search.novelty import NoveltyConfig, NoveltyFilter, NoveltyQuery, make_embedder
from invscale.search.novelty.cues import Cue, CueBank, load_cues, mask_quotes, no_cues
from invscale.search.novelty.embedders import HashingEmbedder
from invscale.search.novelty.records import NoveltyInputError, VerdictKind
from invscale.search.novelty.signatures import copy_cut_short, signature_scores
from tests.search.novelty_fakes import CountingEmbedder

# A copy task cut short inside the copy, worded with none of the copy keywords.
LOG = (
    "Enter the clerk's words in the register precisely; do not correct them.\n"
    "Clerk: The early bird catches the word.\n"
    "Register: The early bird catches the"
)
UNRELATED = "Clerk: The early bird catches the word.\nRegister: The early bird catches the"


def test_the_shipped_cues_load_and_name_the_signatures_that_use_them():
    cues = load_cues("datasets/known")
    assert {c.name for c in cues} >= {"copy", "stipulation", "validity", "override"}
    assert all(len(c.examples) >= 5 and c.used_by for c in cues)


def test_a_cue_without_examples_is_refused(tmp_path):
    (tmp_path / "cues").mkdir()
    (tmp_path / "cues" / "bad.yaml").write_text("copy: {used_by: [x]}\n")
    with pytest.raises(NoveltyInputError, match="copy"):
        load_cues(tmp_path)


def test_quoted_material_is_masked():
    assert mask_quotes('End the line with "dog".') == "End the line with 'X'."


def test_without_an_embedder_keywords_alone_decide():
    assert not copy_cut_short(LOG)  # fresh wording: no keyword, and no cue to read it
    assert not copy_cut_short(LOG, no_cues)
    assert copy_cut_short(LOG.replace("precisely", "word for word"))


def test_a_reader_embeds_each_prompt_once():
    embedder = CountingEmbedder()
    bank = CueBank.build([Cue("copy", ("t",), ("Copy the text exactly.",))], embedder)
    reader = bank.reader(0.5)
    signature_scores([LOG, LOG], reader)
    assert embedder.seen.count("Clerk: The early bird catches the word.") <= 1
    assert embedder.seen.count("The early bird catches the word.") == 1


def test_the_filter_works_with_cues_off_and_with_another_embedder(tmp_path):
    query = NoveltyQuery("log", "", (LOG,) * 3)
    for cues in (False, True):
        cfg = NoveltyConfig(
            model="hashing", accepted_file=None, cues=cues, cache_dir=str(tmp_path / "c")
        )
        filt = NoveltyFilter.open(None, cfg, HashingEmbedder())
        assert (filt.bank is not None and filt.bank.cues is not None) == cues
        assert filt.check(query).kind in set(VerdictKind)


@pytest.mark.slow
def test_minilm_recognises_a_paraphrase_and_not_an_unrelated_sentence():
    embedder = make_embedder(NoveltyConfig())
    bank = CueBank.build(load_cues("datasets/known"), embedder)
    reader = bank.reader(NoveltyConfig().cue_similarity)
    assert reader(LOG, "copy")
    assert not reader(UNRELATED, "copy")
    assert not reader("Which of these animals lives longest?", "validity")
    assert copy_cut_short(LOG, reader)
    assert not copy_cut_short(UNRELATED, reader)
