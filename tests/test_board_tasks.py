"""Module tasks: the module page shows the task (board/_module_task.html), the learner posts
from it, the post is linked to the module and counts towards its completion."""

from __future__ import annotations

import pytest
from conftest import soup
from factories import build_board_world, with_db
from flask import render_template_string
from flask_login import login_user

from koalicje.board import posts
from models import Module, ModuleProgress, Post, utcnow

SLUG = "film-spotkanie-badawcze"
TASK = {
    "title": {"pl": "Wyniki diagnozy", "en": "Your diagnosis"},
    "prompt": {"pl": "Opisz wnioski ze spotkania badawczego.",
               "en": "Describe what the research meeting showed."},
    "category": "success",
}


@pytest.fixture
def bw(app):
    world = build_board_world()
    with_db(lambda: Module.create(slug=SLUG, position=4, kind="film", title_pl="Film",
                                  title_en="Film", meta={"task": TASK}, updated_at=utcnow()))
    return world


def _module():
    return with_db(lambda: Module.get(Module.slug == SLUG))


def _render(app, user, module) -> str:
    from models import db

    db.connect(reuse_if_open=True)
    try:
        with app.test_request_context("/learning/module"):
            login_user(user)
            return render_template_string(
                '{% include "board/_module_task.html" ignore missing %}', module=module)
    finally:
        db.close()


def test_task_template_shows_the_task_and_a_form(app, bw):
    html = soup_of(_render(app, bw.member, _module()))
    assert html.select_one("#module-task-heading").get_text() == "Zadanie: Wyniki diagnozy"
    form = html.select_one("form")
    assert form["action"] == f"/board/task/{SLUG}"
    options = [o.get_text() for o in form.select("select[name=task-board] option")]
    assert options == ["Koalicja Lipowa", "Tablica programu"]


def test_module_without_task_renders_nothing(app, bw):
    plain = with_db(lambda: Module.create(slug="czym-jest-partnerstwo", position=1,
                                          kind="reading", title_pl="x", title_en="x"))
    assert _render(app, bw.member, plain).strip() == ""


def test_task_post_plain_and_htmx(app, client, htmx, auth, bw):
    auth.as_user(bw.member)
    token = auth.csrf()
    bad = htmx.post(f"/board/task/{SLUG}", data={"task-board": str(bw.coalition.id),
                                                 "task-title": "", "task-body": "x",
                                                 "csrf_token": token})
    assert bad.status_code == 422
    assert soup(bad).select_one("input[name=task-title]")["aria-invalid"] == "true"
    foreign = client.post(f"/board/task/{SLUG}", data={
        "task-board": str(bw.other.id), "task-title": "x", "task-body": "y",
        "csrf_token": token})
    assert foreign.status_code == 422  # not one of the learner's boards
    ok = htmx.post(f"/board/task/{SLUG}", data={
        "task-board": str(bw.coalition.id), "task-title": "Nasza diagnoza",
        "task-body": "Mieszkańcy chcą więcej zajęć dla młodzieży.", "csrf_token": token})
    assert ok.status_code == 200
    # The module's progress region reloads itself on this event (it no longer waits).
    assert ok.headers["HX-Trigger"] == "progress-changed"
    region = soup(client.get(f"/learning/{SLUG}")).select_one("#module-progress")
    assert region["hx-trigger"] == "progress-changed from:body"
    refreshed = soup(client.get(region["hx-get"]))
    assert "wykonane" in refreshed.select_one("#module-progress .checklist").get_text()
    done = soup(ok).select_one(".module-task-done")
    assert "Nasza diagnoza" in done.get_text()
    post = with_db(lambda: Post.get(Post.module_slug == SLUG))
    assert post.coalition_id == bw.coalition.id and post.category == "success"
    board = soup(client.get(f"/board/{bw.coalition.slug}"))
    assert board.select_one(f"#post-{post.id} .post-task") is not None
    # once done, the module page shows the post instead of the form
    html = soup_of(_render(app, bw.member, _module()))
    assert html.select_one("form") is None
    assert html.select_one(".module-task-done a")["href"] == f"/board/post/{post.id}"


def test_task_post_without_js_redirects_to_the_post(client, auth, bw):
    auth.as_user(bw.outsider)
    response = client.post(f"/board/task/{SLUG}", data={
        "task-board": "programme", "task-title": "Diagnoza", "task-body": "Wnioski",
        "csrf_token": auth.csrf()})
    assert response.status_code == 303
    post = with_db(lambda: Post.get(Post.module_slug == SLUG))
    assert post.coalition_id is None
    assert response.headers["Location"].endswith(f"/board/post/{post.id}")


def test_unknown_module_or_module_without_task_is_404(client, auth, bw):
    with_db(lambda: Module.create(slug="bez-zadania", position=9, kind="reading",
                                  title_pl="x", title_en="x"))
    auth.as_user(bw.member)
    token = auth.csrf()
    for slug in ("nie-ma", "bez-zadania"):
        assert client.post(f"/board/task/{slug}", data={"csrf_token": token}).status_code == 404


def test_progress_is_refreshed_on_create_and_delete(bw, database, monkeypatch):
    calls = []

    class FakeProgress:
        @staticmethod
        def refresh_for_module_slug(user, slug):
            calls.append((user.id, slug))

    monkeypatch.setattr(posts, "progress", FakeProgress)
    post = posts.create_post(bw.member, bw.coalition, title="x", body="y", module_slug=SLUG)
    posts.create_post(bw.member, bw.coalition, title="zwykły", body="y")
    posts.delete_post(post, bw.member)
    assert calls == [(bw.member.id, SLUG), (bw.member.id, SLUG)]


def test_a_task_post_completes_the_module(client, auth, bw):
    """The single completion rule: watched + task post (this module has no quiz)."""
    module = _module()
    with_db(lambda: ModuleProgress.create(user=bw.member, module=module, watched=True))
    auth.as_user(bw.member)
    response = client.post(f"/board/task/{SLUG}", data={
        "task-board": str(bw.coalition.id), "task-title": "Diagnoza", "task-body": "Wnioski",
        "csrf_token": auth.csrf()})
    assert response.status_code == 303
    status = with_db(lambda: ModuleProgress.get(user=bw.member, module=module).status)
    assert status == "completed"


def soup_of(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")
