"""The partners' map: institutions and people in the gmina, current partners and potential
ones, and which sectors are missing at the coalition's table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import fn

from koalicje import invites
from koalicje.workshop import Invalid, required_text, sector_code, text
from models import (
    PARTNER_STATUSES,
    RESOURCE_KINDS,
    SECTORS,
    Coalition,
    Invite,
    Membership,
    PartnerEntry,
    User,
    utcnow,
    write_transaction,
)

NAME_MAX = 200
CONTRIBUTION_MAX = 2_000


def partners_of(coalition: Coalition) -> list[PartnerEntry]:
    """The map's entries, by sector then name (one query)."""
    return list(
        PartnerEntry.select()
        .where(PartnerEntry.coalition == coalition)
        .order_by(PartnerEntry.sector, fn.LOWER(PartnerEntry.name), PartnerEntry.id)
    )


def get_entry(coalition: Coalition, entry_id: int) -> PartnerEntry | None:
    return PartnerEntry.get_or_none(
        (PartnerEntry.id == entry_id) & (PartnerEntry.coalition == coalition)
    )


def clean_partner(values: Mapping, resources: list[str]) -> dict:
    """Check a partner form; raise Invalid with a message per field."""
    errors: dict[str, str] = {}
    name = required_text(
        values, "name", NAME_MAX, errors, _l("Podaj nazwę instytucji lub osoby."),
        _l("Nazwa może mieć najwyżej %(max)d znaków."))
    sector = sector_code(values, errors)
    status = values.get("status") or "potential"
    if status not in PARTNER_STATUSES:
        errors["status"] = _("Wybierz status.")
    unknown = [r for r in resources if r not in RESOURCE_KINDS]
    if unknown:
        errors["resources"] = _("Wybierz z listy, co partner może wnieść.")
    contribution = text(values, "contribution", CONTRIBUTION_MAX)
    if len(contribution) > CONTRIBUTION_MAX:
        errors["contribution"] = _("Opis może mieć najwyżej %(max)d znaków.",
                                   max=CONTRIBUTION_MAX)
    email = text(values, "email", 254).lower()
    if email and not invites.EMAIL.fullmatch(email):
        errors["email"] = _("Podaj poprawny adres e-mail albo zostaw pole puste.")
    if errors:
        raise Invalid(errors)
    return {
        "name": name, "sector": sector, "status": status,
        "resources": [r for r in RESOURCE_KINDS if r in resources],
        "contribution": contribution, "email": email,
    }


def save_partner(coalition: Coalition, data: Mapping, actor: User,
                 entry: PartnerEntry | None = None) -> PartnerEntry:
    with write_transaction():
        if entry is None:
            return PartnerEntry.create(coalition=coalition, created_by=actor, **data)
        for key, value in data.items():
            setattr(entry, key, value)
        entry.updated_at = utcnow()
        entry.save()
        return entry


# --- sector coverage ------------------------------------------------------------------------


@dataclass
class SectorCoverage:
    sector: str
    members: int = 0  # coalition members from this sector
    partners: int = 0  # map entries with the status "partner"
    potential: int = 0  # entries still potential or approached

    @property
    def covered(self) -> bool:
        return bool(self.members or self.partners)


def sector_coverage(coalition: Coalition,
                    entries: list[PartnerEntry] | None = None) -> list[SectorCoverage]:
    """Per sector (in models.SECTORS order): who is at the table, who could be (two queries,
    one when the entries are given)."""
    coverage = {sector: SectorCoverage(sector) for sector in SECTORS}
    members = (
        Membership.select(Membership.sector, fn.COUNT(Membership.id).alias("n"))
        .where(Membership.coalition == coalition)
        .group_by(Membership.sector)
        .tuples()
    )
    for sector, count in members:
        if sector in coverage:
            coverage[sector].members = count
    for entry in partners_of(coalition) if entries is None else entries:
        if entry.sector not in coverage:
            continue
        if entry.status == "partner":
            coverage[entry.sector].partners += 1
        elif entry.status in ("potential", "approached"):
            coverage[entry.sector].potential += 1
    return list(coverage.values())


def missing_sectors(coverage: list[SectorCoverage]) -> list[str]:
    return [c.sector for c in coverage if not c.covered]


# --- from the map to the coalition ----------------------------------------------------------


def invite_partner(actor: User, entry: PartnerEntry, days: int) -> tuple[Invite, str]:
    """Invite the partner into the coalition as a member of its sector, through the ordinary
    invite flow (its rules and checks apply); returns the invite and its one-time token."""
    if not entry.email:
        raise Invalid({"email": _("Dopisz adres e-mail partnera, żeby go zaprosić.")})
    request = invites.InviteRequest(email=entry.email, role="user", coalition=entry.coalition,
                                    membership_role="member", sector=entry.sector)
    invite, token = invites.create_invite(actor, request, days)
    with write_transaction():
        entry.invite = invite
        if entry.status == "potential":
            entry.status = "approached"
        entry.updated_at = utcnow()
        entry.save()
    return invite, token


def export_rows(entries: list[PartnerEntry]) -> tuple[list[str], list[list]]:
    """The map as a table for CSV/XLSX, labels in the current language."""
    from koalicje.web.labels import partner_status_label, resource_label, sector_label

    header = [_("Instytucja lub osoba"), _("Sektor"), _("Status"), _("Co może wnieść"),
              _("Opis"), _("E-mail"), _("Zmieniono")]
    rows = [[e.name, sector_label(e.sector), partner_status_label(e.status),
             ", ".join(resource_label(r) for r in e.resources or []), e.contribution,
             e.email, e.updated_at] for e in entries]
    return header, rows
