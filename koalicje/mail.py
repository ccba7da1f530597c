"""Sending e-mail: one SMTP connection rule for every message the app sends.

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
from email.message import EmailMessage
from pathlib import Path
from typing import Any


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
