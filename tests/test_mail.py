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


# --- the outbox: invites, reset links, retries ------------------------------------------------


from conftest import add_member, make_coalition, make_user, soup  # noqa: E402

from models import OutboxMessage, db  # noqa: E402


def _invite(client, auth) -> object:
    coalition = make_coalition(name="Koalicja Pocztowa")
    coordinator = make_user(name="Kora Koordynatorka")
    add_member(coordinator, coalition, "coordinator")
    auth.as_user(coordinator)
    return client.post("/invites/", data={
        "email": "nowa@example.org", "role": "user", "coalition": str(coalition.id),
        "membership_role": "member", "sector": "ngo", "csrf_token": auth.csrf()})


def test_invite_goes_by_mail_after_the_response(app, client, auth, database, cert):
    with smtp_server("starttls", cert) as (config, received):
        app.config.update(config, SMTP_USER=USER, SMTP_PASSWORD=PASSWORD)
        response = _invite(client, auth)
        assert response.status_code == 303
        assert received.messages == []  # nothing sent while the request was running
        assert OutboxMessage.get().sent_at is None
        response.close()  # the server closes the response once it is sent
    [message] = received.messages
    assert message["To"] == "nowa@example.org"
    assert "Zaproszenie" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = soup_html(message.get_body(("html",)).get_content())
    link = html.select_one("a[href*='/invite/']")["href"]
    assert link in text and "Koalicja Pocztowa" in text and "Kora Koordynatorka" in text
    assert OutboxMessage.get().sent_at is not None
    page = soup(client.get("/invites/"))
    assert page.select_one(".mailed") is not None  # says it went by mail
    assert page.select_one("#new-invite-url")["value"] == link  # and the link is still there


def test_without_smtp_the_copy_the_link_flow_stays(app, client, auth, database):
    assert not app.config["SMTP_HOST"]
    assert _invite(client, auth).status_code == 303
    page = soup(client.get("/invites/"))
    assert page.select_one("#new-invite-url") is not None and page.select_one(".mailed") is None
    assert OutboxMessage.select().count() == 0


def test_reset_link_by_mail_in_the_users_language(app, client, auth, database, cert):
    admin = make_user(role="admin")
    user = make_user(name="Emma English", locale="en")
    auth.as_user(admin)
    with smtp_server("starttls", cert) as (config, received):
        app.config.update(config)
        response = client.post(f"/admin/users/{user.id}/reset-link",
                               data={"csrf_token": auth.csrf()})
        response.close()
    [message] = received.messages
    assert message["To"] == user.email
    assert message["Subject"] == "Koalicje: setting a new password"
    text = message.get_body(("plain",)).get_content()
    assert "Hello, Emma English!" in text and "/reset/" in text
    assert 'lang="en"' in message.get_body(("html",)).get_content()


def test_a_hung_server_never_holds_the_request_and_the_message_waits(app, client, auth,
                                                                      database):
    with silent_server() as config:
        app.config.update(config)
        response = _invite(client, auth)
        assert response.status_code == 303 and OutboxMessage.get().attempts == 0
        response.close()
    row = OutboxMessage.get()
    assert row.sent_at is None and row.attempts == 1 and row.last_error
    assert row.next_attempt_at > row.created_at


def test_cron_command_retries_and_reports_refusals(app, runner, client, auth, database, cert):
    with smtp_server("starttls", cert, refuse=True) as (config, received):
        app.config.update(config)
        _invite(client, auth)  # not closed: left for the cron command
        db.close()
        result = runner.invoke(args=["mail", "send"])
        assert result.exit_code != 0 and "FAILED for nowa@example.org" in result.output
    db.connect(reuse_if_open=True)
    row = OutboxMessage.get()
    assert row.sent_at is None and row.attempts == 1 and "550" in row.last_error
    OutboxMessage.update(next_attempt_at=row.created_at).execute()
    db.close()
    with smtp_server("starttls", cert) as (config, received):
        app.config.update(config)
        result = runner.invoke(args=["mail", "send"])
        assert result.exit_code == 0, result.output
        assert runner.invoke(args=["mail", "send"]).output.startswith("0 message(s) sent")
    assert [m["To"] for m in received.messages] == ["nowa@example.org"]  # sent once


def test_credentials_without_tls_leave_the_message_in_the_outbox(app, runner, client, auth,
                                                                 database):
    with smtp_server("plain") as (config, received):
        app.config.update(config, SMTP_USER=USER, SMTP_PASSWORD=PASSWORD)
        _invite(client, auth)
        db.close()
        result = runner.invoke(args=["mail", "send"])
    assert result.exit_code != 0 and received.logins == [] and received.messages == []
    db.connect(reuse_if_open=True)
    assert "InsecureConnection" in OutboxMessage.get().last_error


def soup_html(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")
