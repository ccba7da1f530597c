"""Coalitions: directory (filters, search, pagination, htmx), coalition page, goals, members,
admin create/edit and trainer assignments."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import add_member, assign, count_queries, make_coalition, make_user, soup
from factories import migrate_from

from koalicje import coalitions
from models import SECTORS, AuditLog, Coalition, Membership, TrainerAssignment

# --- helpers -------------------------------------------------------------------------------


def result_names(response) -> list[str]:
    return [a.get_text(strip=True) for a in soup(response).select("tbody td:first-child > a")]


def post(client, auth, url, data=None, htmx=False):
    data = dict(data or {})
    data.setdefault("csrf_token", auth.csrf())
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, data=data, headers=headers)


@pytest.fixture
def signed_in(client, auth, database):
    user = make_user(name="Zwykła Osoba")
    auth.as_user(user)
    return user


@pytest.fixture
def admin(auth, database):
    user = make_user(role="admin", name="Admin Testowy")
    auth.as_user(user)
    return user


@pytest.fixture
def team(database):
    """A coalition with one coordinator and two members, and an assigned trainer."""
    coalition = make_coalition(name="Koalicja Zespołu", gmina="Zalesie", founded=date(2011, 3, 4))
    coordinator = make_user(name="Kasia Koordynatorka")
    member = make_user(name="Marek Członek")
    other = make_user(name="Ola Mieszkanka")
    trainer = make_user(role="trainer", name="Tomasz Trener")
    memberships = {
        "coordinator": add_member(coordinator, coalition, "coordinator", "library"),
        "member": add_member(member, coalition, "member", "ngo"),
        "other": add_member(other, coalition, "member", "resident"),
    }
    assign(trainer, coalition)

    class Team:
        pass

    t = Team()
    t.coalition, t.coordinator, t.member, t.other, t.trainer = (
        coalition, coordinator, member, other, trainer)
    t.memberships = memberships
    return t


# --- directory: filters and search ---------------------------------------------------------


def test_directory_lists_coalitions_with_member_counts(client, signed_in):
    a = make_coalition(name="Alfa", gmina="Alfowo")
    make_coalition(name="Beta", gmina="Betowo")
    add_member(make_user(), a)
    add_member(make_user(), a)
    page = soup(client.get("/coalitions/"))
    rows = page.select("#results tbody tr")
    assert [r.select_one("td a").get_text(strip=True) for r in rows] == ["Alfa", "Beta"]
    assert [r.select("td")[-1].get_text(strip=True) for r in rows] == ["2", "0"]


def test_filter_by_round_and_voivodeship(client, signed_in):
    make_coalition(name="R1 Lubelskie", round=1, voivodeship="lubelskie")
    make_coalition(name="R2 Lubelskie", round=2, voivodeship="lubelskie")
    make_coalition(name="R2 Opolskie", round=2, voivodeship="opolskie")
    make_coalition(name="R3 Łódzkie", round=3, voivodeship="łódzkie")
    assert result_names(client.get("/coalitions/?round=2")) == ["R2 Lubelskie", "R2 Opolskie"]
    assert result_names(client.get("/coalitions/?voivodeship=lubelskie")) == [
        "R1 Lubelskie", "R2 Lubelskie"]
    assert result_names(client.get("/coalitions/?round=2&voivodeship=opolskie")) == ["R2 Opolskie"]
    assert result_names(client.get("/coalitions/?voivodeship=łódzkie")) == ["R3 Łódzkie"]
    # The form keeps the chosen filters.
    page = soup(client.get("/coalitions/?round=3&voivodeship=łódzkie"))
    assert page.select_one("#round option[selected]")["value"] == "3"
    assert page.select_one("#voivodeship option[selected]")["value"] == "łódzkie"


@pytest.mark.parametrize("term", ["łódź", "ŁÓDŹ", "lodz", "LODZ", "Łodz", "ódź"])
def test_search_gmina_ignores_case_and_polish_diacritics(client, signed_in, term):
    make_coalition(name="Łódzka", gmina="Łódź")
    make_coalition(name="Inna", gmina="Kraków")
    assert result_names(client.get("/coalitions/", query_string={"q": term})) == ["Łódzka"]


@pytest.mark.parametrize("term", ["śląska", "SLASKA", "Śląsk", "biblioteka śl"])
def test_search_library(client, signed_in, term):
    make_coalition(name="Śląska", gmina="Gliwice", library="Biblioteka Śląska w Gliwicach")
    make_coalition(name="Inna", gmina="Opole", library="Biblioteka Miejska")
    assert result_names(client.get("/coalitions/", query_string={"q": term})) == ["Śląska"]


def test_search_combines_with_filters(client, signed_in):
    make_coalition(name="Zalesie I", gmina="Zalesie", round=1)
    make_coalition(name="Zalesie II", gmina="Zalesie Górne", round=2)
    assert result_names(client.get("/coalitions/?q=zalesie&round=2")) == ["Zalesie II"]


@pytest.mark.parametrize("term", [
    "%", "_", "%%", "a_b", "\\", "'", '"', "' OR 1=1 --", "\"; DROP TABLE coalition; --",
    "🙂", "👩‍👩‍👧 biblioteka", "x" * 5000, "ą\x00ę", "<script>alert(1)</script>",
])
def test_odd_search_input_is_harmless(client, signed_in, term):
    make_coalition(name="Zwykła", gmina="Kowalewo", library="Biblioteka Publiczna")
    response = client.get("/coalitions/", query_string={"q": term})
    assert response.status_code == 200
    # Wildcards are literal: nothing here contains them, so nothing matches.
    assert result_names(response) == []
    assert Coalition.select().count() == 1


def test_search_of_only_a_null_byte_lists_everything(client, signed_in):
    make_coalition(name="Zwykła")
    response = client.get("/coalitions/", query_string={"q": "\x00"})
    assert response.status_code == 200
    assert result_names(response) == ["Zwykła"]


def test_search_wildcards_are_literal(client, signed_in):
    make_coalition(name="Procent", gmina="Gmina 100%")
    make_coalition(name="Bez", gmina="Gmina 1000")
    assert result_names(client.get("/coalitions/", query_string={"q": "100%"})) == ["Procent"]
    assert result_names(client.get("/coalitions/", query_string={"q": "Gmina_"})) == []


def _folded_as_stored(coalition: Coalition) -> tuple[str, str]:
    stored = Coalition.get_by_id(coalition.id)
    return stored.gmina_folded, stored.library_folded


def test_folded_search_columns_follow_every_write(client, signed_in):
    """The search reads folded copies of the gmina and library: every kind of write keeps
    them equal to `fold()` of what they copy."""
    coalition = make_coalition(name="Łódzka", gmina="Łódź", library="Biblioteka Śląska")
    assert _folded_as_stored(coalition) == ("lodz", "biblioteka slaska")
    # save() of some fields only
    coalition.gmina = "Żółkiewka"
    coalition.save(only=[Coalition.gmina])
    assert _folded_as_stored(coalition) == ("zolkiewka", "biblioteka slaska")
    coalition.library = "GBP w Łęcznej"
    coalition.save(only=["library"])
    assert _folded_as_stored(coalition) == ("zolkiewka", "gbp w lecznej")
    # the admin's edit (an UPDATE of the fields given)
    coalitions.save_coalition({"gmina": "Ćmielów", "library": "Miejska"}, coalition)
    assert _folded_as_stored(coalition) == ("cmielow", "miejska")
    assert (coalition.gmina_folded, coalition.library_folded) == ("cmielow", "miejska")
    assert result_names(client.get("/coalitions/", query_string={"q": "ćmiel"})) == ["Łódzka"]
    assert result_names(client.get("/coalitions/", query_string={"q": "lodz"})) == []
    # the admin's create
    created = coalitions.save_coalition({
        "slug": "nowa", "name": "Nowa", "gmina": "Świdnik", "voivodeship": "lubelskie",
        "library": "MBP Świdnik", "round": 2, "founded": None, "goals": ""})
    assert _folded_as_stored(created) == ("swidnik", "mbp swidnik")
    # a write of other fields leaves them alone
    coalitions.update_goals(created, "Cele")
    assert _folded_as_stored(created) == ("swidnik", "mbp swidnik")


@pytest.mark.parametrize("query", [
    "round=4", "round=x", "round=-1", "round=" + "9" * 50, "voivodeship=nieznane",
    "page=0", "page=-3", "page=abc", "page=" + "9" * 40, "page=99999", "round=²", "page=²",
    "round=٣", "page=1.5", "round=%00", "page=%F0%9F%99%82",
])
def test_malformed_filters_are_ignored(client, signed_in, query):
    make_coalition(name="Jedyna")
    response = client.get(f"/coalitions/?{query}")
    assert response.status_code == 200
    assert result_names(response) == ["Jedyna"]


def test_fold_and_parse_filters():
    assert coalitions.fold("Żółć ĄĘ Łódź") == "zolc ae lodz"
    filters = coalitions.parse_filters({"q": "  ab  ", "round": "2", "voivodeship": "opolskie",
                                        "page": "3"})
    assert (filters.q, filters.round, filters.voivodeship, filters.page) == ("ab", 2, "opolskie", 3)
    assert len(coalitions.parse_filters({"q": "y" * 1000}).q) == coalitions.MAX_QUERY_LENGTH


def test_pagination_keeps_filters(client, signed_in):
    for n in range(25):
        make_coalition(name=f"Koalicja {n:02d}", round=2)
    make_coalition(name="Inna runda", round=1)
    first = client.get("/coalitions/?round=2")
    assert len(result_names(first)) == coalitions.PER_PAGE
    next_link = soup(first).select_one("#results a[rel=next]")
    assert "round=2" in next_link["href"] and "page=2" in next_link["href"]
    second = client.get(next_link["href"])
    assert result_names(second) == [f"Koalicja {n:02d}" for n in range(20, 25)]
    assert soup(second).select_one("#results a[rel=next]") is None
    assert soup(second).select_one("#results a[rel=prev]") is not None
    # Past the end shows the last page.
    assert result_names(client.get("/coalitions/?round=2&page=7")) == result_names(second)


def test_search_page_and_fragment(client, htmx, signed_in):
    make_coalition(name="Alfa", gmina="Alfowo")
    page = client.get("/coalitions/?q=alf")
    assert page.headers["Vary"] == "HX-Request" or "HX-Request" in page.headers["Vary"]
    html = soup(page)
    assert html.select_one("html") is not None
    search = html.select_one("form[role=search] input[type=search][name=q]")
    assert search["value"] == "alf"
    assert search["hx-trigger"] == "search, keyup delay:300ms changed"
    assert search["hx-push-url"] == "true"
    assert search["hx-target"] == "#results"
    form = html.select_one("form[role=search]")
    assert form["method"] == "get" and form["action"] == "/coalitions/"
    assert form["autocomplete"] == "off"  # Back without JS shows that page's filters
    assert html.select_one("#results-count[role=status]").get_text().startswith("Znaleziono 1")
    assert html.select_one("#results tbody") is not None
    assert html.select_one("#results [hx-swap-oob]") is None

    fragment = htmx.get("/coalitions/?q=alf&round=&voivodeship=")
    assert fragment.status_code == 200
    assert "HX-Request" in fragment.headers["Vary"]
    part = soup(fragment)
    assert part.select_one("html") is None and part.select_one("form[role=search]") is None
    assert part.select_one("#results") is None  # the contents of #results only
    assert result_names(fragment) == ["Alfa"]
    # The count goes out of band into the page's live region.
    count = part.select_one("[hx-swap-oob]")
    assert count["hx-swap-oob"] == "innerHTML:#results-count"
    assert count.get_text().startswith("Znaleziono 1")
    assert fragment.headers["HX-Push-Url"] == "/coalitions/?q=alf"
    # A history restore asks for the whole page.
    restore = htmx.get("/coalitions/?q=alf", headers={"HX-History-Restore-Request": "true"})
    assert soup(restore).select_one("form[role=search]") is not None


def test_goals_html_is_rendered_once_per_text(app, monkeypatch):
    from koalicje.web.markdown import render_markdown

    text = "**Razem** dla gminy <script>x</script>"
    expected = render_markdown(text)
    calls = []
    monkeypatch.setattr(coalitions, "render_markdown",
                        lambda source: calls.append(source) or render_markdown(source))
    with app.app_context():
        assert coalitions.goals_html(text) == expected
        assert coalitions.goals_html(text) == expected
        assert coalitions.goals_html("Inne cele") == render_markdown("Inne cele")
        assert calls == [text, "Inne cele"]
        # Bounded: past the limit the kept ones are dropped, and rendered again when asked.
        monkeypatch.setattr(coalitions, "GOALS_HTML_KEPT", 2)
        coalitions.goals_html("Trzecie")
        assert coalitions.goals_html(text) == expected
        assert calls[-1] == text


def _directory_queries(client) -> int:
    with count_queries() as counter:
        response = client.get("/coalitions/")
    assert response.status_code == 200
    return counter.count


def test_directory_queries_do_not_grow_with_coalitions(client, signed_in):
    def populate(n: int) -> None:
        for _ in range(n):
            coalition = make_coalition()
            add_member(make_user(), coalition)
            add_member(make_user(), coalition, "coordinator")

    populate(3)
    small = _directory_queries(client)
    populate(27)
    assert Coalition.select().count() == 30
    assert _directory_queries(client) == small


def _directory_rows(client, **query) -> list[str]:
    page = soup(client.get("/coalitions/", query_string=query))
    return [str(row) for row in page.select("#results tbody tr")]


def test_directory_rows_kept_per_process_are_the_templates(app, client, auth, database):
    """`directory_rows` keeps each row's HTML for everything it shows: the same rows as
    templates/coalitions/_result_row.html renders every time (templates reloaded), and a
    change to anything a row shows (a new member, a rename, a reader who may edit or not,
    the language) finds other HTML."""
    from blueprints.coalitions.directory import DIRECTORY_ROWS

    alfa = make_coalition(name="Alfa & <Beta>", gmina="Alfowo")
    make_coalition(name="Gamma", gmina="Gammowo", round=2)
    add_member(make_user(), alfa)
    reader, editor = make_user(), make_user(role="admin")

    def both_ways(**query) -> list[str]:
        app.jinja_env.auto_reload = True  # the template every time
        try:
            expected = _directory_rows(client, **query)
        finally:
            app.jinja_env.auto_reload = False
        kept = _directory_rows(client, **query)
        assert kept == expected == _directory_rows(client, **query)  # made, then kept
        return kept

    auth.as_user(reader)
    rows = both_ways()
    assert len(rows) == 2 and "Alfa &amp; &lt;Beta&gt;" in rows[0] and "/edit" not in rows[0]
    assert len(app.extensions[DIRECTORY_ROWS]) == 2
    add_member(make_user(), alfa)  # the member count changes: another row
    assert both_ways()[0] != rows[0] and ">2</td>" in both_ways()[0]
    Coalition.update(name="Alfa 2").where(Coalition.id == alfa.id).execute()
    assert "Alfa 2" in both_ways(q="alfowo")[0]
    auth.logout()
    auth.as_user(editor)  # the edit links: never in a reader's rows, nor theirs in an editor's
    assert all("/edit" in row and "edytuj" in row for row in both_ways())
    auth.logout()
    auth.as_user(make_user(role="admin", locale="en"))  # another language: its own rows
    assert all("/edit" in row and "edytuj" not in row for row in both_ways())
    auth.logout()
    auth.as_user(reader)
    assert all("/edit" not in row for row in both_ways())


def test_directory_links_for_admins_only(client, auth, database):
    coalition = make_coalition()
    auth.as_user(make_user())
    page = soup(client.get("/coalitions/"))
    assert page.select_one("a[href='/coalitions/new']") is None
    assert page.select_one(f"a[href='/coalitions/{coalition.slug}/edit']") is None
    auth.logout()
    auth.as_user(make_user(role="admin"))
    page = soup(client.get("/coalitions/"))
    assert page.select_one("a[href='/coalitions/new']") is not None
    assert page.select_one(f"a[href='/coalitions/{coalition.slug}/edit']") is not None


def test_directory_needs_sign_in(client, htmx, database):
    assert client.get("/coalitions/").status_code == 302
    response = htmx.get("/coalitions/?q=a")
    assert response.headers.get("HX-Redirect", "").startswith("/login")


# --- the coalition page ---------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "/coalitions/nie-ma-takiej", "/coalitions/nie-ma-takiej/goals/edit",
    "/coalitions/%00", "/coalitions/" + "x" * 5000, "/coalitions/%F0%9F%99%82/edit",
    "/coalitions/'%20OR%201=1", "/coalitions/%25",
    "/coalitions/nie-ma-takiej/edit", "/coalitions/nie-ma-takiej/trainers",
])
def test_unknown_slug_is_404(client, admin, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", [
    "/coalitions/nie-ma-takiej/goals", "/coalitions/nie-ma-takiej/members/1",
    "/coalitions/nie-ma-takiej/members/1/remove", "/coalitions/nie-ma-takiej/trainers",
    "/coalitions/nie-ma-takiej/trainers/1/remove", "/coalitions/nie-ma-takiej/edit",
])
def test_unknown_slug_is_404_for_posts(client, auth, admin, url):
    assert post(client, auth, url, {"goals": "x", "role": "member"}).status_code == 404


def test_coalition_page_shows_facts_members_by_sector_and_trainers(client, signed_in, team):
    html = soup(client.get(f"/coalitions/{team.coalition.slug}"))
    facts = {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
             for dt in html.select("dl.facts dt")}
    assert facts["Gmina"] == "Zalesie"
    assert facts["Biblioteka"] == team.coalition.library
    assert facts["Województwo"] == "mazowieckie"
    assert facts["Runda programu"] == "I"
    assert "2011" in facts["Data założenia"]
    members = html.select_one("#members")
    headings = [h.get_text(strip=True) for h in members.select("h3")]
    assert headings == ["Biblioteka", "Organizacje pozarządowe", "Mieszkańcy"]
    library = members.select_one("h3#sector-library").find_next_sibling("ul")
    coordinator = library.select_one("li.coordinator")
    assert coordinator.select_one(".member-name-text").get_text() == "Kasia Koordynatorka"
    assert coordinator.select_one(".tag") is not None
    assert [li.get_text(strip=True) for li in html.select(".trainer-list li")] == ["Tomasz Trener"]
    # A plain signed-in user sees no management controls.
    assert members.select("form") == []
    assert html.select_one("#goals a[href$='/goals/edit']") is None


def test_coalition_page_in_english(client, auth, team):
    auth.as_user(make_user(locale="en"))
    html = soup(client.get(f"/coalitions/{team.coalition.slug}"))
    headings = [h.get_text(strip=True) for h in html.select("#members h3")]
    assert headings == ["Library", "NGOs", "Residents"]


def test_goals_markdown_is_rendered_safely(client, signed_in, database):
    coalition = make_coalition(
        goals="Cele:\n\n- **więcej** zajęć\n- [strona](javascript:alert(1))\n\n"
              "<script>alert('x')</script><img src=x onerror=alert(1)>")
    html = soup(client.get(f"/coalitions/{coalition.slug}"))
    goals = html.select_one("#goals .goals-text")
    assert goals.select_one("li strong").get_text() == "więcej"
    assert goals.select("script") == [] and goals.select("img") == []
    assert all("javascript" not in (a.get("href") or "") for a in goals.select("a"))


# --- goals ---------------------------------------------------------------------------------


def test_coordinator_edits_goals_in_place(client, htmx, auth, team):
    auth.as_user(team.coordinator)
    page = soup(client.get(f"/coalitions/{team.coalition.slug}"))
    edit_link = page.select_one("#goals a[href$='/goals/edit']")
    assert edit_link["hx-get"].endswith("/goals/edit") and edit_link["hx-target"] == "#goals"
    form = soup(htmx.get(edit_link["href"]))
    assert form.find().get("id") == "goals"
    assert form.select_one("form textarea[name=goals]").get_text().strip() == "Cele koalicji"
    response = post(client, auth, f"/coalitions/{team.coalition.slug}/goals",
                    {"goals": "Nowe **cele**"}, htmx=True)
    assert response.status_code == 200
    fragment = soup(response)
    assert fragment.find().get("id") == "goals"
    assert fragment.select_one(".goals-text strong").get_text() == "cele"
    assert Coalition.get_by_id(team.coalition.id).goals == "Nowe **cele**"
    assert AuditLog.select().where(AuditLog.action == "coalition.goals").count() == 1


def test_goals_without_javascript(client, auth, team):
    auth.as_user(team.coordinator)
    page = soup(client.get(f"/coalitions/{team.coalition.slug}/goals/edit"))
    form = page.select_one("#goals form[method=post]")
    assert form["action"] == f"/coalitions/{team.coalition.slug}/goals"
    assert page.select_one("h1") is not None
    response = post(client, auth, form["action"], {"goals": "Cele bez JS"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/coalitions/{team.coalition.slug}#goals")
    assert Coalition.get_by_id(team.coalition.id).goals == "Cele bez JS"
    # The cancel fragment: htmx gets the region, a page request goes back to the page.
    assert client.get(f"/coalitions/{team.coalition.slug}/goals").status_code == 302


def test_goals_cancel_fragment(htmx, client, auth, team):
    auth.as_user(team.member)
    response = htmx.get(f"/coalitions/{team.coalition.slug}/goals")
    assert response.status_code == 200
    assert soup(response).find().get("id") == "goals"


def test_goals_too_long_is_422_and_keeps_stored_goals(client, auth, team):
    auth.as_user(team.coordinator)
    too_long = "x" * (coalitions.MAX_GOALS_LENGTH + 1)
    for htmx_request in (False, True):
        response = post(client, auth, f"/coalitions/{team.coalition.slug}/goals",
                        {"goals": too_long}, htmx=htmx_request)
        assert response.status_code == 422
        html = soup(response)
        textarea = html.select_one("textarea[name=goals]")
        assert textarea["aria-invalid"] == "true"
        assert html.select_one(".field-error") is not None
        assert (html.select_one("html") is None) == htmx_request
    assert Coalition.get_by_id(team.coalition.id).goals == "Cele koalicji"


def test_member_cannot_edit_goals(client, auth, team):
    auth.as_user(team.member)
    assert client.get(f"/coalitions/{team.coalition.slug}/goals/edit").status_code == 403
    response = post(client, auth, f"/coalitions/{team.coalition.slug}/goals", {"goals": "Hack"})
    assert response.status_code == 403
    assert Coalition.get_by_id(team.coalition.id).goals == "Cele koalicji"
    assert AuditLog.select().where(AuditLog.action == "coalition.goals").count() == 0


def test_coordinator_of_another_coalition_cannot_edit_goals(client, auth, team):
    elsewhere = make_user()
    add_member(elsewhere, make_coalition(), "coordinator")
    auth.as_user(elsewhere)
    response = post(client, auth, f"/coalitions/{team.coalition.slug}/goals", {"goals": "Hack"})
    assert response.status_code == 403
    assert Coalition.get_by_id(team.coalition.id).goals == "Cele koalicji"
    assert AuditLog.select().where(AuditLog.action == "coalition.goals").count() == 0


def test_admin_edits_goals(client, auth, team):
    auth.as_user(make_user(role="admin"))
    response = post(client, auth, f"/coalitions/{team.coalition.slug}/goals", {"goals": "Admin"})
    assert response.status_code == 303
    assert Coalition.get_by_id(team.coalition.id).goals == "Admin"


# --- members --------------------------------------------------------------------------------


def members_url(team, key: str, remove: bool = False) -> str:
    url = f"/coalitions/{team.coalition.slug}/members/{team.memberships[key].id}"
    return url + "/remove" if remove else url


def test_coordinator_sees_member_controls(client, auth, team):
    auth.as_user(team.coordinator)
    members = soup(client.get(f"/coalitions/{team.coalition.slug}")).select_one("#members")
    row = members.select_one(f"#member-{team.memberships['member'].id}")
    update = row.select_one("form.member-form")
    assert update["method"] == "post" and update["action"] == members_url(team, "member")
    assert update["hx-post"] == members_url(team, "member") and update["hx-target"] == "#members"
    assert update.select_one("select[name=role] option[selected]")["value"] == "member"
    assert update.select_one("select[name=sector] option[selected]")["value"] == "ngo"
    assert [o["value"] for o in update.select("select[name=sector] option")] == list(SECTORS)
    assert [o.text for o in update.select("select[name=role] option")] == [
        "Koordynator", "Członek"]
    assert len(update.select("option[selected]")) == 2
    assert update.select_one("input[name=csrf_token]") is not None
    remove = row.select_one("form.member-remove")
    assert remove["action"] == members_url(team, "member", remove=True)
    assert "Marek Członek" in remove["hx-confirm"]


def test_member_selects_are_kept_per_language(app, client, auth, team):
    """The role and sector options are made once per process and language: the same as
    made afresh, and in the language of each page."""
    from flask_babel import force_locale

    from blueprints.coalitions.directory import member_options
    from koalicje.web.forms import options_by_selected
    from koalicje.web.labels import role_label, sector_label
    from models import MEMBERSHIP_ROLES

    auth.as_user(team.coordinator)

    def role_texts() -> list[str]:
        page = soup(client.get(f"/coalitions/{team.coalition.slug}"))
        return [o.text for o in page.select(f"#member-{team.memberships['member'].id} "
                                            "select[name=role] option")]

    assert role_texts() == ["Koordynator", "Członek"]
    client.post("/language", data={"locale": "en", "csrf_token": auth.csrf()})
    assert role_texts() == ["Coordinator", "Member"]
    client.post("/language", data={"locale": "pl", "csrf_token": auth.csrf()})
    assert role_texts() == ["Koordynator", "Członek"]
    for locale in ("pl", "en"):
        with app.test_request_context("/"), force_locale(locale):
            assert member_options() == {
                "role": options_by_selected((r, role_label(r)) for r in MEMBERSHIP_ROLES),
                "sector": options_by_selected((s, sector_label(s)) for s in SECTORS)}


def test_change_role_and_sector_with_htmx(client, auth, team):
    auth.as_user(team.coordinator)
    response = post(client, auth, members_url(team, "member"),
                    {"role": "coordinator", "sector": "business"}, htmx=True)
    assert response.status_code == 200
    fragment = soup(response)
    assert fragment.find().get("id") == "members" and fragment.select_one("html") is None
    business = fragment.select_one("h3#sector-business").find_next_sibling("ul")
    assert business.select_one("li.coordinator .member-name-text").get_text() == "Marek Członek"
    membership = Membership.get_by_id(team.memberships["member"].id)
    assert (membership.role, membership.sector) == ("coordinator", "business")


def test_change_role_without_javascript(client, auth, team):
    auth.as_user(team.coordinator)
    response = post(client, auth, members_url(team, "other"),
                    {"role": "member", "sector": "education_culture"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#members")
    assert Membership.get_by_id(team.memberships["other"].id).sector == "education_culture"


@pytest.mark.parametrize("htmx_request", [False, True])
def test_last_coordinator_cannot_be_demoted(client, auth, team, htmx_request):
    auth.as_user(team.coordinator)
    response = post(client, auth, members_url(team, "coordinator"),
                    {"role": "member", "sector": "library"}, htmx=htmx_request)
    assert response.status_code == 422
    html = soup(response)
    alert = html.select_one("#members [role=alert]")
    assert "co najmniej jedną osobę koordynującą" in alert.get_text()
    assert (html.select_one("html") is None) == htmx_request
    assert Membership.get_by_id(team.memberships["coordinator"].id).role == "coordinator"


@pytest.mark.parametrize("htmx_request", [False, True])
def test_last_coordinator_cannot_be_removed(client, auth, team, htmx_request):
    auth.as_user(make_user(role="admin"))
    response = post(client, auth, members_url(team, "coordinator", remove=True),
                    htmx=htmx_request)
    assert response.status_code == 422
    assert "jedynej osoby koordynującej" in soup(response).select_one("#members [role=alert]").get_text()
    assert Membership.get_or_none(Membership.id == team.memberships["coordinator"].id) is not None


def test_coordinator_can_step_down_when_another_exists(client, auth, team):
    Membership.update(role="coordinator").where(
        Membership.id == team.memberships["member"].id).execute()
    auth.as_user(team.coordinator)
    response = post(client, auth, members_url(team, "coordinator"),
                    {"role": "member", "sector": "library"}, htmx=True)
    assert response.status_code == 200
    assert Membership.get_by_id(team.memberships["coordinator"].id).role == "member"
    # No longer a coordinator: the refreshed region has no controls, and the next change is 403.
    assert soup(response).select("#members form") == []
    response = post(client, auth, members_url(team, "other"),
                    {"role": "member", "sector": "ngo"}, htmx=True)
    assert response.status_code == 403


def test_remove_member_with_htmx(client, auth, team):
    auth.as_user(team.coordinator)
    response = post(client, auth, members_url(team, "member", remove=True), htmx=True)
    assert response.status_code == 200
    fragment = soup(response)
    assert fragment.find().get("id") == "members"
    assert "Marek Członek" not in fragment.get_text()
    assert Membership.get_or_none(Membership.id == team.memberships["member"].id) is None
    # The user's account stays.
    assert team.member.__class__.get_by_id(team.member.id).active


def test_remove_member_without_javascript(client, auth, team):
    auth.as_user(team.coordinator)
    response = post(client, auth, members_url(team, "other", remove=True))
    assert response.status_code == 303
    assert Membership.get_or_none(Membership.id == team.memberships["other"].id) is None
    # Removing again: the membership is gone.
    assert post(client, auth, members_url(team, "other", remove=True)).status_code == 404


@pytest.mark.parametrize("data", [
    {"role": "owner", "sector": "ngo"},
    {"role": "member", "sector": "space"},
    {"role": "", "sector": ""},
    {"role": "x" * 10000, "sector": "ngo"},
])
def test_bad_member_values_are_422(client, auth, team, data):
    auth.as_user(team.coordinator)
    response = post(client, auth, members_url(team, "member"), data, htmx=True)
    assert response.status_code == 422
    assert soup(response).select_one("#members [role=alert]") is not None
    membership = Membership.get_by_id(team.memberships["member"].id)
    assert (membership.role, membership.sector) == ("member", "ngo")


def test_membership_of_another_coalition_is_404(client, auth, team):
    stranger = add_member(make_user(), make_coalition())
    auth.as_user(team.coordinator)
    url = f"/coalitions/{team.coalition.slug}/members/{stranger.id}"
    assert post(client, auth, url, {"role": "member", "sector": "ngo"}).status_code == 404
    assert post(client, auth, url + "/remove").status_code == 404
    assert post(client, auth, f"/coalitions/{team.coalition.slug}/members/999999/remove").status_code == 404
    assert Membership.get_or_none(Membership.id == stranger.id) is not None


@pytest.mark.parametrize("who", ["member", "trainer"])
def test_members_and_trainers_cannot_manage_members(client, auth, team, who):
    auth.as_user(getattr(team, who))
    assert post(client, auth, members_url(team, "other"),
                {"role": "coordinator", "sector": "ngo"}).status_code == 403
    assert post(client, auth, members_url(team, "other", remove=True)).status_code == 403
    assert Membership.get_by_id(team.memberships["other"].id).role == "member"


def test_member_rules_directly(team):
    with pytest.raises(coalitions.MembershipError):
        coalitions.update_membership(team.memberships["coordinator"], "member", "library")
    with pytest.raises(coalitions.MembershipError):
        coalitions.remove_membership(team.memberships["coordinator"])
    coalitions.update_membership(team.memberships["other"], "coordinator", "resident")
    coalitions.remove_membership(team.memberships["coordinator"])
    assert [m.user.name for _, ms in coalitions.members_by_sector(team.coalition) for m in ms] == [
        "Marek Członek", "Ola Mieszkanka"]


# --- admin: create and edit -----------------------------------------------------------------

GOOD = {"slug": "koalicja-nowa", "name": "Koalicja Nowa", "gmina": "Nowe Miasto",
        "voivodeship": "podlaskie", "library": "Gminna Biblioteka Publiczna w Nowym Mieście",
        "round": "3", "founded": "2013-09-01", "goals": "Razem dla gminy"}


def test_admin_creates_coalition(client, auth, admin):
    page = soup(client.get("/coalitions/new"))
    assert page.select_one("form[method=post][action='/coalitions/new'] input[name=slug]")
    response = post(client, auth, "/coalitions/new", GOOD)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/coalitions/koalicja-nowa")
    coalition = Coalition.get(Coalition.slug == "koalicja-nowa")
    assert (coalition.round, coalition.voivodeship, coalition.founded) == (
        3, "podlaskie", date(2013, 9, 1))
    assert client.get("/coalitions/koalicja-nowa").status_code == 200


@pytest.mark.parametrize("field,value", [
    ("slug", "Zła Nazwa"), ("slug", "koalicja-łąka"), ("slug", ""), ("slug", "new"),
    ("slug", "a" * 81), ("slug", "-kreska"), ("name", ""), ("name", "n" * 201), ("gmina", ""),
    ("library", ""), ("voivodeship", "bawaria"), ("voivodeship", ""), ("round", "4"),
    ("round", "0"), ("round", "x"), ("round", ""), ("founded", "2013-02-31"),
    ("founded", "wczoraj"), ("goals", "g" * 5001),
])
def test_create_with_bad_input_is_422_and_keeps_the_form(client, auth, admin, field, value):
    data = {**GOOD, field: value}
    response = post(client, auth, "/coalitions/new", data)
    assert response.status_code == 422
    html = soup(response)
    assert html.select_one("[role=alert]") is not None
    assert html.select_one(f"[name={field}][aria-invalid=true]") is not None
    # What was typed is still there.
    assert html.select_one("input[name=name]")["value"] == data["name"]
    assert html.select_one("input[name=gmina]")["value"] == data["gmina"]
    assert Coalition.select().count() == 0


def test_duplicate_slug_is_422(client, auth, admin):
    make_coalition(slug="zajeta")
    response = post(client, auth, "/coalitions/new", {**GOOD, "slug": "zajeta"})
    assert response.status_code == 422
    assert "zajęty" in soup(response).select_one("#slug-error").get_text()
    assert Coalition.select().count() == 1


def test_admin_edits_coalition(client, auth, admin, team):
    url = f"/coalitions/{team.coalition.slug}/edit"
    form = soup(client.get(url))
    assert form.select_one("input[name=slug]")["value"] == team.coalition.slug
    assert form.select_one("input[name=founded]")["value"] == "2011-03-04"
    assert form.select_one("select[name=round] option[selected]")["value"] == "1"
    response = post(client, auth, url, {**GOOD, "slug": "zmieniony-adres", "round": "2"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/coalitions/zmieniony-adres")
    coalition = Coalition.get_by_id(team.coalition.id)
    assert (coalition.slug, coalition.round, coalition.name) == ("zmieniony-adres", 2, GOOD["name"])
    # Members and assignments stay with it.
    assert coalition.memberships.count() == 3
    assert client.get("/coalitions/zmieniony-adres").status_code == 200


def test_edit_to_a_taken_slug_is_422(client, auth, admin, team):
    make_coalition(slug="inna")
    url = f"/coalitions/{team.coalition.slug}/edit"
    response = post(client, auth, url, {**GOOD, "slug": "inna"})
    assert response.status_code == 422
    assert soup(response).select_one(f"form[action='{url}']") is not None
    assert Coalition.get_by_id(team.coalition.id).slug == team.coalition.slug
    # Keeping its own slug is fine.
    assert post(client, auth, url, {**GOOD, "slug": team.coalition.slug}).status_code == 303


def test_admin_links_on_coalition_page(client, auth, admin, team):
    html = soup(client.get(f"/coalitions/{team.coalition.slug}"))
    assert html.select_one(f"a[href='/coalitions/{team.coalition.slug}/edit']") is not None
    assert html.select_one(f"a[href='/coalitions/{team.coalition.slug}/trainers']") is not None


@pytest.mark.parametrize("who", ["coordinator", "trainer", "member"])
def test_only_admins_create_and_edit(client, auth, team, who):
    auth.as_user(getattr(team, who))
    assert client.get("/coalitions/new").status_code == 403
    assert post(client, auth, "/coalitions/new", GOOD).status_code == 403
    assert post(client, auth, f"/coalitions/{team.coalition.slug}/edit", GOOD).status_code == 403
    assert not Coalition.select().where(Coalition.slug == GOOD["slug"]).exists()


# --- admin: trainer assignments -------------------------------------------------------------


def test_trainers_page_lists_assigned_and_candidates(client, admin, team):
    free = make_user(role="trainer", name="Wolny Trener")
    make_user(role="trainer", name="Nieaktywny Trener", active=False)
    make_user(name="Nie Trener")
    html = soup(client.get(f"/coalitions/{team.coalition.slug}/trainers"))
    assert [s.get_text() for s in html.select(".assignment-list .trainer-name")] == ["Tomasz Trener"]
    options = [o.get_text() for o in html.select("select[name=trainer] option")]
    assert len(options) == 1 and options[0].startswith(free.name)


def test_assign_trainer_with_htmx_and_without(client, auth, admin, team):
    free = make_user(role="trainer", name="Wolny Trener")
    url = f"/coalitions/{team.coalition.slug}/trainers"
    response = post(client, auth, url, {"trainer": str(free.id)}, htmx=True)
    assert response.status_code == 200
    fragment = soup(response)
    assert fragment.find().get("id") == "trainer-assignments"
    assert "Wolny Trener" in [s.get_text() for s in fragment.select(".trainer-name")]
    assert TrainerAssignment.select().where(TrainerAssignment.trainer == free).count() == 1
    other = make_user(role="trainer")
    response = post(client, auth, url, {"trainer": str(other.id)})
    assert response.status_code == 303
    assert TrainerAssignment.select().where(TrainerAssignment.coalition == team.coalition).count() == 3
    # The coalition page lists them.
    names = [li.get_text() for li in soup(client.get(f"/coalitions/{team.coalition.slug}")).select(".trainer-list li")]
    assert "Wolny Trener" in names


@pytest.mark.parametrize("value", ["", "abc", "999999", "-1", "1" * 40, "user", "²", "٣"])
def test_assign_bad_trainer_is_422(client, auth, admin, team, value):
    plain = make_user(name="Nie Trener")
    value = str(plain.id) if value == "user" else value
    response = post(client, auth, f"/coalitions/{team.coalition.slug}/trainers",
                    {"trainer": value}, htmx=True)
    assert response.status_code == 422
    assert soup(response).select_one("[role=alert]") is not None
    assert TrainerAssignment.select().count() == 1


def test_unassign_trainer(client, auth, admin, team):
    url = f"/coalitions/{team.coalition.slug}/trainers/{team.trainer.id}/remove"
    response = post(client, auth, url, htmx=True)
    assert response.status_code == 200
    assert soup(response).select(".assignment-list") == []
    assert TrainerAssignment.select().count() == 0
    # Nothing left to remove.
    assert post(client, auth, url).status_code == 404


def test_unassign_without_javascript(client, auth, admin, team):
    response = post(client, auth, f"/coalitions/{team.coalition.slug}/trainers/{team.trainer.id}/remove")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/coalitions/{team.coalition.slug}/trainers")


def test_coalition_page_queries_do_not_grow_with_members(client, auth, team):
    auth.as_user(team.coordinator)  # with management controls for every member

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(f"/coalitions/{team.coalition.slug}").status_code == 200
        return counter.count

    few = queries()
    for n in range(25):
        add_member(make_user(), team.coalition, "member", ["ngo", "business", "resident"][n % 3])
        assign(make_user(role="trainer"), team.coalition)
    assert queries() == few


@pytest.mark.parametrize("url", [
    "/coalitions/{slug}/members/99999999999999999999999",
    "/coalitions/{slug}/members/99999999999999999999999/remove",
    "/coalitions/{slug}/trainers/99999999999999999999999/remove",
])
def test_huge_ids_are_404(client, auth, admin, team, url):
    response = post(client, auth, url.format(slug=team.coalition.slug),
                    {"role": "member", "sector": "ngo"})
    assert response.status_code == 404


def test_coalition_page_links_to_what_the_reader_may_open(client, auth, database):
    coalition = make_coalition(slug="zalesie-linki")
    coordinator, member, outsider = make_user(), make_user(), make_user()
    add_member(coordinator, coalition, "coordinator")
    add_member(member, coalition, "member")

    def links(user):
        auth.as_user(user)
        page = soup(client.get("/coalitions/zalesie-linki"))
        auth.logout()
        return [a["href"] for a in page.select("nav.coalition-links a")]

    assert links(coordinator) == [
        "/board/zalesie-linki",
        "/self-assessment/coalition/zalesie-linki",
        f"/invites/?coalition={coalition.id}",
    ]
    assert links(member) == ["/board/zalesie-linki"]
    assert links(outsider) == []


def _page_queries(client, url: str, htmx: bool = False) -> int:
    with count_queries() as counter:
        response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == 200
    return counter.count


def test_coalition_page_and_search_queries_do_not_grow(client, auth, team):
    """A coordinator's coalition page (every member with its forms) and the directory's
    search: the same number of queries with 10 and with 100 members and coalitions."""
    from models import SECTORS

    auth.as_user(team.coordinator)
    url = f"/coalitions/{team.coalition.slug}"

    def grow(to: int) -> None:
        while Membership.select().where(Membership.coalition == team.coalition).count() < to:
            n = Membership.select().count()
            add_member(make_user(), team.coalition, "coordinator" if n % 7 == 0 else "member",
                       SECTORS[n % len(SECTORS)])
            make_coalition(gmina=f"Zalesie {n}")

    grow(10)
    small = (_page_queries(client, url), _page_queries(client, "/coalitions/?q=zales", True))
    page = soup(client.get(url))
    assert len(page.select("#members li.member")) == 10
    assert len(page.select("#members form.member-form")) == 10
    grow(100)
    page = soup(client.get(url))
    assert len(page.select("#members li.member")) == 100
    assert (_page_queries(client, url), _page_queries(client, "/coalitions/?q=zales", True)) \
        == small


def test_migration_10_adds_and_fills_the_folded_columns(database):
    from models import MIGRATIONS, create_or_migrate, current_version, db

    coalition = make_coalition(name="Łódzka", gmina="Łódź", library="Biblioteka Śląska")
    member = add_member(make_user(), coalition)
    db.execute_sql('ALTER TABLE "coalition" DROP COLUMN "gmina_folded"')
    db.execute_sql('ALTER TABLE "coalition" DROP COLUMN "library_folded"')
    assert migrate_from(8) == [v for v in sorted(MIGRATIONS) if v >= 10]
    assert _folded_as_stored(coalition) == ("lodz", "biblioteka slaska")
    assert Membership.get_by_id(member.id).coalition_id == coalition.id  # nothing cascaded
    assert create_or_migrate() == []
    assert current_version() == max(MIGRATIONS)


@pytest.mark.parametrize("path", [
    "/coalitions/{slug}", "/coalitions/", "/coalitions/?q=zal", "/coalitions/?q=zal&round=1&page=2",
    "/coalitions/?voivodeship=mazowieckie&round=2"])
def test_coalition_pages_build_no_sql_on_the_second_visit(client, auth, team, monkeypatch,
                                                           path):
    """The coalition page (with the workshop summary and the member forms), the directory
    and its search run kept SQL texts only (koalicje/prepared.py)."""
    from test_learning_prepared import _built_on_second_visit

    auth.as_user(team.coordinator)
    built = _built_on_second_visit(client, monkeypatch, path.format(slug=team.coalition.slug))
    assert built == []
