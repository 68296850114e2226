"""Score summaries record each model's precision, and say when 16-bit scores cannot resolve small
effects."""

from __future__ import annotations

import pytest

from invscale.scorer import Rung, ScorerConfig, score_dataset, summary_dict
from invscale.scorer.records import ClassificationExample, TaskDataset

TASK = TaskDataset(
    "tiny",
    "classification",
    tuple(ClassificationExample(f"Is {n} even? Answer:", (" Yes", " No"), n % 2) for n in range(8)),
)


@pytest.mark.parametrize(
    ("dtypes", "note"),
    [(("float32", "float32"), None), (("float32", "bfloat16"), "scored in bfloat16")],
)
def test_summary_records_dtype_and_warns_about_16_bit(tmp_path, dtypes, note):
    # The fake backend ignores dtype; the summary reports the rung's.
    ladder = tuple(
        Rung(name=f"m{i}", params=10 ** (6 + i), backend="fake", dtype=d)
        for i, d in enumerate(dtypes)
    )
    cfg = ScorerConfig(cache_path=str(tmp_path / "c.sqlite"), bootstrap_samples=200)
    summary = summary_dict(score_dataset(TASK, ladder, cfg))
    assert [m["dtype"] for m in summary["models"]] == list(dtypes)
    assert [m["device"] for m in summary["models"]] == ["cpu", "cpu"]
    if note is None:
        assert "precision_note" not in summary
    else:
        assert note in summary["precision_note"] and "0.2 nats" in summary["precision_note"]
