"""Exports of accepted tasks: a Prize submission, an lm-evaluation-harness task, a HF dataset."""

from invscale.search.export.folder import (
    ExportError,
    TaskFolder,
    find_task_folders,
    load_task_folder,
)
from invscale.search.export.hf import export_hf
from invscale.search.export.lmeval import export_lm_eval
from invscale.search.export.prize import export_prize
from invscale.search.export.run import FORMATS, export_path

__all__ = [
    "FORMATS",
    "ExportError",
    "TaskFolder",
    "export_hf",
    "export_lm_eval",
    "export_path",
    "export_prize",
    "find_task_folders",
    "load_task_folder",
]
