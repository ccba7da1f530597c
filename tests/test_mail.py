"""Mail transport against real SMTP servers on 127.0.0.1: verified TLS, no password in clear,
implicit TLS, refusals and time-outs."""

from __future__ import annotations

import smtplib
import ssl
import time
from email.message import EmailMessage

import pytest
from smtp_server import PASSWORD, USER, silent_server, smtp_server

from koalicje import mail


@pytest.fixture
def cert(smtp_cert):
    return smtp_cert


def _message(to: str = "ala@example.org") -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "k@example.org", to, "Test"
    message.set_content("Treść")
    return message


def _send(config: dict) -> str:
    with mail.Transport({"MAIL_OUTBOX_DIR": "/nonexistent", **config}) as transport:
        return transport.deliver(_message(), "x")


def test_starttls_with_a_verified_certificate_then_login(cert):
    with smtp_server("starttls", cert) as (config, received):
        line = _send({**config, "SMTP_USER": USER, "SMTP_PASSWORD": PASSWORD})
    assert line == "sent to ala@example.org"
    assert received.logins == [(USER, True)]  # signed in only after TLS was up
    assert [m["Subject"] for m in received.messages] == ["Test"]


def test_an_unverifiable_certificate_is_refused(cert):
    with smtp_server("starttls", cert) as (config, received), \
            pytest.raises(ssl.SSLCertVerificationError):
        _send({**config, "SMTP_CA_FILE": "", "SMTP_USER": USER, "SMTP_PASSWORD": PASSWORD})
    assert received.logins == [] and received.messages == []


def test_credentials_are_never_sent_without_tls():
    with smtp_server("plain") as (config, received), pytest.raises(mail.InsecureConnection):
        _send({**config, "SMTP_USER": USER, "SMTP_PASSWORD": PASSWORD})
    assert received.logins == [] and received.messages == []


def test_without_credentials_a_plain_local_relay_is_fine():
    with smtp_server("plain", auth=False) as (config, received):
        assert _send(config) == "sent to ala@example.org"
    assert len(received.messages) == 1


def test_implicit_tls_on_port_465_style(cert):
    with smtp_server("implicit", cert) as (config, received):
        line = _send({**config, "SMTP_USER": USER, "SMTP_PASSWORD": PASSWORD})
    assert line == "sent to ala@example.org" and received.logins == [(USER, True)]


def test_port_465_means_implicit_tls_unless_told_otherwise():
    assert mail.implicit_tls({"SMTP_PORT": 465, "SMTP_SSL": ""})
    assert not mail.implicit_tls({"SMTP_PORT": 587, "SMTP_SSL": ""})
    assert mail.implicit_tls({"SMTP_PORT": 2525, "SMTP_SSL": "1"})
    assert not mail.implicit_tls({"SMTP_PORT": 465, "SMTP_SSL": "0"})


def test_a_refusing_server_raises(cert):
    with smtp_server("starttls", cert, refuse=True) as (config, received), \
            pytest.raises(smtplib.SMTPRecipientsRefused):
        _send(config)
    assert received.messages == []


def test_a_hung_server_times_out_quickly():
    with silent_server() as config:
        started = time.monotonic()
        with pytest.raises((TimeoutError, smtplib.SMTPServerDisconnected)):
            _send(config)
        assert time.monotonic() - started < 5
