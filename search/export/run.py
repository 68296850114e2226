"""Export one task folder, or every task of a run, in one or more formats."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from invscale.search.export.folder import ExportError, find_task_folders
from invscale.search.export.hf import export_hf
from invscale.search.export.lmeval import export_lm_eval
from invscale.search.export.prize import export_prize

FORMATS = ("prize", "lm-eval", "hf")


def export_path(
    path: str | Path,
    out_dir: str | Path,
    formats: Sequence[str] = FORMATS,
    licence: str = "CC-BY-4.0",
    min_rows: int = 300,
) -> list[Path]:
    """Export a task folder, or every ``tasks/*`` folder of a run, into ``out_dir/<format>/``.

    Args:
        path: A task folder (holding ``summary.json``) or a run folder (holding ``tasks/``).
        out_dir: Output root; each format gets its own subfolder.
        formats: Any of ``prize``, ``lm-eval``, ``hf`` (``all`` means every one).
        licence: Dataset licence for the Prize metadata and the dataset card.
        min_rows: Fewest examples a Prize export accepts.

    Returns:
        The folders written, task by task and format by format.

    Raises:
        ExportError: an unknown format, or a folder that is not a task or run folder.
    """
    chosen = list(FORMATS) if "all" in formats else list(dict.fromkeys(formats))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ExportError(
            f"unknown export format {', '.join(unknown) or '(none)'}; "
            f"use {', '.join(FORMATS)} or all"
        )
    out = Path(out_dir)
    written = []
    for task in find_task_folders(path):
        for fmt in chosen:
            if fmt == "prize":
                written.append(export_prize(task, out / fmt, licence, min_rows))
            elif fmt == "lm-eval":
                written.append(export_lm_eval(task, out / fmt))
            else:
                written.append(export_hf(task, out / fmt, licence))
    return written
