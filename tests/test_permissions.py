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


# --- HEAD and GET never change state ---------------------------------------------------------

# Rows that a plain read may legitimately touch (when a device's session was last seen).
NOT_STATE = {"user_session"}


def database_state() -> dict[str, list]:
    """Every row of every table (the search index aside), to compare before and after."""
    from models import MODELS

    state = {}
    for model in MODELS:
        table = model._meta.table_name
        if table in NOT_STATE:
            continue
        state[table] = sorted(map(repr, model.select().tuples()))
    return state


def test_head_and_get_never_change_state(app):
    """Every route that changes state accepts only POST: HEAD and GET on it change nothing.

    The walk covers every rule in the URL map that takes POST, with the URL of its POST case,
    for every persona (the author and the admin included), HEAD and GET alike.
    """
    post_urls: dict[str, list] = {}
    for case in CASES:
        if case.method == "POST":
            post_urls.setdefault(case.endpoint, []).append(case.url)
    state_changing = sorted(rule.endpoint for rule in app.url_map.iter_rules()
                            if "POST" in rule.methods)
    assert set(state_changing) <= set(post_urls)
    with app.app_context():
        db.connect(reuse_if_open=True)
        world = build_world()
        db.close()
    changed = []
    for persona in PERSONAS:
        client = app.test_client()
        user = world.persona(persona)
        if user is not None:
            token = csrf_from(client.get("/login").get_data(as_text=True))
            client.post("/login", data={"email": user.email, "password": PASSWORD,
                                        "csrf_token": token})
        for endpoint in state_changing:
            for url_of in post_urls[endpoint]:
                url = url_of(world)  # once: some builders hand out a fresh target each call
                for method in ("HEAD", "GET"):
                    with app.app_context():
                        db.connect(reuse_if_open=True)
                        before = database_state()
                        db.close()
                    response = client.open(url, method=method,
                                           headers={"Origin": "https://evil.example"})
                    with app.app_context():
                        db.connect(reuse_if_open=True)
                        after = database_state()
                        db.close()
                    if before != after:
                        tables = sorted(t for t in before if before[t] != after[t])
                        changed.append(f"{persona} {method} {url} "
                                       f"({response.status_code}): {', '.join(tables)}")
    assert not changed, "HEAD/GET changed state: " + "; ".join(changed)
