"""Charts rendered on the server as SVG, each paired with a data table for screen readers.

SVG uses attributes (no inline style), so the strict CSP holds; colours come from CSS
classes in static/css/app.css. Values are escaped by Jinja when the chart is rendered.
The templates are in templates/charts/.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import format_decimal, format_percent
from markupsafe import Markup


def chart_number(value: float, digits: int = 1, percent: bool = False) -> str:
    """A value as the reader's locale writes it ("3,75", "42%"); `percent` takes 0–100."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    if percent:
        return format_percent(value / 100, pattern + "%")
    return format_decimal(value, pattern)


@dataclass
class Bar:
    label: str
    value: float | None  # None: no data (drawn as an empty row, "—" in the table)
    css_class: str = ""  # e.g. a band: "band-strong", "band-discuss", "band-attention"
    note: str = ""  # extra text for the table (e.g. a band name)


def bar_chart(bars: list[Bar], *, title: str, max_value: float, min_value: float = 0,
              percent: bool = False, digits: int = 1, chart_id: str = "chart") -> Markup:
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
                "text": "—" if bar.value is None else chart_number(bar.value, digits, percent),
            }
        )
    return Markup(
        render_template(
            "charts/_bar_chart.html",
            rows=rows,
            title=title,
            chart_id=chart_id,
            label_width=label_width,
            bar_width=bar_width,
            row_height=row_height,
            height=max(1, len(rows)) * row_height + 24,
            ticks=[{"value": tick, "text": chart_number(tick, digits, percent)}
                   for tick in _ticks(min_value, max_value)],
            span=span,
            min_value=min_value,
        )
    )


def _ticks(low: float, high: float) -> list[float]:
    steps = 4
    return [low + (high - low) * i / steps for i in range(steps + 1)]


# --- trainer area: column chart (values over categories such as months or rounds) ----------


def column_chart(bars: list[Bar], *, title: str, max_value: float | None = None,
                 percent: bool = False, digits: int = 0,
                 chart_id: str = "column-chart") -> Markup:
    """A vertical column chart as labelled SVG plus a visually hidden data table.

    `max_value` defaults to the largest value (at least 1). Labels sit under the columns,
    values above them; the table repeats every value for screen readers.
    """
    values = [bar.value for bar in bars if bar.value is not None]
    top = max_value if max_value is not None else max([1.0, *values])
    top = top or 1
    column_width, gap, plot_height, label_height = 44, 12, 180, 40
    columns = []
    for index, bar in enumerate(bars):
        share = 0.0 if bar.value is None else max(0.0, min(1.0, bar.value / top))
        height = round(share * plot_height, 1)
        columns.append(
            {
                "bar": bar,
                "x": index * (column_width + gap) + gap,
                "y": 20 + plot_height - height,
                "height": height,
                "text": "—" if bar.value is None else chart_number(bar.value, digits, percent),
            }
        )
    return Markup(
        render_template(
            "charts/_column_chart.html",
            columns=columns,
            title=title,
            chart_id=chart_id,
            column_width=column_width,
            # at least 480 units wide, so a few columns are not blown up to the page width
            width=max(480, len(columns) * (column_width + gap) + gap),
            plot_height=plot_height,
            height=20 + plot_height + label_height,
        )
    )
@dataclass
class Series:
    name: str
    values: list[float | None]  # one per axis; None: no data (drawn at the centre, "—")
    css_class: str = ""  # e.g. "radar-current", "radar-previous"


def radar_chart(axes: list[str], series: list[Series], *, title: str, max_value: float,
                min_value: float = 0, rings: int = 4, digits: int = 1,
                chart_id: str = "radar") -> Markup:
    """A radar (spider) chart as labelled SVG plus a visually hidden data table.

    Each series is a closed polygon over the axes; rings mark equal steps of the scale.
    """
    import math

    radius, margin_x, margin_y = 130, 190, 40
    cx, cy = margin_x + radius, margin_y + radius
    span = (max_value - min_value) or 1
    count = max(1, len(axes))

    def point(index: int, value: float | None) -> tuple[float, float]:
        share = 0.0 if value is None else max(0.0, min(1.0, (value - min_value) / span))
        angle = -math.pi / 2 + 2 * math.pi * index / count
        return (round(cx + math.cos(angle) * radius * share, 1),
                round(cy + math.sin(angle) * radius * share, 1))

    spokes = []
    for index, label in enumerate(axes):
        x, y = point(index, max_value)
        angle = -math.pi / 2 + 2 * math.pi * index / count
        lx, ly = cx + math.cos(angle) * (radius + 12), cy + math.sin(angle) * (radius + 12)
        anchor = "middle" if abs(math.cos(angle)) < 0.2 else ("start" if math.cos(angle) > 0 else "end")
        spokes.append({"label": label, "x": x, "y": y, "lx": round(lx, 1),
                       "ly": round(ly + (4 if math.sin(angle) >= 0 else 0), 1), "anchor": anchor})
    ring_steps = [min_value + span * step / rings for step in range(1, rings + 1)]
    ring_shapes = [
        {"value": value, "text": chart_number(value, digits), "points": " ".join(f"{x},{y}" for x, y in
                                            (point(i, value) for i in range(count)))}
        for value in ring_steps
    ]
    shapes = [
        {"series": item,
         "points": " ".join(f"{x},{y}" for x, y in (point(i, v) for i, v in enumerate(item.values))),
         "texts": ["—" if v is None else chart_number(v, digits) for v in item.values]}
        for item in series
    ]
    return Markup(render_template(
        "charts/_radar_chart.html", title=title, chart_id=chart_id, spokes=spokes, rings=ring_shapes,
        shapes=shapes, cx=cx, cy=cy, width=2 * (margin_x + radius),
        height=2 * (margin_y + radius), axes=axes,
    ))
