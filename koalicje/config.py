"""Configuration read from the environment, with defaults that suit one server."""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def instance_secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, else one generated once and kept in instance/."""
    env = os.environ.get("SECRET_KEY")
    if env:
        return env
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def default_config(instance_path: Path, with_secret: bool = True) -> dict:
    """The settings every deployment starts from; environment variables override them.

    `with_secret=False` skips SECRET_KEY (a caller that passes its own, such as tests).
    """
    settings = {
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance_path / 'koalicje.sqlite3'}"
        ),
        "BACKUP_DIR": os.environ.get("BACKUP_DIR", str(instance_path / "backups")),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", str(instance_path / "uploads")),
        "CONTENT_DIR": os.environ.get("CONTENT_DIR", str(ROOT / "content")),
        "MAIL_OUTBOX_DIR": os.environ.get("MAIL_OUTBOX_DIR", str(instance_path / "outbox")),
        # Session cookies: Secure unless explicitly served over plain HTTP (local demo).
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", True),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", True),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # A signed-in device is signed out after this long without a request, and this long
        # after signing in whatever it does (server-side, see koalicje/sessions.py).
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", 8 * 60)),
        "SESSION_MAX_DAYS": int(os.environ.get("SESSION_MAX_DAYS", 14)),
        "SESSION_PROTECTION": "basic",
        # CSRF tokens live as long as the session, so a long-open page still posts.
        "WTF_CSRF_TIME_LIMIT": None,
        # Every request (forms, sign-in, anonymous); uploads get UPLOAD_MAX_BYTES (see below
        # and koalicje/web/limits.py).
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 1024 * 1024)),
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "pl",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE", "Europe/Warsaw"),
        "LANGUAGES": ["pl", "en"],
        # Sign-in throttling: failures allowed within the window, per account and per address.
        "LOGIN_WINDOW_SECONDS": 15 * 60,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
        "INVITE_DAYS": 14,
        "RESET_HOURS": 48,
        # Noticeboard: posts and comments one user may add per minute; posts per page.
        "BOARD_POSTS_PER_MINUTE": int(os.environ.get("BOARD_POSTS_PER_MINUTE", 10)),
        "BOARD_PAGE_SIZE": int(os.environ.get("BOARD_PAGE_SIZE", 20)),
        # Posts' texts and HTML kept per worker process in one store (posts.posts_kept): its
        # entries (a post's texts and its HTML are two) and characters at most (~16 MB), the
        # least recently used dropped first.
        "BOARD_POSTS_KEPT": int(os.environ.get("BOARD_POSTS_KEPT", 8192)),
        "BOARD_POSTS_KEPT_CHARS": int(os.environ.get("BOARD_POSTS_KEPT_CHARS", 8_000_000)),
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "https"),
        # Learning path: share of a local recording a learner must play to count as watched,
        # and the largest recording or material a trainer may upload.
        "WATCH_THRESHOLD": float(os.environ.get("WATCH_THRESHOLD", "0.9")),
        # Quiz results show the answer key after a pass or after this many attempts.
        "QUIZ_REVEAL_AFTER_ATTEMPTS": int(os.environ.get("QUIZ_REVEAL_AFTER_ATTEMPTS", 3)),
        "UPLOAD_MAX_BYTES": int(os.environ.get("UPLOAD_MAX_BYTES", 300 * 1024 * 1024)),
        # Trainer dashboard: days without activity (or in one module) before a nudge.
        "NUDGE_DAYS": int(os.environ.get("NUDGE_DAYS", 14)),
        # Weekly digest e-mail; without SMTP_HOST messages go to MAIL_OUTBOX_DIR as .eml.
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", 587)),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_FROM": os.environ.get("SMTP_FROM", "Koalicje <koalicje@localhost>"),
        # Implicit TLS (SMTPS); empty: on when SMTP_PORT is 465. Otherwise STARTTLS is used
        # whenever offered, and credentials are never sent without TLS.
        "SMTP_SSL": os.environ.get("SMTP_SSL", ""),
        "SMTP_CA_FILE": os.environ.get("SMTP_CA_FILE", ""),  # a private CA, besides the system's
        "SMTP_TIMEOUT": float(os.environ.get("SMTP_TIMEOUT", 10)),
        # Links in e-mails sent from the command line (no request to take the address from).
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        # The site's own domain for ids that must never change (Atom tag URIs, iCalendar
        # UIDs); empty: the host name of BASE_URL.
        "CANONICAL_DOMAIN": os.environ.get("CANONICAL_DOMAIN", ""),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted
        # (werkzeug's ProxyFix); 0 (default): the app is reached directly, headers ignored.
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", 0)),
        # Strict-Transport-Security on HTTPS responses (seconds; 0 = not sent). Behind a proxy
        # the scheme comes from X-Forwarded-Proto, so set PROXY_COUNT too.
        "HSTS_SECONDS": int(os.environ.get("HSTS_SECONDS", 0)),
    }
    if with_secret:
        settings["SECRET_KEY"] = instance_secret_key(instance_path)
    return settings


def canonical_domain(config) -> str:
    """CANONICAL_DOMAIN, else the host name (without port) of BASE_URL."""
    from urllib.parse import urlsplit

    domain = (config.get("CANONICAL_DOMAIN") or "").strip().lower()
    return domain or (urlsplit(config.get("BASE_URL") or "").hostname or "localhost")


def local_now(config) -> datetime:
    """The current time in the configured time zone (TIMEZONE, default Europe/Warsaw), not
    the server clock's zone: what people in the gminy call today."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Warsaw"))
