"""Display labels for stored codes, and the current language's text of content fields.

The database keeps stable English codes (`models.ROLES`, `models.MEMBERSHIP_ROLES`,
`models.SECTORS`, `models.ROUNDS`, `models.MODULE_STATUSES`, `models.MODULE_KINDS`,
`models.POST_CATEGORIES`, `models.MEDIA_ROLES`, `models.VISIT_PURPOSES`); every page, export and chart shows them
through the functions here, so a code has one label, translated in one place. Curriculum
files store texts as `{pl, en}` mappings: `localized` picks one, `module_title` and
`module_summary` do the same for a module's columns. Templates call the same functions
(registered as Jinja globals and filters by `register`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from koalicje.web import render
from models import (
    ACTION_STATUSES,
    MEDIA_ROLES,
    MEETING_STEPS,
    MEMBERSHIP_ROLES,
    MODULE_KINDS,
    MODULE_STATUSES,
    PARTNER_STATUSES,
    POST_CATEGORIES,
    RESOURCE_KINDS,
    ROLES,
    SECTORS,
    VISIT_PURPOSES,
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

MODULE_STATUS_LABELS = {
    "not_started": _l("Nierozpoczęty"),
    "in_progress": _l("W trakcie"),
    "completed": _l("Ukończony"),
}

MODULE_KIND_LABELS = {
    "webinar": _l("Webinarium"),
    "film": _l("Film"),
    "reading": _l("Lektura"),
}

POST_CATEGORY_LABELS = {
    "announcement": _l("Ogłoszenie"),
    "event": _l("Wydarzenie"),
    "need": _l("Potrzeba"),
    "offer": _l("Oferta"),
    "success": _l("Historia sukcesu"),
}

MEDIA_ROLE_LABELS = {
    "recording": _l("Nagranie (wideo lub dźwięk)"),
    "light": _l("Wersja lekka nagrania (niska jakość lub sam dźwięk)"),
    "captions": _l("Napisy (WebVTT)"),
    "transcript": _l("Transkrypcja"),
    "handout": _l("Ściąga / notatka do wydruku"),
    "material": _l("Materiał do pobrania"),
}

VISIT_PURPOSE_LABELS = {
    "local_need": _l("analiza lokalnego problemu lub potrzeby"),
    "partner_potential": _l("analiza potencjału partnerów"),
    "workshop": _l("warsztat"),
    "study_visit": _l("wizyta studyjna"),
}

assert set(SECTOR_LABELS) == set(SECTORS), "every sector needs a label"
assert set(ROLE_LABELS) == set(ROLES) | set(MEMBERSHIP_ROLES), "every role needs a label"
assert set(MODULE_STATUS_LABELS) == set(MODULE_STATUSES), "every module status needs a label"
assert set(MODULE_KIND_LABELS) == set(MODULE_KINDS), "every module kind needs a label"
assert set(POST_CATEGORY_LABELS) == set(POST_CATEGORIES), "every post category needs a label"
assert set(MEDIA_ROLE_LABELS) == set(MEDIA_ROLES), "every media role needs a label"
assert set(VISIT_PURPOSE_LABELS) == set(VISIT_PURPOSES), "every visit purpose needs a label"


def _label(labels: Mapping[Any, Any], code: Any) -> str:
    """The label of `code`; an unknown code is shown as it is, None as nothing."""
    if code is None:
        return ""
    label = render.translated(labels).get(code)
    return label if label is not None else str(code)


def sector_label(code: str | None) -> str:
    """'ngo' -> 'Organizacje pozarządowe' / 'NGOs'; an unknown code is shown as it is."""
    return _label(SECTOR_LABELS, code)


def role_label(code: str | None) -> str:
    """A global role (admin, trainer, user) or a coalition role (coordinator, member)."""
    return _label(ROLE_LABELS, code)


ROUND_NUMERALS = {1: "I", 2: "II", 3: "III"}


def round_label(number: int | None) -> str:
    """A programme round as its documents write it: a Roman numeral."""
    if number is None:
        return ""
    return ROUND_NUMERALS.get(number, str(number))


def module_status_label(code: str | None) -> str:
    """'completed' -> 'Ukończony' / 'Completed' (a learner's status in one module)."""
    return _label(MODULE_STATUS_LABELS, code)


def module_kind_label(code: str | None) -> str:
    """'webinar' -> 'Webinarium'."""
    return _label(MODULE_KIND_LABELS, code)


def post_category_label(code: str | None) -> str:
    """'success' -> 'Historia sukcesu'."""
    return _label(POST_CATEGORY_LABELS, code)


def media_role_label(code: str | None) -> str:
    """'captions' -> 'Napisy (WebVTT)' (what a module file is for)."""
    return _label(MEDIA_ROLE_LABELS, code)


def visit_purpose_label(code: str | None) -> str:
    """'workshop' -> 'warsztat' (why a trainer visited a coalition)."""
    return _label(VISIT_PURPOSE_LABELS, code)


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
    return _label(AUDIT_LABELS, action)


# --- the current language's text of content ------------------------------------------------


def current_language() -> str:
    """The language of the current request ('pl' or 'en'); Polish outside a request."""
    return render.language()


def localized(value: Any, lang: str | None = None) -> str:
    """The text of a `{pl, en}` content field in `lang` (default: the current language).

    Polish stands in for a missing translation; a plain string is already one text.
    """
    if isinstance(value, Mapping):
        lang = lang or current_language()
        return value.get(lang) or value.get("pl") or next(iter(value.values()), "") or ""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def localized_lang(value: Any, lang: str | None = None) -> str:
    """The language code of the text `localized` picks (for a lang="" attribute)."""
    lang = lang or current_language()
    if isinstance(value, Mapping) and value.get(lang):
        return lang
    return "pl"


def module_title(module: Any, lang: str | None = None) -> str:
    """A module's title in `lang` (default: the current language), Polish when untranslated.

    Works for a `models.Module` and for anything with `title_pl`/`title_en` (a certificate's
    stored list of modules holds dicts with those keys).
    """
    return _module_text(module, "title", lang)


def _module_body(module: Any) -> dict[str, str]:
    """A module's description as a `{pl, en}` field (the English text sits in its meta)."""
    return {"pl": module.body or "", "en": (module.meta or {}).get("body_en") or ""}


def module_body_text(module: Any, lang: str | None = None) -> str:
    """A module's Markdown description in `lang`, Polish when untranslated."""
    return localized(_module_body(module), lang)


def module_body_lang(module: Any, lang: str | None = None) -> str:
    """The language of the text `module_body_text` picks (for a lang="" attribute)."""
    return localized_lang(_module_body(module), lang)


def module_summary(module: Any, lang: str | None = None) -> str:
    """A module's summary in `lang`, Polish when untranslated."""
    return _module_text(module, "summary", lang)


def _module_text(module: Any, field: str, lang: str | None) -> str:
    if module is None:
        return ""
    lang = lang or current_language()
    get = module.get if isinstance(module, Mapping) else lambda key: getattr(module, key, None)
    return (get(f"{field}_en") if lang == "en" else None) or get(f"{field}_pl") or ""


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
        round_label=round_label, module_status_label=module_status_label,
        module_kind_label=module_kind_label, post_category_label=post_category_label,
        media_role_label=media_role_label, module_title=module_title,
        visit_purpose_label=visit_purpose_label, partner_status_label=partner_status_label,
        resource_label=resource_label, action_status_label=action_status_label,
        meeting_step_label=meeting_step_label, workshop_stage_label=workshop_stage_label,
    )
    app.jinja_env.filters.update(
        loc=localized, loc_lang=localized_lang, module_title=module_title,
        module_summary=module_summary, module_body_lang=module_body_lang,
    )
