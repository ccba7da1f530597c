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


def session_of(app, client) -> dict:
    """The session as the app reads it: the signed, compressed cookie decoded."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return {}
    return dict(app.session_interface.get_signing_serializer(app).loads(cookie.value))


def test_session_cookie_holds_the_signed_in_user(app, client, auth, database):
    """The decoding in session_of works, so the assertions that use it can fail."""
    user = make_user()
    auth.as_user(user)
    token = session_of(app, client)["_user_id"]
    # The cookie holds this device's session token, which names the user on the server.
    with app.app_context():
        from koalicje import sessions

        assert sessions.user_for(token, sessions.Limits.from_config(app.config)).id == user.id
    auth.logout()
    assert "_user_id" not in session_of(app, client)


def test_wrong_password_is_422_with_message(app, client, auth, database):
    user = make_user()
    response = auth.login(user.email, "zle-haslo-000")
    assert response.status_code == 422
    assert "Niepoprawny e-mail lub hasło" in response.get_data(as_text=True)
    session = session_of(app, client)
    assert "csrf_token" in session  # the cookie was there and was read
    assert "_user_id" not in session
    assert client.get("/account/password").status_code == 302  # still signed out


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
    assert "_user_id" not in session_of(app, client)
    assert client.get("/account/password").status_code == 302  # still signed out


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


# CR/LF (and other control characters) in `next`: what is checked is what is returned, and a
# header is never split. Browsers drop tabs and newlines, so "/\n/evil" means "//evil".
@pytest.mark.parametrize("target, expected", [
    ("/\r\nSet-Cookie: stolen=1", "/Set-Cookie:%20stolen=1"),
    ("/coalitions/\r\n", "/coalitions/"),
    ("/\n/evil.example/", "/"),
    ("/\t/evil.example/", "/"),
    ("\r\n//evil.example/", "/"),
])
def test_control_characters_in_next_never_reach_the_header(client, auth, database, target,
                                                            expected):
    from conftest import csrf_from

    user = make_user()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.get("/login", query_string={"next": target})
    assert response.status_code == 200
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "next": target, "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == expected
    assert "stolen" not in response.headers.get("Set-Cookie", "")
    # Signed in, /login redirects to `next` at once; the language switch does the same.
    response = client.get("/login", query_string={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == expected
    response = client.post("/language", data={"locale": "pl", "next": target,
                                              "csrf_token": auth.csrf()})
    assert response.status_code == 303 and response.headers["Location"] == expected


# --- the same hashing work for every sign-in; the current-password check is throttled -----


def test_every_sign_in_spends_one_password_hash(monkeypatch, client, auth, database):
    """Deactivated, unknown and active accounts (right or wrong password) cost one hash check
    each, so the answer time does not tell which kind of account an e-mail belongs to."""
    import koalicje.accounts
    import models

    calls = []
    for module in (koalicje.accounts, models):
        original = module.check_password_hash
        monkeypatch.setattr(module, "check_password_hash",
                            lambda h, p, original=original: calls.append(1) or original(h, p))
    active = make_user()
    inactive = make_user(active=False)
    attempts = [(inactive.email, PASSWORD), (inactive.email, "zle-haslo-000"),
                ("nikt@example.org", PASSWORD), (active.email, "zle-haslo-000"),
                (active.email, PASSWORD)]
    for email, password in attempts:
        calls.clear()
        auth.login(email, password)
        assert len(calls) == 1, email


def test_current_password_check_is_throttled(app, client, auth, database):
    user = make_user()
    auth.as_user(user)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]

    def change(current):
        return client.post("/account/password", data={
            "current": current, "password": "nowe-haslo-12345", "confirm": "nowe-haslo-12345",
            "csrf_token": auth.csrf()})

    for _ in range(limit):
        assert change("zle-haslo-000").status_code == 422
    response = change(PASSWORD)  # even the right password waits now
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert User.get_by_id(user.id).check_password(PASSWORD)


# --- behind a reverse proxy ----------------------------------------------------------------


def _app_like(app, **overrides):
    from app import create_app

    keys = ("TESTING", "SECRET_KEY", "DATABASE_URL", "BACKUP_DIR", "UPLOAD_DIR",
            "MAIL_OUTBOX_DIR", "SESSION_COOKIE_SECURE", "PREFERRED_URL_SCHEME",
            "REMEMBER_COOKIE_SECURE")
    config = {key: app.config[key] for key in keys}
    return create_app({**config, "INSTANCE_PATH": app.instance_path, **overrides})


def _fail_from(client, forwarded_for: str, email: str):
    from conftest import Auth

    client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Auth(client).login(email, "zle-haslo-000")


def test_behind_a_proxy_each_client_is_throttled_on_its_own_address(app, database):
    proxied = _app_like(app, PROXY_COUNT=1, LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    for n in range(3):
        assert _fail_from(proxied.test_client(), "203.0.113.7", f"x{n}@example.org").status_code == 422
    assert {a.address for a in LoginAttempt.select()} == {"203.0.113.7"}
    user = make_user()
    assert _fail_from(proxied.test_client(), "203.0.113.7", user.email).status_code == 429
    other = proxied.test_client()
    other.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.9"
    from conftest import Auth

    assert Auth(other).login(user.email).status_code == 303


def test_forwarded_headers_are_ignored_without_proxy_count(app, database):
    direct = _app_like(app)
    assert direct.config["PROXY_COUNT"] == 0
    _fail_from(direct.test_client(), "203.0.113.7", "x@example.org")
    assert [a.address for a in LoginAttempt.select()] == ["127.0.0.1"]


def test_old_login_attempts_are_pruned(app, client, auth, database):
    from datetime import timedelta

    from models import utcnow

    window = app.config["LOGIN_WINDOW_SECONDS"]
    old = LoginAttempt.create(email="stary@example.org", address="10.0.0.1",
                              at=utcnow() - timedelta(seconds=window + 60))
    recent = LoginAttempt.create(email="nowy@example.org", address="10.0.0.2",
                                 at=utcnow() - timedelta(seconds=60))
    auth.login("ktos@example.org", "zle-haslo-000")
    ids = {a.id for a in LoginAttempt.select()}
    assert old.id not in ids and recent.id in ids and len(ids) == 2


def test_hsts_over_https_behind_the_proxy_only_when_configured(app, database):
    proxied = _app_like(app, PROXY_COUNT=1, HSTS_SECONDS=31536000)
    client = proxied.test_client()
    https = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert https.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/login").headers  # plain HTTP
    off = _app_like(app, PROXY_COUNT=1).test_client()
    assert "Strict-Transport-Security" not in off.get(
        "/login", headers={"X-Forwarded-Proto": "https"}).headers
