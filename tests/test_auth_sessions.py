"""Server-side sessions: logout, sign out everywhere, password change, reset, deactivation,
the idle and absolute time-outs (with a frozen clock), feed URLs and CSRF at sign-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from conftest import (
    PASSWORD,
    Auth,
    cookie_contents,
    csrf_from,
    make_coalition,
    make_user,
    soup,
)

from koalicje import accounts, sessions
from koalicje.board import feed_tokens
from models import UserSession

NEW_PASSWORD = "nowe-haslo-12345"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def signed_in_as(client, user) -> bool:
    """Whether the page shows this user signed in (the sign-out button and their name)."""
    page = soup(client.get("/"))
    return page.select_one("form[action='/logout']") is not None and user.name in page.text


def copy_of(app, client):
    """A second client holding a copy of `client`'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def second_device(app, user):
    other = app.test_client()
    Auth(other).as_user(user)
    return other


def test_logout_ends_the_session_for_a_copied_cookie(app, client, auth, database):
    user = make_user(name="Halina Kopia")
    auth.as_user(user)
    thief = copy_of(app, client)
    assert signed_in_as(thief, user)
    auth.logout()
    assert not signed_in_as(client, user)
    assert not signed_in_as(thief, user)
    assert UserSession.select().count() == 0


def test_logout_ends_only_this_device(app, client, auth, database):
    user = make_user(name="Irena Dwa Urządzenia")
    auth.as_user(user)
    other = second_device(app, user)
    auth.logout()
    assert signed_in_as(other, user)


def test_sign_out_everywhere_ends_every_device(app, client, auth, database):
    user = make_user(name="Janina Wszędzie")
    bystander = make_user(name="Kamila Obok")
    auth.as_user(user)
    other = second_device(app, user)
    thief = copy_of(app, client)
    unrelated = second_device(app, bystander)
    page = soup(client.get("/account/password"))
    form = page.select_one("form[action='/account/sign-out-everywhere']")
    assert form is not None and form.select_one("button") is not None
    response = client.post("/account/sign-out-everywhere", data={"csrf_token": auth.csrf()})
    assert response.status_code == 303
    for device in (client, other, thief):
        assert not signed_in_as(device, user)
    assert signed_in_as(unrelated, bystander)


def test_sign_out_everywhere_needs_post_and_csrf(app, client, auth, database):
    user = make_user(name="Lena Bez Tokenu")
    auth.as_user(user)
    assert client.post("/account/sign-out-everywhere").status_code == 400
    assert client.get("/account/sign-out-everywhere").status_code == 405
    assert signed_in_as(client, user)


def test_password_change_ends_other_sessions_and_keeps_this_device(app, client, auth, database):
    user = make_user(name="Marta Nowe Hasło")
    auth.as_user(user)
    other = second_device(app, user)
    thief = copy_of(app, client)
    response = client.post("/account/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
        "csrf_token": auth.csrf()})
    assert response.status_code == 303
    assert signed_in_as(client, user)
    assert not signed_in_as(other, user)
    assert not signed_in_as(thief, user)


def test_reset_ends_every_session(app, client, auth, database):
    user = make_user(name="Nina Reset")
    admin = make_user(role="admin")
    auth.as_user(user)
    token = accounts.create_reset(user, admin, hours=1)
    accounts.use_reset(token, NEW_PASSWORD)
    assert not signed_in_as(client, user)


def test_deactivation_ends_every_session_even_after_reactivation(app, client, auth, database):
    user = make_user(name="Olga Wyłączona")
    admin = make_user(role="admin")
    auth.as_user(user)
    accounts.set_active(admin, user, False)
    accounts.set_active(admin, user, True)
    assert not signed_in_as(client, user)


def test_feed_urls_end_with_a_password_change_or_reset(app, client, database):
    user = make_user()
    admin = make_user(role="admin")
    coalition = make_coalition()
    from conftest import add_member

    add_member(user, coalition)

    def feed_status(token):
        return client.get(f"/board/{coalition.slug}/feed.atom?token={token}").status_code

    before = feed_tokens.feed_token(user, coalition)
    assert feed_status(before) == 200
    accounts.change_password(user, NEW_PASSWORD)
    assert feed_status(before) == 404
    after_change = feed_tokens.feed_token(user, coalition)
    assert after_change != before and feed_status(after_change) == 200
    accounts.use_reset(accounts.create_reset(user, admin, hours=1), "inne-haslo-12345")
    assert feed_status(after_change) == 404


def test_csrf_token_from_before_sign_in_is_renewed(app, client, database):
    user = make_user(name="Paula Token")
    planted = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": planted})
    assert response.status_code == 303
    assert csrf_from(client.get("/").get_data(as_text=True)) != planted
    assert client.post("/logout", data={"csrf_token": planted}).status_code == 400
    assert signed_in_as(client, user)


# --- time-outs (frozen clock) ----------------------------------------------------------------


def test_idle_session_ends_after_the_idle_limit(app, client, auth, database):
    app.config["SESSION_IDLE_MINUTES"] = 60
    user = make_user(name="Renata Drzemka")
    with time_machine.travel(START, tick=False) as clock:
        auth.as_user(user)
        clock.shift(timedelta(minutes=50))
        assert signed_in_as(client, user)  # in use: the idle clock starts again
        clock.shift(timedelta(minutes=50))
        assert signed_in_as(client, user)
        clock.shift(timedelta(minutes=61))
        assert not signed_in_as(client, user)
        # The row is gone: coming back within the cookie's life does not revive it.
        clock.shift(timedelta(minutes=-30))
        assert not signed_in_as(client, user)


def test_session_ends_after_the_absolute_lifetime_even_when_busy(app, client, auth, database):
    app.config["SESSION_IDLE_MINUTES"] = 8 * 60
    app.config["SESSION_MAX_DAYS"] = 2
    user = make_user(name="Sabina Pracowita")
    with time_machine.travel(START, tick=False) as clock:
        auth.as_user(user)
        cookie = client.get_cookie("session").value
        for _ in range(11):  # a request every 4 hours: 44 hours, never idle
            clock.shift(timedelta(hours=4))
            assert signed_in_as(client, user)
        clock.shift(timedelta(hours=4, minutes=1))  # 48 h 1 min after signing in
        client.set_cookie("session", cookie)  # even with the cookie kept alive by the client
        assert not signed_in_as(client, user)


def test_session_rules_without_a_request(database):
    user = make_user()
    limits = sessions.Limits(idle=timedelta(minutes=30), lifetime=timedelta(days=1))
    with time_machine.travel(START, tick=False) as clock:
        token = sessions.start(user, limits)
        assert sessions.user_for(token, limits).id == user.id
        assert sessions.user_for(token + "x", limits) is None
        assert sessions.user_for("", limits) is None
        clock.shift(timedelta(minutes=31))
        assert sessions.user_for(token, limits) is None
        assert sessions.count(user) == 0
        kept = sessions.start(user, limits)
        stale = sessions.start(user, limits)
        clock.shift(timedelta(minutes=20))
        assert sessions.user_for(kept, limits) is not None
        clock.shift(timedelta(minutes=20))
        sessions.start(make_user(), limits)  # starting any session sweeps the expired ones
        assert sessions.count(user) == 1
        assert sessions.user_for(stale, limits) is None
        assert sessions.end_all(user) == 1


# --- one-time links stay on the server between the redirect and the page -------------------


def test_new_reset_link_is_not_in_the_cookie(app, client, auth, database):
    admin = make_user(role="admin")
    user = make_user()
    auth.as_user(admin)
    response = client.post(f"/admin/users/{user.id}/reset-link",
                           data={"csrf_token": auth.csrf()})
    assert response.status_code == 303
    assert "/reset/" not in cookie_contents(app, client)
    # Shown on that user's page only, once.
    assert soup(client.get(f"/admin/users/{admin.id}")).select_one("#reset-link-url") is None
    link = soup(client.get(f"/admin/users/{user.id}")).select_one("#reset-link-url")["value"]
    assert "/reset/" in link
    assert soup(client.get(f"/admin/users/{user.id}")).select_one("#reset-link-url") is None


def test_the_sessions_user_is_the_user_peewee_reads(app, database):
    """user_for makes the User from the session row as the driver gives it: the same values
    and types as Peewee's joined query, nothing marked changed, the token kept on it."""
    from koalicje.rows import model_from_row
    from models import User

    person = make_user(name="Ala <b>", locale="en")
    person.last_active_at = datetime(2026, 3, 1, 8, 30)
    person.save()
    limits = sessions.Limits.from_config(app.config)
    token = sessions.start(person, limits)
    with app.app_context():
        user = sessions.user_for(token, limits)
        peewee_row = sessions._session_of.first(accounts.hash_token(token))
    expected = peewee_row.user
    assert type(user) is User and user.__data__ == expected.__data__
    assert {k: type(v) for k, v in user.__data__.items()} == \
        {k: type(v) for k, v in expected.__data__.items()}
    assert not user._dirty and user.session_key == token and user.get_id() == token
    assert sessions.user_for("no-such-token", limits) is None
    assert sessions.user_for(None, limits) is None
    with pytest.raises(TypeError):
        model_from_row(User, (1, 2), 0)
