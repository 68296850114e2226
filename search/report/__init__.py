"""The run report: one self-contained HTML page on a finished or running search."""

from invscale.search.report.gather import ReportError, collect_report
from invscale.search.report.records import ReportData
from invscale.search.report.render import render_html, write_report

__all__ = ["ReportData", "ReportError", "collect_report", "render_html", "write_report"]
