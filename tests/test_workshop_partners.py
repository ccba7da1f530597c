"""The partners' map: entries, sector coverage, members add and edit, the coordinator invites."""

from __future__ import annotations

import pytest
from conftest import add_member, make_coalition, make_user, soup

from koalicje.workshop import Invalid, partners
from models import Invite, Membership, PartnerEntry, db


@pytest.fixture
def world(database):
    coalition = make_coalition(slug="zalesie", name="Koalicja dla Zalesia")
    coordinator = make_user(name="Koordynatorka")
    member = make_user(name="Członkini")
    add_member(coordinator, coalition, "coordinator", "library")
    add_member(member, coalition, "member", "ngo")
    db.close()
    return {"coalition": coalition, "coordinator": coordinator, "member": member}


def _form(**fields):
    data = {"name": "Szkoła Podstawowa w Zalesiu", "sector": "education_culture",
            "status": "potential", "contribution": "sala gimnastyczna", "email": ""}
    data.update(fields)
    return data


# --- rules ------------------------------------------------------------------------------------


def test_clean_partner_refuses_bad_input(database):
    with pytest.raises(Invalid) as refused:
        partners.clean_partner(_form(name=" ", sector="martians", status="friend",
                                     email="nie-email"), ["premises", "gold"])
    assert set(refused.value.errors) == {"name", "sector", "status", "email", "resources"}
    with pytest.raises(Invalid) as refused:
        partners.clean_partner(_form(name="x" * 201), [])
    assert refused.value.errors == {"name": "Nazwa może mieć najwyżej 200 znaków."}


def test_sector_coverage_counts_members_and_partners(world):
    db.connect(reuse_if_open=True)
    coalition = world["coalition"]
    partners.save_partner(coalition, partners.clean_partner(
        _form(status="partner"), ["premises"]), world["member"])
    partners.save_partner(coalition, partners.clean_partner(
        _form(name="Firma Kowalski", sector="business"), ["money"]), world["member"])
    coverage = {c.sector: c for c in partners.sector_coverage(coalition)}
    assert coverage["library"].members == 1 and coverage["library"].covered
    assert coverage["education_culture"].partners == 1 and coverage["education_culture"].covered
    # a potential partner does not sit at the table yet
    assert coverage["business"].potential == 1 and not coverage["business"].covered
    assert partners.missing_sectors(list(coverage.values())) == [
        "local_government", "business", "resident"]


# --- views ------------------------------------------------------------------------------------


def test_member_adds_entry_and_page_shows_missing_sectors(client, auth, world):
    auth.as_user(world["member"])
    response = client.post("/coalitions/zalesie/workshop/partners", data={
        **_form(sector="local_government", status="partner"), "resources": ["premises", "reach"],
        "csrf_token": auth.csrf()})
    assert response.status_code == 303
    page = soup(client.get("/coalitions/zalesie/workshop/partners"))
    entry = page.select_one(".partner-list li")
    assert entry.select_one(".partner-name").get_text(strip=True) == "Szkoła Podstawowa w Zalesiu"
    assert "Lokal" in entry.select_one(".partner-resources").get_text()
    missing = page.select_one("#missing-sectors").get_text(" ", strip=True)
    assert "Biznes" in missing and "Mieszkańcy" in missing
    assert "Urząd gminy" not in missing and "Biblioteka" not in missing
    assert "covered" in page.select_one("#coverage-local_government")["class"]
    options = [o["value"] for o in page.select("#partner-sector option")]
    assert options == ["library", "local_government", "education_culture", "ngo", "business",
                       "resident"]


def test_invalid_entry_answers_422_with_the_form_fragment(htmx, auth, world):
    auth.as_user(world["member"])
    response = htmx.post("/coalitions/zalesie/workshop/partners",
                         data={**_form(name=""), "csrf_token": auth.csrf()})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#partners-map") is not None
    assert page.select_one("html") is None
    assert page.select_one("#name-error").get_text(strip=True)
    assert PartnerEntry.select().count() == 0


def test_member_edits_entry(client, auth, world):
    db.connect(reuse_if_open=True)
    entry = partners.save_partner(world["coalition"], partners.clean_partner(_form(), []),
                                  world["member"])
    db.close()
    auth.as_user(world["member"])
    url = f"/coalitions/zalesie/workshop/partners/{entry.id}/edit"
    assert soup(client.get(url)).select_one("#partner-name")["value"] == entry.name
    response = client.post(url, data={**_form(status="approached"), "csrf_token": auth.csrf()})
    assert response.status_code == 303
    assert PartnerEntry.get_by_id(entry.id).status == "approached"


def test_coordinator_invites_partner_who_joins_as_member(client, auth, world):
    db.connect(reuse_if_open=True)
    person = make_user(name="Dyrektorka Szkoły", email="dyrektorka@example.org")
    entry = partners.save_partner(world["coalition"], partners.clean_partner(
        _form(email="dyrektorka@example.org"), []), world["member"])
    db.close()
    auth.as_user(world["coordinator"])
    response = client.post(f"/coalitions/zalesie/workshop/partners/{entry.id}/invite",
                           data={"csrf_token": auth.csrf()})
    assert response.status_code == 200
    link = soup(response).select_one("input.invite-link")["value"]
    invite = Invite.get()
    assert invite.coalition_id == world["coalition"].id and invite.sector == "education_culture"
    assert PartnerEntry.get_by_id(entry.id).status == "approached"
    # the partner signs in and accepts through the ordinary invite flow
    auth.logout()
    auth.as_user(person)
    path = link.split("://", 1)[1].split("/", 1)[1]
    accepted = client.post("/" + path, data={"csrf_token": auth.csrf()})
    assert accepted.status_code in (302, 303)
    membership = Membership.get(user=person, coalition=world["coalition"])
    assert membership.sector == "education_culture" and membership.role == "member"


def test_invite_without_email_is_refused(client, auth, world):
    db.connect(reuse_if_open=True)
    entry = partners.save_partner(world["coalition"], partners.clean_partner(_form(), []),
                                  world["member"])
    db.close()
    auth.as_user(world["coordinator"])
    response = client.post(f"/coalitions/zalesie/workshop/partners/{entry.id}/invite",
                           data={"csrf_token": auth.csrf()})
    assert response.status_code == 422
    assert soup(response).select_one(".form-error").get_text(strip=True)
    assert Invite.select().count() == 0


def test_export_partners_csv(client, auth, world):
    db.connect(reuse_if_open=True)
    partners.save_partner(world["coalition"], partners.clean_partner(
        _form(name="=HYPERLINK()"), ["people"]), world["member"])
    db.close()
    auth.as_user(world["member"])
    response = client.get("/coalitions/zalesie/workshop/partners/export.csv")
    assert response.status_code == 200
    lines = response.get_data().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Instytucja lub osoba;Sektor;Status")
    assert lines[1].startswith("'=HYPERLINK();Oświata i kultura;Potencjalny partner;Ludzie")
    assert client.get("/coalitions/zalesie/workshop/partners/export.pdf").status_code == 404
