"""The path's module cards kept per process (blueprints/learning/helpers.py `module_card`)
give what learning/index.html's loop wrote, for every status, mark, language, URL prefix and
trainer preview; they go when a module's stored row changes, and one learner's card never
shows for another's status."""

from __future__ import annotations

import pytest
from conftest import make_user
from factories import attempt, make_module, progress, task_post
from flask import render_template_string
from flask_babel import refresh
from flask_login import login_user

from blueprints.learning.helpers import module_card
from koalicje.learning import progress as path_progress
from models import Module, WatchState

# The loop of templates/learning/index.html before its cards were kept (the reference).
ORIGINAL_LOOP = """  {% for item in path.items %}
    {% set m = item.module %}
    <li class="module-card status-{{ item.status }}{% if item.is_next %} is-next{% endif %}{% if item.locked %} is-locked{% endif %}"
        {% if item.is_next %}aria-current="step"{% endif %}>
      <article>
        <p class="module-meta">
          <span class="tag">{{ module_kind_label(m.kind) }}</span>
          <span class="status-label status-label-{{ item.status }}">{{ module_status_label(item.status) }}</span>
          {% if item.is_next %}<strong class="next-label">{{ _("Następny krok") }}</strong>{% endif %}
          {% if not m.required %}<span>{{ _("nieobowiązkowy") }}</span>{% endif %}
        </p>
        <h2><a href="{{ url_for('learning.detail', slug=m.slug) }}">{{ m.position }}. {{ m | module_title }}</a></h2>
        <p>{{ m | module_summary }}</p>
        <p class="module-facts">
          <span>{{ ngettext("ok. %(num)d minuta", "ok. %(num)d minut", m.estimated_minutes) }}</span>
          {% if m.meta.date %}<span>· {{ m.meta.date | iso_date }}</span>{% endif %}
          {% if item.quiz %}<span>· {{ _("quiz zaliczony") if item.quiz_passed else _("z quizem") }}</span>{% endif %}
          {% if item.has_task %}<span>· {{ _("zadanie wykonane") if item.task_done else _("z zadaniem na tablicy") }}</span>{% endif %}
          {% if item.watched_share and item.status != "completed" %}<span>· {{ _("odtworzono %(p)d%%", p=(item.watched_share * 100) | round | int) }}</span>{% endif %}
        </p>
        {% if item.locked %}
          <p class="locked-note"><strong>{{ _("Zablokowany.") }}</strong>
            {{ _("Odblokuje się po ukończeniu:") }}
            {% for req in item.missing %}<a href="{{ url_for('learning.detail', slug=req.slug) }}">{{ req | module_title }}</a>{% if not loop.last %}, {% endif %}{% endfor %}</p>
        {% elif item.missing %}
          <p class="locked-note">{{ _("Podgląd trenerski: osoby uczące się zobaczą ten moduł po ukończeniu:") }}
            {% for req in item.missing %}<a href="{{ url_for('learning.detail', slug=req.slug) }}">{{ req | module_title }}</a>{% if not loop.last %}, {% endif %}{% endfor %}</p>
        {% endif %}
      </article>
    </li>
  {% endfor %}"""


def _cards(app, user, *, preview=False, locale="pl", root=""):
    """(each card from module_card, each again, the reference) in one request."""
    with app.test_request_context("/learning/", base_url=f"http://localhost{root}"):
        user.locale = locale
        login_user(user)
        refresh()
        path = path_progress.learning_path(user, preview=preview)
        kept = [str(module_card(item)) for item in path.items]
        again = [str(module_card(item)) for item in path.items]
        expected = render_template_string(ORIGINAL_LOOP, path=path)
    return kept, again, expected


def _joined(cards: list[str]) -> str:
    """The cards as the loop writes them (each between line breaks and indentation)."""
    return "  " + "".join("\n    " + card + "\n  " for card in cards)


@pytest.fixture
def world(app, database):
    first = make_module(slug="pierwszy", position=1, quiz=True, task=True)
    make_module(slug="drugi", position=2, prerequisites=["pierwszy"], required=False)
    film = make_module(slug="film", position=3, kind="film",
                       materials=[], summary_pl="Film <b>&</b> opis",
                       title_pl='Tytuł "z" <i>cudzysłowem</i>')
    Module.update(meta={"date": "2024-05-16", "presenters": []}).where(
        Module.slug == "film").execute()
    make_module(slug="czwarty", position=4, estimated_minutes=1)
    fresh = make_user(name="Nowa")
    busy = make_user(name="Zajęta")
    attempt(busy, first, passed=False)
    progress(busy, Module.get(Module.slug == "czwarty"), "in_progress")
    WatchState.create(user=busy, module=film, source="x.mp4", duration=100,
                      intervals=[[0, 37]], watched_seconds=37, position=37)
    watcher = make_user(name="Ogląda")
    WatchState.create(user=watcher, module=film, source="x.mp4", duration=100,
                      intervals=[[0, 62]], watched_seconds=62, position=62)
    done = make_user(name="Po wszystkim")
    path_progress.set_watched(done, first)
    attempt(done, first, passed=True)
    task_post(done, first)
    path_progress.refresh(done, first)
    trainer = make_user(role="trainer", name="Trenerka")
    return {"fresh": fresh, "busy": busy, "watcher": watcher, "done": done, "trainer": trainer}


@pytest.mark.parametrize("locale", ["pl", "en"])
@pytest.mark.parametrize("root", ["", "/intranet"])
def test_kept_cards_are_what_the_loop_wrote(app, world, locale, root):
    for who in ["fresh", "busy", "watcher", "done", "trainer", "fresh"]:
        kept, again, expected = _cards(app, world[who], preview=who == "trainer",
                                       locale=locale, root=root)
        assert _joined(kept) == expected, who
        assert _joined(again) == expected, who
    statuses = {card.split('"')[1] for card in _cards(app, world["done"])[0]}
    assert "module-card status-completed" in statuses


def test_one_learners_card_never_shows_for_anothers_status(app, world):
    done, _, _ = _cards(app, world["done"])
    fresh, _, expected = _cards(app, world["fresh"])
    assert _joined(fresh) == expected
    assert done[0] != fresh[0] and "status-completed" in done[0]
    assert "status-not_started" in fresh[0] and "is-next" in fresh[0]


def test_an_edited_module_shows_at_once(app, world):
    before, _, _ = _cards(app, world["fresh"])
    Module.update(title_pl="Nowy tytuł", estimated_minutes=42).where(
        Module.slug == "pierwszy").execute()
    after, _, expected = _cards(app, world["fresh"])
    assert _joined(after) == expected
    assert "Nowy tytuł" in after[0] and "42 minut" in after[0]
    assert "Nowy tytuł" in after[1]  # the locked module names it as missing
    assert "Nowy tytuł" not in before[0]


def test_a_card_of_other_modules_than_the_kept_ones_is_rendered_not_kept(app, world):
    with app.test_request_context("/learning/"):
        login_user(world["fresh"])
        item = path_progress.learning_path(world["fresh"]).items[0]
        stray = path_progress.ModuleStatus(module=Module.get(Module.slug == "pierwszy"))
        assert path_progress.kept_companion(path_progress._path_modules, stray.module) is None
        assert path_progress.kept_companion(path_progress._path_modules, item.module) == {}
        assert "Moduł 1" in str(module_card(stray))
        assert path_progress.kept_companion(path_progress._path_modules, item.module) == {}
