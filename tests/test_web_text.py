"""Shared text rules (`koalicje/web/text.py`): the control-character filter and the slug."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from koalicje.web.text import SLUG_RE, clean_text

ROOT = Path(__file__).resolve().parent.parent


def test_clean_text_drops_control_characters_and_keeps_lines():
    assert clean_text("a\x00b\x07c\x1fd\x7fe") == "abcde"
    assert clean_text("wiersz 1\r\nwiersz 2\n\tz wcięciem") == "wiersz 1\nwiersz 2\n\tz wcięciem"
    assert clean_text("zażółć 🙂") == "zażółć 🙂"
    assert clean_text(None) == ""


@pytest.mark.parametrize(("value", "ok"), [
    ("modul-1", True), ("a", True), ("abc-def-2", True),
    ("Modul", False), ("-a", False), ("a-", False), ("a--b", False), ("zażółć", False),
    ("a b", False), ("", False),
])
def test_one_slug_rule(value, ok):
    assert bool(SLUG_RE.match(value)) is ok


def test_no_other_copy_of_the_rules():
    copies = re.compile(r"\\x00-\\x08|\[a-z0-9\]\+\(\?:-\[a-z0-9\]\+\)\*")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in [*ROOT.glob("koalicje/**/*.py"), *ROOT.glob("blueprints/**/*.py")]
        if path != ROOT / "koalicje/web/text.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if copies.search(line)
    ]
    assert found == []
