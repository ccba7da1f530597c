"""Small promises of a finished product (issue 11): an icon, formats, rendered notes."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import soup


def test_every_page_names_its_icon_so_browsers_do_not_ask_for_favicon_ico(client):
    icon = soup(client.get("/login")).select_one("link[rel=icon]")
    assert icon is not None and icon["type"] == "image/svg+xml"
    response = client.get(icon["href"])
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # Clients that never read the page (feed readers, bookmarks) ask /favicon.ico itself.
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 200 and legacy.mimetype == "image/svg+xml"
    assert legacy.get_data() == response.get_data()


def test_every_htmx_request_has_a_loading_indicator_without_inline_styles(client):
    """htmx's injected indicator style is off (CSP): the page carries its own indicator,
    which every request lights up (hx-indicator on <body> is inherited)."""
    page = soup(client.get("/login"))
    indicator = page.select_one(page.body["hx-indicator"])
    assert indicator is not None and "htmx-indicator" in indicator["class"]
    config = page.select_one("meta[name=htmx-config]")["content"]
    assert '"includeIndicatorStyles": false' in config
    css = (Path(__file__).resolve().parents[1] / "static/css/app.css").read_text()
    assert ".loading-bar.htmx-request" in css and ".htmx-request .htmx-indicator" in css
    assert page.select("[style]") == []


# --- every number and date through the locale: a scan for hand-made formats ----------------

ROOT = Path(__file__).resolve().parents[1]
# Hand-made formatting of a number or a date: strftime, isoformat, "{:.2f}", "%.1f",
# "%(x).1f", Jinja's "…" | format(…) with a float.
RAW_FORMAT = re.compile(
    r"strftime\(|(?<!from)isoformat\(|\{[\w.\[\]'\"]*:[,_]?\.\d+[fe%]\}|%\.?\d*\.\d+f"
    r"|%\(\w+\)\.\d+f|['\"][^'\"]*%[.\d]*f[^'\"]*['\"]\s*\|\s*format"
)
# Machine-readable places, where ISO and plain numbers are the point.
MACHINE_ATTRIBUTE = re.compile(r'\b(datetime|data-[\w-]+)="\{\{[^}]*\}\}[^"]*"')
MACHINE_PY = {
    "koalicje/board/feeds.py": "Atom and iCalendar timestamps",
    "koalicje/web/exports.py": "CSV/XLSX cells for spreadsheets",
    "koalicje/stats.py": "the SQL month key, labelled by the view",
    "koalicje/content/module_files.py": "front matter written back to files",
    "blueprints/trainer/common.py": "a sortable date in a download's file name",
}
MACHINE_TEMPLATE_LINES = {
    # <input type="datetime-local"> takes its value in ISO form.
    ("templates/workshop/meeting_edit.html", 'meeting.starts_at.strftime("%Y-%m-%dT%H:%M")'),
}


def raw_formats() -> list[str]:
    hits = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        name = str(path.relative_to(ROOT))
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if any(name == f and snippet in line for f, snippet in MACHINE_TEMPLATE_LINES):
                continue
            if RAW_FORMAT.search(MACHINE_ATTRIBUTE.sub("", line)):
                hits.append(f"{name}:{number}: {line.strip()}")
    for folder in ("blueprints", "koalicje"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            if name in MACHINE_PY or name.startswith("koalicje/ops/"):
                continue  # ops: CLI reports and backups for administrators, not pages
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if RAW_FORMAT.search(line):
                    hits.append(f"{name}:{number}: {line.strip()}")
    return hits


def test_no_hand_made_number_or_date_formats_in_templates_and_views():
    """Numbers and dates shown to people go through Flask-Babel (format_decimal,
    format_percent, format_date; the decimalformat/dateformat filters), so "3,75" and
    "25 lis 2026" in Polish, never "3.75" or "2026-11-25" from str.format or isoformat."""
    assert raw_formats() == []


def test_the_format_scan_catches_what_it_is_for():
    for bad in ['{{ "%.2f" | format(d.mean) }}', "{{ post.created_at.isoformat() }}",
                '{{ day.strftime("%d.%m.%Y") }}', 'value_format="{:.2f}"', "f'{mean:.1f}'",
                '_("Średnia %(m).1f", m=x)']:
        assert RAW_FORMAT.search(MACHINE_ATTRIBUTE.sub("", bad)), bad
    assert not RAW_FORMAT.search(MACHINE_ATTRIBUTE.sub(
        "", '<time datetime="{{ d.isoformat() }}">{{ d | dateformat }}</time>'))
    assert not RAW_FORMAT.search("date.fromisoformat(raw)")
