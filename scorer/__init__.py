"""The scorer: Prize-format tasks, scored on a ladder of models, with scaling fits.

Knows nothing of generation or search.
"""

from invscale.scorer.analyze import analyze_file
from invscale.scorer.backends import LM, UnknownBackendError, load_backend
from invscale.scorer.backends._hf_load import ModelSourceError
from invscale.scorer.cache import ScoreCache, cached_loglikelihood
from invscale.scorer.config import Rung, ScorerConfig
from invscale.scorer.errors import (
    BackendError,
    ConfigError,
    ExportError,
    InvscaleError,
    RunError,
    TaskFormatError,
    UsageError,
)
from invscale.scorer.fit import Interval, ModelSummary, ScalingFit, bootstrap_counts, slope_with_ci
from invscale.scorer.metrics import ExampleScore, dataset_requests, score_examples
from invscale.scorer.records import (
    TASK_TYPES,
    ClassificationExample,
    Example,
    LLRequest,
    LLResult,
    LogoddsExample,
    SequenceProbExample,
    TaskDataset,
    TaskType,
)
from invscale.scorer.results import score_file, summary_dict, write_results
from invscale.scorer.score import LadderResult, ModelPool, ModelResult, fit_models, score_dataset
from invscale.scorer.taskio import load_task, save_task

__all__ = [
    "LM",
    "BackendError",
    "ConfigError",
    "ExportError",
    "InvscaleError",
    "ModelSourceError",
    "RunError",
    "UsageError",
    "TASK_TYPES",
    "ClassificationExample",
    "Example",
    "ExampleScore",
    "Interval",
    "LLRequest",
    "LLResult",
    "LadderResult",
    "LogoddsExample",
    "ModelPool",
    "ModelResult",
    "ModelSummary",
    "Rung",
    "ScalingFit",
    "ScoreCache",
    "ScorerConfig",
    "SequenceProbExample",
    "TaskDataset",
    "TaskFormatError",
    "TaskType",
    "UnknownBackendError",
    "analyze_file",
    "bootstrap_counts",
    "cached_loglikelihood",
    "dataset_requests",
    "fit_models",
    "load_backend",
    "load_task",
    "save_task",
    "score_dataset",
    "score_examples",
    "score_file",
    "slope_with_ci",
    "summary_dict",
    "write_results",
]
