"""The session cookie's contents verified once per process (koalicje.web.extensions
KeptCookieSessions): each request gets what Flask's own interface gives for the same cookie
(a good one, a tampered one, an expired one), a session of its own, and only plain contents
are kept."""

from __future__ import annotations

import time

import pytest
from flask import flash, get_flashed_messages, session
from flask.sessions import SecureCookieSessionInterface

from koalicje.web.extensions import OPENED_COOKIES, KeptCookieSessions


def _cookie(app, contents: dict) -> str:
    return app.session_interface.get_signing_serializer(app).dumps(contents)


def _open(app, cookie: str | None, interface=None):
    headers = {"Cookie": f"session={cookie}"} if cookie is not None else {}
    with app.test_request_context("/", headers=headers) as context:
        return (interface or app.session_interface).open_session(app, context.request)


CONTENTS = {"_user_id": "abc", "_fresh": True, "_permanent": True, "csrf_token": "t0k3n",
            "locale": "en", "count": 3}


def test_the_app_uses_it(app):
    assert isinstance(app.session_interface, KeptCookieSessions)


@pytest.mark.parametrize("cookie", [
    None, "", "garbage", "eyJ4IjoxfQ.Zz.zz",
])
def test_what_flask_gives_for_no_cookie_or_a_bad_one(app, cookie):
    ours, flasks = _open(app, cookie), _open(app, cookie, SecureCookieSessionInterface())
    assert dict(ours) == dict(flasks) == {} and type(ours) is type(flasks)
    assert not app.extensions.get(OPENED_COOKIES)


def test_a_good_cookie_is_verified_once_and_read_as_flask_reads_it(app, monkeypatch):
    cookie = _cookie(app, CONTENTS)
    assert dict(_open(app, cookie)) == dict(_open(app, cookie, SecureCookieSessionInterface()))
    assert dict(_open(app, cookie)) == CONTENTS
    assert len(app.extensions[OPENED_COOKIES]) == 1
    # kept: the signature is not checked again
    monkeypatch.setattr(SecureCookieSessionInterface, "get_signing_serializer",
                        lambda *a: pytest.fail("verified again"))
    again = _open(app, cookie)
    assert dict(again) == CONTENTS and not again.modified


def test_a_tampered_cookie_is_not_the_kept_one(app):
    cookie = _cookie(app, CONTENTS)
    _open(app, cookie)
    _, stamp, signature = cookie.rsplit(".", 2)
    other = _cookie(app, {**CONTENTS, "_user_id": "xyz"}).rsplit(".", 2)[0]
    tampered = f"{other}.{stamp}.{signature}"
    flask_interface = SecureCookieSessionInterface()
    assert dict(_open(app, tampered)) == dict(_open(app, tampered, flask_interface)) == {}
    forged = cookie[:-3] + ("A" if cookie[-3] != "A" else "B") + cookie[-2:]
    assert dict(_open(app, forged)) == dict(_open(app, forged, flask_interface)) == {}
    assert len(app.extensions[OPENED_COOKIES]) == 1


def test_another_secret_key_does_not_read_a_kept_cookie(app):
    cookie = _cookie(app, CONTENTS)
    assert dict(_open(app, cookie)) == CONTENTS
    app.secret_key = "another-secret-key-of-at-least-32-chars"
    assert dict(_open(app, cookie)) == {}


def test_an_expired_cookie_is_refused_kept_or_not(app, monkeypatch):
    cookie = _cookie(app, CONTENTS)
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    assert dict(_open(app, cookie)) == CONTENTS  # kept now
    later = time.time() + lifetime + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert dict(_open(app, cookie)) == {}
    assert dict(_open(app, cookie, SecureCookieSessionInterface())) == {}  # as Flask
    assert dict(_open(app, cookie)) == {}  # and no longer kept
    assert not app.extensions[OPENED_COOKIES]


def test_each_request_gets_its_own_session(app):
    cookie = _cookie(app, CONTENTS)
    first = _open(app, cookie)
    first["_user_id"] = "changed"
    first["new"] = 1
    assert dict(_open(app, cookie)) == CONTENTS


def test_flashed_messages_are_not_kept_nor_shared(app, client):
    """A cookie carrying lists (flashed messages) is decoded each time: one request taking
    its messages out cannot show them to, or hide them from, another."""
    with app.test_request_context("/"):
        flash("Zapisano.", "success")
        contents = dict(session)
    cookie = _cookie(app, contents)
    for _ in range(2):
        headers = {"Cookie": f"session={cookie}"}
        with app.test_request_context("/", headers=headers):
            assert get_flashed_messages(with_categories=True) == [("success", "Zapisano.")]
    assert not app.extensions.get(OPENED_COOKIES)


def test_a_signed_in_visitor_keeps_their_session_through_pages(app, client, auth):
    from conftest import make_user

    with app.app_context():
        user = make_user(name="Ala Kept")
    auth.as_user(user)
    for _ in range(3):
        assert "Ala Kept" in client.get("/").get_data(as_text=True)
    assert len(app.extensions[OPENED_COOKIES]) >= 1
    auth.logout()
    assert "Ala Kept" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("refresh", [False, True])
def test_saving_gives_what_flask_gives(app, refresh):
    """KeptCookieSessions.save_session: for every kind of session (empty or not, read or not,
    changed or not, permanent or not) the same headers and cookie as Flask's."""
    import itertools

    from flask import Response

    app.config["SESSION_REFRESH_EACH_REQUEST"] = refresh
    checked = 0
    for empty, accessed, modified, permanent, vary in itertools.product(
            (True, False), repeat=4 + 1):
        answers = []
        for interface in (app.session_interface, SecureCookieSessionInterface()):
            with app.test_request_context("/"):
                made = interface.session_class({} if empty else {"_user_id": "abc"})
                made.permanent = permanent if not empty else False
                made.accessed, made.modified = accessed, modified
                response = Response("x")
                if vary:
                    response.headers["Vary"] = "HX-Request"
                interface.save_session(app, made, response)
                answers.append(sorted(
                    (name, value if name != "Set-Cookie" else value.split("=", 1)[0])
                    for name, value in response.headers.items()))
        assert answers[0] == answers[1], (empty, accessed, modified, permanent, vary)
        checked += 1
    assert checked == 32
