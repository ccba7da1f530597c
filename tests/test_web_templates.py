"""Template conventions: one CSRF idiom, chart templates in one folder."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


def _lines(pattern: re.Pattern, allowed: set[str]) -> list[str]:
    found = []
    for path in TEMPLATES.rglob("*.html"):
        name = str(path.relative_to(TEMPLATES))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line) and f"{name}:{number}" not in allowed and name not in allowed:
                found.append(f"{name}:{number}: {line.strip()}")
    return found


def test_forms_carry_the_csrf_token_one_way():
    """Every form uses the `csrf()` macro of _macros.html; only the macro itself and the
    htmx header on <body> call csrf_token()."""
    other_idioms = re.compile(r"csrf_token\(\)|form\.csrf_token|hidden_tag\(\)")
    allowed = {"_macros.html"}
    found = [line for line in _lines(other_idioms, allowed)
             if not line.startswith("base.html:") or "hx-headers" not in line]
    assert found == []


def test_chart_templates_live_together():
    charts = {str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*chart*.html")}
    assert charts == {"charts/_bar_chart.html", "charts/_column_chart.html",
                      "charts/_radar_chart.html"}
