"""Charts rendered on the server as SVG, each paired with a data table for screen readers.

SVG uses attributes (no inline style), so the strict CSP holds; colours come from CSS
classes in static/css/app.css. Values are escaped by Jinja when the chart is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup


@dataclass
class Bar:
    label: str
    value: float | None  # None: no data (drawn as an empty row, "—" in the table)
    css_class: str = ""  # e.g. a band: "band-strong", "band-discuss", "band-attention"
    note: str = ""  # extra text for the table (e.g. a band name)


def bar_chart(bars: list[Bar], *, title: str, max_value: float, min_value: float = 0,
              unit: str = "", value_format: str = "{:.1f}", chart_id: str = "chart") -> Markup:
    """A horizontal bar chart as labelled SVG plus a visually hidden data table."""
    label_width, bar_width, row_height = 220, 320, 28
    span = (max_value - min_value) or 1
    rows = []
    for index, bar in enumerate(bars):
        share = 0.0 if bar.value is None else (bar.value - min_value) / span
        rows.append(
            {
                "bar": bar,
                "y": index * row_height,
                "width": round(max(0.0, min(1.0, share)) * bar_width, 1),
                "text": "—" if bar.value is None else value_format.format(bar.value) + unit,
            }
        )
    return Markup(
        render_template(
            "_bar_chart.html",
            rows=rows,
            title=title,
            chart_id=chart_id,
            label_width=label_width,
            bar_width=bar_width,
            row_height=row_height,
            height=max(1, len(rows)) * row_height + 24,
            ticks=_ticks(min_value, max_value),
            span=span,
            min_value=min_value,
            value_format=value_format,
        )
    )


def _ticks(low: float, high: float) -> list[float]:
    steps = 4
    return [low + (high - low) * i / steps for i in range(steps + 1)]
