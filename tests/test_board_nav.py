"""The header's board navigation written in Python (`board_nav`) gives the markup the
template wrote per board, for every kind of entry, language and script root; a trainer's
assigned boards are read with only what the navigation shows."""

from __future__ import annotations

import re

import pytest
from conftest import add_member, assign, count_queries, make_coalition, make_user
from flask import render_template_string
from flask_babel import force_locale
from flask_login import login_user

from blueprints.board import board_nav
from koalicje.board import posts
from models import Coalition, User

# What templates/board/_nav.html wrote for each board before board_nav() (the reference).
TEMPLATE_LOOP = """
{%- for entry in boards %}
  <li>
    <a href="{{ board_url(entry.coalition) }}" data-board="{{ entry.slug or 'programme' }}">
      {{ entry.coalition.name if entry.coalition else _("Tablica programu") }}
      {% if entry.new %}<span class="tag board-new-count">{{ ngettext("%(num)d nowy", "%(num)d nowe", entry.new) }}</span>{% endif %}
    </a>
  </li>
{%- endfor %}"""


def _normalized(html: str) -> list[str]:
    """Each board's link, character for character, with the whitespace that does not show
    taken out (the template's indentation): a space between the name and its count stays."""
    html = re.sub(r"\s+", " ", html.strip())  # a run of whitespace shows as one space
    html = re.sub(r" <(/a|/?li)>", r"<\1>", html.replace("> ", ">"))
    assert html.startswith("<li>") and html.endswith("</li>")
    return html[len("<li>"):-len("</li>")].split("</li><li>")


def _entries() -> list[posts.BoardEntry]:
    named = [
        Coalition(id=1, slug="plain-slug.1_~", name="Koalicja <b>&</b> \"cudzysłów\""),
        Coalition(id=2, slug="zażółć gęślą", name="Gmina Łódź"),  # a slug werkzeug quotes
        Coalition(id=3, slug="a&b", name="A & B"),
        Coalition(id=4, slug="", name="bez slugu?"),
    ]
    entries = [posts.BoardEntry(None, 0), posts.BoardEntry(None, 3)]
    for n, coalition in enumerate(named):
        for new in (0, 1, 2, 5, 22, 101 + n):
            entries.append(posts.BoardEntry(coalition, new))
    return entries


@pytest.mark.parametrize("locale", ["pl", "en"])
@pytest.mark.parametrize("root", ["", "/intranet"])
def test_board_nav_writes_what_the_template_wrote(app, locale, root):
    entries = _entries()
    with app.test_request_context("/", base_url=f"http://localhost{root}"), \
            force_locale(locale):
        expected = render_template_string(TEMPLATE_LOOP, boards=entries)
        total, links = board_nav(entries)
        again = board_nav(entries)[1]  # the second call of a request: from the cached URL parts
    assert total == sum(e.new for e in entries)
    assert _normalized(links) == _normalized(expected)
    assert _normalized(again) == _normalized(expected)
    assert len(_normalized(links)) == len(entries)
    if root:
        assert all(link.startswith('<a href="/intranet/board/') for link in _normalized(links))


def test_board_nav_is_empty_for_anonymous_visitors(app):
    with app.test_request_context("/"):
        assert board_nav() == (0, "")


def test_a_trainers_assigned_boards_are_read_as_id_slug_and_name(app, database):
    trainer = make_user(role="trainer", name="Trenerka")
    own = make_coalition(name="Własna")
    add_member(trainer, own)
    assigned = [make_coalition(name=f"Przypisana {n}") for n in (2, 1)]
    for coalition in [own, *assigned]:
        assign(trainer, coalition)
    with app.test_request_context("/"):
        user = User.get_by_id(trainer.id)
        login_user(user)
        with count_queries() as queries:
            boards = posts.boards_of(user)
        assert [b.name if b else None for b in boards] == [
            None, "Przypisana 1", "Przypisana 2", "Własna"]
        assert [b.slug for b in boards[1:]] == [assigned[1].slug, assigned[0].slug, own.slug]
        assert [b.id for b in boards[1:]] == [assigned[1].id, assigned[0].id, own.id]
        [read] = [s for s in queries.statements if 'JOIN "trainer_assignment"' in s]
        selected = read.split(" FROM ")[0]
        assert "goals" not in selected and "created_at" not in selected
        assert boards[3].goals == own.goals  # the member's own coalition: its whole row
        # a learner assigned as if a trainer follows only their own coalitions
        learner = make_user()
        add_member(learner, own)
        assign(learner, assigned[0])
        assert posts.boards_of(User.get_by_id(learner.id)) == [None, own]


def test_a_named_coalition_is_what_peewee_makes_of_id_slug_and_name(app, database):
    made = posts._named_coalition(7, "lipowa", "Koalicja <Lipowa>")
    expected = Coalition(__no_default__=1, id=7, slug="lipowa", name="Koalicja <Lipowa>")
    assert type(made) is Coalition
    assert vars(made) == vars(expected)
    assert made == expected and hash(made) == hash(expected)
    assert made.id == 7 and made.slug == "lipowa" and made.name == "Koalicja <Lipowa>"
    assert made.get_id() == 7 and made.is_dirty() and made.dirty_fields
    made.name = "Inna"  # its own dicts: nothing shared between objects
    assert posts._named_coalition(7, "lipowa", "x")._dirty == {"id", "slug", "name"}
    assert expected.name == "Koalicja <Lipowa>"


def test_the_kept_navigation_is_what_a_fresh_one_writes(app):
    """board_nav is kept per process by the language, the URL root and each board's slug,
    name and count: in one process, every language, root and change of a shown value gives
    what the template writes, and what is kept for one never shows for another."""
    from blueprints.board import NAV_KEPT

    base = _entries()
    variants = [base, base[:3], list(reversed(base))]
    first = [posts.BoardEntry(base[2].coalition, 2)]
    renamed = [posts.BoardEntry(Coalition(id=1, slug="plain-slug.1_~", name="Inna nazwa"), 2)]
    moved = [posts.BoardEntry(Coalition(id=1, slug="inny-slug", name="Inna nazwa"), 2)]
    counted = [posts.BoardEntry(Coalition(id=1, slug="inny-slug", name="Inna nazwa"), 3)]
    variants += [first, renamed, moved, counted, [posts.BoardEntry(None, 0)], [posts.BoardEntry(None, 1)]]
    for _ in range(2):  # the second time: everything from what was kept
        for root in ("", "/intranet"):
            for locale in ("pl", "en"):
                for entries in variants:
                    with app.test_request_context("/", base_url=f"http://localhost{root}"), \
                            force_locale(locale):
                        expected = render_template_string(TEMPLATE_LOOP, boards=entries)
                        total, links = board_nav(entries)
                    assert total == sum(e.new for e in entries)
                    assert _normalized(links) == _normalized(expected), (root, locale)
    assert len(app.extensions[NAV_KEPT]) == 2 * 2 * len(variants)
