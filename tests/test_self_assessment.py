"""The partnership self-assessment: scoring, bands, drafts, autosave, results, coalition view."""

from __future__ import annotations

import pytest
from conftest import add_member, assign, count_queries, make_coalition, make_user, soup
from factories import (
    answers_for,
    instrument,
    instrument_definition,
    statements,
    sync_content,
)

from koalicje import self_assessment
from models import Membership, SelfAssessment, utcnow

DIMENSIONS = ["wspolny-cel", "sklad", "samorzad", "zaufanie", "przywodztwo", "komunikacja",
              "plan-i-zasoby", "ewaluacja", "roznice-zdan", "zaangazowanie",
              "korzysci-i-koszty", "synergia"]
# SELF_ASSESSMENT.md: weak dimension -> module(s) to point to
RECOMMEND = {
    "wspolny-cel": "film-spotkanie-badawcze",
    "sklad": "webinarium-ngo-i-biznes",
    "samorzad": "webinarium-biblioteka-i-samorzad",
    "zaufanie": "webinarium-rozwijamy-wspolprace",
    "przywodztwo": "webinarium-rozwijamy-wspolprace",
    "komunikacja": "webinarium-rozwijamy-wspolprace",
    "plan-i-zasoby": "materialy-do-pobrania",
    "ewaluacja": "webinarium-rozwijamy-wspolprace",
    "roznice-zdan": "film-spotkanie-badawcze",
    "zaangazowanie": "webinarium-rozwijamy-wspolprace",
    "korzysci-i-koszty": "czym-jest-partnerstwo",
    "synergia": "czym-jest-partnerstwo",
}


@pytest.fixture
def synced(database):
    sync_content()


@pytest.fixture
def definition(synced):
    return instrument_definition()


# --- the instrument -----------------------------------------------------------------------


def test_instrument_has_twelve_dimensions_with_reverse_items_and_recommendations(definition):
    assert [d["slug"] for d in definition["dimensions"]] == DIMENSIONS
    # Short enough for a rural respondent: about 30-35 statements in all.
    assert 30 <= sum(len(d["statements"]) for d in definition["dimensions"]) <= 35
    for dimension in definition["dimensions"]:
        assert 2 <= len(dimension["statements"]) <= 4
        for statement in dimension["statements"]:
            assert statement["text"]["en"] != statement["text"]["pl"]
        assert any(s["reverse"] for s in dimension["statements"])
        assert RECOMMEND[dimension["slug"]] in dimension["recommend"]
    assert [b["key"] for b in definition["bands"]] == ["strong", "discuss", "attention"]
    readiness = instrument_definition("gotowosc-spotkanie-badawcze")
    assert 3 <= len(readiness["dimensions"]) <= 5


# --- scoring ------------------------------------------------------------------------------

SMALL = {
    "bands": [
        {"key": "strong", "min": 4.0, "label": {"pl": "mocna strona"}},
        {"key": "discuss", "min": 3.0, "label": {"pl": "do omówienia"}},
        {"key": "attention", "min": 1.0, "label": {"pl": "wymaga uwagi"}},
    ],
    "dimensions": [
        {"slug": "a", "statements": [
            {"id": "a1", "reverse": False}, {"id": "a2", "reverse": False},
            {"id": "a3", "reverse": True}]},
        {"slug": "b", "statements": [{"id": "b1", "reverse": False}, {"id": "b2", "reverse": True}]},
    ],
}


def test_reverse_items_score_six_minus_the_answer():
    assert self_assessment.item_score(5, reverse=True) == 1
    assert self_assessment.item_score(2, reverse=True) == 4
    assert self_assessment.item_score(2, reverse=False) == 2
    assert self_assessment.item_score(self_assessment.DONT_KNOW, reverse=True) is None


def test_known_answer_set():
    scores = self_assessment.dimension_scores(SMALL, {"a1": 5, "a2": 4, "a3": 1, "b1": 2, "b2": 5})
    assert scores == {"a": pytest.approx((5 + 4 + 5) / 3, abs=0.005), "b": 1.5}


def test_dont_know_is_left_out_of_the_mean():
    scores = self_assessment.dimension_scores(SMALL, {"a1": 5, "a2": 0, "a3": 0, "b1": 0, "b2": 0})
    assert scores == {"a": 5.0, "b": None}
    assert self_assessment.dimension_scores(SMALL, {"a1": 4, "a2": 2, "a3": 0})["a"] == 3.0


@pytest.mark.parametrize("mean, band", [
    (5.0, "strong"), (4.0, "strong"), (3.99, "discuss"), (3.0, "discuss"),
    (2.99, "attention"), (1.0, "attention"), (None, None),
])
def test_band_edges(mean, band):
    assert self_assessment.band_key(SMALL, mean) == band


def test_band_edges_from_answers():
    # a: (4 + 4 + 4) / 3 = 4.0 -> strong; b: (3 + (6 - 3)) / 2 = 3.0 -> discuss
    scores = self_assessment.dimension_scores(SMALL, {"a1": 4, "a2": 4, "a3": 2, "b1": 3, "b2": 3})
    assert self_assessment.band_key(SMALL, scores["a"]) == "strong"
    assert self_assessment.band_key(SMALL, scores["b"]) == "discuss"
    # a: (4 + 4 + 3) / 3 = 3.67 -> discuss; b: (3 + (6 - 4)) / 2 = 2.5 -> attention
    scores = self_assessment.dimension_scores(SMALL, {"a1": 4, "a2": 4, "a3": 3, "b1": 3, "b2": 4})
    assert scores["a"] == 3.67
    assert self_assessment.band_key(SMALL, scores["a"]) == "discuss"
    assert self_assessment.band_key(SMALL, scores["b"]) == "attention"


# --- answering: pages, autosave, resume ---------------------------------------------------


@pytest.fixture
def respondent(synced, auth):
    coalition = make_coalition(name="Koalicja Lipowa")
    user = make_user(name="Respondentka")
    add_member(user, coalition, "member", "ngo")
    auth.as_user(user)
    return user, coalition


def _start(client, auth, coalition, slug="partnerstwo"):
    response = client.post(f"/self-assessment/{slug}/start",
                           data={"csrf_token": auth.csrf(), "coalition": str(coalition.id)})
    assert response.status_code == 303
    return response.headers["Location"]


def _page_data(token, definition, page, values, **extra):
    dimension = definition["dimensions"][page - 1]
    data = {"csrf_token": token, "page": str(page), **extra}
    for statement in dimension["statements"]:
        if statement["id"] in values:
            data[f"s-{statement['id']}"] = str(values[statement["id"]])
    return data


def test_start_defaults_the_sector_from_membership_and_resumes_the_draft(client, auth, respondent):
    user, coalition = respondent
    url = _start(client, auth, coalition)
    assert _start(client, auth, coalition) == url  # the same draft
    draft = SelfAssessment.get()
    assert (draft.user_id, draft.coalition_id, draft.sector, draft.status) == (
        user.id, coalition.id, "ngo", "draft")
    page = soup(client.get(url))
    assert page.select_one("#sector option[selected]")["value"] == "ngo"


def test_start_for_a_coalition_one_is_not_in_is_404(client, auth, respondent):
    other = make_coalition()
    response = client.post("/self-assessment/partnerstwo/start",
                           data={"csrf_token": auth.csrf(), "coalition": str(other.id)})
    assert response.status_code == 404
    assert SelfAssessment.select().count() == 0


def test_htmx_autosave_stores_each_answer(htmx, client, auth, respondent, definition):
    url = _start(client, auth, respondent[1])
    first = statements(definition)[0]["id"]
    response = htmx.post(url + "/autosave",
                         data={"csrf_token": auth.csrf(), "page": "1", f"s-{first}": "4",
                               "sector": "business"})
    assert response.status_code == 200
    status = soup(response).select_one("#save-status")
    assert status["role"] == "status"
    assert "1 z" in status.get_text()
    draft = SelfAssessment.get()
    assert draft.answers == {first: 4}
    assert draft.sector == "business"
    # The page comes back with the answer checked: nothing lost if the browser closes.
    page = soup(client.get(url))
    assert page.select_one(f"input[name='s-{first}'][checked]")["value"] == "4"


def test_autosave_ignores_unknown_statements_and_values(htmx, client, auth, respondent, definition):
    url = _start(client, auth, respondent[1])
    first = statements(definition)[0]["id"]
    response = htmx.post(url + "/autosave", data={
        "csrf_token": auth.csrf(), "page": "1", f"s-{first}": "9", "s-obce": "3",
    })
    assert response.status_code == 200
    assert SelfAssessment.get().answers == {}
    bad_sector = htmx.post(url + "/autosave",
                           data={"csrf_token": auth.csrf(), "page": "1", "sector": "kosmos"})
    assert bad_sector.status_code == 422


def test_plain_autosave_post_redirects_back_to_the_page(client, auth, respondent, definition):
    url = _start(client, auth, respondent[1])
    first = statements(definition)[0]["id"]
    response = client.post(url + "/autosave",
                           data={"csrf_token": auth.csrf(), "page": "1", f"s-{first}": "2"})
    assert response.status_code == 303
    assert SelfAssessment.get().answers == {first: 2}


def test_page_by_page_without_javascript_and_resume(client, auth, respondent, definition):
    url = _start(client, auth, respondent[1])
    values = answers_for(definition, {})
    token = auth.csrf()
    response = client.post(url, data=_page_data(token, definition, 1, values, action="next"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("page=2")
    client.post(url, data=_page_data(token, definition, 2, values, action="next"))
    saved = SelfAssessment.get().answers
    expected = {s["id"] for d in definition["dimensions"][:2] for s in d["statements"]}
    assert set(saved) == expected
    # Coming back later opens the first page with unanswered statements.
    page = soup(client.get(url))
    assert page.select_one("input[name=page]")["value"] == "3"
    # Going back shows the answers already given.
    page_one = soup(client.get(url + "?page=1"))
    first = definition["dimensions"][0]["statements"][0]["id"]
    assert page_one.select_one(f"input[name='s-{first}'][checked]")["value"] == str(values[first])
    assert client.get(url + "?page=99").status_code == 404
    assert client.get(url + "?page=abc").status_code == 400


def _answer_all(client, auth, url, definition, values):
    token = auth.csrf()
    pages = len(definition["dimensions"])
    for page in range(1, pages + 1):
        action = "submit" if page == pages else "next"
        response = client.post(url, data=_page_data(token, definition, page, values, action=action))
    return response


def test_submit_with_gaps_is_422_and_marks_them(client, auth, respondent, definition):
    url = _start(client, auth, respondent[1])
    values = answers_for(definition, {})
    skipped = definition["dimensions"][1]["statements"][0]["id"]
    del values[skipped]
    response = _answer_all(client, auth, url, definition, values)
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("input[name=page]")["value"] == "2"
    gap = page.select_one(f"#statement-{skipped}")
    assert "missing" in gap["class"]
    assert gap["aria-describedby"] == f"error-{skipped}"
    assert page.select_one("#sa-errors .form-error") is not None
    assert SelfAssessment.get().status == "draft"


def test_result_page_chart_table_bands_and_recommendations(client, auth, respondent, definition):
    url = _start(client, auth, respondent[1])
    chosen = {"wspolny-cel": 2, "sklad": 4, "samorzad": 3, "zaufanie": 5, "przywodztwo": 1,
              "komunikacja": 3, "plan-i-zasoby": 2, "ewaluacja": 4, "roznice-zdan": 4,
              "zaangazowanie": 3, "korzysci-i-koszty": 2, "synergia": 5}
    values = answers_for(definition, chosen)
    dont_know = definition["dimensions"][1]["statements"][0]["id"]
    values[dont_know] = 0  # "nie wiem" on one item: still 4.0
    response = _answer_all(client, auth, url, definition, values)
    assert response.status_code == 303
    page = soup(client.get(url))
    svg = page.select_one("figure.chart svg")
    assert svg is not None and svg.get("role") == "img"
    rows = svg.select("g.chart-row")
    assert [float(r["data-value"]) for r in rows] == [float(chosen[d]) for d in DIMENSIONS]
    classes = {r["data-label"]: r["class"] for r in rows}
    assert "band-attention" in classes["Wspólny cel i diagnoza"]
    assert "band-strong" in classes["Skład partnerstwa"]
    table = page.select("figure.chart table.chart-data tbody tr")
    assert len(table) == len(DIMENSIONS)
    assert table[0].select_one("td").get_text(strip=True) == "2,00"
    bands = {tr["data-dimension"]: tr["data-band"] for tr in page.select("table.sa-dimensions tbody tr")}
    assert bands == {
        "wspolny-cel": "attention", "sklad": "strong", "samorzad": "discuss",
        "zaufanie": "strong", "przywodztwo": "attention", "komunikacja": "discuss",
        "plan-i-zasoby": "attention", "ewaluacja": "strong", "roznice-zdan": "strong",
        "zaangazowanie": "discuss", "korzysci-i-koszty": "attention", "synergia": "strong",
    }
    weak_links = {a["href"] for a in page.select(".sa-weaknesses a.recommended-module")}
    assert weak_links == {"/learning/film-spotkanie-badawcze", "/learning/czym-jest-partnerstwo",
                          "/learning/webinarium-rozwijamy-wspolprace",
                          "/learning/materialy-do-pobrania", "/learning/wsparcie-dla-partnerstw"}
    strengths = page.select_one(".sa-strengths").get_text()
    assert "Zaufanie i wzajemne korzyści" in strengths
    # Submitted answers are not changed any more.
    again = client.post(url + "/autosave", data={"csrf_token": auth.csrf(), "page": "1"})
    assert again.status_code == 409


def _snapshot(item_id):
    item = SelfAssessment.get_by_id(item_id)
    return (item.status, item.answers, item.scores, item.sector, item.submitted_at,
            item.updated_at)


@pytest.mark.parametrize("how", ["page-next", "page-submit", "autosave", "htmx-autosave"])
def test_submitted_answers_cannot_be_changed_through_the_page_form_or_autosave(
        client, htmx, auth, respondent, definition, how):
    url = _start(client, auth, respondent[1])
    assert _answer_all(client, auth, url, definition,
                       answers_for(definition, {"sklad": 2})).status_code == 303
    item = SelfAssessment.get()
    before = _snapshot(item.id)
    assert before[0] == "submitted"
    changed = answers_for(definition, {"sklad": 5})
    data = _page_data(auth.csrf(), definition, 2, changed, sector="business",
                      action="submit" if how == "page-submit" else "next")
    if how.startswith("page"):
        response = client.post(url, data=data)
    elif how == "autosave":
        response = client.post(url + "/autosave", data=data)
    else:
        response = htmx.post(url + "/autosave", data=data)
    assert response.status_code == 409
    assert "nie można ich zmienić" in response.get_data(as_text=True)
    assert _snapshot(item.id) == before


def test_an_autosave_read_before_another_tab_submitted_is_refused(
        client, htmx, auth, respondent, definition, monkeypatch):
    """The request loaded the draft, then the other tab's submit landed: 409, nothing kept."""
    import importlib

    views = importlib.import_module("blueprints.self_assessment")
    url = _start(client, auth, respondent[1])
    _answer_all(client, auth, url, definition, answers_for(definition, {"sklad": 2}))
    item = SelfAssessment.get()
    before = _snapshot(item.id)
    own = views._own

    def read_before_the_submit(answer_id):
        stale = own(answer_id)
        stale.status = "draft"
        return stale

    monkeypatch.setattr(views, "_own", read_before_the_submit)
    changed = answers_for(definition, {"sklad": 5})
    response = htmx.post(url + "/autosave",
                         data=_page_data(auth.csrf(), definition, 2, changed))
    assert response.status_code == 409
    assert _snapshot(item.id) == before


def test_submitted_answers_cannot_be_changed_through_the_domain_function(definition):
    coalition = make_coalition()
    user = _members(coalition, 1)[0]
    item = _submitted(user, coalition, definition, {"sklad": 2})
    before = _snapshot(item.id)
    first = definition["dimensions"][1]["statements"][0]["id"]
    with pytest.raises(ValueError):
        self_assessment.save_answers(item, {first: 5}, "business")
    # A stale copy that still says "draft" is refused too: the stored row decides.
    stale = SelfAssessment.get_by_id(item.id)
    stale.status = "draft"
    with pytest.raises(ValueError):
        self_assessment.save_answers(stale, {first: 5}, "business")
    assert _snapshot(item.id) == before


def test_history_compares_with_the_previous_attempt(client, auth, respondent, definition):
    coalition = respondent[1]
    first = _start(client, auth, coalition)
    _answer_all(client, auth, first, definition, answers_for(definition, {"sklad": 2}))
    second = _start(client, auth, coalition)
    assert second != first
    _answer_all(client, auth, second, definition, answers_for(definition, {"sklad": 5}))
    page = soup(client.get(second))
    changes = {tr["data-dimension"]: tr.select_one("td.change")["data-change"]
               for tr in page.select("table.sa-dimensions tbody tr")}
    assert float(changes["sklad"]) == 3.0
    assert float(changes["wspolny-cel"]) == 0.0
    assert len(page.select("ol.sa-history li")) == 2
    # Numbers go through the locale: "5,00" and "+3,00" in Polish, as on the dashboard.
    sklad = page.select_one("table.sa-dimensions tr[data-dimension=sklad]")
    assert [td.get_text(strip=True) for td in sklad.select("td")][::2] == ["5,00", "+3,00"]
    older = soup(client.get(first))
    assert older.select_one("td.change") is None  # the first has nothing to compare with


def test_someone_elses_answers_are_not_found(client, auth, respondent):
    other = make_user()
    draft = self_assessment.start(other, instrument(), None)
    assert client.get(f"/self-assessment/answers/{draft.id}").status_code == 404


# --- the coalition profile ----------------------------------------------------------------


def _submitted(user, coalition, definition, per_dimension, sector="library", when=None):
    item = self_assessment.start(user, instrument(), coalition)
    self_assessment.save_answers(item, answers_for(definition, per_dimension), sector)
    self_assessment.submit(item)
    if when is not None:
        SelfAssessment.update(submitted_at=when).where(SelfAssessment.id == item.id).execute()
    return item


def _members(coalition, count, sector="library"):
    users = []
    for _ in range(count):
        user = make_user()
        add_member(user, coalition, "member", sector)
        users.append(user)
    return users


def test_profile_needs_three_respondents(definition):
    coalition = make_coalition()
    users = _members(coalition, 3)
    for user in users[:2]:
        _submitted(user, coalition, definition, {"sklad": 4})
    assert self_assessment.coalition_profile(coalition) is None
    # a draft does not count
    self_assessment.start(users[2], instrument(), coalition)
    assert self_assessment.coalition_profile(coalition) is None
    _submitted(users[2], coalition, definition, {"sklad": 1})
    profile = self_assessment.coalition_profile(coalition)
    assert profile.respondents == 3
    sklad = next(d for d in profile.dimensions if d.slug == "sklad")
    assert sklad.mean == 3.0
    assert sklad.band == "discuss"
    assert sklad.title == "Skład partnerstwa"


def test_profile_counts_only_current_members_and_their_latest_answers(definition):
    coalition = make_coalition()
    users = _members(coalition, 3)
    earlier = utcnow().replace(year=2020)
    for user in users:
        _submitted(user, coalition, definition, {"zaufanie": 1}, when=earlier)
        _submitted(user, coalition, definition, {"zaufanie": 5})
    outsider = make_user()
    _submitted(outsider, coalition, definition, {"zaufanie": 1})  # not a member
    profile = self_assessment.coalition_profile(coalition)
    assert profile.respondents == 3
    assert next(d for d in profile.dimensions if d.slug == "zaufanie").mean == 5.0
    Membership.delete().where(Membership.user == users[0]).execute()
    assert self_assessment.coalition_profile(coalition) is None


def test_disagreement_flag_at_two_points(definition):
    coalition = make_coalition()
    users = _members(coalition, 3)
    for user, (plan, kom) in zip(users, [(2, 3), (4, 4), (3, 4)], strict=True):
        _submitted(user, coalition, definition, {"plan-i-zasoby": plan, "komunikacja": kom})
    profile = self_assessment.coalition_profile(coalition)
    flags = {d.slug: d.disagreement for d in profile.dimensions}
    assert flags["plan-i-zasoby"] is True  # 4 - 2 = 2
    assert flags["komunikacja"] is False  # 4 - 3 = 1


def test_dimension_with_fewer_than_three_answers_shows_no_mean(definition):
    coalition = make_coalition()
    users = _members(coalition, 3)
    for index, user in enumerate(users):
        item = self_assessment.start(user, instrument(), coalition)
        values = answers_for(definition, {})
        if index == 0:
            for s in definition["dimensions"][0]["statements"]:
                values[s["id"]] = 0
        self_assessment.save_answers(item, values, "library")
        self_assessment.submit(item)
    profile = self_assessment.coalition_profile(coalition)
    assert profile.dimensions[0].mean is None
    assert profile.dimensions[0].band is None
    assert profile.dimensions[1].mean == 3.0


@pytest.mark.parametrize("counts, shown, rest", [
    ({"library": 3, "ngo": 3}, ["library", "ngo"], 0),
    ({"library": 3, "ngo": 2}, [], 0),  # ngo's two could be worked out: nothing shown
    ({"library": 3, "ngo": 1, "business": 2}, ["library"], 3),
    ({"library": 4, "ngo": 3, "business": 1}, ["library"], 4),
    ({"library": 5}, [], 0),
    ({"library": 2, "ngo": 2, "business": 2}, [], 0),
    ({"unknown": 3, "ngo": 3}, ["ngo"], 3),  # respondents without a sector: never a group
])
def test_sector_threshold(counts, shown, rest):
    assert self_assessment.shown_sectors(counts) == (shown, rest)


def test_profile_sector_breakdown(definition):
    coalition = make_coalition()
    for user in _members(coalition, 3, "library"):
        _submitted(user, coalition, definition, {"sklad": 4}, sector="library")
    ngo = _members(coalition, 2, "ngo")
    for user in ngo:
        _submitted(user, coalition, definition, {"sklad": 2}, sector="ngo")
    assert self_assessment.coalition_profile(coalition).sectors == []
    third = _members(coalition, 1, "ngo")[0]
    _submitted(third, coalition, definition, {"sklad": 2}, sector="ngo")
    sectors = {s.sector: s for s in self_assessment.coalition_profile(coalition).sectors}
    assert set(sectors) == {"library", "ngo"}
    assert sectors["library"].means["sklad"] == 4.0
    assert sectors["ngo"].means["sklad"] == 2.0
    assert sectors["ngo"].respondents == 3


def _other_sectors_coalition(definition, slug=None):
    """Library 3 (sklad 4) shown alone; ngo 1, business 1 and one without a sector (sklad 1,
    2, 2) are each too small, so together they form the "other sectors" group of three."""
    coalition = make_coalition(**({"slug": slug} if slug else {}))
    coordinator = _members(coalition, 1, "library")[0]
    Membership.update(role="coordinator").where(Membership.user == coordinator).execute()
    for user in [coordinator, *_members(coalition, 2, "library")]:
        _submitted(user, coalition, definition, {"sklad": 4}, sector="library")
    _submitted(_members(coalition, 1, "ngo")[0], coalition, definition, {"sklad": 1}, sector="ngo")
    _submitted(_members(coalition, 1, "business")[0], coalition, definition, {"sklad": 2},
               sector="business")
    unknown = _submitted(_members(coalition, 1, "resident")[0], coalition, definition,
                         {"sklad": 2}, sector="resident")
    SelfAssessment.update(sector=None).where(SelfAssessment.id == unknown.id).execute()
    return coalition, coordinator


def test_profile_other_sectors_group(definition):
    coalition, _coordinator = _other_sectors_coalition(definition)
    profile = self_assessment.coalition_profile(coalition)
    assert profile.respondents == 6
    groups = {s.sector: s for s in profile.sectors}
    assert list(groups) == ["library", "other"]
    assert groups["library"].respondents == 3 and groups["library"].means["sklad"] == 4.0
    other = groups["other"]
    assert other.respondents == 3  # ngo, business and the one without a sector
    assert other.label == "pozostałe sektory"
    assert other.means["sklad"] == pytest.approx(1.67)


# --- the coalition view -------------------------------------------------------------------


def test_coalition_view_shows_the_other_sectors_group(client, auth, definition):
    coalition, coordinator = _other_sectors_coalition(definition, slug="koalicja-sektory")
    auth.as_user(coordinator)
    page = soup(client.get("/self-assessment/coalition/koalicja-sektory"))
    headers = [(th["data-sector"], th.get_text(strip=True))
               for th in page.select("table.sa-sectors thead th[data-sector]")]
    assert headers == [("library", "Biblioteka (3)"), ("other", "pozostałe sektory (3)")]
    sklad = next(tr for tr in page.select("table.sa-sectors tbody tr")
                 if tr.th.get_text(strip=True) == "Skład partnerstwa")
    assert [td.get_text(strip=True) for td in sklad.select("td")] == ["4,00", "1,67"]  # Polish decimals


def test_coalition_view_threshold_and_values(client, auth, definition):
    coalition = make_coalition(slug="koalicja-widok")
    coordinator = make_user()
    add_member(coordinator, coalition, "coordinator", "library")
    members = _members(coalition, 2, "ngo")
    _submitted(members[0], coalition, definition, {"samorzad": 2}, sector="ngo")
    _submitted(members[1], coalition, definition, {"samorzad": 4}, sector="ngo")
    auth.as_user(coordinator)
    page = soup(client.get("/self-assessment/coalition/koalicja-widok"))
    assert page.select_one(".sa-threshold") is not None
    assert page.select_one("svg") is None
    assert page.select_one("table.sa-coalition-dimensions") is None
    _submitted(coordinator, coalition, definition, {"samorzad": 5}, sector="library")
    page = soup(client.get("/self-assessment/coalition/koalicja-widok"))
    rows = {tr["data-dimension"]: tr for tr in page.select("table.sa-coalition-dimensions tbody tr")}
    assert float(rows["samorzad"]["data-mean"]) == pytest.approx(3.67)
    assert rows["samorzad"]["data-disagreement"] == "true"
    assert "rozbieżność opinii" in rows["samorzad"].get_text()
    assert rows["sklad"]["data-disagreement"] == "false"
    svg_rows = page.select("svg g.chart-row")
    assert float(svg_rows[2]["data-value"]) == pytest.approx(3.67)
    assert page.select_one(".sa-no-sectors") is not None


def test_coalition_view_permissions(client, auth, synced):
    coalition = make_coalition(slug="koalicja-prawa")
    other = make_coalition()
    people = {
        "member": (make_user(), 403),
        "coordinator": (make_user(), 200),
        "other_coordinator": (make_user(), 403),
        "trainer": (make_user(role="trainer"), 200),
        "other_trainer": (make_user(role="trainer"), 403),
        "admin": (make_user(role="admin"), 200),
        "outsider": (make_user(), 403),
    }
    add_member(people["member"][0], coalition, "member", "ngo")
    add_member(people["coordinator"][0], coalition, "coordinator", "library")
    add_member(people["other_coordinator"][0], other, "coordinator", "library")
    assign(people["trainer"][0], coalition)
    assign(people["other_trainer"][0], other)
    for name, (user, expected) in people.items():
        auth.as_user(user)
        status = client.get("/self-assessment/coalition/koalicja-prawa").status_code
        assert status == expected, name
        assert client.get("/self-assessment/coalition/nie-ma-takiej").status_code == 404
        auth.logout()
    assert client.get("/self-assessment/coalition/koalicja-prawa").status_code == 302


def test_coalition_view_queries_do_not_grow_with_respondents(client, auth, definition):
    coalition = make_coalition(slug="koalicja-liczna")
    admin = make_user(role="admin")
    for user in _members(coalition, 3):
        _submitted(user, coalition, definition, {})
    auth.as_user(admin)
    url = "/self-assessment/coalition/koalicja-liczna"
    client.get(url)

    def shown_profile(response):  # the real profile, not two equal error pages
        assert response.status_code == 200
        page = soup(response)
        assert len(page.select("table.sa-coalition-dimensions tbody tr")) == len(DIMENSIONS)
        return page.select_one("main").get_text(" ", strip=True)

    with count_queries() as few:
        response = client.get(url)
    assert "Liczba osób: 3." in shown_profile(response)
    for user in _members(coalition, 12):
        _submitted(user, coalition, definition, {})
    with count_queries() as many:
        response = client.get(url)
    assert "Liczba osób: 15." in shown_profile(response)
    assert many.count == few.count


def test_contract_coalition_profile_fields(definition):
    coalition = make_coalition()
    for user in _members(coalition, 3):
        _submitted(user, coalition, definition, {"ewaluacja": 4})
    profile = self_assessment.coalition_profile(coalition, "partnerstwo")
    assert isinstance(profile.respondents, int)
    for dimension in profile.dimensions:
        assert {"slug", "title", "mean", "band", "disagreement"} <= set(vars(dimension))
        assert dimension.band in ("strong", "discuss", "attention", None)
    assert self_assessment.coalition_profile(coalition, "nie-ma-takiego") is None


def test_index_lists_instruments_drafts_and_coalitions_to_review(client, auth, synced):
    coalition = make_coalition(name="Koalicja Przeglądana")
    trainer = make_user(role="trainer")
    assign(trainer, coalition)
    auth.as_user(trainer)
    page = soup(client.get("/self-assessment/"))
    assert [a["data-instrument"] for a in page.select("article.instrument")] == [
        "partnerstwo", "gotowosc-spotkanie-badawcze"]
    links = [a["href"] for a in page.select(".sa-overseen a")]
    assert links == [f"/self-assessment/coalition/{coalition.slug}"]
    assert page.select_one("nav a[href='/self-assessment/']") is not None


def test_result_in_english(client, auth, respondent, definition):
    user, coalition = respondent
    url = _start(client, auth, coalition)
    _answer_all(client, auth, url, definition, answers_for(definition, {"sklad": 2}))
    user.locale = "en"
    user.save()
    page = soup(client.get(url))
    labels = [g["data-label"] for g in page.select("svg g.chart-row")]
    assert labels[1] == "Membership"
    assert page.select_one("tr[data-dimension=sklad] .band-tag").get_text(strip=True) == "needs attention"


def test_radar_compares_with_the_previous_attempt(client, auth, respondent, definition):
    coalition = respondent[1]
    first = _start(client, auth, coalition)
    _answer_all(client, auth, first, definition, answers_for(definition, {"sklad": 2}))
    assert soup(client.get(first)).select_one("svg.radar-chart") is None
    second = _start(client, auth, coalition)
    _answer_all(client, auth, second, definition, answers_for(definition, {"sklad": 5}))
    page = soup(client.get(second))
    radar = page.select_one("figure.radar")
    polygons = {p["data-series"]: p["data-values"].split() for p in
                radar.select("polygon.radar-series")}
    assert polygons["Ta odpowiedź"][1] == "5.0"
    assert polygons["Poprzednia odpowiedź"][1] == "2.0"
    rows = radar.select("table.chart-data tbody tr")
    assert len(rows) == len(DIMENSIONS)
    assert [td.get_text() for td in rows[1].select("td")] == ["5,00", "2,00"]


def test_radar_chart_geometry():
    from app import create_app
    from koalicje.web import charts

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite:///:memory:"})
    with app.test_request_context("/"):
        html = str(charts.radar_chart(["a", "b", "c", "d"], [charts.Series("s", [5, 1, 3, None])],
                                      title="T", min_value=1, max_value=5))
    from bs4 import BeautifulSoup

    polygon = BeautifulSoup(html, "html.parser").select_one("polygon.radar-series")
    points = [tuple(map(float, p.split(","))) for p in polygon["points"].split()]
    centre = (320.0, 170.0)
    assert points[0] == (centre[0], centre[1] - 130)  # top axis at the maximum
    assert points[1] == centre  # the minimum sits at the centre
    assert points[2] == (centre[0], centre[1] + 65)  # half way, bottom axis
    assert points[3] == centre  # no data
    assert "—" in html
