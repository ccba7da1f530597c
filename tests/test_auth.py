"""Sign-in, sign-out, wrong password, throttling, password change, deactivated users."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, make_user, soup

from models import LoginAttempt, User


def test_login_page_renders_form(client):
    page = soup(client.get("/login"))
    form = page.select_one("form[action='/login']")
    assert form is not None
    assert form.select_one("input[name=email]") is not None
    assert form.select_one("input[name=password][type=password]") is not None
    assert form.select_one("input[name=csrf_token]") is not None


def test_sign_in_and_out(client, auth, database):
    user = make_user(name="Ala Testowa")
    response = auth.login(user.email)
    assert response.status_code == 303
    home = client.get("/")
    assert "Ala Testowa" in home.get_data(as_text=True)
    response = auth.logout()
    assert response.status_code == 303
    assert "Ala Testowa" not in client.get("/").get_data(as_text=True)


def test_wrong_password_is_422_with_message(client, auth, database):
    user = make_user()
    response = auth.login(user.email, "zle-haslo-000")
    assert response.status_code == 422
    assert "Niepoprawny e-mail lub hasło" in response.get_data(as_text=True)
    assert "_user_id" not in (client.get_cookie("session").value if client.get_cookie("session") else "")


def test_login_without_csrf_is_rejected(client, database):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400


def test_throttling_per_account(app, client, auth, database):
    user = make_user()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert auth.login(user.email, "zle-haslo-000").status_code == 422
    # Even the right password is refused while throttled.
    response = auth.login(user.email)
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert "Zbyt wiele" in response.get_data(as_text=True)


def test_throttling_per_address(app, client, auth, database):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    target = make_user()
    for n in range(3):
        assert auth.login(f"nieznany{n}@example.org", "cokolwiek-123").status_code == 422
    assert auth.login(target.email).status_code == 429


def test_successful_login_clears_failures(client, auth, database):
    user = make_user()
    auth.login(user.email, "zle-haslo-000")
    assert auth.login(user.email).status_code == 303
    assert LoginAttempt.select().where(LoginAttempt.email == user.email).count() == 0


def test_deactivated_user_cannot_sign_in(client, auth, database):
    user = make_user(active=False)
    assert auth.login(user.email).status_code == 422


def test_deactivated_user_is_told_so_only_with_the_right_password(client, auth, database):
    user = make_user(active=False)
    page = soup(auth.login(user.email))
    error = page.select_one("form .field-error, form .form-error").text
    assert "wyłączone" in error and "Niepoprawny" not in error
    wrong = soup(auth.login(user.email, "zle-haslo-000")).select_one("form .field-error").text
    assert "Niepoprawny e-mail lub hasło" in wrong


def test_deactivation_ends_open_session(client, auth, database):
    user = make_user(name="Zofia Sesyjna")
    auth.as_user(user)
    User.update(active=False).where(User.id == user.id).execute()
    assert "Zofia Sesyjna" not in client.get("/").get_data(as_text=True)


def test_change_password(client, auth, database):
    user = make_user()
    auth.as_user(user)
    token = auth.csrf()
    response = client.post(
        "/account/password",
        data={"current": PASSWORD, "password": "nowe-haslo-12345", "confirm": "nowe-haslo-12345",
              "csrf_token": token},
    )
    assert response.status_code == 303
    auth.logout()
    assert auth.login(user.email).status_code == 422
    assert auth.login(user.email, "nowe-haslo-12345").status_code == 303


def test_change_password_wrong_current_is_422(client, auth, database):
    user = make_user()
    auth.as_user(user)
    response = client.post(
        "/account/password",
        data={"current": "zle", "password": "nowe-haslo-12345", "confirm": "nowe-haslo-12345",
              "csrf_token": auth.csrf()},
    )
    assert response.status_code == 422
    assert "Obecne hasło jest niepoprawne" in response.get_data(as_text=True)


# "/\\host" is read by browsers as "//host".
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/",
                                    "/\\evil.example/"])
def test_open_redirect_is_refused(client, auth, database, target):
    user = make_user()
    page = client.get("/login")
    from conftest import csrf_from

    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "next": target,
              "csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_htmx_request_when_signed_out_gets_hx_redirect(htmx):
    response = htmx.get("/account/password")
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith("/login")
