from __future__ import annotations

import pytest

from invscale.scorer.cache import ScoreCache, cached_loglikelihood
from invscale.scorer.records import LLRequest
from tests.conftest import TableLM


def _lm() -> TableLM:
    return TableLM({("c", f" w{i}"): -float(i) for i in range(10)})


def test_rescoring_from_cache_calls_no_model(tmp_path):
    cache = ScoreCache(str(tmp_path / "s.sqlite"))
    reqs = [LLRequest("c", f" w{i}") for i in range(10)]
    first = cached_loglikelihood(_lm(), reqs, cache)
    lm = _lm()
    second = cached_loglikelihood(lm, reqs, cache)
    assert second == first
    assert lm.calls == []


def test_duplicates_are_scored_once(tmp_path):
    lm = _lm()
    reqs = [LLRequest("c", " w1")] * 5 + [LLRequest("c", " w2")]
    out = cached_loglikelihood(lm, reqs, ScoreCache(str(tmp_path / "s.sqlite")))
    assert [r.logprob for r in out] == [-1.0] * 5 + [-2.0]
    assert lm.calls == [2]


class _Killed(Exception):
    pass


class _DiesAfterOneChunk(TableLM):
    def loglikelihood(self, requests):
        if self.calls:
            raise _Killed
        return super().loglikelihood(requests)


def test_killed_run_keeps_committed_chunks(tmp_path):
    cache = ScoreCache(str(tmp_path / "s.sqlite"))
    reqs = [LLRequest("c", f" w{i}") for i in range(10)]
    dying = _DiesAfterOneChunk(_lm().table)
    with pytest.raises(_Killed):
        cached_loglikelihood(dying, reqs, cache, chunk_size=4)
    lm = _lm()
    cached_loglikelihood(lm, reqs, cache, chunk_size=4)
    assert sum(lm.calls) == 6  # the first chunk of 4 survived the crash


def test_models_do_not_share_cache_entries(tmp_path):
    cache = ScoreCache(str(tmp_path / "s.sqlite"))
    reqs = [LLRequest("c", " w3")]
    cached_loglikelihood(_lm(), reqs, cache)
    other = TableLM({("c", " w3"): -9.0}, name="other")
    assert cached_loglikelihood(other, reqs, cache)[0].logprob == -9.0
