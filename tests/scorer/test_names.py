from __future__ import annotations

import pytest

from invscale.scorer.names import param_label, slug


@pytest.mark.parametrize(
    ("text", "max_len", "expected"),
    [
        ("Memo Trap: quote endings (v2)", 60, "memo-trap-quote-endings-v2"),
        ("memo_trap", 60, "memo_trap"),
        ("  --Négation!  ", 60, "n-gation"),
        ("a long title cut here", 8, "a-long-t"),
        ("cut at a dash", 4, "cut"),
        ("???", 60, ""),
    ],
)
def test_slug_is_lowercase_dashes_and_cut(text, max_len, expected):
    assert slug(text, max_len) == expected


@pytest.mark.parametrize(
    ("params", "label"),
    [(999, "999"), (135_000_000, "135M"), (1_300_000_000, "1.3B"), (175_000_000_000, "175B")],
)
def test_param_label_reads_like_model_names(params, label):
    assert param_label(params) == label
