"""The known-task corpus: published tasks in our own words, plus templates runs have accepted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from invscale.generator.card import MechanismCard
from invscale.scorer.fileio import atomic_write, jsonl_text
from invscale.scorer.paths import data_path
from invscale.search.novelty.config import NoveltyConfig
from invscale.search.novelty.index import read_entries
from invscale.search.novelty.records import KNOWN_SOURCE, IndexEntry, NoveltyInputError

_FIELDS = {"id", "title", "description", "cause", "reference", "prompts"}
_OPTIONAL = {"card"}


@dataclass(frozen=True)
class KnownTask:
    """A published inverse-scaling or LM-failure task, described in our own words.

    Attributes:
        id: Stable key, e.g. ``prize-memo-trap``.
        title: Short name.
        description: The mechanism in two to four sentences.
        cause: Cause family, e.g. ``strong-prior``, ``distractor-task``, ``sycophancy``.
        reference: Where it was published.
        prompts: One or two example prompts written by us (they stand for the released data: a
            near copy of them is a duplicate).
        card: Its mechanism card (None in corpora written before cards).
    """

    id: str
    title: str
    description: str
    cause: str
    reference: str
    prompts: tuple[str, ...]
    card: MechanismCard | None = None

    def to_entry(self) -> IndexEntry:
        """The task as an index entry with source ``known``."""
        return IndexEntry(
            self.id, self.title, self.description, self.prompts, KNOWN_SOURCE, self.card
        )


def load_known_tasks(folder: str | Path) -> list[KnownTask]:
    """Read every ``*.yaml`` file of ``folder`` (sorted by name), each a list of known tasks.

    Raises:
        NoveltyInputError: naming the file, the entry and the problem (missing folder, bad
            YAML, missing or unknown field, repeated id).
    """
    root = data_path(folder)
    if not root.is_dir():
        raise NoveltyInputError(
            f"known-task corpus folder {root} not found (set novelty.known_path to a folder of "
            "known-task YAML files)"
        )
    tasks: list[KnownTask] = []
    seen: dict[str, Path] = {}
    for path in sorted([*root.glob("*.yaml"), *root.glob("*.yml")]):
        for task in _read_file(path):
            if task.id in seen:
                raise NoveltyInputError(
                    f"{path}: id {task.id!r} already defined in {seen[task.id]}"
                )
            seen[task.id] = path
            tasks.append(task)
    return tasks


def load_accepted(path: str | Path | None) -> list[IndexEntry]:
    """Entries in the accepted-templates JSONL file (none when it does not exist yet); an id
    appended twice (runs racing on one file) keeps its last line."""
    if path is None or not Path(path).expanduser().exists():
        return []
    return read_entries(Path(path).expanduser(), allow_repeats=True)


def known_entries(cfg: NoveltyConfig) -> list[IndexEntry]:
    """Everything a candidate must be new against: the corpus and every accepted template.

    Raises:
        NoveltyInputError: an id is used both by the corpus and by an accepted template.
    """
    entries = [task.to_entry() for task in load_known_tasks(cfg.known_path)]
    corpus_ids = {e.id for e in entries}
    for entry in load_accepted(cfg.accepted_file):
        if entry.id in corpus_ids:
            raise NoveltyInputError(
                f"{cfg.accepted_file}: accepted id {entry.id!r} is also a known-task id"
            )
        entries.append(entry)
    return entries


def append_accepted(path: str | Path, entry: IndexEntry) -> None:
    """Append one accepted entry to the accepted-templates JSONL file (created if needed)."""
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as handle:
        handle.write(jsonl_text([entry.to_json()]))


def remove_accepted(path: str | Path, ids: set[str]) -> int:
    """Drop the lines of ``ids`` from the accepted-templates file; returns how many went.

    The file is rewritten atomically, so a crash leaves the old file or the new one, never half
    of one.
    """
    target = Path(path).expanduser()
    if not target.exists():
        return 0
    kept, dropped = [], 0
    for line in target.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.strip() and json.loads(line).get("id") in ids:
            dropped += 1
        else:
            kept.append(line)
    if dropped:
        atomic_write(target, "".join(kept))
    return dropped


def _read_file(path: Path) -> list[KnownTask]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise NoveltyInputError(f"{path}: cannot read known tasks: {exc}") from exc
    if not isinstance(raw, list):
        raise NoveltyInputError(f"{path}: expected a YAML list of known tasks")
    return [_parse_task(item, f"{path}: entry {n}") for n, item in enumerate(raw, start=1)]


def _parse_task(item: Any, where: str) -> KnownTask:
    if not isinstance(item, dict):
        raise NoveltyInputError(f"{where}: expected a mapping")
    where = f"{where} ({item.get('id', '?')})"
    unknown = sorted(set(item) - _FIELDS - _OPTIONAL)
    missing = sorted(_FIELDS - set(item))
    if unknown or missing:
        raise NoveltyInputError(f"{where}: unknown fields {unknown}, missing fields {missing}")
    for key in _FIELDS - {"prompts"}:
        if not isinstance(item[key], str) or not item[key].strip():
            raise NoveltyInputError(f"{where}: field {key!r} must be a non-empty string")
    prompts = item["prompts"]
    if (
        not isinstance(prompts, list)
        or not prompts
        or not all(isinstance(p, str) and p.strip() for p in prompts)
    ):
        raise NoveltyInputError(f"{where}: 'prompts' must be a non-empty list of strings")
    return KnownTask(
        item["id"],
        item["title"],
        " ".join(item["description"].split()),
        item["cause"],
        item["reference"],
        tuple(p.rstrip("\n") for p in prompts),
        _parse_card(item.get("card"), where),
    )


def _parse_card(raw: Any, where: str) -> MechanismCard | None:
    if raw is None:
        return None
    try:
        return MechanismCard.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise NoveltyInputError(f"{where}: invalid card: {problems}") from None
