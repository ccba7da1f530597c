"""Admin users pages: list, search, filters, pagination, role change, deactivation, reset links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import PASSWORD, add_member, count_queries, csrf_from, make_coalition, make_user, soup

from blueprints.admin.users import PER_PAGE
from koalicje import accounts
from models import AuditLog, PasswordReset, Post, User, utcnow

NEW_PASSWORD = "zupelnie-nowe-haslo"


@pytest.fixture
def admin(auth, database):
    return auth.as_user(make_user(role="admin", name="Alicja Admin"))


def row_names(response) -> list[str]:
    return [a.get_text(strip=True) for a in soup(response).select("#users-table tbody tr td a")]


# --- list ----------------------------------------------------------------------------------


def test_list_search_and_filters(client, admin):
    make_user(name="Barbara Nowak", email="barbara@example.org")
    make_user(name="Tomasz Trener", role="trainer")
    make_user(name="Zenon Wyłączony", active=False)
    assert row_names(client.get("/admin/users?q=nowak")) == ["Barbara Nowak"]
    assert row_names(client.get("/admin/users?q=BARBARA@")) == ["Barbara Nowak"]
    assert row_names(client.get("/admin/users?role=trainer")) == ["Tomasz Trener"]
    assert row_names(client.get("/admin/users?status=inactive")) == ["Zenon Wyłączony"]
    assert "Zenon Wyłączony" not in row_names(client.get("/admin/users?status=active"))
    # Unknown filter values are ignored, not errors.
    assert client.get("/admin/users?role=boss&status=x&page=abc").status_code == 200


def test_pagination(client, admin):
    for n in range(PER_PAGE + 5):
        make_user(name=f"Osoba {n:03d}")
    first = client.get("/admin/users")
    assert len(soup(first).select("#users-table tbody tr")) == PER_PAGE
    next_link = soup(first).select_one("a[rel=next]")["href"]
    second = client.get(next_link)
    assert len(soup(second).select("#users-table tbody tr")) == PER_PAGE + 6 - PER_PAGE
    assert soup(second).select_one("a[rel=next]") is None
    # A page past the end shows the last page.
    assert row_names(client.get("/admin/users?page=99")) == row_names(second)
    # Paging keeps the filters.
    filtered = soup(client.get("/admin/users?role=user&q=Osoba"))
    assert filtered.select_one("a[rel=next]")["href"] == "/admin/users?page=2&q=Osoba&role=user"


def test_list_queries_do_not_grow(client, admin):
    for _ in range(3):
        make_user()
    with count_queries() as few:
        response = client.get("/admin/users")
    assert response.status_code == 200
    assert len(row_names(response)) == 4  # three people and the admin: the real list
    for _ in range(20):
        make_user()
    with count_queries() as many:
        response = client.get("/admin/users")
    assert response.status_code == 200
    assert len(row_names(response)) == 24
    assert many.count == few.count


def test_htmx_search_returns_the_table_fragment(client, htmx, admin):
    make_user(name="Barbara Nowak")
    response = htmx.get("/admin/users?q=Nowak")
    page = soup(response)
    assert page.select_one("html") is None
    assert page.select_one("section#users-table") is not None
    assert "HX-Request" in response.headers["Vary"]
    assert row_names(response) == ["Barbara Nowak"]


def test_back_shows_the_filters_of_the_page_it_returns_to(client, admin):
    """Without JavaScript the browser must not refill the filters from a later visit
    (autocomplete=off); with htmx only the selects' change and typing send the form, not the
    search box losing focus (which pushed a duplicate history entry)."""
    form = soup(client.get("/admin/users?q=Ala")).select_one("form#user-filters")
    assert form is not None and form["autocomplete"] == "off"
    assert form.select_one("#user-search")["value"] == "Ala"
    triggers = [t.strip() for t in form["hx-trigger"].split(",")]
    assert triggers == ["submit", "change from:(#user-filters select)",
                        "input changed delay:300ms from:#user-search"]


def test_admin_can_open_invite_form_from_users_page(client, admin):
    link = soup(client.get("/admin/users")).select_one("a[href='/invites/']")
    assert link is not None
    assert client.get(link["href"]).status_code == 200


# --- role change ---------------------------------------------------------------------------


def test_change_role_plain_form_redirects_back(client, auth, admin):
    user = make_user()
    response = client.post(f"/admin/users/{user.id}/role",
                           data={"role": "trainer", "next": "/admin/users?q=x",
                                 "confirm": "1", "csrf_token": auth.csrf()})
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/users?q=x"
    assert User.get_by_id(user.id).role == "trainer"
    log = AuditLog.get(AuditLog.action == "user.role")
    assert (log.actor_id, log.target, log.detail) == (admin.id, f"user:{user.id}", "user -> trainer")


def test_change_role_htmx_returns_the_row(client, htmx, auth, admin):
    user = make_user(name="Ewa Wiersz")
    response = htmx.post(f"/admin/users/{user.id}/role", data={"role": "admin", "confirm": "1"},
                         headers={"X-CSRFToken": auth.csrf()})
    assert response.status_code == 200
    page = soup(response)
    assert "Ewa Wiersz ma teraz rolę" in page.select_one(f"tr#user-{user.id} [role=status]").text
    assert page.select_one("html") is None
    row = page.select_one(f"tr#user-{user.id}")
    assert row is not None
    assert row.select_one("select[name=role] option[selected]")["value"] == "admin"
    assert "HX-Request" in response.headers["Vary"]


def test_change_role_invalid_value_is_422(client, htmx, auth, admin):
    user = make_user()
    token = auth.csrf()
    response = htmx.post(f"/admin/users/{user.id}/role", data={"role": "boss"},
                         headers={"X-CSRFToken": token})
    assert response.status_code == 422
    assert soup(response).select_one(f"tr#user-{user.id} .field-error") is not None
    plain = client.post(f"/admin/users/{user.id}/role", data={"role": "", "csrf_token": token})
    assert plain.status_code == 422
    assert soup(plain).select_one("h1").get_text(strip=True) == user.name
    assert User.get_by_id(user.id).role == "user"


def test_admin_cannot_demote_or_deactivate_self(client, auth, admin):
    token = auth.csrf()
    page = soup(client.get("/admin/users"))
    own_row = page.select_one(f"tr#user-{admin.id}")
    assert own_row.select_one("form") is None  # no controls for oneself
    assert client.post(f"/admin/users/{admin.id}/role",
                       data={"role": "user", "csrf_token": token}).status_code == 403
    assert client.post(f"/admin/users/{admin.id}/active",
                       data={"active": "0", "csrf_token": token}).status_code == 403
    fresh = User.get_by_id(admin.id)
    assert fresh.role == "admin" and fresh.active


def test_unknown_user_is_404(client, auth, admin):
    token = auth.csrf()
    assert client.get("/admin/users/99999").status_code == 404
    assert client.post("/admin/users/99999/role",
                       data={"role": "user", "csrf_token": token}).status_code == 404


def test_role_change_and_deactivation_ask_for_confirmation_first(client, auth, admin):
    """Without JavaScript a confirmation page comes first; htmx forms ask in a dialog."""
    user = make_user(name="Olga Ostrożna")
    rows = soup(client.get("/admin/users")).select_one(f"tr#user-{user.id}")
    for form in rows.select("form[hx-post]"):
        assert "Olga Ostrożna" in form["hx-confirm"] and form["hx-vals"] == '{"confirm": "1"}'
    token = auth.csrf()
    for path, data in ((f"/admin/users/{user.id}/role", {"role": "trainer"}),
                       (f"/admin/users/{user.id}/active", {"active": "0"})):
        response = client.post(path, data={**data, "next": "/admin/users", "csrf_token": token})
        assert response.status_code == 200
        page = soup(response)
        assert "Olga Ostrożna" in page.select_one("main article p").text
        form = page.select_one(f"main form[action='{path}']")
        assert form.select_one("input[name=confirm]")["value"] == "1"
        before = User.get_by_id(user.id)
        assert (before.role, before.active) == (("user", True) if "role" in data
                                                else ("trainer", True))  # nothing changed yet
        confirmed = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
        assert client.post(path, data=confirmed).status_code == 303
        assert "teraz" in soup(client.get("/admin/users")).select_one(".flash-success").text
    fresh = User.get_by_id(user.id)
    assert fresh.role == "trainer" and not fresh.active


# --- deactivation --------------------------------------------------------------------------


def test_deactivate_and_reactivate(app, auth, admin, client, htmx):
    user = make_user(name="Celina Członek")
    coalition = make_coalition()
    add_member(user, coalition)
    post = Post.create(coalition=coalition, author=user, title="Zostaje",
                       body_source="Treść", body_html="<p>Treść</p>")
    # The user has an open session elsewhere.
    other = app.test_client()
    other_page = other.get("/login")
    other.post("/login", data={"email": user.email, "password": PASSWORD,
                               "csrf_token": csrf_from(other_page.get_data(as_text=True))})
    assert "Celina Członek" in other.get("/").get_data(as_text=True)

    response = htmx.post(f"/admin/users/{user.id}/active", data={"active": "0", "confirm": "1"},
                         headers={"X-CSRFToken": auth.csrf()})
    assert response.status_code == 200
    row = soup(response).select_one(f"tr#user-{user.id}")
    assert row.select_one("input[name=active]")["value"] == "1"  # offers to reactivate
    status = row.select_one(".row-status[role=status]")  # says what happened, in the row
    assert status.get_text(strip=True) == "Konto Celina Członek jest teraz wyłączone."
    assert not User.get_by_id(user.id).active
    assert Post.get_by_id(post.id).title == "Zostaje"  # content stays
    assert "Celina Członek" not in other.get("/").get_data(as_text=True)  # session ended
    fresh = app.test_client()
    page = fresh.get("/login")
    refused = fresh.post("/login", data={"email": user.email, "password": PASSWORD,
                                         "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert refused.status_code == 422

    response = client.post(f"/admin/users/{user.id}/active",
                           data={"active": "1", "csrf_token": auth.csrf()})
    assert response.status_code == 303
    assert User.get_by_id(user.id).active
    actions = [e.action for e in AuditLog.select().order_by(AuditLog.id)]
    assert actions == ["user.deactivate", "user.reactivate"]


def test_bad_active_value_is_422(client, auth, admin):
    user = make_user()
    response = client.post(f"/admin/users/{user.id}/active",
                           data={"active": "maybe", "csrf_token": auth.csrf()})
    assert response.status_code == 422
    assert User.get_by_id(user.id).active


# --- reset links ---------------------------------------------------------------------------


def create_reset_link(client, auth, user) -> str:
    response = client.post(f"/admin/users/{user.id}/reset-link", data={"csrf_token": auth.csrf()})
    assert response.status_code == 303
    page = soup(client.get(response.headers["Location"]))
    return page.select_one("#reset-link-url")["value"].split("localhost", 1)[1]


def test_reset_link_valid_once(app, client, auth, admin):
    user = make_user(name="Rena Reset")
    path = create_reset_link(client, auth, user)
    assert path.startswith("/reset/")
    assert soup(client.get(f"/admin/users/{user.id}")).select_one("#reset-link-url") is None
    stored = PasswordReset.get()
    assert stored.token_hash == accounts.hash_token(path.rsplit("/", 1)[1])

    person = app.test_client()
    page = person.get(path)
    assert page.status_code == 200
    response = person.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                       "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 303
    assert "Rena Reset" in person.get("/").get_data(as_text=True)  # signed in
    fresh = User.get_by_id(user.id)
    assert fresh.check_password(NEW_PASSWORD)
    assert fresh.session_token != user.session_token  # rotated: old sessions end
    # Reused: 410.
    again = app.test_client()
    assert again.get(path).status_code == 410
    actions = {e.action for e in AuditLog.select()}
    assert {"reset.create", "reset.use"} <= actions


def test_reset_link_expired(app, client, auth, admin):
    user = make_user()
    path = create_reset_link(client, auth, user)
    PasswordReset.update(expires_at=utcnow() - timedelta(seconds=1)).execute()
    response = app.test_client().get(path)
    assert response.status_code == 410
    assert "wygasł" in soup(response).select_one("main").get_text()


def test_reset_link_unknown_is_404(client, database):
    assert client.get("/reset/nie-ma-takiego").status_code == 404


def test_new_reset_link_replaces_older_one(app, client, auth, admin):
    user = make_user()
    first = create_reset_link(client, auth, user)
    second = create_reset_link(client, auth, user)
    person = app.test_client()
    assert person.get(first).status_code == 410
    assert person.get(second).status_code == 200


def test_reset_link_bad_password_is_422(app, client, auth, admin):
    user = make_user()
    path = create_reset_link(client, auth, user)
    person = app.test_client()
    page = person.get(path)
    response = person.post(path, data={"password": "krotkie", "confirm": "krotkie",
                                       "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 422
    assert User.get_by_id(user.id).check_password(PASSWORD)
    assert person.get(path).status_code == 200  # not spent


def test_reset_link_for_deactivated_user(app, client, auth, admin):
    user = make_user()
    path = create_reset_link(client, auth, user)
    User.update(active=False).where(User.id == user.id).execute()
    assert app.test_client().get(path).status_code == 410
    response = client.post(f"/admin/users/{user.id}/reset-link", data={"csrf_token": auth.csrf()})
    assert response.status_code == 422


def test_reset_link_htmx_fragment(client, htmx, auth, admin):
    user = make_user()
    response = htmx.post(f"/admin/users/{user.id}/reset-link",
                         headers={"X-CSRFToken": auth.csrf()})
    assert response.status_code == 200
    fragment = soup(response)
    assert fragment.select_one("html") is None
    assert "/reset/" in fragment.select_one("#reset-link #reset-link-url")["value"]


def test_user_detail_shows_memberships_and_history(client, auth, admin):
    user = make_user(name="Hanna Historia")
    coalition = make_coalition(name="Koalicja Pamięci")
    add_member(user, coalition, "coordinator", "ngo")
    client.post(f"/admin/users/{user.id}/role", data={"role": "trainer", "confirm": "1",
                                                      "csrf_token": auth.csrf()})
    page = soup(client.get(f"/admin/users/{user.id}"))
    memberships = page.select_one("section[aria-labelledby=memberships-heading]").get_text()
    assert "Koalicja Pamięci" in memberships
    assert "Koordynator" in memberships and "Organizacje pozarządowe" in memberships
    history = page.select_one("section[aria-labelledby=history-heading]").get_text()
    assert "Zmiana roli" in history and "Trener" in history


# --- the domain functions on their own -----------------------------------------------------


def test_set_role_and_set_active_rules(database):
    admin, other = make_user(role="admin"), make_user()
    with pytest.raises(accounts.AccountError):
        accounts.set_role(admin, other, "boss")
    with pytest.raises(accounts.AccountError):
        accounts.set_role(admin, admin, "user")
    assert accounts.set_role(admin, admin, "admin") is False  # no change, no error
    assert accounts.set_role(admin, other, "trainer") is True
    assert accounts.set_role(admin, other, "trainer") is False
    with pytest.raises(accounts.AccountError):
        accounts.set_active(admin, admin, False)
    old_token = other.session_token
    assert accounts.set_active(admin, other, False) is True
    assert User.get_by_id(other.id).session_token != old_token
    assert accounts.set_active(admin, other, False) is False
    assert AuditLog.select().count() == 2


def test_search_users(database):
    make_user(name="Anna Kowalska", email="anna@example.org")
    make_user(name="Jan Nowak", email="jan@example.org", role="trainer", active=False)
    names = lambda q: [u.name for u in q]  # noqa: E731
    assert names(accounts.search_users("kowal")) == ["Anna Kowalska"]
    assert names(accounts.search_users(role="trainer")) == ["Jan Nowak"]
    assert names(accounts.search_users(status="inactive")) == ["Jan Nowak"]
    assert names(accounts.search_users("JAN@EXAMPLE")) == ["Jan Nowak"]
    assert len(names(accounts.search_users(role="nonsense"))) == 2


# --- one reset link, two requests at the same moment ---------------------------------------


def test_reset_link_spent_by_a_concurrent_request_is_refused(database, monkeypatch):
    """Both requests read the link unused; the spend itself lets only the first through."""
    user = make_user()
    token = accounts.create_reset(user, make_user(role="admin"), hours=24)
    stale = accounts.find_reset(token)  # the second request's read
    accounts.use_reset(token, "haslo-pierwszej-karty")
    spent_at = PasswordReset.get().used_at
    monkeypatch.setattr(accounts, "find_reset", lambda token: stale)
    with pytest.raises(accounts.LinkGone) as gone:
        accounts.use_reset(token, "haslo-drugiej-karty")
    assert gone.value.reason == "used"
    fresh = User.get_by_id(user.id)
    assert fresh.check_password("haslo-pierwszej-karty")
    assert not fresh.check_password("haslo-drugiej-karty")
    assert PasswordReset.get().used_at == spent_at
    assert AuditLog.select().where(AuditLog.action == "reset.use").count() == 1


def test_reset_link_spent_while_the_form_was_sent_is_410(app, database, monkeypatch):
    user = make_user(name="Rena Równoległa")
    token = accounts.create_reset(user, make_user(role="admin"), hours=24)
    first, second = app.test_client(), app.test_client()
    pages = {c: c.get(f"/reset/{token}") for c in (first, second)}  # two tabs, both open
    stale = accounts.find_reset(token)

    def send(person, password):
        return person.post(f"/reset/{token}", data={
            "password": password, "confirm": password,
            "csrf_token": csrf_from(pages[person].get_data(as_text=True))})

    assert send(first, "haslo-pierwszej-karty").status_code == 303
    real, calls = accounts.find_reset, []

    def read_before_the_first_wrote(token):  # the view's read; the domain's is real
        calls.append(token)
        return stale if len(calls) == 1 else real(token)

    monkeypatch.setattr(accounts, "find_reset", read_before_the_first_wrote)
    response = send(second, "haslo-drugiej-karty")
    assert response.status_code == 410
    assert "wykorzystany" in soup(response).select_one("main").get_text()
    assert User.get_by_id(user.id).check_password("haslo-pierwszej-karty")
    assert "Rena Równoległa" not in second.get("/").get_data(as_text=True)  # not signed in
