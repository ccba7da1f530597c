"""Invites: who may invite whom, and creating, revoking and accepting invitations.

Accounts are invite-only. An admin invites anyone with any global role, to any coalition or
none; a trainer invites plain users, to a coalition assigned to them or to none; a
coordinator invites plain users to a coalition they coordinate. Only the SHA-256 of a token
is stored; the link is shown once to its creator.

An invite for an e-mail that already has an account never creates a second account: that
person signs in and accepts, which adds the membership (their global role stays as it is).
Such an invite therefore needs a coalition, and is refused when the person already belongs
to it or the account is deactivated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from peewee import JOIN

from koalicje import self_assessment
from koalicje.accounts import LinkGone, LinkNotFound, hash_token, new_token
from koalicje.permissions import assigned_coalition_ids, can, memberships_of
from models import (
    MEMBERSHIP_ROLES,
    ROLES,
    SECTORS,
    AuditLog,
    Coalition,
    Invite,
    Membership,
    User,
    normalize_email,
    utcnow,
    write_transaction,
)

# Deliberately loose: one @, no spaces, a dot in the domain (the invitee sees the address
# on the invite page, and the link travels by hand anyway).
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class InviteError(Exception):
    """The invite cannot be created as asked; `field` names the form field at fault."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(message)


class InviteForbidden(Exception):
    """The creator may not invite with this role or to this coalition."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class AccountExists(Exception):
    """The invited e-mail has an account: that person signs in to accept."""


class WrongAccount(Exception):
    """The signed-in user is not the person the invite is for."""


# --- who may invite whom -------------------------------------------------------------------


def coordinated_coalition_ids(user: User) -> set[int]:
    return {cid for cid, m in memberships_of(user).items() if m.role == "coordinator"}


def may_create_invites(user: User) -> bool:
    """Admins, trainers and coordinators of at least one coalition (rule "create_invites")."""
    return can("create_invites", user=user)


def allowed_roles(creator: User) -> tuple[str, ...]:
    """Global roles the creator may give: only an admin makes admins and trainers."""
    return ROLES if creator.role == "admin" else ("user",)


def may_invite_without_coalition(creator: User) -> bool:
    return can("invite", None, user=creator)


def invitable_coalitions(creator: User):
    """The coalitions the creator may invite people to, by name."""
    coalitions = Coalition.select().order_by(Coalition.name)
    if creator.role == "admin":
        return coalitions
    ids = coordinated_coalition_ids(creator) | assigned_coalition_ids(creator)
    return coalitions.where(Coalition.id.in_(sorted(ids) or [0]))


def may_invite_to(creator: User, coalition: Coalition | None) -> bool:
    """The "invite" rule: admins anywhere, trainers to theirs (or none), coordinators to theirs."""
    return can("invite", coalition, user=creator)


# --- creating and listing ------------------------------------------------------------------


@dataclass
class InviteRequest:
    email: str
    role: str = "user"
    coalition: Coalition | None = None
    membership_role: str = "member"
    sector: str = "resident"


def check_invite(creator: User, req: InviteRequest) -> None:
    """Raise InviteForbidden or InviteError unless `creator` may send this invite."""
    if not may_create_invites(creator):
        raise InviteForbidden(_("Nie możesz zapraszać nowych osób."))
    if req.role not in ROLES:
        raise InviteError("role", _("Nieznana rola."))
    if req.role not in allowed_roles(creator):
        raise InviteForbidden(_("Tylko administrator może nadać rolę: %(role)s.",
                                role=_role_name(req.role)))
    if req.coalition is None and not may_invite_without_coalition(creator):
        raise InviteError("coalition", _("Wybierz koalicję."))
    if not may_invite_to(creator, req.coalition):
        raise InviteForbidden(_("Nie możesz zapraszać do tej koalicji."))
    if req.coalition is not None:
        if req.membership_role not in MEMBERSHIP_ROLES:
            raise InviteError("membership_role", _("Wybierz rolę w koalicji."))
        if req.sector not in SECTORS:
            raise InviteError("sector", _("Wybierz sektor."))
    email = normalize_email(req.email)
    if not EMAIL.fullmatch(email) or len(email) > 254:
        raise InviteError("email", _("Podaj poprawny adres e-mail."))
    existing = User.by_email(email)
    if existing is not None:
        if not existing.active:
            raise InviteError("email", _("Konto z tym adresem jest wyłączone. "
                                         "Zwróć się do administratora."))
        if req.coalition is None:
            raise InviteError("email", _("Ta osoba ma już konto. Wybierz koalicję, do której "
                                         "ma dołączyć, albo zmień jej rolę na liście "
                                         "użytkowników."))
        if Membership.get_or_none(user=existing, coalition=req.coalition) is not None:
            raise InviteError("email", _("Ta osoba już należy do tej koalicji."))


def _role_name(code: str) -> str:
    from koalicje.web.labels import role_label

    return role_label(code)


def create_invite(creator: User, req: InviteRequest, days: int) -> tuple[Invite, str]:
    """Check and store an invite; returns it with the token (the only time it is known)."""
    check_invite(creator, req)
    token, digest = new_token()
    in_coalition = req.coalition is not None
    with write_transaction():
        invite = Invite.create(
            token_hash=digest,
            email=normalize_email(req.email),
            role=req.role,
            coalition=req.coalition,
            membership_role=req.membership_role if in_coalition else None,
            sector=req.sector if in_coalition else None,
            created_by=creator,
            expires_at=utcnow() + timedelta(days=days),
        )
        AuditLog.record(creator, "invite.create", f"invite:{invite.id}",
                        f"{invite.email} {invite.role}"
                        + (f" coalition:{req.coalition.id}" if in_coalition else ""))
    return invite, token


def pending_invites(viewer: User):
    """Unused, unexpired invites: an admin sees all of them, anyone else their own."""
    invites = (
        Invite.select(Invite, Coalition, User)
        .join(Coalition, join_type=JOIN.LEFT_OUTER, on=(Invite.coalition == Coalition.id))
        .switch(Invite)
        .join(User, on=(Invite.created_by == User.id))
        .where(Invite.used_at.is_null() & (Invite.expires_at > utcnow()))
        .order_by(Invite.created_at.desc(), Invite.id.desc())
    )
    if viewer.role != "admin":
        invites = invites.where(Invite.created_by == viewer)
    return invites


def may_revoke(viewer: User, invite: Invite) -> bool:
    return can("revoke_invite", invite, user=viewer)


def revoke(actor: User, invite: Invite) -> None:
    with write_transaction():
        AuditLog.record(actor, "invite.revoke", f"invite:{invite.id}", invite.email)
        invite.delete_instance()


# --- accepting -----------------------------------------------------------------------------


def find_invite(token: str) -> Invite:
    """The invite a token belongs to, if it can still be used (else LinkNotFound / LinkGone)."""
    invite = (
        Invite.select(Invite, Coalition)
        .join(Coalition, join_type=JOIN.LEFT_OUTER, on=(Invite.coalition == Coalition.id))
        .where(Invite.token_hash == hash_token(token or ""))
        .first()
    )
    if invite is None:
        raise LinkNotFound()
    if invite.used_at is not None:
        raise LinkGone("used")
    if invite.expires_at <= utcnow():
        raise LinkGone("expired")
    return invite


def invited_account(invite: Invite) -> User | None:
    return User.by_email(invite.email)


def _spend(invite: Invite, user: User) -> None:
    """Mark the invite used, unless a concurrent request already did (then LinkGone)."""
    spent = (
        Invite.update(used_at=utcnow(), used_by=user)
        .where((Invite.id == invite.id) & Invite.used_at.is_null())
        .execute()
    )
    if not spent:
        raise LinkGone("used")


def _join(invite: Invite, user: User) -> Membership | None:
    if invite.coalition_id is None:
        return None
    membership, _created = Membership.get_or_create(
        user=user, coalition=invite.coalition_id,
        defaults={"role": invite.membership_role or "member",
                  "sector": invite.sector or "resident"},
    )
    if _created:
        self_assessment.refresh_profiles([invite.coalition_id])
    return membership


def accept_new(token: str, name: str, password: str, locale: str = "pl") -> User:
    """Create the invited account (and its membership) and spend the invite."""
    with write_transaction():
        invite = find_invite(token)
        if invited_account(invite) is not None:
            raise AccountExists()
        user = User(email=invite.email, name=name.strip(), role=invite.role, locale=locale)
        user.set_password(password)
        user.save()
        _spend(invite, user)
        _join(invite, user)
        AuditLog.record(user, "invite.accept", f"invite:{invite.id}", user.email)
    return user


def accept_existing(token: str, user: User) -> Membership | None:
    """The signed-in owner of the invited e-mail joins the coalition; the invite is spent."""
    with write_transaction():
        invite = find_invite(token)
        if normalize_email(user.email) != invite.email:
            raise WrongAccount()
        _spend(invite, user)
        membership = _join(invite, user)
        AuditLog.record(user, "invite.accept", f"invite:{invite.id}", user.email)
    return membership
