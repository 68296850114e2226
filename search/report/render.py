"""Render a gathered report as one self-contained HTML page (Jinja2, everything escaped)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from invscale.scorer.fileio import atomic_write
from invscale.scorer.names import param_label
from invscale.search.report.gather import collect_report
from invscale.search.report.records import Estimate, ReportData

REPORT_NAME = "report.html"


def signed(value: float | None, digits: int = 3) -> str:
    """``+0.123``; an en dash for a missing value."""
    return "–" if value is None else f"{value:+.{digits}f}"


def fixed(value: float | None, digits: int = 3) -> str:
    """``0.123``; an en dash for a missing value."""
    return "–" if value is None else f"{value:.{digits}f}"


def pct(value: float | None) -> str:
    """``73%``; an en dash for a missing value."""
    return "–" if value is None else f"{value:.0%}"


def prob(value: float | None) -> str:
    """A probability, in scientific notation when it is tiny."""
    if value is None:
        return "–"
    return f"{value:.1e}" if 0 < value < 1e-3 else f"{value:.3f}"


def pvalue(value: float) -> str:
    """A p-value with enough digits to tell small ones apart."""
    return f"{value:.2g}" if value < 0.01 else f"{value:.3f}"


def ci(est: Estimate) -> str:
    """An interval as ``[-0.100, +0.200]``."""
    return f"[{est.low:+.3f}, {est.high:+.3f}]"


def visible(text: str) -> str:
    """Show a class's leading space (the Prize's classes carry one) as a visible dot."""
    return text.replace(" ", "·")


def render_html(data: ReportData) -> str:
    """The report page for gathered data."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("invscale.search.report", "templates"),
        autoescape=True,  # titles, hypotheses and prompts come from templates and LLMs
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    filters = {
        "signed": signed,
        "fixed": fixed,
        "pct": pct,
        "prob": prob,
        "pvalue": pvalue,
        "ci": ci,
        "size": param_label,
        "visible": visible,
    }
    env.filters.update(filters)
    context = {f.name: getattr(data, f.name) for f in fields(data)}
    return env.get_template("report.html.j2").render(**context)


def write_report(run_dir: str | Path) -> Path:
    """Write ``RUN/report.html``: a self-contained page on a finished or running run.

    It holds the accepted tasks' leaderboard and details (plots, per-model results, first items),
    the best candidates not accepted with why, the candidate funnel, and the ladder and config.
    Plots are embedded as PNG data URIs and the styles are inline: it opens with no network.

    Args:
        run_dir: The run folder (``run.sqlite``, and ``tasks/`` and ``best/`` when written).

    Returns:
        The report's path.

    Raises:
        ReportError: the folder holds no readable run store.
    """
    run_dir = Path(run_dir)
    html = render_html(collect_report(run_dir))
    # atomic: a browser reloading the page never sees half a file
    return atomic_write(run_dir / REPORT_NAME, html)
