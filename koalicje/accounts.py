"""Accounts: sign-in with throttling, tokens for invites and password resets."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from koalicje.web.text import clean_text
from models import (
    ROLES,
    AuditLog,
    FeedToken,
    LoginAttempt,
    PasswordReset,
    User,
    normalize_email,
    utcnow,
    write_transaction,
)

MIN_PASSWORD_LENGTH = 10


def new_token() -> tuple[str, str]:
    """A random URL-safe token and the SHA-256 hex digest that is stored instead of it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class SignIn:
    user: User | None = None
    throttled: bool = False
    retry_after: int = 0
    inactive: bool = False  # right password, but the account is switched off


@dataclass
class ThrottleLimits:
    window_seconds: int
    per_account: int
    per_address: int


def _failures_since(email: str, address: str, since) -> tuple[int, int]:
    recent = LoginAttempt.select().where(LoginAttempt.at >= since)
    by_account = recent.where(LoginAttempt.email == email).count()
    by_address = recent.where(LoginAttempt.address == address).count()
    return by_account, by_address


def _throttled(email: str, address: str, limits: ThrottleLimits) -> SignIn | None:
    since = utcnow() - timedelta(seconds=limits.window_seconds)
    by_account, by_address = _failures_since(email, address, since)
    if by_account >= limits.per_account or by_address >= limits.per_address:
        return SignIn(throttled=True, retry_after=limits.window_seconds)
    return None


def authenticate(email: str, password: str, address: str, limits: ThrottleLimits) -> SignIn:
    """Check credentials unless the account or address has failed too often recently.

    A throttled attempt is refused before the password is checked, so guessing cannot go on.
    Inactive users cannot sign in; their failures count like any other, and only with the
    right password are they told that the account is switched off. Every attempt costs one
    password hash (unknown and inactive accounts included), so timing tells nothing.
    """
    email = normalize_email(email)
    throttled = _throttled(email, address, limits)
    if throttled:
        return throttled
    user = User.by_email(email)
    matches = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is not None and user.active and matches:
        with write_transaction():
            user.last_login_at = utcnow()
            user.save(only=[User.last_login_at])
            LoginAttempt.delete().where(LoginAttempt.email == email).execute()
        return SignIn(user=user)
    if user is not None and not user.active and matches:
        return SignIn(inactive=True)  # told only with the right password: no hint to a guesser
    with write_transaction():
        LoginAttempt.create(email=email, address=address)
        prune_login_attempts(utcnow() - timedelta(seconds=limits.window_seconds))
    return SignIn()


def check_current_password(user: User, password: str, address: str,
                           limits: ThrottleLimits) -> SignIn:
    """Confirm a signed-in user's password (before changing it), throttled like sign-ins.

    Failures count towards the same limits as failed sign-ins of that account and address.
    """
    throttled = _throttled(user.email, address, limits)
    if throttled:
        return throttled
    if user.check_password(password):
        return SignIn(user=user)
    with write_transaction():
        LoginAttempt.create(email=user.email, address=address)
    return SignIn()


def prune_login_attempts(before) -> int:
    """Forget failed sign-ins older than the throttling window: they no longer count, and the
    table would otherwise grow with every mistyped password for ever."""
    return LoginAttempt.delete().where(LoginAttempt.at < before).execute()


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(8))


def end_access(user: User) -> None:
    """End every signed-in session of `user` and void their private feed URLs.

    Run on a password change or reset and on deactivation: whoever held a copied session
    cookie or a feed URL loses it (a new feed secret is made when one is next needed).
    """
    from koalicje import sessions  # sessions uses this module's token helpers

    with write_transaction():
        sessions.end_all(user)
        FeedToken.delete().where(FeedToken.user == user.id).execute()


def change_password(user: User, new_password: str) -> None:
    """Set a new password; every session (this one too) and every feed URL ends."""
    with write_transaction():
        user.set_password(new_password)
        user.save()
        end_access(user)


def create_user(email: str, name: str, password: str, role: str = "user",
                locale: str = "pl") -> User:
    user = User(email=normalize_email(email), name=clean_text(name).strip(), role=role, locale=locale)
    user.set_password(password)
    with write_transaction():
        user.save()
    return user


# --- one-time links: shared by invites and password resets ---------------------------------


class LinkNotFound(Exception):
    """No invite or reset link has this token (never existed, or revoked)."""


class LinkGone(Exception):
    """The link existed but can no longer be used: `reason` is "used", "expired" or "inactive"."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class AccountError(Exception):
    """A change to an account that is refused; `message` is shown to the user (translated)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


# --- password reset links ------------------------------------------------------------------


def create_reset(user: User, actor: User, hours: int) -> str:
    """A one-time password-reset link for `user`, valid `hours`; returns the token (shown once).

    Earlier unused links for the same user stop working, so only the newest one is valid.
    """
    token, digest = new_token()
    now = utcnow()
    with write_transaction():
        PasswordReset.update(used_at=now).where(
            (PasswordReset.user == user) & PasswordReset.used_at.is_null()
        ).execute()
        PasswordReset.create(
            token_hash=digest, user=user, created_by=actor, expires_at=now + timedelta(hours=hours)
        )
        AuditLog.record(actor, "reset.create", f"user:{user.id}", user.email)
    return token


def find_reset(token: str) -> PasswordReset:
    """The reset a token belongs to, if it can still be used (else LinkNotFound / LinkGone)."""
    reset = (
        PasswordReset.select(PasswordReset, User)
        .join(User, on=(PasswordReset.user == User.id))
        .where(PasswordReset.token_hash == hash_token(token or ""))
        .first()
    )
    if reset is None:
        raise LinkNotFound()
    if reset.used_at is not None:
        raise LinkGone("used")
    if reset.expires_at <= utcnow():
        raise LinkGone("expired")
    if not reset.user.active:
        raise LinkGone("inactive")
    return reset


def use_reset(token: str, new_password: str) -> User:
    """Set the new password and spend the link; every session and feed URL of the user ends."""
    with write_transaction():
        reset = find_reset(token)
        spent = (
            PasswordReset.update(used_at=utcnow())
            .where((PasswordReset.id == reset.id) & PasswordReset.used_at.is_null())
            .execute()
        )
        if not spent:
            raise LinkGone("used")
        user = reset.user
        user.set_password(new_password)
        user.save()
        end_access(user)
        LoginAttempt.delete().where(LoginAttempt.email == user.email).execute()
        AuditLog.record(user, "reset.use", f"user:{user.id}", user.email)
    return user


# --- administering users -------------------------------------------------------------------

USER_STATUSES = ("active", "inactive")


def search_users(query: str = "", role: str = "", status: str = ""):
    """Users matching a name/e-mail fragment, a role and active/inactive, ordered by name."""
    users = User.select()
    query = (query or "").strip()
    if query:
        users = users.where(User.name.contains(query) | User.email.contains(query.lower()))
    if role in ROLES:
        users = users.where(User.role == role)
    if status in USER_STATUSES:
        users = users.where(User.active == (status == "active"))
    return users.order_by(User.name, User.id)


def set_role(actor: User, user: User, role: str) -> bool:
    """Change a user's global role; returns False when it was already that role."""
    from flask_babel import gettext as _

    if role not in ROLES:
        raise AccountError(_("Nieznana rola."))
    if user.id == actor.id and role != user.role:
        raise AccountError(_("Nie możesz zmienić własnej roli."))
    if user.role == role:
        return False
    with write_transaction():
        old = user.role
        user.role = role
        user.save(only=[User.role])
        AuditLog.record(actor, "user.role", f"user:{user.id}", f"{old} -> {role}")
    return True


def set_active(actor: User, user: User, active: bool) -> bool:
    """Deactivate or reactivate an account; returns False when nothing changed.

    A deactivated user cannot sign in, their open sessions and feed URLs end; what they
    wrote stays.
    """
    from flask_babel import gettext as _

    if user.id == actor.id and not active:
        raise AccountError(_("Nie możesz wyłączyć własnego konta."))
    if bool(user.active) == active:
        return False
    with write_transaction():
        user.active = active
        if not active:
            user.session_token = secrets.token_urlsafe(24)
            end_access(user)
        user.save(only=[User.active, User.session_token])
        AuditLog.record(actor, "user.reactivate" if active else "user.deactivate",
                        f"user:{user.id}", user.email)
    return True


def set_locale(user: User, locale: str) -> None:
    """Remember the user's language (only the column: nothing else of a stale user object)."""
    if user.locale == locale:
        return
    with write_transaction():
        user.locale = locale
        user.save(only=[User.locale])
