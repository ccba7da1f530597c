"""Koalicje: the application factory."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from babel import Locale
from flask import Flask, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from blueprints import BLUEPRINTS
from koalicje import kept, sessions
from koalicje.config import default_config
from koalicje.permissions import signed_in_user
from koalicje.web import assets, compression, errors, header, labels, limits, render
from koalicje.web.extensions import KeptCookieSessions, babel, csrf, htmx, login_manager
from koalicje.web.htmx import hx_redirect, is_fragment_request
from koalicje.web.text import CleanRequest
from models import User, db, init_db, keeps_connection, optimize
from models import open_connection as open_db_connection

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "frame-src https://www.youtube-nocookie.com; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

# Sent with every response unless the view set its own.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)

# Answers that never depend on who is signed in: no need to load the session's user for
# them (the health check sets its own Cache-Control: no-store).
NO_USER_ENDPOINTS = frozenset({"main.healthz"})

OPTIMIZE_EVERY_SECONDS = 3600  # SQLite: PRAGMA optimize on a long-lived connection, hourly


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then environment, then `config` (tests pass overrides)."""
    config = dict(config or {})
    app = Flask(__name__, instance_path=config.pop("INSTANCE_PATH", None))
    instance = Path(app.instance_path)
    app.config.update(default_config(instance, with_secret="SECRET_KEY" not in config))
    # The cookie's lifetime counts from the sign-in, like the server's own limit
    # (`sessions.Limits.lifetime`): sign and send it again only when its content changes,
    # not with every response (the idle limit is the server's, on the session row).
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    app.config.update(config)
    app.session_interface = KeptCookieSessions()  # each cookie verified once per process

    init_proxy(app)
    init_database(app)
    limits.init_app(app)  # before CSRFProtect reads the form
    compression.init_app(app)  # registered first, so it runs after every other after_request
    init_extensions(app)
    # After Htmx(app), which sets its own request class: CleanRequest extends that one.
    app.request_class = CleanRequest  # every form field, query argument and file name cleaned
    assets.init_app(app)
    labels.register(app)
    render.init_app(app)  # per-request gettext and url_for for templates (after Babel)
    header.init_app(app)  # the site's header, kept per process
    errors.init_app(app)
    init_security_headers(app)
    # Ids beyond what the database holds are unknown ids (404), not an OverflowError in the driver.
    app.url_map.converters["int"] = BoundedIntConverter
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    from koalicje.ops import cli

    cli.init_app(app)
    return app


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that only matches ids the database can hold."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", 2**31 - 1)  # PostgreSQL serial ids are 32-bit
        super().__init__(map, *args, **kwargs)


def init_proxy(app: Flask) -> None:
    """Behind PROXY_COUNT reverse proxies, take the client's address, scheme and host from
    their X-Forwarded-* headers (werkzeug's ProxyFix). Off by default: a client talking to
    the app directly could otherwise claim any address and dodge the sign-in limits."""
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def init_database(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    init_db(url)

    # When this worker last refreshed the planner's statistics (see teardown below).
    app.extensions["koalicje.optimized_at"] = time.monotonic()

    @app.before_request
    def connect() -> None:
        if request.endpoint == "main.healthz":
            return  # the health check connects itself, so it can answer 503 when that fails
        open_db_connection()

    @app.teardown_request
    def release_connection(exc: BaseException | None) -> None:
        if db.is_closed():
            return
        if keeps_connection() and not db.in_transaction():
            now = time.monotonic()
            if now - app.extensions["koalicje.optimized_at"] > OPTIMIZE_EVERY_SECONDS:
                app.extensions["koalicje.optimized_at"] = now
                optimize()
            return
        db.close()


def select_locale() -> str:
    languages = app_languages()
    user = signed_in_user()  # current_user's object: one lookup, not four through the proxy
    if user and user.is_authenticated and user.locale in languages:
        return user.locale
    chosen = session.get("locale")
    return chosen if chosen in languages else languages[0]


def kept_locale() -> Locale:
    """`select_locale()` as the Babel Locale Flask-Babel makes of it, parsed once per
    process and language (Flask-Babel takes a Locale as it is)."""
    code = select_locale()
    return kept.value("koalicje.locales", code, lambda: Locale.parse(code), kept.BY_LANGUAGE)


def app_languages() -> list[str]:
    from flask import current_app

    return current_app.config["LANGUAGES"]


def init_extensions(app: Flask) -> None:
    babel.init_app(app, locale_selector=kept_locale)
    csrf.init_app(app)
    # Templates' `csrf_token()` gives the session's kept signed token (Flask-WTF's signs anew).
    app.jinja_env.globals["csrf_token"] = render.csrf_token
    login_manager.init_app(app)
    htmx.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Zaloguj się, aby zobaczyć tę stronę.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = app.config["SESSION_PROTECTION"]

    # The cookie lives as long as a session may (the server ends it earlier when idle).
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=app.config["SESSION_MAX_DAYS"])

    @login_manager.user_loader
    def load_user(token: str) -> User | None:
        return sessions.user_for(token, sessions.Limits.from_config(app.config))

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash, redirect

        target = url_for("auth.login", next=request.full_path.rstrip("?"))
        if is_fragment_request():
            return hx_redirect(target)
        flash(login_manager.login_message, "info")
        return redirect(target)

    @app.context_processor
    def inject_globals() -> dict[str, Any]:
        from koalicje.permissions import can

        # `csrf_token` overrides Flask-WTF's processor (it signs the token anew): the kept one.
        return {"can": can, "current_locale": str(get_locale()), "languages": app_languages(),
                "csrf_token": render.csrf_token}


def init_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        """Each of SECURITY_HEADERS (and the two below) unless the view set it: what
        `headers.setdefault` gives, with the names the response has looked up once."""
        headers = response.headers
        present = {name.lower() for name, _ in headers.items()}
        extra = list(SECURITY_HEADERS)
        hsts = int(app.config.get("HSTS_SECONDS") or 0)
        if hsts > 0 and request.is_secure:
            extra.append(("Strict-Transport-Security", f"max-age={hsts}"))
        if request.endpoint not in NO_USER_ENDPOINTS and (user := signed_in_user()) \
                and getattr(user, "is_authenticated", False):
            extra.append(("Cache-Control", "private, no-store"))
        for name, value in extra:
            if name.lower() not in present:
                headers.add(name, value)
        return response
