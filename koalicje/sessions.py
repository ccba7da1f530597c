"""Signed-in devices: one server-side row per sign-in, with an idle and an absolute limit.

The session cookie carries a random token; the database keeps only its SHA-256 hash. A
request with a token that has no row, or whose row has been idle too long or lived too long,
is signed out. Logging out ends that device's row; "sign out everywhere", a password change
or reset and deactivation end all of a user's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from koalicje.accounts import hash_token, new_token
from koalicje.prepared import prepared
from koalicje.rows import field_count, model_from_row
from models import User, UserSession, utcnow, write_transaction

# A row's last_seen_at is written at most this often, so reading pages rarely writes.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Limits:
    idle: timedelta
    lifetime: timedelta

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                   lifetime=timedelta(days=config["SESSION_MAX_DAYS"]))


def start(user: User, limits: Limits) -> str:
    """A new session for `user`; returns the token for the cookie (stored only hashed).

    Expired rows of anyone are removed on the way, so the table holds live sessions only.
    """
    token, digest = new_token()
    now = utcnow()
    with write_transaction():
        UserSession.delete().where(
            (UserSession.last_seen_at < now - limits.idle)
            | (UserSession.created_at < now - limits.lifetime)
        ).execute()
        UserSession.create(token_hash=digest, user=user, created_at=now, last_seen_at=now)
    return token


@prepared
def _session_of(token_hash: str):
    """The session row with its user (every signed-in request runs it: SQL built once)."""
    return (
        UserSession.select(UserSession, User)
        .join(User, on=(UserSession.user == User.id))
        .where((UserSession.token_hash == token_hash) & User.enabled())
        .limit(1)
    )


_SESSION_FIELDS = [field.name for field in UserSession._meta.sorted_fields]
_SESSION_ID = _SESSION_FIELDS.index("id")
_SESSION_CREATED = _SESSION_FIELDS.index("created_at")
_SESSION_SEEN = _SESSION_FIELDS.index("last_seen_at")


def user_for(token: str | None, limits: Limits) -> User | None:
    """The active user signed in with `token`, or None if it is unknown, ended or expired."""
    if not token:
        return None
    # The row as the driver gives it (the session's columns, then the user's): the session's
    # id and times, and the User made as Peewee makes it (tests/test_auth_sessions.py).
    rows = _session_of.fetchall(hash_token(token))
    if not rows:
        return None
    row = rows[0]
    session_id = row[_SESSION_ID]
    created_at = UserSession.created_at.python_value(row[_SESSION_CREATED])
    last_seen_at = UserSession.last_seen_at.python_value(row[_SESSION_SEEN])
    now = utcnow()
    if now - last_seen_at >= limits.idle or now - created_at >= limits.lifetime:
        with write_transaction():
            UserSession.delete().where(UserSession.id == session_id).execute()
        return None
    if now - last_seen_at >= TOUCH_EVERY:
        with write_transaction():
            UserSession.update(last_seen_at=now).where(UserSession.id == session_id).execute()
    user = model_from_row(User, row, field_count(UserSession))
    user.session_key = token
    return user


def end(token: str | None) -> None:
    """End one device's session (logout)."""
    if token:
        with write_transaction():
            UserSession.delete().where(UserSession.token_hash == hash_token(token)).execute()


def end_all(user: User) -> int:
    """End every session of `user` (sign out everywhere); returns how many ended."""
    with write_transaction():
        return UserSession.delete().where(UserSession.user == user.id).execute()


def count(user: User) -> int:
    return UserSession.select().where(UserSession.user == user.id).count()


def keep(user: User, key: str, value: object) -> None:
    """Keep `value` on the server for this device's next page (`take`), e.g. a one-time link
    shown after a redirect, which must not travel in the readable cookie."""
    row = UserSession.get_or_none(UserSession.token_hash == hash_token(user.get_id()))
    if row is None:
        return
    with write_transaction():
        row.pending = {**(row.pending or {}), key: value}
        row.save(only=[UserSession.pending])


def take(user: User, key: str) -> object | None:
    """What `keep` left under `key` for this device, removed as it is read (None if absent)."""
    token = user.get_id()
    row = UserSession.get_or_none(UserSession.token_hash == hash_token(token)) if token else None
    if row is None or key not in (row.pending or {}):
        return None
    with write_transaction():
        pending = dict(row.pending)
        value = pending.pop(key)
        UserSession.update(pending=pending).where(UserSession.id == row.id).execute()
    return value
