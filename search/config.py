"""The one configuration tree, loaded from ``config.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from invscale.generator.config import GeneratorConfig
from invscale.scorer.config import ScorerConfig
from invscale.scorer.paths import PROJECT_ROOT
from invscale.search.novelty.config import NoveltyConfig


class SearchConfig(BaseModel):
    """The search loop: budgets, successive halving and acceptance."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    seed: int = 0
    """Seed of the whole run: the same seed, config and models give the same run."""
    ladder: str | None = None
    """Ladder the search selects on (the scorer's default ladder when None)."""
    extra_ladders: tuple[str, ...] = ()
    """Further ladders on which accepted tasks are re-scored, to report where the effect holds."""
    max_candidates: int = Field(default=24, ge=1)
    """Budget: candidates proposed in all."""
    max_minutes: float = Field(default=15.0, gt=0)
    """Budget: wall-clock minutes; the run stops cleanly at the next decision point."""
    max_model_requests: int = Field(default=2_000_000, ge=1)
    """Budget: log-likelihood requests actually run on models (cache hits are free)."""
    candidates_per_generation: int = Field(default=8, ge=1)
    """Candidates proposed per generation."""
    parents: int = Field(default=4, ge=1)
    """How many of the best candidates so far condition the next generation."""
    halving_sizes: tuple[int, ...] = (32, 96, 300)
    """Items scored at each successive-halving stage; the last is the full selection set."""
    keep_fraction: float = Field(default=0.34, gt=0.0, le=1.0)
    """Share of a stage's survivors promoted to the next (at least one)."""
    confirm_examples: int = Field(default=300, ge=1)
    """Size of the fresh confirmation set (the Prize asked for 300+)."""
    correction: Literal["holm", "bh", "bonferroni", "none"] = "holm"
    """Multiplicity correction across all confirmation tests of the run."""
    alpha: float = Field(default=0.05, gt=0.0, lt=1.0)
    """Significance level after correction."""
    min_class_mass: float = Field(default=0.05, ge=0.0, le=1.0)
    """Reject tasks on which the largest model puts less mean probability than this on the
    classes: its "answers" would be noise, not a belief."""
    rewordings: int = Field(default=3, ge=0)
    """Instruction rewordings scored for each accepted task (robustness)."""
    reword_examples: int = Field(default=100, ge=8)
    """Items per rewording."""
    write_best: int = Field(default=3, ge=0)
    """Best non-accepted candidates written out at the end, labelled with why they failed."""
    steer_proposals: bool = True
    """Tell the generator the archive's cells (known, taken, weak) before each generation, so it
    proposes where a new task can still be found (needs the novelty filter)."""


class Config(BaseModel):
    """Root of the configuration tree."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    scorer: ScorerConfig = Field(default_factory=ScorerConfig)
    """Model ladders, batching and the score cache."""
    generator: GeneratorConfig = Field(default_factory=GeneratorConfig)
    """Template proposal and expansion."""
    novelty: NoveltyConfig = Field(default_factory=NoveltyConfig)
    """Embedding novelty filter."""
    search: SearchConfig = Field(default_factory=SearchConfig)
    """The search loop."""


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or invalid."""


DEFAULT_CONFIG = Path("config.yaml")


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate a config file.

    Args:
        path: YAML file; when None, ``config.yaml`` in the working directory, else the one
            shipped beside the packages, else the built-in defaults.

    Raises:
        ConfigError: naming the file and every invalid field.
    """
    if path is None:
        shipped = PROJECT_ROOT / DEFAULT_CONFIG
        if DEFAULT_CONFIG.exists():
            path = DEFAULT_CONFIG
        elif shipped.exists():
            path = shipped
        else:
            return Config()
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from exc
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{path}: invalid config: {problems}") from exc
