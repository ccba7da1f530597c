"""Permission matrix: every route × every persona (see tests/access/__init__.py)."""

from __future__ import annotations

import importlib
import pkgutil

import access
import pytest
from access import PERSONAS, World
from conftest import PASSWORD, add_member, assign, csrf_from, make_coalition, make_user

from models import db

AREAS = [
    importlib.import_module(f"access.{info.name}")
    for info in pkgutil.iter_modules(access.__path__)
]
CASES = [case for area in AREAS for case in area.CASES]


def build_world() -> World:
    world = World()
    world.coalition = make_coalition(name="Koalicja Testowa")
    world.other_coalition = make_coalition(name="Inna Koalicja")
    world.user = make_user(name="Zwykły Użytkownik")
    world.member = make_user(name="Członek Koalicji")
    world.coordinator = make_user(name="Koordynatorka")
    world.trainer = make_user(role="trainer", name="Trener Przypisany")
    world.other_trainer = make_user(role="trainer", name="Trener Inny")
    world.admin = make_user(role="admin", name="Admin")
    add_member(world.member, world.coalition, "member", "ngo")
    add_member(world.coordinator, world.coalition, "coordinator", "library")
    assign(world.trainer, world.coalition)
    assign(world.other_trainer, world.other_coalition)
    for area in AREAS:
        if hasattr(area, "setup"):
            area.setup(world)
    return world


def test_every_route_has_a_case(app):
    covered = {(case.endpoint, case.method) for case in CASES}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (rule.endpoint, method) not in covered:
                missing.append(f"{rule.endpoint} {method} {rule.rule}")
    assert not missing, "routes without a permission case in tests/access/: " + ", ".join(missing)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_route_permissions(app, case):
    with app.app_context():  # setups may read the app's config (e.g. UPLOAD_DIR)
        db.connect(reuse_if_open=True)
        world = build_world()
        db.close()
    outcomes = {}
    for persona in PERSONAS:
        client = app.test_client()
        user = world.persona(persona)
        page = client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        if user is not None:
            signed_in = client.post(
                "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
            )
            assert signed_in.status_code == 303, f"{persona} could not sign in"
            token = csrf_from(client.get("/").get_data(as_text=True))
        url = case.url(world)
        headers = dict(case.headers or {})
        if case.method == "GET":
            response = client.get(url, headers=headers)
        else:
            data = dict(case.data(world)) if case.data else {}
            data.setdefault("csrf_token", token)
            headers.setdefault("X-CSRFToken", token)
            response = client.open(url, method=case.method, data=data, headers=headers)
        outcomes[persona] = response.status_code
    expected = {persona: case.expect[persona] for persona in PERSONAS}
    assert outcomes == expected
