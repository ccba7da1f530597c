"""Security headers, cookie flags, cacheable assets and a CSP-clean markup (DESIGN.md)."""

from __future__ import annotations

import json

import pytest
from conftest import PASSWORD, make_user, soup

from app import create_app
from models import User


def assert_hardened(response) -> None:
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


# The main page of every area, for the person who works there (demo accounts), signed out
# first: the same list as the browser's accessibility run, plus each area's index.
MAIN_PAGES = [
    (None, "/login"),
    (None, "/certificates/"),
    ("bibliotekarka@example.org", "/"),
    ("bibliotekarka@example.org", "/learning/"),
    ("bibliotekarka@example.org", "/learning/film-spotkanie-badawcze"),
    ("bibliotekarka@example.org", "/quizzes/"),
    ("bibliotekarka@example.org", "/quizzes/czym-jest-partnerstwo"),
    ("bibliotekarka@example.org", "/self-assessment/"),
    ("bibliotekarka@example.org", "/account/password"),
    ("koordynator@example.org", "/self-assessment/coalition/koalicja-zalesie"),
    ("koordynator@example.org", "/coalitions/"),
    ("koordynator@example.org", "/coalitions/koalicja-zalesie"),
    ("koordynator@example.org", "/invites/"),
    ("czlonek@example.org", "/board/"),
    ("czlonek@example.org", "/board/koalicja-zalesie"),
    ("czlonek@example.org", "/stats"),
    ("czlonek@example.org", "/digest/settings"),
    ("trener@example.org", "/trainer/"),
    ("trener@example.org", "/trainer/matrix"),
    ("trener@example.org", "/trainer/nudges"),
    ("trener@example.org", "/trainer/modules"),
    ("trener@example.org", "/trainer/visits/koalicja-zalesie"),
    ("admin@example.org", "/admin/users"),
    ("admin@example.org", "/coalitions/new"),
]


@pytest.fixture
def demo_site(app, database):
    from koalicje.content import sync
    from koalicje.ops import demo

    with app.app_context():
        sync.sync(app.config["CONTENT_DIR"])
        demo.load(app.config)
    for email in {email for email, _path in MAIN_PAGES if email}:
        user = User.by_email(email)
        user.set_password(PASSWORD)
        user.save()


def test_every_page_sends_a_strict_csp_and_hardening_headers(app, client, auth, demo_site):
    checked = []
    for email in dict.fromkeys(email for email, _path in MAIN_PAGES):
        if email:
            auth.as_user(User.by_email(email))
        for path in (path for who, path in MAIN_PAGES if who == email):
            response = client.get(path)
            assert response.status_code == 200, (email, path)
            assert_hardened(response)
            checked.append(path)
        if email:
            auth.logout()
    assert len(checked) == len(MAIN_PAGES)
    # Error pages and htmx fragments carry them too.
    missing = client.get("/nie-ma-takiej-strony")
    assert missing.status_code == 404
    assert_hardened(missing)
    fragment = client.get("/login", headers={"HX-Request": "true"})
    assert_hardened(fragment)


def test_signed_in_pages_are_not_cached(client, auth, database):
    auth.as_user(make_user())
    assert client.get("/").headers["Cache-Control"] == "private, no-store"


def test_session_cookie_is_secure_httponly_and_samesite_by_default(tmp_path):
    app = create_app({
        "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    })
    cookie = app.test_client().get("/login").headers["Set-Cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"secure", "httponly"} <= attributes
    assert "SameSite=Lax" in cookie


def test_hashed_assets_are_cacheable_forever(client):
    page = soup(client.get("/login"))
    urls = [tag["src"] for tag in page.select("script[src]")]
    urls += [tag["href"] for tag in page.select("link[rel=stylesheet]")]
    vendor = [url for url in urls if url.startswith("/static/vendor/")]
    own = [url for url in urls if "?v=" in url]
    assert len(vendor) == 2 and len(own) >= 2
    for url in vendor + own:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", url


def test_htmx_is_configured_for_the_strict_csp(client):
    meta = soup(client.get("/login")).select_one("meta[name=htmx-config]")
    config = json.loads(meta["content"])
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["includeIndicatorStyles"] is False
    assert config["selfRequestsOnly"] is True
    assert {"code": "422", "swap": True} in config["responseHandling"]


@pytest.mark.parametrize("path", ["/", "/learning/", "/coalitions/", "/board/", "/stats",
                                  "/self-assessment/", "/quizzes/"])
def test_pages_carry_no_inline_script_style_or_handlers(client, auth, database, path):
    """What the CSP would block must not be in the markup in the first place."""
    auth.as_user(make_user(role="admin"))
    response = client.get(path)
    assert response.status_code == 200
    page = soup(response)
    assert all(tag.get("src") for tag in page.select("script"))
    assert page.select("style") == []
    offending = [
        (tag.name, name) for tag in page.find_all(True) for name in tag.attrs
        if name == "style" or name.startswith("on")
    ]
    assert offending == []


def test_security_headers_are_added_only_where_the_view_set_none(app):
    """What `headers.setdefault` gave for each header: a view's own value (any case of the
    name) is kept, every other header is added once."""
    from flask import make_response

    from app import SECURITY_HEADERS

    @app.get("/_own-headers")
    def own_headers():
        response = make_response("x")
        response.headers["content-security-policy"] = "default-src 'none'"
        response.headers["Cache-Control"] = "no-cache"
        return response

    response = app.test_client().get("/_own-headers")
    assert response.headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    for name, value in SECURITY_HEADERS[1:]:
        assert response.headers.getlist(name) == [value]
    assert response.headers.getlist("Cache-Control") == ["no-cache"]
    plain = app.test_client().get("/login")
    for name, value in SECURITY_HEADERS:
        assert plain.headers.getlist(name) == [value]


def test_the_locale_is_parsed_once_per_language(app, client, auth):
    """Flask-Babel gets the same Locale object for a language on every request."""
    from flask_babel import get_locale

    user = auth.as_user(make_user(locale="en"))
    with app.test_request_context("/"):
        from flask_login import login_user

        login_user(User.get_by_id(user.id))
        first = get_locale()
    with app.test_request_context("/"):
        login_user(User.get_by_id(user.id))
        assert get_locale() is first and str(first) == "en"
    with app.test_request_context("/"):
        assert str(get_locale()) == "pl"  # nobody signed in: the first language
    assert soup(client.get("/")).html["lang"] == "en"
