"""The trainer's overview and learner pages: scope, contents, permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import add_member, assign, make_coalition, make_user, soup
from factories import attempt, days_ago, make_module, progress

from koalicje.trainer import overview
from koalicje.trainer.timeline import stop_point
from models import Membership, Post, db, utcnow


@pytest.fixture
def world(app):
    db.connect(reuse_if_open=True)
    w = {"trainer": make_user(role="trainer"), "admin": make_user(role="admin")}
    w["mine"] = make_coalition(name="Moja Koalicja", slug="moja")
    w["theirs"] = make_coalition(name="Cudza Koalicja", slug="cudza")
    assign(w["trainer"], w["mine"])
    m1, m2 = make_module(1, quiz=True), make_module(2, quiz=True)
    make_module(3, required=False)
    w["modules"] = (m1, m2)
    w["ewa"] = make_user(name="Ewa Ekspert")
    w["jan"] = make_user(name="Jan Cichy")
    w["obcy"] = make_user(name="Obcy Uczeń")
    add_member(w["ewa"], w["mine"])
    add_member(w["jan"], w["mine"])
    add_member(w["obcy"], w["theirs"])
    Membership.update(joined_at=utcnow() - timedelta(days=90)).execute()
    progress(w["ewa"], m1, "completed", days_ago(5), days_ago(4))
    attempt(w["ewa"], m1, {"q1": True, "q2": True, "q3": False}, days_ago(4))
    progress(w["ewa"], m2, "in_progress", days_ago(2), days_ago(1))
    Post.create(coalition=w["mine"], author=w["ewa"], title="Zaproszenie na festyn",
                body_source="x", body_html="x", created_at=days_ago(3))
    db.close()
    return w


def test_overview_lists_only_assigned_coalitions_with_figures(client, auth, world):
    auth.as_user(world["trainer"])
    page = soup(client.get("/trainer/"))
    rows = page.select("table.coalition-summary tbody tr")
    assert [r["data-coalition"] for r in rows] == ["moja"]
    assert page.select_one("[data-count=learners]").get_text().endswith(": 2")
    row = rows[0]
    assert row.select_one("[data-col=members]").get_text() == "2"
    # 1 completed of 2 members x 2 required modules
    assert row.select_one("[data-col=completion] progress")["value"] == "25"
    assert row.select_one("[data-col=nudges]").get_text() == "1"  # Jan: quiet since joining
    assert row.select_one("[data-col=last]").get_text(strip=True) != "—"
    assert "1 osoba potrzebuje przypomnienia" in page.select_one("[data-count=nudges]").get_text()
    preview = page.select_one("ul.nudge-preview").get_text(" ", strip=True)
    assert "Jan Cichy" in preview and "następny: Moduł 1" in preview
    assert page.select_one("article.coalition-profile[data-coalition=moja]") is not None


def test_admin_overview_covers_every_coalition(client, auth, world):
    auth.as_user(world["admin"])
    page = soup(client.get("/trainer/"))
    slugs = [r["data-coalition"] for r in page.select("table.coalition-summary tbody tr")]
    assert slugs == ["cudza", "moja"]


@pytest.mark.parametrize("role", ["user"])
def test_learners_and_members_get_403(client, auth, world, role):
    auth.as_user(world["ewa"])
    for url in ("/trainer/", "/trainer/matrix", "/trainer/nudges", "/trainer/modules",
                "/trainer/matrix.csv", f"/trainer/learners/{world['ewa'].id}"):
        assert client.get(url).status_code == 403, url


def test_learner_page_timeline_and_stop_point(client, auth, world):
    auth.as_user(world["trainer"])
    page = soup(client.get(f"/trainer/learners/{world['ewa'].id}"))
    kinds = [li["data-kind"] for li in page.select("ol.timeline li")]
    assert kinds == ["started", "post", "quiz", "completed", "started"]
    assert "67%" in page.select("ol.timeline li")[2].get_text()
    assert "Zaproszenie na festyn" in page.select("ol.timeline li")[1].get_text()
    stop = page.select_one("[data-stop]")
    assert stop["data-stop"] == "in_progress" and "Moduł 2" in stop.get_text()


def test_learner_page_leaves_out_posts_on_boards_the_trainer_does_not_oversee(client, auth,
                                                                             world):
    db.connect(reuse_if_open=True)
    add_member(world["ewa"], world["theirs"])
    Post.create(coalition=world["theirs"], author=world["ewa"], title="Sprawa wewnętrzna",
                body_source="x", body_html="x")
    Post.create(coalition=None, author=world["ewa"], title="Do wszystkich", body_source="x",
                body_html="x")
    Post.create(coalition=world["mine"], author=world["ewa"], title="Ukryty", body_source="x",
                body_html="x", hidden_at=utcnow())
    db.close()
    auth.as_user(world["trainer"])
    text = soup(client.get(f"/trainer/learners/{world['ewa'].id}")).select_one("ol.timeline").get_text()
    assert "Do wszystkich" in text and "Zaproszenie na festyn" in text
    assert "Sprawa wewnętrzna" not in text and "Ukryty" not in text


def test_learner_outside_the_trainers_coalitions_is_404(client, auth, world):
    auth.as_user(world["trainer"])
    assert client.get(f"/trainer/learners/{world['obcy'].id}").status_code == 404
    assert client.get("/trainer/learners/999999").status_code == 404
    auth.logout()
    auth.as_user(world["admin"])
    assert client.get(f"/trainer/learners/{world['obcy'].id}").status_code == 200


def test_stop_point_rules(world, app):
    db.connect(reuse_if_open=True)
    m1, m2 = world["modules"]
    from models import Module, ModuleProgress

    modules = list(Module.active())
    assert stop_point([], modules).module.id == m1.id
    ewa_rows = list(ModuleProgress.select().where(ModuleProgress.user == world["ewa"]))
    assert stop_point(ewa_rows, modules).kind == "in_progress"
    done = [ModuleProgress(module=m, status="completed") for m in modules]
    assert stop_point(done, modules).kind == "done"
    db.close()


def test_overview_domain_figures(world, app):
    db.connect(reuse_if_open=True)
    with app.app_context():
        built = overview.build(world["trainer"], with_profiles=False)
    assert built.learners == 2 and built.total_coalitions == 1
    summary = built.summaries[0]
    assert (summary.members, summary.completed_modules, summary.required) == (2, 1, 2)
    assert summary.completion == 0.25
    db.close()


def test_overview_completion_counts_only_required_active_modules(world, app):
    """Completed optional or archived modules do not count towards the path's completion."""
    db.connect(reuse_if_open=True)
    optional = make_module(4, required=False)
    archived = make_module(5, archived=True)
    for module in (optional, archived):
        progress(world["jan"], module, "completed", days_ago(3), days_ago(2))
    progress(world["obcy"], world["modules"][1], "completed", days_ago(3), days_ago(2))
    with app.app_context():
        summary = overview.build(world["trainer"], with_profiles=False).summaries[0]
    assert (summary.members, summary.completed_modules, summary.required) == (2, 1, 2)
    db.close()


def test_overview_figures_equal_what_each_coalitions_members_give(world, app):
    """Members, latest stamp and completions per coalition, read in one grouped query, are
    what counting each coalition's enabled members' rows one by one gives: a disabled
    member, a member of two coalitions, optional and in-progress modules, a coalition
    without completions and one without enabled members."""
    from models import ModuleProgress, User

    db.connect(reuse_if_open=True)
    m1, m2 = world["modules"]
    second = make_coalition(name="Druga Koalicja", slug="druga")
    empty = make_coalition(name="Pusta Koalicja", slug="pusta")
    for coalition in (second, empty):
        assign(world["trainer"], coalition)
    add_member(world["ewa"], second)
    for n in range(3):
        person = make_user(name=f"Osoba {n}")
        add_member(person, second)
        progress(person, m1, "completed", days_ago(9), days_ago(8 - n))
        progress(person, m2, "completed" if n else "in_progress", days_ago(7), days_ago(6))
    off = make_user(name="Wyłączona")
    add_member(off, second)
    progress(off, m1, "completed", days_ago(3), days_ago(2))
    User.update(active=False).where(User.id == off.id).execute()
    disabled = make_user(name="Też wyłączona")
    add_member(disabled, empty)
    User.update(active=False).where(User.id == disabled.id).execute()
    required = {m.id for m in (m1, m2)}
    with app.app_context():
        built = overview.build(world["trainer"], with_profiles=False)
    assert [s.coalition.slug for s in built.summaries] == ["druga", "moja", "pusta"]
    for summary in built.summaries:
        people = [m.user for m in Membership.select().where(
            Membership.coalition == summary.coalition.id) if m.user.active]
        done = ModuleProgress.select().where(
            ModuleProgress.user.in_([p.id for p in people])
            & (ModuleProgress.status == "completed")
            & ModuleProgress.module.in_(list(required))).count() if people else 0
        stamps = [p.last_active_at for p in people if p.last_active_at]
        assert (summary.members, summary.completed_modules, summary.last_activity) == (
            len(people), done, max(stamps) if stamps else None), summary.coalition.slug
    assert [s.completed_modules for s in built.summaries] == [1 + 3 + 2, 1, 0]
    db.close()


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_profile_means_are_written_as_the_decimal_filter_writes_them(app, locale):
    from flask_babel import force_locale, format_decimal

    from blueprints.trainer.overview import mean_text

    with app.test_request_context(), force_locale(locale):
        text = mean_text()
        for hundredths in range(0, 601):
            value = round(hundredths / 100, 2)
            assert text(value) == format_decimal(value, "0.00")
        for value in (2.675, 1234.5, -1.25, 3):  # not a two-place mean: the filter
            assert text(value) == format_decimal(value, "0.00")
        assert text(None) == "—"


def test_visits_links_are_what_url_for_builds(app):
    """HTML-escaped, as the template wrote url_for's URL into an attribute."""
    from flask import url_for
    from markupsafe import escape

    from blueprints.trainer.overview import _visits_url

    for prefix in ("", "/intranet"):
        with app.test_request_context(base_url=f"http://x{prefix}"):
            visits_url = _visits_url()
            for slug in ("moja", "koalicja-0001", "a_b.c~d", "zażółć gęślą", "a&b=c d/e",
                         "x?y#z", "slug-stand-in", ".", 'a"b<c'):
                assert visits_url(slug) == str(escape(url_for("trainer.visits", slug=slug)))
                assert visits_url(slug) == str(escape(url_for("trainer.visits", slug=slug)))


def test_matrix_links_are_what_url_for_builds(app):
    from flask import url_for
    from markupsafe import escape

    from blueprints.trainer.overview import _matrix_url

    for prefix in ("", "/intranet"):
        with app.test_request_context(base_url=f"http://x{prefix}"):
            matrix_url = _matrix_url()
            for slug in ("moja", "koalicja-0001", "a~b_c.D-9", "zażółć gęślą", "a&b=c d/e",
                         'a"b<c'):
                assert matrix_url(slug) == str(escape(url_for("trainer.matrix",
                                                              coalition=slug)))


# The loop of trainer/_profile.html that `profile_rows` replaced, as it was.
_PROFILE_ROWS_LOOP = """
      {%- for d in profile.dimensions %}
        <tr{% if d.band %} class="band-{{ d.band }}"{% endif %}><th scope="row">{{ d.title }}</th><td>{{ mean_text(d.mean) }}</td><td>
          {{- d.band_label or band_texts[d.band] or "—" }}
          {%- if d.disagreement %} <span class="tag">{{ disagreement_text }}</span>{% endif %}</td></tr>
      {%- endfor %}"""


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_profile_rows_are_the_markup_of_the_template_loop(app, locale):
    from flask import render_template_string
    from flask_babel import force_locale

    from blueprints.trainer.overview import mean_text, profile_rows
    from koalicje.self_assessment import DimensionProfile, Profile

    dimensions = [
        DimensionProfile("a", "Wspólny cel", 2.81, "attention", True, 2.5, 7, "wymaga uwagi"),
        DimensionProfile("b", "Skład <i>&</i> \"role\"", 3.5, "discuss", False, 1.0, 7,
                         "do <omówienia>"),
        DimensionProfile("c", "Bez etykiety", 4.25, "strong", False, 0.5, 7, ""),
        DimensionProfile("d", "Za mało odpowiedzi", None, None, False, None, 2, ""),
        DimensionProfile("e", "Nieznany pas", 1.0, "other", True, 3.0, 4, ""),
        DimensionProfile("f", "Wspólny cel", 2.675, "attention", False, 0.0, 3, "wymaga uwagi"),
    ]
    profile = Profile(instrument=None, respondents=7, dimensions=dimensions, sectors=[],
                      definition={})
    setup = ('{%- set band_texts = {"strong": _("mocna strona"), "discuss": _("do omówienia"), '
             '"attention": _("wymaga uwagi")} %}{%- set disagreement_text = '
             '_("rozbieżne odpowiedzi") %}')
    with app.test_request_context(), force_locale(locale):
        means = mean_text()
        expected = render_template_string(setup + _PROFILE_ROWS_LOOP, profile=profile,
                                          mean_text=means)
        written = render_template_string(
            setup + "{{- profile_rows(profile, band_texts, disagreement_text) }}",
            profile=profile, profile_rows=profile_rows(means))
    assert written == expected
    assert "&lt;i&gt;&amp;&lt;/i&gt; &#34;role&#34;" in written and "—" in written


# The loop of trainer/overview.html that `coalition_rows` replaced, as it was, with
# workshop/_stage.html (which it included per row) written in place.
_COALITION_ROWS_LOOP = """
      {%- set completion_text, progress_text, visits_text = _("Ukończenie ścieżki"), _("postępy"), _("wizyty") %}
      {%- set round_texts = {1: _("runda %(n)s", n=1), 2: _("runda %(n)s", n=2), 3: _("runda %(n)s", n=3)} %}
      {%- for s in overview.summaries %}
        {%- set c = s.coalition %}
        <tr data-coalition="{{ c.slug }}">
          <th scope="row">{{ c.name }}<br><small>{{ c.gmina }}, {{ c.voivodeship }}, {{ round_texts[c.round] or _("runda %(n)s", n=c.round) }}</small></th>
          <td data-col="members">{{ s.members }}</td>
          <td data-col="completion">
            {%- if s.completion is not none %}{% set percent = (s.completion * 100) | round(0) | int %}
              <progress value="{{ percent }}" max="100" aria-label="{{ completion_text }}"></progress>
              {{ percent }}%
            {%- else %}—{% endif %}</td>
          <td data-col="last">{% if s.last_activity %}{{ s.last_activity | dateformat }}{% else %}—{% endif %}</td>
          <td data-col="nudges">{{ s.nudges }}</td>
          <td data-col="overdue">{{ s.overdue }}</td>
          <td data-col="workshop">{# A coalition's workshop stage (`s.workshop`, a koalicje.workshop.stages.Stage) for trainers. #}
{% set st = s.workshop %}
<span class="workshop-stage stage-{{ st.reached }}">{{ workshop_stage_label(st.reached) }}</span>
<br><small>{{ _("partnerzy: %(p)d · działania: %(done)d/%(all)d", p=st.partners, done=st.actions_done, all=st.actions) }}{% if st.last_activity %} · {{ st.last_activity | dateformat }}{% endif %}</small></td>
          <td><a href="{{ url_for('trainer.matrix', coalition=c.slug) }}">{{ progress_text }}</a> ·
            <a href="{{ url_for('trainer.visits', slug=c.slug) }}">{{ visits_text }}</a></td>
        </tr>
      {%- endfor %}"""

# The loop of the overdue next steps that `overdue_items` replaced, as it was.
_OVERDUE_LOOP = """
      {%- set due_text = _("termin") %}
      {%- for step in overview.overdue %}
        <li><a href="{{ url_for('trainer.visits', slug=step.coalition_slug) }}">{{ step.coalition_name }}</a>:
          {{ step.description }}{% if step.owner_label %} ({{ step.owner_label }}){% endif %} —
          {{ due_text }} <time datetime="{{ step.due_date.isoformat() }}">{{ step.due_date | dateformat("medium") }}</time></li>
      {%- endfor %}"""


def _summaries():
    """Coalition summaries of several kinds: every workshop stage, with and without a
    completion, activity and workshop date, every round and one outside them, markup in
    the names."""
    from datetime import datetime

    from koalicje.trainer.overview import CoalitionSummary
    from koalicje.workshop.stages import Stage
    from models import Coalition

    stages = [
        Stage(),  # start
        Stage(partners=3, last_activity=datetime(2026, 10, 1, 23, 30)),  # partners
        Stage(partners=2, meetings_held=1, needs=4),  # meeting
        Stage(partners=5, meetings_held=1, priorities=2,
              last_activity=datetime(2026, 3, 29, 0, 30)),  # priorities
        Stage(partners=9, meetings_held=1, priorities=3, actions=7, actions_done=3,
              last_activity=datetime(2026, 11, 2, 12, 0)),  # plan
    ]
    assert sorted(s.reached for s in stages) == sorted(
        ("start", "partners", "meeting", "priorities", "plan"))
    out = []
    for i, (stage, (members, completed, required), last, round_) in enumerate(zip(
            stages,
            [(15, 29, 4), (0, 0, 4), (8, 3, 1), (3, 1, 0), (7, 7, 3)],  # 48.33 %, —, 37.5 %, —, 33.3 %
            [datetime(2026, 11, 1, 9), None, datetime(2026, 1, 1, 0, 5), None,
             datetime(2026, 6, 30, 22, 59)],
            [1, 2, 3, 4, 2], strict=True)):
        c = Coalition(id=i + 1, slug=f"k-{i}" if i != 2 else "a&b \"c\"",
                      name=f"Koalicja <b>{i}</b> & co", gmina="Gmina \"Zielona\"",
                      voivodeship="łódzkie", round=round_)
        out.append(CoalitionSummary(coalition=c, members=members, completed_modules=completed,
                                    required=required, last_activity=last, nudges=i,
                                    overdue=2 * i, workshop=stage))
    # completions at a half percent: both the template's round and ours round half to even
    out.append(CoalitionSummary(coalition=Coalition(id=9, slug="p", name="P", gmina="G",
                                                    voivodeship="v", round=1),
                                members=200, completed_modules=73, required=1,
                                workshop=Stage()))
    out.append(CoalitionSummary(coalition=Coalition(id=10, slug="q", name="Q", gmina="G",
                                                    voivodeship="v", round=3),
                                members=200, completed_modules=75, required=1,
                                workshop=Stage(actions=1, actions_done=1)))
    return out


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_coalition_rows_are_the_markup_of_the_template_loop(app, locale):
    from types import SimpleNamespace

    from flask import render_template_string
    from flask_babel import force_locale

    from blueprints.trainer.overview import _matrix_url, _visits_url, coalition_rows

    page = SimpleNamespace(summaries=_summaries())
    with app.test_request_context(), force_locale(locale):
        visits_url, matrix_url = _visits_url(), _matrix_url()
        expected = render_template_string(_COALITION_ROWS_LOOP, overview=page,
                                          visits_url=visits_url, matrix_url=matrix_url)
        written = render_template_string("{{- coalition_rows(overview.summaries) }}",
                                         overview=page,
                                         coalition_rows=coalition_rows(visits_url, matrix_url))
    assert written == expected
    for stage in ("start", "partners", "meeting", "priorities", "plan"):
        assert f'class="workshop-stage stage-{stage}"' in written
    assert "Koalicja &lt;b&gt;2&lt;/b&gt; &amp; co" in written and "a&amp;b%20%22c%22" in written
    assert '<progress value="36"' in written and '<progress value="38"' in written


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_overdue_items_are_the_markup_of_the_template_loop(app, locale):
    from datetime import date
    from types import SimpleNamespace

    from flask import render_template_string
    from flask_babel import force_locale

    from blueprints.trainer.overview import _visits_url, overdue_items
    from koalicje.trainer.overview import OverdueStep

    steps = [
        OverdueStep(1, "moja", "Moja <Koalicja>", "Zadzwonić & \"umówić\"", "Ewa <E>",
                    date(2026, 9, 2)),
        OverdueStep(2, "a&b c", "Druga", "Bez osoby", "", date(2026, 9, 2)),
        OverdueStep(1, "moja", "Moja <Koalicja>", "Trzeci", "Jan", date(2025, 12, 31)),
    ]
    page = SimpleNamespace(overdue=steps)
    with app.test_request_context(), force_locale(locale):
        visits_url = _visits_url()
        expected = render_template_string(_OVERDUE_LOOP, overview=page, visits_url=visits_url)
        items = overdue_items(visits_url)
        written = render_template_string("{{- overdue_items(overview.overdue) }}",
                                         overview=page, overdue_items=items)
        # a second request's days come from those kept by the process
        again = render_template_string("{{- overdue_items(overview.overdue) }}",
                                       overview=page, overdue_items=overdue_items(visits_url))
    assert written == expected == again
    assert "Moja &lt;Koalicja&gt;" in written and "(Ewa &lt;E&gt;)" in written
    assert 'datetime="2025-12-31"' in written


def test_kept_rows_are_what_the_template_loops_write_in_each_language_and_after_a_change(
        app):
    """The coalition rows and overdue items are kept per process and language by what they
    show: a later request in either language, and one after any shown value changed, still
    writes exactly what the template loops write."""
    from dataclasses import replace
    from datetime import date, datetime
    from types import SimpleNamespace

    from flask import render_template_string
    from flask_babel import force_locale

    from blueprints.trainer.overview import (
        _matrix_url,
        _visits_url,
        coalition_rows,
        overdue_items,
    )
    from koalicje.trainer.overview import OverdueStep

    summaries = _summaries()
    steps = [OverdueStep(1, "moja", "Moja <Koalicja>", "Zadzwonić", "Ewa", date(2026, 9, 2)),
             OverdueStep(2, "druga", "Druga", "Bez osoby", "", date(2026, 9, 3))]

    def check(locale: str) -> str:
        page = SimpleNamespace(summaries=summaries, overdue=steps)
        with app.test_request_context(), force_locale(locale):
            visits_url, matrix_url = _visits_url(), _matrix_url()
            expected = render_template_string(
                _COALITION_ROWS_LOOP + _OVERDUE_LOOP, overview=page, visits_url=visits_url,
                matrix_url=matrix_url)
            written = render_template_string(
                "{{- coalition_rows(overview.summaries) }}{{- overdue_items(overview.overdue) }}",
                overview=page, coalition_rows=coalition_rows(visits_url, matrix_url),
                overdue_items=overdue_items(visits_url))
        assert written == expected, locale
        return written

    first = {locale: check(locale) for locale in ("pl", "en", "pl", "en")}
    assert first["pl"] != first["en"]
    kept = app.extensions["koalicje.trainer.rows"]
    assert len(kept) == 4 and all(kept.values())  # two kinds in two languages
    # every value a row shows changes in turn: the page shows the new one at once
    changes = [
        ("members", 16), ("completed_modules", 30), ("required", 5), ("nudges", 7),
        ("overdue", 9), ("last_activity", datetime(2026, 11, 20, 10, 0)),
    ]
    for name, value in changes:
        summaries[0] = replace(summaries[0], **{name: value})
        for locale in ("pl", "en"):
            assert check(locale) != first[locale], (name, locale)
    for name, value in [("partners", 11), ("actions", 9), ("actions_done", 4),
                        ("last_activity", datetime(2026, 11, 21, 8, 0))]:
        summaries[4] = replace(summaries[4], workshop=replace(summaries[4].workshop,
                                                              **{name: value}))
        check("pl")
    coalition = summaries[1].coalition
    for name, value in [("name", "Nowa <nazwa>"), ("gmina", "Inna"),
                        ("voivodeship", "mazowieckie"), ("round", 3), ("slug", "nowy-slug")]:
        setattr(coalition, name, value)
        assert name != "name" or "Nowa &lt;nazwa&gt;" in check("en")
        check("pl")
    for name, value in [("coalition_slug", "inna"), ("coalition_name", "Inna <k>"),
                        ("description", "Nowy opis"), ("owner_label", "Jan"),
                        ("due_date", date(2026, 8, 1))]:
        steps[1] = steps[1]._replace(**{name: value})
        check("pl")
        check("en")


# The profiles section's loop of trainer/overview.html that `profile_articles` replaced, as
# it was, with trainer/_profile.html (which it included per coalition) written in place.
_PROFILE_ARTICLES_LOOP = """
  {%- set band_texts = {"strong": _("mocna strona"), "discuss": _("do omówienia"), "attention": _("wymaga uwagi")} %}
  {%- set disagreement_text = _("rozbieżne odpowiedzi") %}
  {%- set no_profile_text = _("Profil pojawi się, gdy samoocenę wypełnią co najmniej trzy osoby z koalicji.") %}
  {%- set profile_head %}<thead><tr><th scope="col">{{ _("Obszar") }}</th><th scope="col">{{ _("Średnia") }}</th><th scope="col">{{ _("Ocena") }}</th></tr></thead>{% endset %}
  {%- for s in overview.summaries %}
    {% with coalition=s.coalition, profile=s.profile %}{# a comment #}
<article class="coalition-profile" data-coalition="{{ coalition.slug }}">
  <h3>{{ coalition.name }}</h3>
  {% if profile -%}
    <p>{{ ngettext("Odpowiedziała %(num)d osoba.", "Odpowiedziało %(num)d osób.", profile.respondents) }}</p>
    <div class="overflow-auto"><table class="compact">
      {{ profile_head }}
      <tbody>
      {{- profile_rows(profile, band_texts, disagreement_text) }}
      </tbody>
    </table></div>
  {%- else %}
    <p class="muted">{{ no_profile_text }}</p>
  {%- endif %}
</article>{% endwith %}
  {%- endfor %}"""


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_profile_articles_are_the_markup_of_the_template_loop(app, locale):
    from types import SimpleNamespace

    from flask import render_template_string
    from flask_babel import force_locale

    from blueprints.trainer.overview import mean_text, profile_articles, profile_rows
    from koalicje.self_assessment import DimensionProfile, Profile
    from koalicje.trainer.overview import CoalitionSummary
    from models import Coalition

    def profile(respondents, *dimensions):
        return Profile(instrument=None, respondents=respondents, dimensions=list(dimensions),
                       sectors=[], definition={})

    summaries = [
        CoalitionSummary(coalition=Coalition(id=1, slug="a&b", name="Koalicja <b>A</b>"),
                         profile=profile(1, DimensionProfile(
                             "a", "Cel", 2.81, "attention", True, 2.5, 1, "wymaga uwagi"))),
        CoalitionSummary(coalition=Coalition(id=2, slug="b", name="B"), profile=None),
        CoalitionSummary(coalition=Coalition(id=3, slug="c", name="C"), profile=profile(
            22, DimensionProfile("b", "Skład", 3.5, "discuss", False, 1.0, 22, ""),
            DimensionProfile("d", "Mało", None, None, False, None, 2, ""))),
        CoalitionSummary(coalition=Coalition(id=4, slug="d", name="D"), profile=profile(
            5, DimensionProfile("e", "Pięć", 4.25, "strong", False, 0.5, 5, ""))),
    ]
    page = SimpleNamespace(summaries=summaries)
    with app.test_request_context(), force_locale(locale):
        rows = profile_rows(mean_text())
        expected = render_template_string(_PROFILE_ARTICLES_LOOP, overview=page,
                                          profile_rows=rows)
        written = render_template_string("{{- profile_articles(overview.summaries) }}",
                                         overview=page, profile_articles=profile_articles(rows))
    assert written == expected
    assert written.count("<article") == 4 and 'class="muted"' in written
    assert 'data-coalition="a&amp;b"' in written and "Koalicja &lt;b&gt;A&lt;/b&gt;" in written


def test_the_pages_coalitions_are_the_scopes_rows_by_name(world, app):
    """The page's coalitions, read as plain values, are the scope's coalitions by name,
    a page at a time, with what the page shows of each."""
    from models import Coalition

    db.connect(reuse_if_open=True)
    for n in range(overview.PER_PAGE + 3):
        make_coalition(name=f"Koalicja {n:02d}", slug=f"k-{n:02d}")
    fields = ("id", "slug", "name", "gmina", "voivodeship", "round")
    everything = [tuple(getattr(c, f) for f in fields)
                  for c in Coalition.select().order_by(Coalition.name)]
    with app.app_context():
        for page in (1, 2):
            built = overview.build(world["admin"], page=page, with_profiles=False)
            shown = [tuple(getattr(s.coalition, f) for f in fields) for s in built.summaries]
            start = (page - 1) * overview.PER_PAGE
            assert shown == everything[start:start + overview.PER_PAGE]
    assert built.total_coalitions == len(everything) and built.pages == 2
    db.close()
