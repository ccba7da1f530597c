"""The coalition page's members region written by `member_items` shows what the template's
loop showed: the same markup, each run of whitespace as one space, for managers and readers,
in both languages, with names and values that need escaping."""

from __future__ import annotations

import re

import pytest
from conftest import add_member, make_coalition, make_user
from flask import render_template, render_template_string
from flask_babel import force_locale
from flask_login import login_user

from blueprints.coalitions.directory import detail_context
from models import Membership, User, db

# templates/coalitions/_members.html before member_items() (the reference).
REFERENCE = """{# Members grouped by sector. Coordinators and admins change roles and sectors and remove
   members here; htmx swaps this whole region (a new sector moves a person to another group). #}
{% set manage = can("manage_members", coalition) %}
{% if manage %}
  {#- What every member's forms repeat, made once (16 members: ~150 label and URL calls);
      the selects' options come written for each value they may have selected. #}
  {%- set csrf_field = csrf_input() %}
  {%- set role_options, sector_options = member_options.role, member_options.sector %}
  {%- set t_role, t_sector, t_save, t_remove = _("Rola"), _("Sektor"), _("Zapisz zmiany"), _("Usuń z koalicji") %}
{%- endif %}
<section id="members" class="members" aria-labelledby="members-heading" aria-live="polite">
  <h2 id="members-heading">{{ _("Członkowie") }}</h2>
  {% if member_error %}<p class="form-error" role="alert">{{ member_error }}</p>{% endif %}
  {% for sector, people in groups %}
    <h3 id="sector-{{ sector }}">{{ sector_label(sector) }}</h3>
    <ul class="member-list" aria-labelledby="sector-{{ sector }}">
      {% for m in people %}
        <li id="member-{{ m.id }}" class="member{% if m.role == 'coordinator' %} coordinator{% endif %}">
          <span class="member-name"><span class="member-name-text">{{ m.user.name }}</span>
            {% if m.role == "coordinator" %}<span class="tag">{{ role_label("coordinator") }}</span>{% endif %}</span>
          {% if manage %}
            {%- set update_url = url_for('coalitions.update_member', slug=coalition.slug, membership_id=m.id) %}
            {%- set remove_url = url_for('coalitions.remove_member', slug=coalition.slug, membership_id=m.id) %}
            <form method="post" action="{{ update_url }}"
                  hx-post="{{ update_url }}"
                  hx-target="#members" hx-swap="outerHTML" class="member-form">
              {{ csrf_field }}
              <label for="role-{{ m.id }}">{{ t_role }}
                <select id="role-{{ m.id }}" name="role">{{ role_options.get(m.role) or role_options[""] }}</select>
              </label>
              <label for="sector-{{ m.id }}">{{ t_sector }}
                <select id="sector-{{ m.id }}" name="sector">{{ sector_options.get(m.sector) or sector_options[""] }}</select>
              </label>
              <button type="submit" class="secondary">{{ t_save }}<span class="visually-hidden">: {{ m.user.name }}</span></button>
            </form>
            <form method="post" action="{{ remove_url }}"
                  hx-post="{{ remove_url }}"
                  hx-target="#members" hx-swap="outerHTML"
                  hx-confirm="{{ _('Usunąć osobę %(name)s z koalicji?', name=m.user.name) }}" class="member-remove">
              {{ csrf_field }}
              <button type="submit" class="secondary outline">{{ t_remove }}<span class="visually-hidden">: {{ m.user.name }}</span></button>
            </form>
          {% endif %}
        </li>
      {% endfor %}
    </ul>
  {% else %}
    <p>{{ _("Koalicja nie ma jeszcze członków.") }}</p>
  {% endfor %}
</section>
"""


def _collapsed(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


@pytest.fixture
def world(app):
    db.connect(reuse_if_open=True)
    coalition = make_coalition(name="Koalicja <Zespołu>", slug="zespol")
    people = {
        "coordinator": add_member(make_user(name='Kasia "K" Koordynatorka'), coalition,
                                  "coordinator", "library"),
        "member": add_member(make_user(name="Marek <b>&</b> Członek"), coalition, "member", "ngo"),
        "other": add_member(make_user(name="Ola O'Mieszkanka"), coalition, "member", "resident"),
        "second": add_member(make_user(name="Zenon Drugi"), coalition, "coordinator", "ngo"),
    }
    # a role and a sector no select offers (data older than the lists): the "" options
    Membership.update(role="observer", sector="press").where(
        Membership.id == people["other"].id).execute()
    db.close()
    return coalition, people


@pytest.mark.parametrize("locale", ["pl", "en"])
@pytest.mark.parametrize("viewer", ["coordinator", "member"])
def test_member_items_write_what_the_template_wrote(app, world, locale, viewer):
    coalition, people = world
    with app.test_request_context("/"), force_locale(locale), db.connection_context():
        login_user(User.get_by_id(people[viewer].user_id))
        context = detail_context(coalition)
        expected = render_template_string(REFERENCE, **context)
        got = render_template("coalitions/_members.html", **context)
    assert _collapsed(got) == _collapsed(expected)
    assert got.count("<li id=\"member-") == 4
    assert ("member-form" in got) == (viewer == "coordinator")
    assert "Marek &lt;b&gt;&amp;&lt;/b&gt; Członek" in got


@pytest.mark.parametrize("root", ["", "/intranet"])
def test_a_members_action_urls_are_url_fors(app, root):
    """Each member's form URLs, cut once per page around the id (`render.url_cut`, as
    `member_items` makes them), are what url_for writes (escaped), for any id and script
    root, and for a slug that needs quoting."""
    from markupsafe import escape

    from koalicje.web import render

    with app.test_request_context("/", environ_base={"SCRIPT_NAME": root}):
        from flask import url_for

        for slug in ("laki", "ł&k i"):
            for endpoint in ("coalitions.update_member", "coalitions.remove_member"):
                url = render.url_cut(endpoint, "membership_id", slug=slug)
                for membership_id in (1, 7, 42, 123456):
                    assert url(membership_id) == str(escape(url_for(
                        endpoint, slug=slug, membership_id=membership_id)))
