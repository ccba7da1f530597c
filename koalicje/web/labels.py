"""Display labels for stored codes (roles, sectors), in the current language.

The database keeps stable English codes (`models.ROLES`, `models.MEMBERSHIP_ROLES`,
`models.SECTORS`); every page shows them through these functions, so a label is translated
in one place. Templates call the same functions (registered as Jinja globals by the auth
blueprint).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from models import (
    ACTION_STATUSES,
    MEETING_STEPS,
    MEMBERSHIP_ROLES,
    PARTNER_STATUSES,
    RESOURCE_KINDS,
    ROLES,
    SECTORS,
)

SECTOR_LABELS = {
    "library": _l("Biblioteka"),
    "local_government": _l("Urząd gminy"),
    "education_culture": _l("Oświata i kultura"),
    "ngo": _l("Organizacje pozarządowe"),
    "business": _l("Biznes"),
    "resident": _l("Mieszkańcy"),
}

ROLE_LABELS = {
    # global roles
    "admin": _l("Administrator"),
    "trainer": _l("Trener / trenerka"),
    "user": _l("Użytkownik"),
    # roles in a coalition
    "coordinator": _l("Koordynator"),
    "member": _l("Członek"),
}

assert set(SECTOR_LABELS) == set(SECTORS), "every sector needs a label"
assert set(ROLE_LABELS) == set(ROLES) | set(MEMBERSHIP_ROLES), "every role needs a label"


def sector_label(code: str | None) -> str:
    """'ngo' -> 'Organizacje pozarządowe' / 'NGOs'; an unknown code is shown as it is."""
    if code is None:
        return ""
    label = SECTOR_LABELS.get(code)
    return str(label) if label is not None else code


def role_label(code: str | None) -> str:
    """A global role (admin, trainer, user) or a coalition role (coordinator, member)."""
    if code is None:
        return ""
    label = ROLE_LABELS.get(code)
    return str(label) if label is not None else code


ROUND_NUMERALS = {1: "I", 2: "II", 3: "III"}


def round_label(number: int | None) -> str:
    """A programme round as its documents write it: a Roman numeral."""
    if number is None:
        return ""
    return ROUND_NUMERALS.get(number, str(number))


def sector_choices() -> list[tuple[str, str]]:
    """(code, label) pairs for a select field, in the order of models.SECTORS."""
    return [(code, sector_label(code)) for code in SECTORS]


def role_choices(codes: Iterable[str] = ROLES) -> list[tuple[str, str]]:
    """(code, label) pairs for the given role codes, in the given order."""
    return [(code, role_label(code)) for code in codes]


AUDIT_LABELS = {
    "user.role": _l("Zmiana roli"),
    "user.deactivate": _l("Wyłączenie konta"),
    "user.reactivate": _l("Włączenie konta"),
    "reset.create": _l("Utworzenie linku do ustawienia hasła"),
    "reset.use": _l("Ustawienie nowego hasła z linku"),
    "invite.create": _l("Utworzenie zaproszenia"),
    "invite.revoke": _l("Wycofanie zaproszenia"),
    "invite.accept": _l("Przyjęcie zaproszenia"),
}


def audit_label(action: str) -> str:
    """What an AuditLog action means, e.g. 'user.role' -> 'Zmiana roli'."""
    label = AUDIT_LABELS.get(action)
    return str(label) if label is not None else action


# --- workshop (partners' map, research meeting, action plan) --------------------------------

PARTNER_STATUS_LABELS = {
    "potential": _l("Potencjalny partner"),
    "approached": _l("Rozmawialiśmy"),
    "partner": _l("Partner"),
    "declined": _l("Odmowa"),
}

RESOURCE_LABELS = {
    "premises": _l("Lokal"),
    "people": _l("Ludzie"),
    "money": _l("Pieniądze"),
    "know_how": _l("Wiedza i doświadczenie"),
    "reach": _l("Dotarcie do mieszkańców"),
    "equipment": _l("Sprzęt"),
}

ACTION_STATUS_LABELS = {
    "planned": _l("Zaplanowane"),
    "in_progress": _l("W toku"),
    "done": _l("Zrobione"),
    "dropped": _l("Zaniechane"),
}

MEETING_STEP_LABELS = {
    "preparation": _l("Przygotowanie"),
    "invitations": _l("Zaproszenia do wszystkich sektorów"),
    "agenda": _l("Program spotkania"),
    "questions": _l("Pytania badawcze"),
    "after": _l("Po spotkaniu"),
}

WORKSHOP_STAGE_LABELS = {
    "start": _l("Pierwszy krok"),
    "partners": _l("Mapa partnerów"),
    "meeting": _l("Spotkanie badawcze odbyte"),
    "priorities": _l("Priorytety wybrane"),
    "plan": _l("Plan w realizacji"),
}

assert set(PARTNER_STATUS_LABELS) == set(PARTNER_STATUSES), "every partner status needs a label"
assert set(RESOURCE_LABELS) == set(RESOURCE_KINDS), "every resource kind needs a label"
assert set(ACTION_STATUS_LABELS) == set(ACTION_STATUSES), "every action status needs a label"
assert set(MEETING_STEP_LABELS) == set(MEETING_STEPS), "every meeting step needs a label"


def _label(labels: dict, code: str | None) -> str:
    if code is None:
        return ""
    label = labels.get(code)
    return str(label) if label is not None else code


def partner_status_label(code: str | None) -> str:
    return _label(PARTNER_STATUS_LABELS, code)


def resource_label(code: str | None) -> str:
    return _label(RESOURCE_LABELS, code)


def action_status_label(code: str | None) -> str:
    return _label(ACTION_STATUS_LABELS, code)


def meeting_step_label(code: str | None) -> str:
    return _label(MEETING_STEP_LABELS, code)


def workshop_stage_label(code: str | None) -> str:
    return _label(WORKSHOP_STAGE_LABELS, code)


def register(app) -> None:
    """Make the label functions available in every template."""
    app.jinja_env.globals.update(
        role_label=role_label, sector_label=sector_label, audit_label=audit_label,
        round_label=round_label, partner_status_label=partner_status_label,
        resource_label=resource_label, action_status_label=action_status_label,
        meeting_step_label=meeting_step_label, workshop_stage_label=workshop_stage_label,
    )
