"""Programme statistics (/stats) and module statistics: figures and chart values."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest import add_member, assign, make_coalition, make_user, soup
from factories import attempt, make_module, progress
from flask_babel import force_locale

from koalicje import stats
from koalicje.web import charts
from models import QuizVersion, db


@pytest.fixture
def world(app):
    db.connect(reuse_if_open=True)
    w = {"trainer": make_user(role="trainer")}
    r1a = make_coalition(round=1, slug="r1a")
    make_coalition(round=1)
    r2 = make_coalition(round=2)
    assign(w["trainer"], r1a)
    people = [make_user(name=f"Osoba {n}") for n in range(5)]
    for person, sector in zip(people[:4], ["library", "ngo", "ngo", "business"], strict=True):
        add_member(person, r1a, sector=sector)
    add_member(people[4], r2, sector="local_government")
    m1 = make_module(1, quiz=True)
    make_module(2)
    progress(people[0], m1, "completed", datetime(2026, 1, 5), datetime(2026, 1, 10))
    progress(people[1], m1, "completed", datetime(2026, 3, 1), datetime(2026, 3, 2))
    progress(people[2], m1, "in_progress")
    progress(people[4], m1, "completed", datetime(2026, 3, 3), datetime(2026, 3, 4))
    attempt(people[0], m1, {"q1": True, "q2": False, "q3": False})
    attempt(people[0], m1, {"q1": True, "q2": True, "q3": True})
    attempt(people[1], m1, {"q1": False, "q2": True, "q3": True})
    attempt(people[4], m1, {"q1": False, "q2": False, "q3": False})  # not the trainer's
    w.update(people=people, m1=m1)
    db.close()
    return w


def test_programme_figures(world, app):
    db.connect(reuse_if_open=True)
    assert stats.coalitions_per_round() == {1: 2, 2: 1, 3: 0}
    by_sector = stats.members_by_sector()
    assert by_sector["ngo"] == 2 and by_sector["local_government"] == 1
    assert stats.members_by_sector(1)["local_government"] == 0
    assert stats.completions_by_month() == [("2026-01", 1), ("2026-02", 0), ("2026-03", 2)]
    db.close()


def chart_values(figure):
    return {g["data-label"]: g["data-value"] for g in figure.select("g[data-label]")}


def test_stats_page_charts_and_tables(client, auth, world):
    auth.as_user(world["people"][0])
    page = soup(client.get("/stats"))
    figures = page.select("figure.chart")
    assert len(figures) == 3
    assert chart_values(figures[0]) == {"Runda 1": "2", "Runda 2": "1", "Runda 3": "0"}
    sectors = chart_values(figures[1])
    assert sectors["Organizacje pozarządowe"] == "40.0"  # 2 of 5 members, in per cent
    assert sectors["Urząd gminy"] == "20.0"
    assert chart_values(figures[2]) == {"sty 2026": "1", "lut 2026": "0", "mar 2026": "2"}
    for figure in figures:  # every chart has its data table for screen readers
        assert figure.select_one("svg[role=img]") is not None
        assert figure.select_one("table.chart-data caption") is not None
    months = [[c.get_text() for c in tr.select("th, td")]
              for tr in page.select("table[data-table=months] tbody tr")]
    assert months == [["sty 2026", "1", "1"], ["lut 2026", "0", "1"], ["mar 2026", "2", "3"]]
    shares = {tr["data-sector"]: tr.select("td")[1].get_text()
              for tr in page.select("table[data-table=sectors] tbody tr")}
    assert shares["ngo"] == "40%" and shares["local_government"] == "20%"
    sector_table = [td.get_text() for td in figures[1].select("table.chart-data td")]
    assert "40%" in sector_table  # the chart's own table too, through the locale


def test_sector_chart_for_one_round(client, auth, world):
    auth.as_user(world["people"][0])
    page = soup(client.get("/stats?round=1"))
    sectors = chart_values(page.select("figure.chart")[1])
    assert sectors["Organizacje pozarządowe"] == "50.0"
    assert sectors["Urząd gminy"] == "0.0"
    assert "rundy 1" in page.select("figure.chart")[1].figcaption.get_text()
    assert client.get("/stats?round=abc").status_code == 200


def test_module_stats_for_the_trainers_learners(world, app):
    db.connect(reuse_if_open=True)
    rows = {s.module.slug: s for s in stats.module_stats(world["trainer"])}
    m1 = rows["modul-1"]
    assert (m1.learners, m1.completed, m1.attempts) == (4, 2, 3)
    assert m1.completion_rate == 0.5
    assert m1.average == pytest.approx((1 / 3 + 1 + 2 / 3) / 3)
    assert m1.best == 1.0
    assert rows["modul-2"].attempts == 0 and rows["modul-2"].average is None
    detail = stats.module_detail(world["trainer"], world["m1"])
    assert [(q.id, q.text, q.correct, q.answered) for q in detail.questions] == [
        ("q1", "Pytanie 1", 2, 3), ("q2", "Pytanie 2", 2, 3), ("q3", "Pytanie 3", 2, 3)]
    detail.questions[1].correct = 1
    detail.questions[0].correct = 3
    assert [q.id for q in detail.difficult()] == ["q2", "q3"]
    db.close()


def test_module_page_shows_per_question_shares(client, auth, world):
    auth.as_user(world["trainer"])
    page = soup(client.get("/trainer/modules/modul-1"))
    shares = {tr["data-question"]: tr.select_one("[data-col=share]").get_text()
              for tr in page.select("table.question-stats tbody tr")}
    assert shares == {"q1": "67%", "q2": "67%", "q3": "67%"}
    assert page.select_one("[data-figure=best]").get_text() == "100%"
    assert [li["data-question"] for li in page.select("ol.difficult-questions li")] == [
        "q1", "q2", "q3"]
    assert client.get("/trainer/modules/nie-ma-takiego").status_code == 404
    listing = soup(client.get("/trainer/modules"))
    row = listing.select_one("tr[data-module=modul-1]")
    assert "50%" in row.select_one("[data-col=completion]").get_text()


def test_question_texts_parsing():
    definition = {"questions": [
        {"id": "a", "text": {"pl": "Po polsku", "en": "In English"}},
        {"id": 2, "text": "Zwykły tekst"},
        {"prompt": {"pl": "Bez id"}},
        "zepsute",
    ]}
    assert stats.question_texts(definition, "en") == [
        ("a", "In English"), ("2", "Zwykły tekst"), ("3", "Bez id")]
    assert stats.question_texts(None) == []


def test_newest_wording_wins(world, app):
    db.connect(reuse_if_open=True)
    quiz = world["m1"].quiz_slug
    from models import Quiz

    QuizVersion.create(quiz=Quiz.get(Quiz.slug == quiz), number=2, content_hash="h2",
                       definition={"questions": [{"id": "q1", "text": "Nowe brzmienie"}]})
    detail = stats.module_detail(world["trainer"], world["m1"])
    assert detail.questions[0].text == "Nowe brzmienie"
    db.close()


def test_column_chart_values(app):
    with app.test_request_context():
        html = charts.column_chart([charts.Bar("2026-01", 4), charts.Bar("2026-02", None)],
                                   title="Miesiące", chart_id="t")
    page = soup_html(str(html))
    columns = page.select("g.chart-column")
    assert [c["data-value"] for c in columns] == ["4", ""]
    assert float(columns[0].rect["height"]) == 180.0
    assert [td.get_text() for td in page.select("table td")] == ["4", "—"]


def soup_html(html):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


@pytest.mark.parametrize("locale, mean, tick, share", [
    ("pl", "3,75", "1,00", "40%"), ("en", "3.75", "1.00", "40%")])
def test_chart_numbers_go_through_the_locale(app, locale, mean, tick, share):
    """Data tables, value labels and ticks: "3,75" in Polish, never "3.75" from str.format."""
    with app.test_request_context(), force_locale(locale):
        bars = charts.bar_chart([charts.Bar("Wymiar", 3.75)], title="T", min_value=1,
                                max_value=5, digits=2)
        radar = charts.radar_chart(["A", "B", "C"], [charts.Series("S", [3.75, None, 2])],
                                   title="R", min_value=1, max_value=5, digits=2)
        percent = charts.bar_chart([charts.Bar("NGO", 40.0)], title="P", max_value=100,
                                   percent=True, digits=0)
    page = soup_html(str(bars))
    assert [td.get_text() for td in page.select("table td")] == [mean]
    assert page.select_one(".chart-value").get_text() == mean
    assert page.select(".chart-tick")[0].get_text() == tick
    radar_page = soup_html(str(radar))
    assert [td.get_text() for td in radar_page.select("tbody td")] == [mean, "—", "2,00" if
                                                                        locale == "pl" else "2.00"]
    assert radar_page.select(".chart-tick")[-1].get_text() == ("5,00" if locale == "pl" else "5.00")
    assert [td.get_text() for td in soup_html(str(percent)).select("table td")] == [share]
