"""A contract's chart, drawn on the server as SVG: the contract sum (scheduled) and the total
completed and stored to date (billed) at the end of each month that has a pay application.

Pixel positions are integers scaled from cents; the figures themselves come from the services.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from drawbridge.services.views import PayAppView
from drawbridge.web.format import money

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 96, 16, 16, 40


@dataclass(frozen=True)
class MonthPoint:
    month: str  # YYYY-MM
    scheduled: int  # cents: contract sum to date on the month's last application
    billed: int  # cents: total completed and stored to date


def month_points(pay_apps: Sequence[PayAppView]) -> list[MonthPoint]:
    """One point per month: the last application dated in it (period end, else billing date)."""
    by_month: dict[str, PayAppView] = {}
    for view in sorted(pay_apps, key=lambda app: app.number):
        when: date = view.end_date or view.billing_date or view.created_at.date()
        by_month[when.strftime("%Y-%m")] = view
    return [
        MonthPoint(
            month=month,
            scheduled=view.summary.contract_sum_to_date,
            billed=view.summary.total_completed_and_stored_to_date,
        )
        for month, view in sorted(by_month.items())
    ]


def svg(points: Sequence[MonthPoint], title: str) -> Markup:
    """The chart, with a title and description for screen readers and a table-free legend."""
    if not points:
        return Markup("<p>No pay applications yet: nothing to chart.</p>")
    top_value = max(max(p.scheduled, p.billed) for p in points) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w // max(len(points) - 1, 1)

    def x(index: int) -> int:
        return LEFT + (index * step if len(points) > 1 else plot_w // 2)

    def y(cents: int) -> int:
        return TOP + plot_h - (max(cents, 0) * plot_h) // top_value

    def polyline(values: list[int], css: str) -> str:
        coords = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
        dots = "".join(
            f'<circle class="{css}" cx="{x(i)}" cy="{y(v)}" r="4"><title>{money(v)}</title>'
            "</circle>"
            for i, v in enumerate(values)
        )
        return f'<polyline class="{css}" fill="none" points="{coords}"/>{dots}'

    last = points[-1]
    description = (
        f"{len(points)} months from {points[0].month} to {last.month}; at {last.month} the "
        f"contract sum is {money(last.scheduled)} and {money(last.billed)} is billed to date."
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(description)}</desc>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP + plot_h}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">'
        f"{money(top_value)}</text>",
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end">0.00</text>',
    ]
    parts += [
        f'<text class="tick" x="{x(i)}" y="{HEIGHT - 18}" text-anchor="middle">{p.month}</text>'
        for i, p in enumerate(points)
    ]
    parts.append(polyline([p.scheduled for p in points], "scheduled"))
    parts.append(polyline([p.billed for p in points], "billed"))
    parts.append(
        f'<g class="legend"><rect class="scheduled" x="{LEFT}" y="{HEIGHT - 12}" width="12" '
        f'height="4"/><text x="{LEFT + 16}" y="{HEIGHT - 6}">Scheduled (contract sum)</text>'
        f'<rect class="billed" x="{LEFT + 220}" y="{HEIGHT - 12}" width="12" height="4"/>'
        f'<text x="{LEFT + 236}" y="{HEIGHT - 6}">Billed to date</text></g>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
