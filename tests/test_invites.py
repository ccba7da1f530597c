"""Invites: who may invite whom, creating, revoking, accepting (valid, expired, reused, unknown)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import (
    PASSWORD,
    add_member,
    assign,
    cookie_contents,
    csrf_from,
    make_coalition,
    make_user,
    soup,
)

from koalicje import accounts, invites
from koalicje.invites import InviteError, InviteForbidden, InviteRequest
from models import AuditLog, Invite, Membership, User, utcnow

NEW_PASSWORD = "nowe-haslo-zaproszenia"


def invite_for(creator, email="nowa@example.org", **fields):
    invite, token = invites.create_invite(creator, InviteRequest(email=email, **fields), days=14)
    return invite, token


def accept_form(client, token, name="Nowa Osoba", password=NEW_PASSWORD, confirm=None):
    page = client.get(f"/invite/{token}")
    return client.post(
        f"/invite/{token}",
        data={"name": name, "password": password, "confirm": confirm or password,
              "csrf_token": csrf_from(page.get_data(as_text=True))},
    )


# --- who may invite whom (domain) ----------------------------------------------------------


def test_admin_may_invite_any_role_anywhere(database):
    admin = make_user(role="admin")
    coalition = make_coalition()
    for role in ("admin", "trainer", "user"):
        invite, _ = invite_for(admin, f"{role}@example.org", role=role)
        assert invite.role == role and invite.coalition_id is None
    invite, _ = invite_for(admin, "k@example.org", coalition=coalition,
                           membership_role="coordinator", sector="business")
    assert (invite.coalition_id, invite.membership_role, invite.sector) == (
        coalition.id, "coordinator", "business")


@pytest.mark.parametrize("role", ["admin", "trainer"])
def test_trainer_and_coordinator_cannot_give_admin_or_trainer(database, role):
    coalition = make_coalition()
    trainer = make_user(role="trainer")
    assign(trainer, coalition)
    coordinator = make_user()
    add_member(coordinator, coalition, "coordinator")
    for creator in (trainer, coordinator):
        with pytest.raises(InviteForbidden):
            invite_for(creator, role=role, coalition=coalition)
    assert Invite.select().count() == 0


def test_trainer_invites_only_to_assigned_coalitions(database):
    mine, other = make_coalition(), make_coalition()
    trainer = make_user(role="trainer")
    assign(trainer, mine)
    invite_for(trainer, "a@example.org", coalition=mine)
    invite_for(trainer, "b@example.org")  # a learner without a coalition
    with pytest.raises(InviteForbidden):
        invite_for(trainer, "c@example.org", coalition=other)
    assert [c.id for c in invites.invitable_coalitions(trainer)] == [mine.id]


def test_coordinator_invites_only_to_own_coalition(database):
    mine, other = make_coalition(), make_coalition()
    coordinator = make_user()
    add_member(coordinator, mine, "coordinator")
    add_member(coordinator, other, "member")
    invite, _ = invite_for(coordinator, coalition=mine, membership_role="coordinator")
    assert invite.membership_role == "coordinator"
    with pytest.raises(InviteForbidden):
        invite_for(coordinator, "x@example.org", coalition=other)
    with pytest.raises(InviteError) as error:
        invite_for(coordinator, "y@example.org")  # a coordinator must name the coalition
    assert error.value.field == "coalition"


def test_member_and_plain_user_cannot_invite(database):
    coalition = make_coalition()
    member = make_user()
    add_member(member, coalition, "member")
    for creator in (member, make_user()):
        assert not invites.may_create_invites(creator)
        with pytest.raises(InviteForbidden):
            invite_for(creator, coalition=coalition)


def test_invalid_fields_are_refused(database):
    admin = make_user(role="admin")
    coalition = make_coalition()
    cases = [
        ({"email": "bez-malpy"}, "email"),
        ({"email": "dwa slowa@example.org"}, "email"),
        ({"role": "superuser"}, "role"),
        ({"coalition": coalition, "sector": "kosmos"}, "sector"),
        ({"coalition": coalition, "membership_role": "boss"}, "membership_role"),
    ]
    for fields, field in cases:
        fields.setdefault("email", "ok@example.org")
        with pytest.raises(InviteError) as error:
            invites.create_invite(admin, InviteRequest(**fields), days=14)
        assert error.value.field == field


def test_token_is_stored_hashed(database):
    invite, token = invite_for(make_user(role="admin"))
    assert invite.token_hash == accounts.hash_token(token)
    assert Invite.select().where(Invite.token_hash == token).count() == 0
    assert AuditLog.select().where(AuditLog.action == "invite.create").count() == 1


# --- creating through the page -------------------------------------------------------------


def test_coordinator_creates_invite_and_sees_link_once(client, auth, database):
    coalition = make_coalition(name="Koalicja Leśna")
    coordinator = make_user()
    add_member(coordinator, coalition, "coordinator")
    auth.as_user(coordinator)
    page = soup(client.get("/invites/"))
    form = page.select_one("form[action='/invites/']")
    # A coordinator cannot pick a global role, nor a coalition other than their own.
    assert form.select_one("select[name=role]") is None
    assert [o["value"] for o in form.select("select[name=coalition] option")] == [
        str(coalition.id)]
    response = client.post("/invites/", data={
        "email": "Nowa@Example.org", "role": "user", "coalition": str(coalition.id),
        "membership_role": "member", "sector": "ngo", "csrf_token": auth.csrf()})
    assert response.status_code == 303
    # Kept on the server until shown, not in the signed but readable cookie.
    assert "/invite/" not in cookie_contents(client.application, client)
    invite = Invite.get()
    assert (invite.email, invite.created_by_id, invite.sector) == (
        "nowa@example.org", coordinator.id, "ngo")
    shown = soup(client.get("/invites/"))
    link = shown.select_one("#new-invite-url")["value"]
    assert "/invite/" in link
    token = link.rsplit("/", 1)[1]
    assert accounts.hash_token(token) == invite.token_hash
    assert shown.select_one(f"#invite-{invite.id}") is not None  # listed as pending
    # Shown once: the next visit has no link.
    assert soup(client.get("/invites/")).select_one("#new-invite-url") is None


def test_coordinator_cannot_invite_to_another_coalition_over_http(client, auth, database):
    mine, other = make_coalition(), make_coalition()
    coordinator = make_user()
    add_member(coordinator, mine, "coordinator")
    auth.as_user(coordinator)
    response = client.post("/invites/", data={
        "email": "x@example.org", "role": "user", "coalition": str(other.id),
        "membership_role": "member", "sector": "ngo", "csrf_token": auth.csrf()})
    assert response.status_code == 403
    assert Invite.select().count() == 0


def test_trainer_cannot_create_admin_over_http(client, auth, database):
    trainer = make_user(role="trainer")
    auth.as_user(trainer)
    response = client.post("/invites/", data={
        "email": "x@example.org", "role": "admin", "coalition": "",
        "membership_role": "member", "sector": "ngo", "csrf_token": auth.csrf()})
    assert response.status_code == 403
    assert Invite.select().count() == 0


def test_invalid_invite_form_is_422_with_message(client, auth, database):
    auth.as_user(make_user(role="admin"))
    response = client.post("/invites/", data={
        "email": "", "role": "user", "coalition": "", "csrf_token": auth.csrf()})
    assert response.status_code == 422
    assert soup(response).select_one("#email[aria-invalid=true]") is not None
    unknown = client.post("/invites/", data={
        "email": "a@example.org", "role": "user", "coalition": "999999",
        "membership_role": "member", "sector": "ngo", "csrf_token": auth.csrf()})
    assert unknown.status_code == 404
    assert Invite.select().count() == 0


def test_revoke_by_creator_and_htmx_removes_row(client, htmx, auth, database):
    coordinator = make_user()
    coalition = make_coalition()
    add_member(coordinator, coalition, "coordinator")
    first, _ = invite_for(coordinator, "a@example.org", coalition=coalition)
    second, second_token = invite_for(coordinator, "b@example.org", coalition=coalition)
    auth.as_user(coordinator)
    token = auth.csrf()
    response = client.post(f"/invites/{first.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 303
    response = htmx.post(f"/invites/{second.id}/revoke", headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_data(as_text=True) == ""
    assert Invite.select().count() == 0
    assert client.get(f"/invite/{second_token}").status_code == 404


def test_cannot_revoke_someone_elses_invite(client, auth, database):
    invite, _ = invite_for(make_user(role="admin"))
    auth.as_user(make_user(role="trainer"))
    response = client.post(f"/invites/{invite.id}/revoke", data={"csrf_token": auth.csrf()})
    assert response.status_code == 404
    assert Invite.select().count() == 1


# --- accepting -----------------------------------------------------------------------------


def test_accept_valid_invite_creates_account_with_membership(client, database):
    coalition = make_coalition()
    invite, token = invite_for(make_user(role="admin"), "Nowa@example.org",
                               coalition=coalition, sector="business")
    page = soup(client.get(f"/invite/{token}"))
    assert "nowa@example.org" in page.select_one("dl").get_text()
    response = accept_form(client, token, name="Nowa Osoba")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/coalitions/{coalition.slug}"
    user = User.by_email("nowa@example.org")
    assert user.name == "Nowa Osoba" and user.role == "user" and user.check_password(NEW_PASSWORD)
    membership = Membership.get(user=user)
    assert (membership.coalition_id, membership.role, membership.sector) == (
        coalition.id, "member", "business")
    assert Invite.get_by_id(invite.id).used_by_id == user.id
    # Landed signed in.
    assert "Nowa Osoba" in client.get("/").get_data(as_text=True)


def test_accept_gives_the_invited_role(client, database):
    _, token = invite_for(make_user(role="admin"), "trener2@example.org", role="trainer")
    assert accept_form(client, token).status_code == 303
    assert User.by_email("trener2@example.org").role == "trainer"


def test_reused_invite_is_410(client, database):
    _, token = invite_for(make_user(role="admin"))
    assert accept_form(client, token).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    response = client.get(f"/invite/{token}")
    assert response.status_code == 410
    assert "wykorzystany" in soup(response).select_one("main").get_text()
    assert accept_form(client, token, name="Ktoś Inny").status_code == 410
    assert User.select().where(User.email == "nowa@example.org").count() == 1


def test_expired_invite_is_410(client, database):
    invite, token = invite_for(make_user(role="admin"))
    Invite.update(expires_at=utcnow() - timedelta(minutes=1)).where(
        Invite.id == invite.id).execute()
    response = client.get(f"/invite/{token}")
    assert response.status_code == 410
    assert "wygasł" in soup(response).select_one("main").get_text()
    # A complete form with a valid CSRF token (from this session) reaches the expiry check.
    token_csrf = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(f"/invite/{token}", data={
        "name": "Nowa Osoba", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
        "csrf_token": token_csrf})
    assert response.status_code == 410
    assert "wygasł" in soup(response).select_one("main").get_text()
    assert User.by_email("nowa@example.org") is None
    assert Invite.get_by_id(invite.id).used_at is None


@pytest.mark.parametrize("token", ["nie-ma-takiego", "x" * 300, "%00"])
def test_unknown_invite_is_404_page(client, database, token):
    response = client.get(f"/invite/{token}")
    assert response.status_code == 404
    assert soup(response).select_one("h1").get_text(strip=True) == "Nie znaleziono linku"


def test_accept_with_bad_password_is_422_and_keeps_invite(client, database):
    _, token = invite_for(make_user(role="admin"))
    short = accept_form(client, token, password="krotkie")
    assert short.status_code == 422
    assert soup(short).select_one("#password[aria-invalid=true]") is not None
    assert accept_form(client, token, confirm="inne-haslo-123").status_code == 422
    assert accept_form(client, token, name="").status_code == 422
    assert User.by_email("nowa@example.org") is None
    assert accept_form(client, token).status_code == 303


def test_signed_in_person_cannot_accept_invite_for_new_account(client, auth, database):
    _, token = invite_for(make_user(role="admin"))
    auth.as_user(make_user())
    assert client.get(f"/invite/{token}").status_code == 403


# --- an invite for an e-mail that already has an account -----------------------------------


def test_existing_account_joins_after_signing_in(client, auth, database):
    coalition = make_coalition()
    existing = make_user(email="jest@example.org", name="Już Jestem")
    invite, token = invite_for(make_user(role="admin"), "JEST@example.org", coalition=coalition,
                               membership_role="coordinator", sector="library")
    # Signed out: told to sign in, no account form.
    page = soup(client.get(f"/invite/{token}"))
    assert page.select_one("input[name=password]") is None
    assert page.select_one(f"a[href^='/login?next=/invite/{token}']") is not None
    # A password post cannot create a duplicate account.
    client.post(f"/invite/{token}", data={"name": "Duplikat", "password": NEW_PASSWORD,
                                          "confirm": NEW_PASSWORD})
    assert User.select().where(User.email == "jest@example.org").count() == 1
    auth.as_user(existing)
    response = client.post(f"/invite/{token}", data={"csrf_token": auth.csrf()})
    assert response.status_code == 303
    membership = Membership.get(user=existing, coalition=coalition)
    assert membership.role == "coordinator"
    assert User.get_by_id(existing.id).role == "user"  # global role unchanged
    assert Invite.get_by_id(invite.id).used_at is not None
    assert client.get(f"/invite/{token}").status_code == 410


def test_existing_account_invite_rejects_other_signed_in_user(client, auth, database):
    coalition = make_coalition()
    make_user(email="jest@example.org")
    _, token = invite_for(make_user(role="admin"), "jest@example.org", coalition=coalition)
    auth.as_user(make_user())
    assert client.get(f"/invite/{token}").status_code == 403
    assert client.post(f"/invite/{token}", data={"csrf_token": auth.csrf()}).status_code == 403
    assert Membership.select().count() == 0


def test_invite_for_existing_account_needs_a_new_coalition(database):
    admin = make_user(role="admin")
    coalition = make_coalition()
    existing = make_user(email="jest@example.org")
    add_member(existing, coalition)
    with pytest.raises(InviteError, match="ma już konto"):
        invite_for(admin, "jest@example.org")
    with pytest.raises(InviteError, match="już należy"):
        invite_for(admin, "jest@example.org", coalition=coalition)
    make_user(email="off@example.org", active=False)
    with pytest.raises(InviteError, match="wyłączone"):
        invite_for(admin, "off@example.org", coalition=coalition)


def test_deactivated_user_cannot_sign_in_after_invite(client, auth, database):
    _, token = invite_for(make_user(role="admin"))
    accept_form(client, token)
    user = User.by_email("nowa@example.org")
    auth.logout()
    User.update(active=False).where(User.id == user.id).execute()
    assert auth.login(user.email, NEW_PASSWORD).status_code == 422
    assert auth.login(make_user().email, PASSWORD).status_code == 303


def test_invites_link_in_navigation_only_for_those_who_may_invite(client, auth, database):
    coalition = make_coalition()
    member, coordinator = make_user(), make_user()
    add_member(member, coalition, "member")
    add_member(coordinator, coalition, "coordinator")
    auth.as_user(member)
    assert soup(client.get("/")).select_one("nav a[href='/invites/']") is None
    assert client.get("/invites/").status_code == 403
    auth.logout()
    auth.as_user(coordinator)
    assert soup(client.get("/")).select_one("nav a[href='/invites/']") is not None


def test_coalition_can_be_preselected(client, auth, database):
    first, second = make_coalition(name="A"), make_coalition(name="B")
    auth.as_user(make_user(role="admin"))
    page = soup(client.get(f"/invites/?coalition={second.id}"))
    assert page.select_one("#coalition option[selected]")["value"] == str(second.id)
    assert first.id != second.id


def test_new_account_keeps_the_language_chosen_before(client, database):
    _, token = invite_for(make_user(role="admin"))
    page = client.get(f"/invite/{token}")
    client.post("/language", data={"locale": "en", "next": f"/invite/{token}",
                                   "csrf_token": csrf_from(page.get_data(as_text=True))})
    english = soup(client.get(f"/invite/{token}"))
    assert english.select_one("h1").get_text(strip=True) == "Accept the invite"
    assert accept_form(client, token).status_code == 303
    assert User.by_email("nowa@example.org").locale == "en"


def test_pending_list_shows_only_own_invites_except_for_admin(client, auth, database):
    coalition = make_coalition()
    trainer = make_user(role="trainer")
    assign(trainer, coalition)
    admin = make_user(role="admin")
    mine, _ = invite_for(trainer, "moje@example.org", coalition=coalition)
    theirs, _ = invite_for(admin, "cudze@example.org")
    used, used_token = invite_for(admin, "uzyte@example.org")
    invites.accept_new(used_token, "Ktoś", NEW_PASSWORD)
    auth.as_user(trainer)
    rows = {tr["id"] for tr in soup(client.get("/invites/")).select("tbody tr")}
    assert rows == {f"invite-{mine.id}"}
    auth.logout()
    auth.as_user(admin)
    rows = {tr["id"] for tr in soup(client.get("/invites/")).select("tbody tr")}
    assert rows == {f"invite-{mine.id}", f"invite-{theirs.id}"}


def test_domain_refusal_shows_on_the_field(client, auth, database):
    make_user(email="jest@example.org")
    auth.as_user(make_user(role="admin"))
    response = client.post("/invites/", data={
        "email": "jest@example.org", "role": "user", "coalition": "",
        "membership_role": "member", "sector": "ngo", "csrf_token": auth.csrf()})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#email[aria-invalid=true]") is not None
    assert "ma już konto" in page.select_one("#email-error").get_text()
    assert page.select_one(".form-error") is not None
    assert Invite.select().count() == 0


# --- one link, two requests at the same moment ---------------------------------------------
# Both requests read the invite before either wrote. The write lock orders them; the second
# must then find the link spent, never spend it again. The reads are replayed with
# monkeypatch: `read_before_the_other_request` hands out the copy read before the first
# request wrote, `times` times, then the real lookup.


def read_before_the_other_request(real, stale, times=1):
    calls = {"n": 0}

    def lookup(*args, **kwargs):
        calls["n"] += 1
        return stale if calls["n"] <= times else real(*args, **kwargs)

    return lookup


def test_existing_account_invite_spent_by_a_concurrent_request_is_refused(database,
                                                                          monkeypatch):
    coalition = make_coalition()
    person = make_user(email="jest@example.org")
    invite, token = invite_for(make_user(role="admin"), "jest@example.org", coalition=coalition)
    stale = invites.find_invite(token)  # the second request's read
    invites.accept_existing(token, person)  # the first request
    spent_at = Invite.get_by_id(invite.id).used_at
    # Even with the stale read inside the transaction, the spend itself refuses.
    monkeypatch.setattr(invites, "find_invite", lambda token: stale)
    with pytest.raises(accounts.LinkGone) as gone:
        invites.accept_existing(token, person)
    assert gone.value.reason == "used"
    assert Invite.get_by_id(invite.id).used_at == spent_at
    assert AuditLog.select().where(AuditLog.action == "invite.accept").count() == 1
    assert Membership.select().where(Membership.user == person).count() == 1


def test_new_account_invite_spent_while_the_form_was_sent_is_410(app, client, database,
                                                                 monkeypatch):
    invite, token = invite_for(make_user(role="admin"))
    first, second = app.test_client(), client
    page = second.get(f"/invite/{token}")  # both people have the form open
    stale = invites.find_invite(token)
    assert accept_form(first, token, name="Pierwsza Osoba").status_code == 303
    # The second request's page-level reads happened before the first one wrote.
    monkeypatch.setattr(invites, "find_invite",
                        read_before_the_other_request(invites.find_invite, stale))
    monkeypatch.setattr(invites, "invited_account",
                        read_before_the_other_request(invites.invited_account, None))
    response = second.post(f"/invite/{token}", data={
        "name": "Druga Osoba", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
        "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 410
    assert "wykorzystany" in soup(response).select_one("main").get_text()
    assert [u.name for u in User.select().where(User.email == "nowa@example.org")] == [
        "Pierwsza Osoba"]
    assert Invite.get_by_id(invite.id).used_by.name == "Pierwsza Osoba"
    assert "Druga Osoba" not in second.get("/").get_data(as_text=True)  # not signed in


def test_existing_account_invite_spent_in_another_tab_is_410(client, auth, database,
                                                             monkeypatch):
    coalition = make_coalition()
    person = make_user(email="jest@example.org")
    invite, token = invite_for(make_user(role="admin"), "jest@example.org", coalition=coalition)
    auth.as_user(person)
    csrf = auth.csrf()
    stale = invites.find_invite(token)
    assert client.post(f"/invite/{token}", data={"csrf_token": csrf}).status_code == 303
    monkeypatch.setattr(invites, "find_invite",
                        read_before_the_other_request(invites.find_invite, stale))
    response = client.post(f"/invite/{token}", data={"csrf_token": csrf})
    assert response.status_code == 410
    assert AuditLog.select().where(AuditLog.action == "invite.accept").count() == 1
