"""A scaling plot drawn from the store's per-model means, for candidates with no task folder yet."""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence

from invscale.scorer.plot import style_axes
from invscale.search.report.records import ModelPoint, TaskView


def _binomial_se(p: float | None, n: int) -> float:
    return 0.0 if p is None or n < 2 else math.sqrt(p * (1 - p) / n)


def _panel(ax: object, models: Sequence[ModelPoint], metric: str, n: int) -> None:
    xs = [m.params for m in models]
    if metric == "loss":
        task = [m.loss for m in models]
        task_err = [m.loss_se or 0.0 for m in models]
        control = [m.control_loss for m in models]
        control_err = None  # the store keeps no standard error for the control's loss
    else:
        task = [m.accuracy or 0.0 for m in models]
        task_err = [_binomial_se(m.accuracy, n) for m in models]
        control = [m.control_accuracy for m in models]
        control_err = [_binomial_se(m.control_accuracy, n) for m in models]
    ax.errorbar(xs, task, yerr=task_err, marker="o", capsize=3, color="C3", label="task")  # type: ignore[attr-defined]
    if all(c is not None for c in control):
        ax.errorbar(  # type: ignore[attr-defined]
            xs, control, yerr=control_err, marker="s", capsize=3, color="C0", label="control"
        )
    for m, y in zip(models, task, strict=True):
        ax.annotate(m.name, (m.params, y), fontsize=7, xytext=(3, 3), textcoords="offset points")  # type: ignore[attr-defined]


def evaluation_plot(view: TaskView) -> str:
    """Loss (and accuracy) against parameters, task beside control, as a PNG data URI."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = sorted(view.models, key=lambda m: m.params)
    has_acc = all(m.accuracy is not None for m in models)
    fig, axes = plt.subplots(1, 2 if has_acc else 1, figsize=(10 if has_acc else 5.5, 3.6))
    axes = list(axes) if has_acc else [axes]
    _panel(axes[0], models, "loss", view.n)
    axes[0].set_ylabel("mean loss (higher is worse)")
    if has_acc:
        _panel(axes[1], models, "accuracy", view.n)
        axes[1].set_ylabel("accuracy")
        axes[1].set_ylim(-0.02, 1.02)
    style_axes(axes, [m.params for m in models])
    fig.suptitle(f"{view.title[:80]} ({view.phase}, n={view.n})", fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
