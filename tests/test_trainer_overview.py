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


def test_matrix_links_are_what_url_for_builds(app):
    from flask import url_for

    from blueprints.trainer.overview import _matrix_url

    with app.test_request_context():
        matrix_url = _matrix_url()
        for slug in ("moja", "koalicja-0001", "zażółć gęślą", "a&b=c d/e"):
            assert matrix_url(slug) == url_for("trainer.matrix", coalition=slug)


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
