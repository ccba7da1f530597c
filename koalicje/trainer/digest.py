"""The weekly digest: for trainers, who needs a nudge (and overdue next steps); for members
who opted in, new posts on their boards since their last digest.

`flask digest send` (cron) calls `send_all`. With SMTP_HOST set, messages go through SMTP;
without it, each is written as an .eml file to MAIL_OUTBOX_DIR, so nothing is lost. Every
message carries a one-click unsubscribe link (a signed token, no sign-in needed) and the
List-Unsubscribe / List-Unsubscribe-Post headers (RFC 8058).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask, render_template
from flask.cli import AppGroup
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from peewee import JOIN

from koalicje import mail
from koalicje.board.posts import boards_of
from koalicje.trainer.nudges import Nudge, needing_nudge, stopped_text
from koalicje.trainer.scope import local_date
from koalicje.trainer.visits import overdue_steps
from models import (
    Coalition,
    DigestSubscription,
    NextStep,
    Post,
    User,
    utcnow,
    write_transaction,
)

TOKEN_SALT = "digest-unsubscribe"
FIRST_DIGEST_DAYS = 7  # a first digest covers the last week


# --- preferences ----------------------------------------------------------------------------


def preferences(user: User) -> DigestSubscription:
    """The user's settings (an unsaved row with the defaults when they never chose)."""
    row = DigestSubscription.get_or_none(DigestSubscription.user == user)
    return row or DigestSubscription(user=user, posts=False, nudges=True)


def set_preferences(user: User, posts: bool, nudges: bool) -> DigestSubscription:
    with write_transaction():
        row = preferences(user)
        row.posts, row.nudges, row.updated_at = posts, nudges, utcnow()
        row.save()
    return row


def unsubscribe(user: User) -> None:
    """Stop every digest e-mail to the user."""
    set_preferences(user, posts=False, nudges=False)


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=TOKEN_SALT)


def unsubscribe_token(user: User, secret_key: str) -> str:
    return _serializer(secret_key).dumps({"u": user.id})


def user_from_token(token: str, secret_key: str) -> User | None:
    """The user a token was made for, or None for a forged or malformed token."""
    try:
        data = _serializer(secret_key).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return User.get_or_none(User.id == data["u"])


# --- contents -------------------------------------------------------------------------------


@dataclass
class Digest:
    user: User
    nudges: list[Nudge] = field(default_factory=list)
    overdue: list[NextStep] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    trainer_section: bool = False

    @property
    def empty(self) -> bool:
        return not (self.nudges or self.overdue or self.posts)


def new_posts(user: User, since: datetime) -> list[Post]:
    """Visible posts by others since `since` on the boards the user follows: the programme
    board, their coalitions' and, for a trainer, the coalitions assigned to them."""
    mine = [board.id for board in boards_of(user) if board is not None]
    return list(
        Post.select(Post, Coalition, User)
        .join(Coalition, JOIN.LEFT_OUTER, on=(Post.coalition == Coalition.id))
        .switch(Post)
        .join(User, on=(Post.author == User.id))
        .where(
            (Post.created_at > since)
            & Post.deleted_at.is_null()
            & Post.hidden_at.is_null()
            & (Post.author != user)
            & (Post.coalition.in_(mine) | Post.coalition.is_null())
        )
        .order_by(Post.created_at.desc())
    )


def build(user: User, now: datetime | None = None) -> Digest:
    """What the user's digest holds now (possibly nothing)."""
    now = now or utcnow()
    prefs = preferences(user)
    digest = Digest(user=user)
    if user.role == "trainer" and prefs.nudges:
        digest.trainer_section = True
        digest.nudges = needing_nudge(user, now=now)
        digest.overdue = list(overdue_steps(user, today=local_date(now)))
    if prefs.posts:
        since = prefs.last_sent_at or (now - timedelta(days=FIRST_DIGEST_DAYS))
        digest.posts = new_posts(user, since)
    return digest


def recipients():
    """Active users who may get a digest: trainers (unless opted out) and opted-in members."""
    opted_out = DigestSubscription.select(DigestSubscription.user).where(
        DigestSubscription.nudges == False  # noqa: E712
    )
    opted_in = DigestSubscription.select(DigestSubscription.user).where(
        DigestSubscription.posts == True  # noqa: E712
    )
    return (
        User.select()
        .where(
            User.enabled()
            & (((User.role == "trainer") & User.id.not_in(opted_out)) | User.id.in_(opted_in))
        )
        .order_by(User.id)
    )


def render_message(digest: Digest, config: dict[str, Any],
                   url: Callable[..., str]) -> EmailMessage:
    """The e-mail (plain text and HTML) in the recipient's language.

    `url(endpoint, **values)` builds absolute links (see `external_urls`).
    """
    user = digest.user
    token = unsubscribe_token(user, config["SECRET_KEY"])
    unsubscribe_url = url("digest.unsubscribe", token=token)
    context = {
        "digest": digest,
        "user": user,
        "unsubscribe_url": unsubscribe_url,
        "settings_url": url("digest.settings"),
        "base_url": url("main.index"),
        "stopped_text": stopped_text,
        "last_step_text": last_step_text,
    }
    with force_locale(user.locale or "pl"):
        subject = _("Koalicje: tygodniowe podsumowanie")
        text = render_template("email/digest_text.html", **context)
        html = render_template("email/digest.html", **context)
    return mail.build_message(config, user.email, subject, text, html, headers={
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    })


def last_step_text(nudge: Nudge) -> str:
    """"ostatni krok 2 lis 2026" (a date for people), or that the learner has taken no step yet."""
    if nudge.last_date is None:
        return _("jeszcze bez żadnego kroku")
    return _("ostatni krok %(date)s", date=format_date(nudge.last_date, "medium"))


def external_urls(app: Flask) -> Callable[..., str]:
    """Absolute URLs under BASE_URL, for messages built outside any request (cron)."""
    parts = urlsplit(app.config["BASE_URL"])
    adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                               url_scheme=parts.scheme or "https")

    def build(endpoint: str, **values: Any) -> str:
        return adapter.build(endpoint, values, force_external=True)

    return build


# --- delivery -------------------------------------------------------------------------------


def send_all(app: Flask, now: datetime | None = None) -> list[str]:
    """Queue every non-empty digest in the outbox, then deliver what is due.

    Each digest is queued in the same transaction that records it as sent, so a crash or a
    refused delivery never loses nor repeats one: what could not be delivered stays in the
    outbox and `flask mail send` tries it again. Returns one line per delivery for the log.
    """
    now = now or utcnow()
    config = app.config
    url = external_urls(app)
    with app.app_context():
        for user in list(recipients()):
            digest = build(user, now)
            if digest.empty:
                continue
            message = render_message(digest, config, url)
            with write_transaction():
                mail.queue(message, "digest")
                row = preferences(user)
                row.last_sent_at = now
                row.save()
        return mail.deliver_pending(config)


# --- command line ---------------------------------------------------------------------------


@click.group("digest", cls=AppGroup, help="The weekly digest e-mail.")
def digest_group() -> None:
    pass


@digest_group.command("send", help="Send this week's digests (SMTP, or .eml files in MAIL_OUTBOX_DIR).")
def digest_send() -> None:
    from flask import current_app

    from models import db

    app = current_app._get_current_object()
    with db.connection_context():
        lines = send_all(app)
    failed = mail.echo_deliveries(lines)
    click.echo(f"{len(lines) - failed} digest(s) delivered.")
    if failed:
        raise click.ClickException(f"{failed} digest(s) could not be delivered; they stay "
                                   "in the outbox for `flask mail send`.")
