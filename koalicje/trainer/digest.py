"""The weekly digest: for trainers, who needs a nudge (and overdue next steps); for members
who opted in, new posts on their boards since their last digest.

`flask digest send` (cron) calls `send_all`. With SMTP_HOST set, messages go through SMTP;
without it, each is written as an .eml file to MAIL_OUTBOX_DIR, so nothing is lost. Every
message carries a one-click unsubscribe link (a signed token, no sign-in needed) and the
List-Unsubscribe / List-Unsubscribe-Post headers (RFC 8058).
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask, render_template
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from peewee import JOIN

from koalicje.trainer.nudges import Nudge, needing_nudge, stopped_text
from koalicje.trainer.scope import local_date
from koalicje.trainer.visits import overdue_steps
from models import (
    Coalition,
    DigestSubscription,
    Membership,
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
    """Visible posts by others on the user's boards (and the programme board) since `since`."""
    mine = Membership.select(Membership.coalition).where(Membership.user == user)
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
    }
    with force_locale(user.locale or "pl"):
        subject = _("Koalicje: tygodniowe podsumowanie")
        text = render_template("email/digest_text.html", **context)
        html = render_template("email/digest.html", **context)
    # Long header lines stay whole (RFC 5322 allows 998), so List-Unsubscribe is not
    # turned into encoded words that some mail clients would not follow.
    message = EmailMessage(policy=email_policy.default.clone(max_line_length=998))
    message["Subject"] = subject
    message["From"] = config["SMTP_FROM"]
    message["To"] = user.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="koalicje")
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def external_urls(app: Flask) -> Callable[..., str]:
    """Absolute URLs under BASE_URL, for messages built outside any request (cron)."""
    parts = urlsplit(app.config["BASE_URL"])
    adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                               url_scheme=parts.scheme or "https")

    def build(endpoint: str, **values: Any) -> str:
        return adapter.build(endpoint, values, force_external=True)

    return build


# --- delivery -------------------------------------------------------------------------------


class Outbox:
    """Delivers messages: SMTP when SMTP_HOST is set, else .eml files in MAIL_OUTBOX_DIR."""

    def __init__(self, config: dict[str, Any]):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Outbox:
        if self.config.get("SMTP_HOST"):
            smtp = smtplib.SMTP(self.config["SMTP_HOST"], int(self.config["SMTP_PORT"]),
                                timeout=30)
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            if self.config.get("SMTP_USER"):
                smtp.login(self.config["SMTP_USER"], self.config.get("SMTP_PASSWORD", ""))
            self.smtp = smtp
        return self

    def __exit__(self, *exc: object) -> None:
        if self.smtp is not None:
            self.smtp.quit()

    def deliver(self, message: EmailMessage, name: str) -> str:
        if self.smtp is not None:
            self.smtp.send_message(message)
            return f"sent to {message['To']}"
        folder = Path(self.config["MAIL_OUTBOX_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.eml"
        path.write_bytes(bytes(message))
        return f"written to {path}"


def send_all(app: Flask, now: datetime | None = None) -> list[str]:
    """Build and deliver every non-empty digest; returns one line per message for the log."""
    now = now or utcnow()
    config = app.config
    lines = []
    url = external_urls(app)
    with app.app_context(), Outbox(config) as outbox:
        for user in list(recipients()):
            digest = build(user, now)
            if digest.empty:
                continue
            message = render_message(digest, config, url)
            try:
                lines.append(outbox.deliver(message, f"{now:%Y%m%dT%H%M%S}-digest-{user.id}"))
            except (smtplib.SMTPException, OSError) as error:
                # one refused address must not stop the others; it is tried again next run
                lines.append(f"FAILED for {user.email}: {error}")
                continue
            with write_transaction():
                row = preferences(user)
                row.last_sent_at = now
                row.save()
    return lines


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
    failed = [line for line in lines if line.startswith("FAILED")]
    for line in lines:
        click.echo(line)
    click.echo(f"{len(lines) - len(failed)} digest(s) delivered.")
    if failed:
        raise click.ClickException(f"{len(failed)} digest(s) could not be delivered.")
