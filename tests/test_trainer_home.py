"""The trainer area's piece of the home page and the navigation entries."""

from __future__ import annotations

from conftest import add_member, make_coalition, make_user, soup

from models import db


def test_coordinator_finds_the_visit_log_and_members_do_not(client, auth, app):
    db.connect(reuse_if_open=True)
    coalition = make_coalition(slug="wies", name="Wieś")
    coordinator, member = make_user(), make_user()
    add_member(coordinator, coalition, role="coordinator")
    add_member(member, coalition)
    db.close()
    auth.as_user(coordinator)
    page = soup(client.get("/"))
    assert page.select_one("a[href='/trainer/visits/wies']") is not None
    nav = [a["href"] for a in page.select("header nav a")]
    assert "/stats" in nav and "/trainer/" not in nav
    auth.logout()
    auth.as_user(member)
    page = soup(client.get("/"))
    assert page.select_one("a[href='/trainer/visits/wies']") is None
    assert page.select_one("a[href='/digest/settings']") is not None


def test_trainers_get_the_panel_in_the_navigation(client, auth, app):
    db.connect(reuse_if_open=True)
    trainer = make_user(role="trainer")
    db.close()
    auth.as_user(trainer)
    nav = [a["href"] for a in soup(client.get("/")).select("header nav a")]
    assert "/trainer/" in nav and "/stats" in nav
