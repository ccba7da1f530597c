"""Accounts: sign-in with throttling, tokens for invites and password resets."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from models import LoginAttempt, User, normalize_email, utcnow, write_transaction

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


def authenticate(email: str, password: str, address: str, limits: ThrottleLimits) -> SignIn:
    """Check credentials unless the account or address has failed too often recently.

    A throttled attempt is refused before the password is checked, so guessing cannot go on.
    Inactive users cannot sign in; their failures count like any other.
    """
    email = normalize_email(email)
    since = utcnow() - timedelta(seconds=limits.window_seconds)
    by_account, by_address = _failures_since(email, address, since)
    if by_account >= limits.per_account or by_address >= limits.per_address:
        return SignIn(throttled=True, retry_after=limits.window_seconds)
    user = User.by_email(email)
    if user is not None and user.active and user.check_password(password):
        with write_transaction():
            user.last_login_at = utcnow()
            user.save(only=[User.last_login_at])
            LoginAttempt.delete().where(LoginAttempt.email == email).execute()
        return SignIn(user=user)
    if user is None:
        # Spend the time a real hash check takes, so unknown e-mails are not revealed.
        check_password_hash(_dummy_hash(), password)
    with write_transaction():
        LoginAttempt.create(email=email, address=address)
    return SignIn()


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(8))


def change_password(user: User, new_password: str) -> None:
    """Set a new password; the rotated session token signs out other sessions."""
    with write_transaction():
        user.set_password(new_password)
        user.save()


def create_user(email: str, name: str, password: str, role: str = "user",
                locale: str = "pl") -> User:
    user = User(email=normalize_email(email), name=name.strip(), role=role, locale=locale)
    user.set_password(password)
    with write_transaction():
        user.save()
    return user
