"""The weekly digest: contents for trainers and members, opt-in/out, one-click unsubscribe,
and the CLI writing .eml files when no SMTP server is configured."""

from __future__ import annotations

import email
import re
import smtplib
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from conftest import add_member, assign, make_coalition, make_user, soup
from factories import make_module, progress

from koalicje import mail
from koalicje.trainer import digest
from models import DigestSubscription, Membership, Post, db, utcnow

NOW = utcnow().replace(microsecond=0)


@pytest.fixture
def world(app):
    db.connect(reuse_if_open=True)
    w = {"trainer": make_user(role="trainer", name="Tomasz Trener"),
         "coalition": make_coalition(name="Koalicja Źródła", slug="zrodla"),
         "other": make_coalition(name="Obca Koalicja")}
    assign(w["trainer"], w["coalition"])
    module = make_module(1, quiz=True)
    w["quiet"] = make_user(name="Cicha Ćwiczeniówka")
    w["reader"] = make_user(name="Czytelniczka")
    w["poster"] = make_user(name="Autor Wpisów")
    for person in (w["quiet"], w["reader"], w["poster"]):
        add_member(person, w["coalition"])
    Membership.update(joined_at=NOW - timedelta(days=60)).execute()
    progress(w["quiet"], module, "in_progress", NOW - timedelta(days=30), NOW - timedelta(days=30))
    progress(w["reader"], module, "completed", NOW - timedelta(days=2), NOW - timedelta(days=1))
    progress(w["poster"], module, "completed", NOW - timedelta(days=2), NOW - timedelta(days=1))
    for title, coalition, days, extra in [
        ("Festyn w sobotę", w["coalition"], 2, {}),
        ("Stary wpis", w["coalition"], 10, {}),
        ("Usunięty wpis", w["coalition"], 1, {"deleted_at": NOW}),
        ("Ukryty wpis", w["coalition"], 1, {"hidden_at": NOW}),
        ("Cudza tablica", w["other"], 1, {}),
        ("Ogłoszenie programu", None, 1, {}),
    ]:
        Post.create(coalition=coalition, author=w["poster"], title=title, body_source="x",
                    body_html="x", created_at=NOW - timedelta(days=days), **extra)
    db.close()
    return w


def test_trainer_digest_lists_who_needs_a_nudge(world, app):
    db.connect(reuse_if_open=True)
    with app.app_context():
        built = digest.build(world["trainer"], NOW)
    assert built.trainer_section
    assert [n.user.name for n in built.nudges] == ["Cicha Ćwiczeniówka"]
    assert built.posts == []
    db.close()


def test_trainer_gets_new_posts_of_assigned_coalitions_boards(world, app):
    """A trainer opted in to posts follows the boards of the coalitions they support."""
    db.connect(reuse_if_open=True)
    with app.app_context():
        digest.set_preferences(world["trainer"], posts=True, nudges=True)
        built = digest.build(world["trainer"], NOW)
    assert [p.title for p in built.posts] == ["Ogłoszenie programu", "Festyn w sobotę"]
    db.close()


def test_a_learner_without_any_step_reads_well(world, app):
    from koalicje.trainer.nudges import Nudge

    db.connect(reuse_if_open=True)
    with app.test_request_context():
        built = digest.Digest(user=world["trainer"], trainer_section=True, nudges=[
            Nudge(user=world["quiet"], coalitions=[world["coalition"]], last_step=None,
                  inactive=True)])
        message = digest.render_message(built, app.config, digest.external_urls(app))
    db.close()
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "—;" not in part and "ostatni krok" not in part
        assert "jeszcze bez żadnego kroku" in part


def test_member_gets_posts_only_after_opting_in(world, app):
    db.connect(reuse_if_open=True)
    with app.app_context():
        assert digest.build(world["reader"], NOW).empty
        assert world["reader"].id not in [u.id for u in digest.recipients()]
        digest.set_preferences(world["reader"], posts=True, nudges=True)
        built = digest.build(world["reader"], NOW)
    assert [p.title for p in built.posts] == ["Ogłoszenie programu", "Festyn w sobotę"]
    assert not built.trainer_section  # a member gets no nudge list whatever the flag says
    db.close()


def test_posts_since_the_last_digest_only(world, app):
    db.connect(reuse_if_open=True)
    with app.app_context():
        digest.set_preferences(world["reader"], posts=True, nudges=False)
        DigestSubscription.update(last_sent_at=NOW - timedelta(days=1, hours=12)).execute()
        built = digest.build(world["reader"], NOW)
    assert [p.title for p in built.posts] == ["Ogłoszenie programu"]
    db.close()


def read_outbox(folder: Path):
    return {
        m["To"]: m
        for m in (email.message_from_bytes(p.read_bytes(), policy=policy.default)
                  for p in sorted(folder.glob("*.eml")))
    }


def test_cli_writes_eml_files_and_unsubscribe_link_works(world, app, runner, client, tmp_path):
    db.connect(reuse_if_open=True)
    digest.set_preferences(world["reader"], posts=True, nudges=True)
    db.close()
    result = runner.invoke(args=["digest", "send"])
    assert result.exit_code == 0, result.output
    assert "2 digest(s) delivered." in result.output
    messages = read_outbox(Path(app.config["MAIL_OUTBOX_DIR"]))
    assert set(messages) == {world["trainer"].email, world["reader"].email}
    raw = b"".join(p.read_bytes() for p in Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    assert b"List-Unsubscribe: <http://127.0.0.1:5000/digest/unsubscribe/" in raw
    trainer_mail = messages[world["trainer"].email]
    text = trainer_mail.get_body(("plain",)).get_content()
    assert "Cicha Ćwiczeniówka (Koalicja Źródła)" in text
    assert "w trakcie: Moduł 1" in text
    html = soup_from(trainer_mail.get_body(("html",)).get_content())
    assert [li.get("data-user") for li in html.select("li[data-user]")] == [str(world["quiet"].id)]
    reader_mail = messages[world["reader"].email]
    reader_text = reader_mail.get_body(("plain",)).get_content()
    assert "Festyn w sobotę" in reader_text and "Cudza tablica" not in reader_text
    assert "Usunięty" not in reader_text and "Ukryty" not in reader_text
    assert reader_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = reader_mail["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://127.0.0.1:5000/digest/unsubscribe/")
    path = link.removeprefix("http://127.0.0.1:5000")
    confirm = soup(client.get(path))  # no sign-in needed
    form = confirm.select_one("main form")
    assert form["method"] == "post" and form["action"] == path
    done = client.post(path)  # one click, no CSRF token (RFC 8058)
    assert done.status_code == 200
    assert "nie będzie już dostawać" in done.get_data(as_text=True)
    db.connect(reuse_if_open=True)
    prefs = digest.preferences(world["reader"])
    assert (prefs.posts, prefs.nudges) == (False, False)
    db.close()
    # a second run sends the reader nothing, and the trainer's posts-free digest again
    for eml in Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"):
        eml.unlink()
    result = runner.invoke(args=["digest", "send"])
    assert set(read_outbox(Path(app.config["MAIL_OUTBOX_DIR"]))) == {world["trainer"].email}


def soup_from(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


def test_forged_token_is_404_and_changes_nothing(world, client, app):
    token = digest.unsubscribe_token(world["trainer"], "not-the-secret")
    assert client.get(f"/digest/unsubscribe/{token}").status_code == 404
    assert client.post(f"/digest/unsubscribe/{token}").status_code == 404
    assert client.post("/digest/unsubscribe/garbage").status_code == 404
    db.connect(reuse_if_open=True)
    assert DigestSubscription.select().count() == 0
    db.close()


def test_trainer_unsubscribes_and_stops_getting_the_digest(world, client, app):
    token = digest.unsubscribe_token(world["trainer"], app.config["SECRET_KEY"])
    assert client.post(f"/digest/unsubscribe/{token}").status_code == 200
    db.connect(reuse_if_open=True)
    assert world["trainer"].id not in [u.id for u in digest.recipients()]
    db.close()


def test_settings_page_opts_in_and_out(world, client, auth):
    auth.as_user(world["reader"])
    page = soup(client.get("/digest/settings"))
    assert page.select_one("input[name=posts]") is not None
    assert page.select_one("input[name=nudges]") is None  # trainers only
    token = page.select_one("input[name=csrf_token]")["value"]
    assert client.post("/digest/settings", data={"csrf_token": token, "posts": "y"}).status_code == 303
    db.connect(reuse_if_open=True)
    assert digest.preferences(world["reader"]).posts is True
    db.close()
    client.post("/digest/settings", data={"csrf_token": token})
    db.connect(reuse_if_open=True)
    assert digest.preferences(world["reader"]).posts is False
    db.close()


def test_trainer_previews_the_digest_without_sending_it(world, client, auth, app):
    auth.as_user(world["trainer"])
    settings = soup(client.get("/digest/settings"))
    assert settings.select_one("a[href='/digest/preview']") is not None
    page = soup(client.get("/digest/preview"))
    preview = page.select_one("article.digest-preview")
    assert "tygodniowe podsumowanie" in preview.header.text
    nudged = preview.select_one("li[data-user]")
    assert "Cicha Ćwiczeniówka" in nudged.text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", nudged.text)  # a date for people, not ISO
    assert preview.select_one("a[href*='/digest/unsubscribe/']") is not None
    outbox = Path(app.config["MAIL_OUTBOX_DIR"])
    assert not outbox.exists() or list(outbox.iterdir()) == []  # nothing sent
    db.connect(reuse_if_open=True)
    assert digest.preferences(world["trainer"]).last_sent_at is None
    db.close()


def test_smtp_is_used_when_configured(world, app, smtp_cert):
    from smtp_server import PASSWORD, USER, smtp_server

    with smtp_server("starttls", smtp_cert) as (config, received):
        app.config.update(config, SMTP_USER=USER, SMTP_PASSWORD=PASSWORD)
        db.connect(reuse_if_open=True)
        lines = digest.send_all(app, NOW)
        db.close()
    assert lines == [f"sent to {world['trainer'].email}"]
    assert received.logins == [(USER, True)]
    assert [m["To"] for m in received.messages] == [world["trainer"].email]
    assert not Path(app.config["MAIL_OUTBOX_DIR"]).exists()


def test_a_refused_message_does_not_stop_the_others_and_stays_in_the_outbox(
        world, app, monkeypatch, runner):
    from models import OutboxMessage

    db.connect(reuse_if_open=True)
    digest.set_preferences(world["reader"], posts=True, nudges=True)
    calls = []
    original = mail.Transport.deliver

    def deliver(self, message, name):
        calls.append(message["To"])
        if message["To"] == world["trainer"].email:
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no")})
        return original(self, message, name)

    monkeypatch.setattr(mail.Transport, "deliver", deliver)
    lines = digest.send_all(app, NOW)
    assert len(calls) == 2 and lines[0].startswith("FAILED") and lines[1].startswith("written")
    waiting = OutboxMessage.get(OutboxMessage.recipient == world["trainer"].email)
    assert waiting.sent_at is None and waiting.attempts == 1 and "550" in waiting.last_error
    # Queued is as good as sent for the digest: next week's does not repeat these posts.
    assert digest.preferences(world["trainer"]).last_sent_at == NOW
    # The next `flask mail send` after the retry delay delivers it, once.
    monkeypatch.setattr(mail.Transport, "deliver", original)
    OutboxMessage.update(next_attempt_at=utcnow()).execute()
    db.close()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "1 message(s) sent, 0 failed." in result.output
    db.connect(reuse_if_open=True)
    assert OutboxMessage.select().where(OutboxMessage.sent_at.is_null()).count() == 0
    db.close()
