from __future__ import annotations

import json

import pytest

from invscale.scorer.fileio import atomic_path, atomic_write, write_jsonl


def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "sub" / "report.html"
    atomic_write(path, "old")
    atomic_write(path, "new ✓")
    assert path.read_text(encoding="utf-8") == "new ✓"
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]


def test_a_failed_write_keeps_the_old_file_whole(tmp_path):
    path = tmp_path / "index.bin"
    atomic_write(path, b"complete")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("killed mid-write")
    assert path.read_bytes() == b"complete"
    assert [p.name for p in tmp_path.iterdir()] == ["index.bin"]


def test_jsonl_rows_round_trip_with_unicode(tmp_path):
    rows = [{"prompt": "Größe?", "n": 1}, {"prompt": "x", "n": None}]
    path = write_jsonl(rows, tmp_path / "rows.jsonl")
    text = path.read_text(encoding="utf-8")
    assert "Größe" in text
    assert [json.loads(line) for line in text.splitlines()] == rows
