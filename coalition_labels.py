"""Labels for coalition sectors, membership roles and programme rounds.

A small stand-in for the shared `labels.py` the accounts area is writing; the lead may merge
the two. Values are the stored codes from models (SECTORS, MEMBERSHIP_ROLES, ROUNDS).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SECTOR_LABELS = {
    "library": _l("Biblioteka"),
    "local_government": _l("Urząd gminy"),
    "education_culture": _l("Oświata i kultura"),
    "ngo": _l("Organizacje pozarządowe"),
    "business": _l("Biznes"),
    "resident": _l("Mieszkańcy"),
}

ROLE_LABELS = {
    "coordinator": _l("Koordynator(ka)"),
    "member": _l("Członek / członkini"),
}

ROUND_NUMERALS = {1: "I", 2: "II", 3: "III"}


def sector_label(sector: str) -> str:
    return str(SECTOR_LABELS.get(sector, sector))


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def round_label(number: int) -> str:
    """The round as programme documents write it: a Roman numeral."""
    return ROUND_NUMERALS.get(number, str(number))
