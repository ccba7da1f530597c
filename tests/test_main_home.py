"""The home page gets its context from its view; the writes behind the language switch and
the light-version choice are domain functions."""

from __future__ import annotations

from conftest import add_member, make_coalition, make_user, soup
from flask import template_rendered

from koalicje import accounts, quizzes
from koalicje.learning import watching
from models import LearningPreference, Module, User, db


def test_home_context_is_built_by_the_view(app, client, auth):
    db.connect(reuse_if_open=True)
    user = make_user()
    add_member(user, make_coalition(name="Alfa"))
    Module.create(slug="pierwszy", position=1, kind="reading", title_pl="Pierwszy moduł",
                  title_en="First module")
    db.close()
    auth.as_user(user)
    seen = []

    def record(sender, template, context, **extra):
        seen.append((template.name, context))

    template_rendered.connect(record, app)
    try:
        page = soup(client.get("/"))
    finally:
        template_rendered.disconnect(record, app)
    context = dict(seen)["main/home.html"]
    assert context["learning"].total == 1
    assert [entry.coalition.name for entry in context["boards"] if entry.coalition] == ["Alfa"]
    assert context["quiz_tally"] == quizzes.Tally(passed=0, total=0)
    assert page.select_one(".learning-continue .continue-link").get_text() == "Pierwszy moduł"
    for name in ("learning_home", "quiz_overview"):  # no template global runs these queries
        assert name not in app.jinja_env.globals


def test_set_locale_writes_only_the_language(database):
    user = make_user()
    stale = User.get_by_id(user.id)
    User.update(name="Nowe imię").where(User.id == user.id).execute()
    accounts.set_locale(stale, "en")
    fresh = User.get_by_id(user.id)
    assert (fresh.locale, fresh.name) == ("en", "Nowe imię")


def test_light_preference_is_remembered_and_changed(database):
    user = make_user()
    assert watching.prefers_light(user) is False
    watching.set_prefers_light(user, True)
    assert watching.prefers_light(user) is True
    watching.set_prefers_light(user, False)
    assert watching.prefers_light(user) is False
    assert LearningPreference.select().count() == 1
