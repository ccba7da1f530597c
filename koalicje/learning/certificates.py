"""Certificates: issued once every required module is completed, verifiable by code."""

from __future__ import annotations

import re
import secrets

from koalicje.learning import progress
from models import Certificate, User, write_transaction

# No 0/O, 1/I/L: codes are read aloud and typed from paper.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_RE = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_code(code: str) -> str | None:
    """Upper-case, hyphenated form of a typed code; None when it cannot be a code."""
    compact = re.sub(r"[\s-]", "", code or "").upper()
    if len(compact) != 12:
        return None
    formatted = f"{compact[:4]}-{compact[4:8]}-{compact[8:]}"
    return formatted if CODE_RE.match(formatted) else None


def for_user(user: User) -> Certificate | None:
    return Certificate.get_or_none(Certificate.user == user)


def issue_if_earned(user: User) -> Certificate | None:
    """The user's certificate, issuing it now if every required module is completed."""
    existing = for_user(user)
    if existing is not None:
        return existing
    path = progress.learning_path(user)
    if not path.finished:
        return None
    modules = [
        {"slug": item.module.slug, "title_pl": item.module.title_pl,
         "title_en": item.module.title_en}
        for item in path.required
    ]
    with write_transaction():
        existing = for_user(user)
        if existing is not None:
            return existing
        code = new_code()
        while Certificate.select().where(Certificate.code == code).exists():
            code = new_code()
        return Certificate.create(user=user, code=code, name=user.name, modules=modules)


def verify(code: str) -> Certificate | None:
    normalized = normalize_code(code)
    if normalized is None:
        return None
    return Certificate.get_or_none(Certificate.code == normalized)
