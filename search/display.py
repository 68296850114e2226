"""Live progress of a search: funnel counts and the current leaderboard."""

from __future__ import annotations

from typing import Any

from invscale.search.state import SearchRun
from invscale.search.store import RunStore
from invscale.search.summary import leaderboard, summary_counts


def render(store: RunStore, header: str = "") -> Any:
    """A rich renderable of the funnel and the leaderboard."""
    from rich.console import Group
    from rich.table import Table

    counts = summary_counts(store)
    funnel = Table(title=header or "invscale search", show_header=False)
    by_status = counts["by_status"]
    c = counts["counters"]
    funnel.add_row("proposed", str(int(c.get("proposed", 0))))
    for key in sorted(c):
        if key.startswith(("rejected:", "dropped:")):
            funnel.add_row(f"  {key}", str(int(c[key])))
    for status in ("screening", "confirming", "not_confirmed"):
        funnel.add_row(status, str(by_status.get(status, 0)))
    funnel.add_row("accepted (new)", str(by_status.get("accepted", 0)))
    funnel.add_row("rediscovered (known task)", str(by_status.get("rediscovered", 0)))
    funnel.add_row("model requests run", str(int(c.get("requests_run", 0))))
    board = Table(title="leaderboard (gap = task slope - control slope, nats/decade)")
    for col in ("candidate", "title", "status", "phase", "n", "gap", "interval", "slope"):
        board.add_column(col)
    for r in leaderboard(store):
        board.add_row(
            r["id"],
            r["title"][:40],
            r["status"],
            r["phase"],
            str(r["n"]),
            f"{r['gap']:+.3f}",
            f"[{r['gap_ci'][0]:+.3f}, {r['gap_ci'][1]:+.3f}]",
            f"{r['slope']:+.3f}",
        )
    return Group(funnel, board)


class RichDisplay:
    """A rich Live display (start it with ``with``)."""

    def __init__(self) -> None:
        self.live: Any = None

    def __enter__(self) -> RichDisplay:
        from rich.live import Live

        self.live = Live(refresh_per_second=2, transient=False)
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(*exc)

    def update(self, run: SearchRun) -> None:
        """Redraw."""
        self.live.update(
            render(run.store, f"invscale search: {run.run_dir} ({run.minutes():.1f} min)")
        )
