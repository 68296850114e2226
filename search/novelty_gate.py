"""The search's view of the novelty filter: templates in, verdicts with reasons out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from invscale.generator import TaskTemplate
from invscale.scorer import TaskDataset
from invscale.search.novelty.config import NoveltyConfig


@dataclass(frozen=True)
class GateVerdict:
    """Whether a candidate is new, and if not, what it is too close to."""

    novel: bool
    score: float
    reason: str
    nearest: tuple[tuple[str, str, float], ...]  # (id, title, similarity)


def template_query(template: TaskTemplate, dataset: TaskDataset):  # noqa: ANN201
    """A template as a novelty query: its hypothesis and instruction, and rendered prompts."""
    from invscale.search.novelty import NoveltyQuery

    description = " ".join(p for p in (template.hypothesis, template.instruction) if p)
    prompts = tuple(ex.prompt for ex in dataset.examples)
    return NoveltyQuery(title=template.title, description=description, prompts=prompts)


@dataclass
class NoveltyGate:
    """Checks candidates against known and accepted tasks; a disabled gate passes everything."""

    config: NoveltyConfig
    directory: Path
    run_name: str
    _filter: object | None = None

    def _get(self):  # noqa: ANN202
        if self._filter is None:
            from invscale.search.novelty import NoveltyFilter

            self._filter = NoveltyFilter.open(self.directory, self.config)
        return self._filter

    def check(self, cid: str, template: TaskTemplate, dataset: TaskDataset) -> GateVerdict:
        """Is the candidate new against everything indexed?"""
        if not self.config.enabled:
            return GateVerdict(True, 1.0, "novelty filter disabled", ())
        verdict = self._get().check(template_query(template, dataset))  # type: ignore[attr-defined]
        nearest = tuple((n.id, n.title, n.similarity) for n in verdict.neighbours)
        if verdict.novel:
            return GateVerdict(True, verdict.score, "novel", nearest)
        top = verdict.neighbours[0]
        reason = (
            f"too close to {top.title!r} ({top.id}, similarity {top.similarity:.3f}; "
            f"novelty {verdict.score:.3f} < {verdict.threshold})"
        )
        return GateVerdict(False, verdict.score, reason, nearest)

    def add_accepted(self, cid: str, template: TaskTemplate, dataset: TaskDataset) -> None:
        """Index an accepted task so later candidates must be new against it too."""
        if self.config.enabled:
            self._get().accept(template_query(template, dataset), cid, self.run_name)  # type: ignore[attr-defined]

    def retract(self, cid: str) -> None:
        """Withdraw an acceptance: the index and the accepted-templates file forget the task."""
        if self.config.enabled:
            self._get().retract(cid, self.run_name)  # type: ignore[attr-defined]
