"""Sending e-mail: one SMTP connection rule and one outbox for every message the app sends.

Every message (invite, password reset, weekly digest) is first stored in the outbox table
(`OutboxMessage`), in the same transaction as what it announces, so nothing is lost when the
mail server is down. A request never waits for the mail server: `deliver_after_response`
sends the request's messages once the response has gone out (WSGI close), and whatever fails
stays in the outbox with its error, retried with a growing delay by `flask mail send` (run it
from cron every few minutes). After MAX_ATTEMPTS a message is left alone and listed as failed.

Settings (see the README's "Mail" section): SMTP_HOST (empty: messages are written as .eml
files to MAIL_OUTBOX_DIR instead), SMTP_PORT, SMTP_USER/SMTP_PASSWORD, SMTP_FROM, SMTP_SSL
(implicit TLS, on by default on port 465), SMTP_CA_FILE (a private CA to trust besides the
system's), SMTP_TIMEOUT (seconds for the connection and each command).

Rules: certificates are always verified (a default SSL context, host name checked); on any
port but the implicit-TLS one, STARTTLS is used whenever the server offers it; credentials
are never sent over a connection without TLS (`InsecureConnection` instead).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from datetime import datetime, timedelta
from email import message_from_string
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import click
from flask import Flask, Response, current_app
from flask.cli import AppGroup

from models import OutboxMessage, db, utcnow, write_transaction

MAX_ATTEMPTS = 10
# Refusals of one message; any other error (connection, time-out, TLS, disk) ends the run.
PER_MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                      smtplib.SMTPDataError, smtplib.SMTPNotSupportedError)
LEASE = timedelta(minutes=5)  # a message being sent is not picked up by another sender
# Long header lines stay whole (RFC 5322 allows 998), so List-Unsubscribe and links are not
# turned into encoded words that some mail clients would not follow.
POLICY = email_policy.default.clone(max_line_length=998)


class InsecureConnection(smtplib.SMTPException):
    """The server offers no TLS but SMTP_USER is set: the password would travel in clear."""


def tls_context(config: dict[str, Any]) -> ssl.SSLContext:
    """A verifying client context: the system's CAs, plus SMTP_CA_FILE when set."""
    context = ssl.create_default_context()
    if config.get("SMTP_CA_FILE"):
        context.load_verify_locations(cafile=config["SMTP_CA_FILE"])
    return context


def implicit_tls(config: dict[str, Any]) -> bool:
    """SMTP_SSL when set (a bool, or "1"/"true"/"yes"/"on"), else whether SMTP_PORT is 465."""
    value = config.get("SMTP_SSL")
    if value is None or value == "":
        return int(config.get("SMTP_PORT") or 0) == 465
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def connect(config: dict[str, Any]) -> smtplib.SMTP:
    """An open, signed-in SMTP connection following the rules above (the caller quits it)."""
    host, port = config["SMTP_HOST"], int(config.get("SMTP_PORT") or 587)
    timeout = float(config.get("SMTP_TIMEOUT") or 10)
    context = tls_context(config)
    if implicit_tls(config):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        secure = True
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        secure = False
    try:
        smtp.ehlo()
        if not secure and smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
            secure = True
        if config.get("SMTP_USER"):
            if not secure:
                raise InsecureConnection(
                    f"{host}:{port} offers no TLS; refusing to send SMTP_USER's password in clear"
                )
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


class Transport:
    """Delivers messages: SMTP when SMTP_HOST is set, else .eml files in MAIL_OUTBOX_DIR.

    `with Transport(config) as transport: transport.deliver(message, name)`; the SMTP
    connection is opened on the first message, so nothing to send means no connection.
    """

    def __init__(self, config: dict[str, Any]):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None

    def deliver(self, message: EmailMessage, name: str) -> str:
        if self.config.get("SMTP_HOST"):
            if self.smtp is None:
                self.smtp = connect(self.config)
            self.smtp.send_message(message)
            return f"sent to {message['To']}"
        folder = Path(self.config["MAIL_OUTBOX_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.eml"
        path.write_bytes(bytes(message))
        return f"written to {path}"


# --- building and queueing ------------------------------------------------------------------


def mail_enabled(config: dict[str, Any]) -> bool:
    """True when an SMTP server is configured: invites and reset links then go by e-mail."""
    return bool(config.get("SMTP_HOST"))


def build_message(config: dict[str, Any], to: str, subject: str, text: str, html: str,
                  headers: dict[str, str] | None = None) -> EmailMessage:
    """A message with a plain-text and an HTML part."""
    message = EmailMessage(policy=POLICY)
    message["Subject"] = subject
    message["From"] = config["SMTP_FROM"]
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="koalicje")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def queue_templated(config: dict[str, Any], kind: str, to: str, locale: str, subject: Any,
                    template: str, **context: Any) -> OutboxMessage:
    """Render `templates/email/<template>.html` and `<template>_text.html` in `locale` (the
    recipient's language) and store the message in the outbox."""
    from flask import render_template
    from flask_babel import force_locale

    with force_locale(locale or "pl"):
        subject_text = str(subject)
        text = render_template(f"email/{template}_text.html", **context)
        html = render_template(f"email/{template}.html", lang=locale or "pl", **context)
    message = build_message(config, to, subject_text, text, html,
                            headers={"Auto-Submitted": "auto-generated"})
    with write_transaction():
        return queue(message, kind)


def queue(message: EmailMessage, kind: str) -> OutboxMessage:
    """Store the message in the outbox (call inside the caller's write transaction)."""
    return OutboxMessage.create(
        kind=kind, recipient=str(message["To"]), subject=str(message["Subject"]),
        message=message.as_string(policy=POLICY),
    )


def _retry_delay(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** attempts), timedelta(hours=6))


def _claim(row_id: int, now: datetime) -> bool:
    """Take the message for sending unless another sender has it or it is not due."""
    with write_transaction():
        return bool(
            OutboxMessage.update(next_attempt_at=now + LEASE)
            .where((OutboxMessage.id == row_id) & OutboxMessage.sent_at.is_null()
                   & (OutboxMessage.next_attempt_at <= now)
                   & (OutboxMessage.attempts < MAX_ATTEMPTS))
            .execute()
        )


def pending(now: datetime | None = None, ids: Iterable[int] | None = None):
    now = now or utcnow()
    query = OutboxMessage.select(OutboxMessage.id).where(
        OutboxMessage.sent_at.is_null() & (OutboxMessage.next_attempt_at <= now)
        & (OutboxMessage.attempts < MAX_ATTEMPTS)
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    return [row.id for row in query.order_by(OutboxMessage.id)]


def deliver_pending(config: dict[str, Any], ids: Iterable[int] | None = None,
                    now: datetime | None = None) -> list[str]:
    """Send the due messages (only `ids` when given); one line per message for the log.

    A failure is written to the row (attempts, last_error, next try) and never stops the
    others; a connection failure (server down, time-out, bad certificate) stops this run.
    """
    now = now or utcnow()
    lines: list[str] = []
    with Transport(config) as transport:
        for row_id in pending(now, ids):
            if not _claim(row_id, now):
                continue
            row = OutboxMessage.get_by_id(row_id)
            message = message_from_string(row.message, _class=EmailMessage, policy=POLICY)
            try:
                lines.append(transport.deliver(message, f"{row.id:06d}-{row.kind}"))
            except (smtplib.SMTPException, OSError, ssl.SSLError) as error:
                attempts = row.attempts + 1
                with write_transaction():
                    OutboxMessage.update(
                        attempts=attempts, last_error=f"{type(error).__name__}: {error}"[:2000],
                        next_attempt_at=now + _retry_delay(attempts),
                    ).where(OutboxMessage.id == row.id).execute()
                lines.append(f"FAILED for {row.recipient}: {error}")
                if not isinstance(error, PER_MESSAGE_ERRORS):
                    break  # the server is unreachable or gone: the rest would only wait too
                continue
            with write_transaction():
                OutboxMessage.update(sent_at=utcnow(), attempts=row.attempts + 1,
                                     last_error="").where(OutboxMessage.id == row.id).execute()
    return lines


def deliver_after_response(response: Response, rows: Iterable[OutboxMessage]) -> Response:
    """Send these messages once the response has been sent (the user does not wait for the
    mail server); what fails stays in the outbox for `flask mail send`."""
    ids = [row.id for row in rows]
    if not ids:
        return response
    app: Flask = current_app._get_current_object()

    def send() -> None:
        try:
            with app.app_context(), db.connection_context():
                deliver_pending(app.config, ids=ids)
        except Exception:  # noqa: BLE001 - after the response nobody can be told; cron retries
            app.logger.exception("mail: delivery after the response failed; left in the outbox")

    response.call_on_close(send)
    return response


# --- command line ---------------------------------------------------------------------------


@click.group("mail", cls=AppGroup, help="The outbox of e-mail messages.")
def mail_group() -> None:
    pass


@mail_group.command("send", help="Send the messages waiting in the outbox (run from cron).")
def mail_send() -> None:
    app = current_app._get_current_object()
    with db.connection_context():
        lines = deliver_pending(app.config)
        given_up = OutboxMessage.select().where(
            OutboxMessage.sent_at.is_null() & (OutboxMessage.attempts >= MAX_ATTEMPTS)
        ).count()
    failed = echo_deliveries(lines)
    click.echo(f"{len(lines) - failed} message(s) sent, {failed} failed.")
    if given_up:
        click.echo(f"{given_up} message(s) given up after {MAX_ATTEMPTS} attempts.")
    if failed:
        raise click.ClickException(f"{failed} message(s) could not be sent; they stay "
                                   "in the outbox.")


def echo_deliveries(lines: list[str]) -> int:
    """Print one line per delivery (for cron's log); returns how many failed."""
    for line in lines:
        click.echo(line)
    return sum(1 for line in lines if line.startswith("FAILED"))
