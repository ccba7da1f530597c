"""Query helpers on the models: each filter is written once, in models.py."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import make_user

from models import Instrument, Module, Quiz, User

ROOT = Path(__file__).resolve().parent.parent


def _module(slug: str, position: int, **fields) -> Module:
    return Module.create(slug=slug, position=position, kind="reading", title_pl=slug,
                         title_en=slug, **fields)


def test_active_modules_in_path_order_without_archived(database):
    _module("drugi", 2)
    _module("pierwszy", 1)
    _module("stary", 3, archived=True)
    assert [m.slug for m in Module.active()] == ["pierwszy", "drugi"]
    assert Module.get_active("pierwszy").slug == "pierwszy"
    assert Module.get_active("stary") is None
    assert Module.get_active(None) is None


def test_required_and_active_counts_towards_the_path(database):
    _module("obowiazkowy", 1)
    _module("dodatkowy", 2, required=False)
    _module("stary", 3, archived=True)
    alias = Module.alias()
    assert [m.slug for m in Module.select().where(Module.required_and_active())] == ["obowiazkowy"]
    assert [m.slug for m in alias.select().where(Module.required_and_active(alias))] == ["obowiazkowy"]


def test_active_quizzes_and_instruments(database):
    Quiz.create(slug="nowy", title="Nowy")
    Quiz.create(slug="stary", title="Stary", archived=True)
    Instrument.create(slug="partnerstwo", title="Partnerstwo")
    Instrument.create(slug="dawne", title="Dawne", archived=True)
    assert [q.slug for q in Quiz.active()] == ["nowy"]
    assert Quiz.get_active("stary") is None
    assert [i.slug for i in Instrument.active()] == ["partnerstwo"]
    assert Instrument.get_active("partnerstwo").slug == "partnerstwo"


def test_enabled_users(database):
    on = make_user()
    make_user(active=False)
    assert [u.id for u in User.select().where(User.enabled())] == [on.id]


def test_the_filters_are_spelled_out_only_in_models():
    spelled = re.compile(r"\b(archived|User\.active|Priority\.active)\s*==\s*(True|False)")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in [*ROOT.glob("koalicje/**/*.py"), *ROOT.glob("blueprints/**/*.py"), ROOT / "app.py"]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if spelled.search(line)
    ]
    assert found == []
