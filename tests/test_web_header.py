"""The site's header kept per process (koalicje/web/header.py `site_header`) gives what the
header template wrote in base.html, for every role, language, script root and page, with
each user's own name, CSRF token and board counts: the HTML kept for one user is never shown
with another's values."""

from __future__ import annotations

import pytest
from conftest import add_member, assign, make_coalition, make_user, soup
from flask import g, render_template_string
from flask_babel import refresh
from flask_login import login_user, logout_user
from flask_wtf.csrf import generate_csrf

from koalicje.web import header
from models import Post

# What base.html wrote before the header had a template of its own (the reference).
ORIGINAL_HEADER = """{% from "_macros.html" import csrf -%}
  <header class="container site-header">
    <nav aria-label="{{ _('Główna nawigacja') }}">
      <ul class="site-brand">
        <li><a href="{{ url_for('main.index') }}" class="brand"><strong>Koalicje</strong></a></li>
      </ul>
      {# One menu for every width: a <details> that opens below 75rem, always shown above
         (CSS `::details-content`); works without JavaScript. #}
      <details class="site-menu">
        <summary>{{ _("Menu") }}</summary>
        <ul class="site-menu-items">
          {% if current_user.is_authenticated %}
            {% include "_nav_items.html" %}
            <li class="account-menu">
              <details class="dropdown">
                <summary title="{{ current_user.name }}"><span class="account-name">{{ current_user.name }}</span></summary>
                <ul dir="rtl">
                  <li><a href="{{ url_for('auth.password') }}">{{ _("Zmień hasło") }}</a></li>
                  <li>
                    <form method="post" action="{{ url_for('auth.logout') }}" class="inline-form">
                      {{ csrf() }}
                      <button type="submit" class="link-button">{{ _("Wyloguj") }}</button>
                    </form>
                  </li>
                </ul>
              </details>
            </li>
          {% else %}
            <li><a href="{{ url_for('auth.login') }}">{{ _("Zaloguj") }}</a></li>
          {% endif %}
          <li>
            <form method="post" action="{{ url_for('main.language') }}" class="inline-form language-switch">
              {{ csrf() }}
              <input type="hidden" name="next" value="{{ request.full_path.rstrip('?') }}">
              {% if current_locale == "pl" %}
                <button type="submit" name="locale" value="en" class="link-button" lang="en" title="Switch to English">English</button>
              {% else %}
                <button type="submit" name="locale" value="pl" class="link-button" lang="pl" title="Przełącz na polski">Polski</button>
              {% endif %}
            </form>
          </li>
        </ul>
      </details>
    </nav>
  </header>"""


def soup_text(text: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(text, "html.parser")


def _header_in_request(app, user, path: str = "/", root: str = "", locale: str | None = None):
    """(site_header(), the reference, site_header() again, the page's CSRF token) in one
    request as `user` (None: nobody signed in)."""
    with app.test_request_context(path, base_url=f"http://localhost{root}"):
        if user is not None:
            if locale:
                user.locale = locale
            login_user(user)
        else:
            logout_user()
        refresh()
        kept = str(header.site_header())
        expected = render_template_string(ORIGINAL_HEADER)
        again = str(header.site_header())
        token = generate_csrf()
        g.pop("_board_nav", None)
    return kept, expected, again, token


@pytest.fixture
def people(app, database):
    with app.app_context():
        anna = make_user(name='Anna <b>"&</b> Ścisła')
        bea = make_user(name="Bea")
        trainer = make_user(role="trainer", name="Trenerka")
        admin = make_user(role="admin", name="Admin")
        boards = [make_coalition(name=f"Koalicja {n} <i>&</i>") for n in range(3)]
        for board in boards[:2]:
            add_member(anna, board)
        add_member(bea, boards[2])
        for board in boards:
            assign(trainer, board)
        for board in boards[:2]:
            Post.create(coalition=board, author=make_user(), title="t", body_source="x",
                        body_html="<p>x</p>")
    return {"anna": anna, "bea": bea, "trainer": trainer, "admin": admin}


@pytest.mark.parametrize("root", ["", "/intranet"])
@pytest.mark.parametrize("locale", ["pl", "en"])
def test_the_kept_header_is_what_the_template_wrote(app, people, root, locale):
    header.forget(app)
    paths = ["/", "/learning/?q=<x>&a=1%20b", '/coalitions/"zażółć"?', "/board/"]
    for who in ["anna", "bea", "trainer", "admin", None]:
        for path in paths:
            user = people[who] if who else None
            kept, expected, again, token = _header_in_request(app, user, path, root, locale)
            assert kept == expected, (who, path)
            assert again == expected
            assert kept.count(f'value="{token}"') == (2 if user else 1)
    # a few shapes only: by language, root, role's menu and "new posts or not"
    assert len(app.extensions[header.EXTENSION]) <= 5


def test_one_users_header_never_shows_in_anothers(app, people):
    header.forget(app)
    first, _, _, first_token = _header_in_request(app, people["anna"])
    # Bea has the same menu but no new posts, her own name and token
    other, expected, _, token = _header_in_request(app, people["bea"])
    assert other == expected
    assert "Bea" in other and "Anna" not in other and first_token not in other
    assert token in other
    page = soup_text(other)
    assert page.select_one(".account-name").get_text() == "Bea"
    # and back: Anna's own again, with her counts of new posts
    again, expected, _, _ = _header_in_request(app, people["anna"])
    assert again == expected
    assert soup_text(again).select_one(".board-nav summary .board-new-count").get_text(
        " ", strip=True).startswith("2")
    assert again != first or first_token in first  # each page its own token


def test_a_permission_the_key_does_not_hold_is_never_kept(app, people, monkeypatch):
    header.forget(app)
    monkeypatch.setattr(header, "NAV_PERMISSIONS", header.NAV_PERMISSIONS[:-1])  # no "admin"
    kept, expected, again, _ = _header_in_request(app, people["admin"])
    assert kept == expected and again == expected
    assert not app.extensions.get(header.EXTENSION)


def test_pages_show_the_kept_header(app, client, auth, people):
    auth.as_user(people["trainer"])
    for path in ["/", "/learning/", "/coalitions/"]:
        page = soup(client.get(path))
        nav = page.select_one("header.site-header")
        assert nav.select_one(".account-name").get_text() == "Trenerka"
        assert nav.select_one('input[name="next"]')["value"] == path
        assert {a["data-board"] for a in nav.select(".board-nav a")} >= {"programme"}
        tokens = {i["value"] for i in nav.select('input[name="csrf_token"]')}
        assert len(tokens) == 1 and tokens == {
            i["value"] for i in page.select('main input[name="csrf_token"]')} | tokens
