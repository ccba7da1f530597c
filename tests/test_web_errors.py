"""Error pages: the right status and a page in Polish or English, never a traceback."""

from __future__ import annotations

import pytest
from conftest import csrf_from, make_user, soup
from flask import abort

TITLES = {
    400: ("Błędne żądanie", "Bad request"),
    403: ("Brak dostępu", "Access denied"),
    404: ("Nie znaleziono", "Not found"),
    413: ("Za duży plik", "File too large"),
    422: ("Niepoprawne dane", "Invalid data"),
    429: ("Zbyt wiele prób", "Too many attempts"),
    500: ("Błąd serwera", "Server error"),
}


class Boom(RuntimeError):
    pass


@pytest.fixture
def error_app(app):
    """The app with test-only routes (never part of the product) that fail on purpose."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # handle a 500 as production does

    @app.get("/_test/abort/<int:code>")
    def _test_abort(code: int):
        abort(code)

    @app.get("/_test/raise")
    def _test_raise():
        raise Boom("secret internal detail")

    return app


@pytest.fixture
def error_client(error_app):
    return error_app.test_client()


def in_locale(client, locale: str) -> None:
    page = client.get("/")
    client.post("/language", data={"locale": locale,
                                   "csrf_token": csrf_from(page.get_data(as_text=True))})


def check_page(response, status: int, locale: str) -> None:
    assert response.status_code == status
    page = soup(response)
    assert page.select_one("html")["lang"] == locale
    title = TITLES[status][0 if locale == "pl" else 1]
    assert page.select_one("main h1").get_text(strip=True) == title
    assert page.select_one("main .error-code").get_text(strip=True) in (
        f"Błąd {status}", f"Error {status}")
    assert page.select_one("main p:not(.error-code)").get_text(strip=True)  # a message


@pytest.mark.parametrize("locale", ["pl", "en"])
@pytest.mark.parametrize("status", sorted(TITLES))
def test_error_pages_in_both_languages(error_client, locale, status):
    in_locale(error_client, locale)
    check_page(error_client.get(f"/_test/abort/{status}"), status, locale)


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_a_view_that_raises_gives_a_500_page(error_client, locale):
    in_locale(error_client, locale)
    response = error_client.get("/_test/raise")
    check_page(response, 500, locale)
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "secret internal detail" not in text
    assert "Boom" not in text


def test_htmx_gets_the_error_as_a_fragment(error_client):
    response = error_client.get("/_test/raise", headers={"HX-Request": "true"})
    assert response.status_code == 500
    page = soup(response)
    assert page.select_one("html") is None
    assert page.select_one(".error-message h2").get_text(strip=True) == "Błąd serwera"


# Real causes of the same errors, not only abort():


def test_real_400_without_csrf(client):
    response = client.post("/login", data={"email": "a@example.org", "password": "x"})
    check_page(response, 400, "pl")
    assert "Odśwież stronę" in soup(response).select_one("main").get_text()


def test_real_403_and_404(client, auth, database):
    auth.as_user(make_user())
    check_page(client.get("/admin/users"), 403, "pl")
    check_page(client.get("/no-such-page"), 404, "pl")


def test_real_413_for_an_oversized_form(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"email": "a" * 5000, "password": "x"})
    check_page(response, 413, "pl")


def test_real_429_from_throttled_sign_in(app, client, auth, database):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 1
    user = make_user()
    auth.login(user.email, "zle-haslo-0000")
    in_locale(client, "en")
    response = auth.login(user.email)
    assert response.status_code == 429
    assert soup(response).select_one("main h1").get_text(strip=True) == "Too many attempts"
    assert "Retry-After" in response.headers


def test_ids_beyond_64_bits_are_unknown_not_500(client, auth, database):
    """A huge id in any <int:...> route is a 404, never an OverflowError in the driver."""
    from conftest import make_user

    auth.as_user(make_user(role="admin"))
    response = client.get("/admin/users/" + "9" * 30)
    assert response.status_code == 404
    response = client.get(f"/admin/users/{2**31}")
    assert response.status_code == 404
