"""Scaling plots: loss and accuracy against parameters (log x-axis), error bars, chance lines."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from invscale.scorer.fit import ModelSummary, ScalingFit
from invscale.scorer.names import param_label


def plot_scaling(
    summaries: Sequence[ModelSummary],
    fit: ScalingFit,
    path: str | Path,
    title: str,
    control: Sequence[ModelSummary] | None = None,
) -> Path:
    """Draw loss (and accuracy, where defined) against parameter count and save a PNG.

    Args:
        summaries: Per-model summaries, any order.
        fit: The task's fit (slope and interval go in the legend, chance in dashed lines).
        path: Output PNG.
        title: Plot title (the task name).
        control: Summaries of the control variant, drawn beside the task when given.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(summaries, key=lambda s: s.params)
    has_acc = rows[0].accuracy is not None
    fig, axes = plt.subplots(1, 2 if has_acc else 1, figsize=(10 if has_acc else 5.5, 4))
    axes = list(axes) if has_acc else [axes]
    label = (
        f"task (slope {fit.loss_slope:+.3f}/decade, "
        f"{fit.confidence:.0%} CI [{fit.loss_ci.low:+.3f}, {fit.loss_ci.high:+.3f}])"
    )
    _series(axes[0], rows, "loss", label, "C3")
    if control:
        _series(axes[0], sorted(control, key=lambda s: s.params), "loss", "control", "C0")
    if fit.chance_loss is not None:
        axes[0].axhline(fit.chance_loss, ls="--", c="gray", lw=1, label="chance")
    axes[0].set_ylabel("mean loss (higher is worse)")
    if has_acc:
        _series(axes[1], rows, "accuracy", "task", "C3")
        if control:
            _series(axes[1], sorted(control, key=lambda s: s.params), "accuracy", "control", "C0")
        if fit.chance_accuracy is not None:
            axes[1].axhline(fit.chance_accuracy, ls="--", c="gray", lw=1, label="chance")
        axes[1].set_ylabel("accuracy")
        axes[1].set_ylim(-0.02, 1.02)
    style_axes(axes, [r.params for r in rows])
    fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def style_axes(axes: Sequence[object], params: Sequence[int]) -> None:
    """Log parameter axis ticked at the models' sizes, legend and grid: every panel's look.

    Ladders often span less than a decade, where matplotlib's default log ticks overlap.
    """
    from matplotlib.ticker import NullFormatter

    ticks = sorted(set(params))
    for ax in axes:
        ax.set_xscale("log")  # type: ignore[attr-defined]
        ax.xaxis.set_minor_formatter(NullFormatter())  # type: ignore[attr-defined]
        ax.set_xticks(ticks, [param_label(p) for p in ticks])  # type: ignore[attr-defined]
        ax.set_xlabel("parameters")  # type: ignore[attr-defined]
        ax.legend(fontsize=7)  # type: ignore[attr-defined]
        ax.grid(alpha=0.3)  # type: ignore[attr-defined]


def _series(ax: object, rows: Sequence[ModelSummary], metric: str, label: str, color: str) -> None:
    xs = [r.params for r in rows]
    if metric == "loss":
        ys = [r.mean_loss for r in rows]
        err = [r.stderr_loss for r in rows]
    else:
        ys = [r.accuracy or 0.0 for r in rows]
        err = [r.stderr_accuracy or 0.0 for r in rows]
    ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, label=label, color=color)  # type: ignore[attr-defined]
    for x, y, r in zip(xs, ys, rows, strict=True):
        ax.annotate(r.name, (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")  # type: ignore[attr-defined]
