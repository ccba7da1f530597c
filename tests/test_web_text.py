"""Every user-provided text is cleaned at the door (one function, one request class)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import add_member, make_coalition, make_user

from koalicje.web.text import SLUG_RE, clean_text
from models import Coalition

ROOT = Path(__file__).resolve().parent.parent
BAD = "\x00\x01\x08\x0b\x0c\x1b\x7f\x85\ufffe\uffff\U0001fffe\ufdd0"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (f"Ala{BAD} ma kota", "Ala ma kota"),
        ("wiersz 1\r\nwiersz 2\rwiersz 3", "wiersz 1\nwiersz 2\nwiersz 3"),
        ("tab\tzostaje\n", "tab\tzostaje\n"),
        ("Zażółć gęślą jaźń 🎉 \u00a0", "Zażółć gęślą jaźń 🎉 \u00a0"),
        (None, ""),
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


def test_request_form_args_and_file_names_are_cleaned(app):
    data = {"title": f"Tytuł{BAD}", "many": ["a\x00", "b\uffff"],
            "file": (io.BytesIO(b"x"), "raport\x07\x00.pdf")}
    with app.test_request_context("/?q=fe\x00styn", method="POST", data=data):
        from flask import request

        assert request.form["title"] == "Tytuł"
        assert request.form.getlist("many") == ["a", "b"]
        assert request.args["q"] == "festyn"
        assert request.files["file"].filename == "raport.pdf"


def test_json_strings_are_cleaned(app):
    from flask import request

    payload = {"session": "ab\x00c", "ranges": [["x\uffff", 1]], "k\x01": {"n": "\x1b"}}
    with app.test_request_context("/", method="POST", json=payload):
        assert request.get_json() == {"session": "abc", "ranges": [["x", 1]], "k": {"n": ""}}


def test_coalition_goals_saved_through_a_form_are_clean(client, auth, database):
    coordinator = make_user()
    coalition = make_coalition()
    add_member(coordinator, coalition, role="coordinator")
    auth.as_user(coordinator)
    response = client.post(f"/coalitions/{coalition.slug}/goals",
                           data={"goals": f"Cele\x00 na{BAD} rok", "csrf_token": auth.csrf()})
    assert response.status_code in (200, 303)
    assert Coalition.get_by_id(coalition.id).goals == "Cele na rok"


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
