"""The one configuration tree, loaded from ``config.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError

from invscale.generator.config import GeneratorConfig
from invscale.scorer.config import ScorerConfig
from invscale.scorer.errors import ConfigError
from invscale.scorer.strict import StrictModel
from invscale.search.novelty.config import NoveltyConfig


class AcceptanceConfig(StrictModel):
    """How a confirmation is tested and which artefacts refuse it (each refusal has a reason
    code of its own)."""

    sign_flip_draws: int = Field(default=100_000, ge=1_000)
    """Random sign flips of whole entity clusters behind each p-value (stopped early once 200
    exceed the observed statistic). The smallest p-value is 1 / (draws + 1); Holm over m tests
    needs alpha / m, so 100000 draws serve searches of several thousand confirmations."""
    max_label_share: float = Field(default=0.85, gt=0.5, le=1.0)
    """Refuse when any model puts at least this share of a balanced set's items (task or
    control) on one label: a drift to one label raises the mean loss without any belief."""
    balance_tolerance: float = Field(default=0.1, ge=0.0, lt=0.5)
    """A set counts as balanced when every label's share of right answers is within this of
    1/k; the label-bias check applies to balanced sets only."""
    class_mass_tau: float = Field(default=0.1, gt=0.0, lt=1.0)
    """Class mass an item needs from every model to count as supported (any number of classes: the
    mass a model puts on the listed answers does not fall as more are listed, so a threshold
    that shrank with k would let more non-answering models through). 0.1 lies between the
    tail-noise regime (1-5% class mass, the NeQA-like case) and the weakest shipped model
    answering a real task (SmolLM2's median 0.16 on the memo trap); the effect must also be
    significant on the supported items, so a lower threshold admits no tail noise unchecked."""
    min_supported_share: float = Field(default=0.8, gt=0.0, le=1.0)
    """sequence_prob: a set is refused when every model puts fewer than this share of its
    continuations above the chance-level token probability (``chance_token_logprob``). Tasks
    with classes use ``min_supported_items`` and ``min_supported_clusters`` instead."""
    min_supported_items: float = Field(default=0.2, gt=0.0, le=1.0)
    """Tasks with classes: refuse (``low_mass_share``) when fewer than this share of items are
    supported, i.e. get ``class_mass_tau`` from every model on the task item and its control.
    The effect must also be significant on the supported items alone, so this floor only says
    how small a part of a task may carry a verdict about the whole."""
    min_supported_clusters: int = Field(default=20, ge=1)
    """Tasks with classes: refuse (``low_mass_share``) when the supported items come from fewer
    entity clusters than this: with few clusters the sign-flip test of the effect on them
    cannot reach a corrected level, and their bootstrap interval under-covers."""
    chance_token_logprob: float = Field(default=-10.8, lt=0.0)
    """sequence_prob: log-probability per token of a token drawn uniformly from a 50k
    vocabulary. A set is refused when every model puts fewer than ``min_supported_share`` of its
    continuations above that: then no model finds the continuation plausible at all."""
    require_accuracy_drop: bool = True
    """Refuse a rising loss whose accuracy does not fall with it (the task's accuracy slope is
    not below zero): the loss moved without the answers moving."""


class SearchConfig(StrictModel):
    """The search loop: budgets, successive halving and acceptance."""

    seed: int = 0
    """Seed of the whole run: the same seed, config and models give the same run."""
    ladder: str | None = None
    """Ladder the search selects on (the scorer's default ladder when None)."""
    extra_ladders: tuple[str, ...] = ()
    """Further ladders on which accepted tasks are re-scored, to report where the effect holds."""
    max_candidates: int = Field(default=10, ge=1)
    """Budget: candidates proposed in all."""
    max_minutes: float = Field(default=15.0, gt=0)
    """Budget: wall-clock minutes; the run stops cleanly at the next decision point."""
    confirm_grace_minutes: float = Field(default=10.0, ge=0)
    """After the time budget, candidates already past selection are still confirmed (and
    decided) for up to this many more minutes, so a short run ends in a verdict; the stop
    reason says how many were confirmed so and how many were left. 0 stops at the budget."""
    max_model_requests: int = Field(default=2_000_000, ge=1)
    """Budget: log-likelihood requests actually run on models (cache hits are free)."""
    candidates_per_generation: int = Field(default=5, ge=1)
    """Candidates proposed per generation."""
    parents: int = Field(default=4, ge=1)
    """How many of the best candidates so far condition the next generation."""
    halving_sizes: tuple[int, ...] = (16, 48, 128)
    """Items scored at each successive-halving stage; the last is the full selection set."""
    keep_fraction: float = Field(default=0.34, gt=0.0, le=1.0)
    """Promotion slots of a halving stage, as a share of the candidates that reached it this
    generation (at least one). Candidates without a positive gap and slope are dropped first;
    the best by the gap's lower bound take the slots; one not promoted is dropped only when its
    gap's upper bound is below the last promoted one's lower bound, else it waits and competes
    again next generation (see ``search/halving.py``)."""
    confirm_examples: int = Field(default=300, ge=1)
    """Size of the fresh confirmation set (the Prize asked for 300+)."""
    confirm_max_examples: int = Field(default=600, ge=1)
    """The confirmation set grows, once, up to this many items when fewer than
    ``confirm_examples`` of its items are supported (class mass ``acceptance.class_mass_tau``
    from every model): the effect is tested on the supported items, so without more items a
    partly answered task is tested on fewer than the Prize's 300 (the memo trap on the offline
    ladder: 39% supported). The step is sized by the supported share the first set showed,
    which is the same whichever model is larger, so it does not bias the test. A value up to
    ``confirm_examples`` turns the growth off."""
    correction: Literal["holm", "bh", "bonferroni", "none"] = "holm"
    """Multiplicity correction across the confirmation tests of the run (those with too few
    supported items are refused whatever their p-value and left out of the family)."""
    alpha: float = Field(default=0.05, gt=0.0, lt=1.0)
    """Significance level after correction."""
    min_class_mass: float = Field(default=0.05, ge=0.0, le=1.0)
    """Reject tasks on which the largest model puts less mean probability than this on the
    classes: its "answers" would be noise, not a belief."""
    rewordings: int = Field(default=2, ge=0)
    """Instruction rewordings scored for each accepted task (robustness)."""
    reword_examples: int = Field(default=48, ge=8)
    """Items per rewording."""
    write_best: int = Field(default=3, ge=0)
    """Best non-accepted candidates written out at the end, labelled with why they failed."""
    acceptance: AcceptanceConfig = Field(default_factory=AcceptanceConfig)
    """The confirmation's statistics and artefact checks."""
    steer_proposals: bool = True
    """Tell the generator the archive's cells (known, taken, weak) before each generation, so it
    proposes where a new task can still be found (needs the novelty filter)."""


class Config(StrictModel):
    """Root of the configuration tree."""

    scorer: ScorerConfig = Field(default_factory=ScorerConfig)
    """Model ladders, batching and the score cache."""
    generator: GeneratorConfig = Field(default_factory=GeneratorConfig)
    """Template proposal and expansion."""
    novelty: NoveltyConfig = Field(default_factory=NoveltyConfig)
    """Embedding novelty filter."""
    search: SearchConfig = Field(default_factory=SearchConfig)
    """The search loop."""


DEFAULT_CONFIG = Path("config.yaml")


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate a config file; what it does not set keeps its default.

    Args:
        path: YAML file; when None, ``config.yaml`` in the working directory if there is one,
            else the defaults.

    Raises:
        ConfigError: naming the file and every invalid field.
    """
    if path is None:
        if not DEFAULT_CONFIG.exists():
            return Config()
        path = DEFAULT_CONFIG
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from exc
    return validated(raw, str(path))


def validated(raw: object, where: str) -> Config:
    """``raw`` (a parsed YAML or JSON tree) as a config.

    Raises:
        ConfigError: naming ``where`` and every invalid field.
    """
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{where}: invalid config: {problems}") from exc


def with_overrides(cfg: Config, section: str, **fields: Any) -> Config:
    """``cfg`` with fields of one section replaced (None values are ignored): command-line
    options that override the config.

    Raises:
        ConfigError: a value is invalid, or names a ladder the config does not define.
    """
    changes = {k: v for k, v in fields.items() if v is not None}
    if not changes:
        return cfg
    tree = cfg.model_dump(mode="json")
    tree[section].update(changes)
    new = validated(tree, "command line")
    for name in (new.search.ladder, *new.search.extra_ladders):
        new.scorer.ladder(name)
    return new
