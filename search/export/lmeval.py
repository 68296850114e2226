"""Export a task as an lm-evaluation-harness task (YAML + JSONL), runnable on any model.

``lm_eval --tasks invscale_<task> --include_path <out_dir>`` then scores it. The Prize's classes
carry their leading space (`` Yes``), so ``target_delimiter`` is empty: the scored continuation is
exactly the class, as in the Prize's pipeline.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from invscale.scorer.fileio import write_jsonl
from invscale.scorer.records import TaskType
from invscale.search.export.folder import TaskFolder, json_rows, load_task_folder

_MC_METRICS = [{"metric": "acc", "aggregation": "mean", "higher_is_better": True}]
_LL_METRICS = [
    {"metric": "perplexity", "aggregation": "perplexity", "higher_is_better": False},
    {"metric": "acc", "aggregation": "mean", "higher_is_better": True},
]
LOGODDS_NOTE = (
    "The Prize's logodds metric compares the log-odds of the same classes after two prompts; "
    "lm-evaluation-harness has no two-prompt metric, so each prompt is exported as its own "
    "multiple-choice task (the 'prompt' side, and the 'other_prompt' side as *_other_prompt)."
)


def lm_eval_task_name(slug: str) -> str:
    """The harness task name for a task (prefixed so it cannot shadow a built-in task)."""
    return "invscale_" + re.sub(r"[^A-Za-z0-9_-]+", "_", slug)


def task_config(
    name: str, data_file: Path, task_type: TaskType, text_field: str, source: str
) -> dict[str, object]:
    """The harness task config for one JSONL file and one prompt field."""
    config: dict[str, object] = {
        "task": name,
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {"test": str(data_file.resolve())}},
        "test_split": "test",
        "doc_to_text": text_field,
        "target_delimiter": "",
    }
    if task_type == "sequence_prob":
        config.update(
            output_type="loglikelihood", doc_to_target="completion", metric_list=_LL_METRICS
        )
    else:
        config.update(
            output_type="multiple_choice",
            doc_to_choice="classes",
            doc_to_target="answer_index",
            metric_list=_MC_METRICS,
        )
    config["metadata"] = {"version": 1.0, "source": source, "prize_task_type": task_type}
    return config


def _header(task: TaskFolder, name: str, out_dir: Path) -> str:
    lines = [
        f"lm-evaluation-harness task exported by invscale from {task.path}",
        f"run: lm_eval --model hf --model_args pretrained=<model> --tasks {name} "
        f"--include_path {out_dir}",
        "target_delimiter is empty: the Prize's classes/completions carry their own leading space.",
        "data_files is an absolute path: edit it if you move this folder.",
    ]
    if task.dataset.task_type == "sequence_prob":
        lines.append(
            "The Prize's loss is -loglikelihood of the completion; lm-eval's perplexity "
            "is exp(mean loss)."
        )
    if task.dataset.task_type in ("logodds", "absolute_logodds"):
        lines.append("NOTE: " + LOGODDS_NOTE)
    return "".join(f"# {line}\n" for line in lines)


def _write_task(folder: Path, stem: str, header: str, config: dict[str, object]) -> Path:
    path = folder / f"{stem}.yaml"
    body = yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(header + body, encoding="utf-8")
    return path


def export_lm_eval(task_dir: str | Path, out_dir: str | Path) -> Path:
    """Write ``out_dir/<task>/``: task YAMLs and their JSONL data.

    Files: ``<task>.yaml`` (task ``invscale_<task>``) on ``test.jsonl``; with a control,
    ``<task>_control.yaml`` on ``control.jsonl``; for the logodds types also
    ``<task>_other_prompt.yaml``, the same examples scored after ``other_prompt``.

    Returns:
        The task's export folder; pass its parent (or it) as ``--include_path``.
    """
    task = load_task_folder(task_dir)
    folder = Path(out_dir) / task.slug
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    ttype = task.dataset.task_type
    name = lm_eval_task_name(task.slug)
    source = f"invscale task {task.name}"
    header = _header(task, name, Path(out_dir).resolve())
    test = write_jsonl(json_rows(task.dataset), folder / "test.jsonl")
    _write_task(folder, task.slug, header, task_config(name, test, ttype, "prompt", source))
    if ttype in ("logodds", "absolute_logodds"):
        config = task_config(f"{name}_other_prompt", test, ttype, "other_prompt", source)
        _write_task(folder, f"{task.slug}_other_prompt", header, config)
    if task.control is not None:
        control = write_jsonl(json_rows(task.control), folder / "control.jsonl")
        config = task_config(f"{name}_control", control, ttype, "prompt", source + " (control)")
        _write_task(folder, f"{task.slug}_control", header, config)
    return folder
