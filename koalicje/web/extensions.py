"""Flask extensions, created unbound and attached in create_app, and the session cookie's
interface."""

from __future__ import annotations

import time

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from itsdangerous import BadSignature

from koalicje import kept
from koalicje.web.headers import vary_on

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
htmx = Htmx()  # request.htmx: the HX-* request headers (replaces app.request_class)

OPENED_COOKIES = "koalicje.opened-cookies"  # app.extensions: cookie -> (contents, signed at)
OPENED_COOKIES_KEPT = 4096  # signed-in people at once, and more; then start again
_PLAIN_VALUES = (str, int, bool, float, type(None))


class KeptCookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie session, each cookie's contents verified once per process.

    A signed-in browser sends the same cookie with every request (it is signed again only
    when its contents change: `SESSION_REFRESH_EACH_REQUEST` is off). Flask checks its
    signature and decodes it every time (~25 us: a serializer made, two HMACs, base64, JSON).
    Here a cookie whose signature was good is kept with its contents and the time it was
    signed, found by the cookie's exact text and the secret keys; each request checks its
    age against the session's lifetime as Flask does, and gets a session of its own (a copy).
    Only contents of plain values (texts, numbers, flags: what sign-in, CSRF and the locale
    store) are kept, so no request can change what another one reads; a cookie carrying
    anything else (flashed messages' lists) is decoded as Flask decodes it.
    tests/test_web_sessions.py compares both with Flask's."""

    def open_session(self, app, request) -> SecureCookieSession | None:
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie or not app.secret_key:
            return super().open_session(app, request)
        key = (cookie, app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        opened = kept.store(OPENED_COOKIES)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        found = opened.get(key)
        if found is not None:
            contents, signed_at = found
            if 0 <= int(time.time()) - signed_at <= max_age:  # itsdangerous' test of age
                return self.session_class(contents)
            opened.pop(key, None)
            return self.session_class()  # expired, as Flask's SignatureExpired
        serializer = self.get_signing_serializer(app)
        try:
            contents, signed = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if type(contents) is dict and all(type(value) in _PLAIN_VALUES
                                          for value in contents.values()):
            kept.keep(opened, key, (dict(contents), int(signed.timestamp())),
                      OPENED_COOKIES_KEPT)
        return self.session_class(contents)

    def save_session(self, app, session, response) -> None:
        """Flask's, which for an unchanged session (nearly every request: the cookie is not
        signed again, SESSION_REFRESH_EACH_REQUEST being off) only adds `Vary: Cookie` when
        the session was read: that is done here with `vary_on`, the rest by Flask."""
        if session.modified or (session and self.should_set_cookie(app, session)):
            super().save_session(app, session, response)
        elif session.accessed:
            vary_on(response, "Cookie")
