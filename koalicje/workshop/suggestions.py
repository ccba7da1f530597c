"""From the self-assessment to the workshop: weak areas of the coalition's profile suggest
the workshop step that works on them (a weak "membership" area → the partners' map's
missing sectors)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from koalicje.workshop import partners
from models import Coalition

WEAK_BANDS = ("attention",)

# dimension slug (content/self_assessment/*.yaml) -> (workshop step, why it helps)
DIMENSION_STEPS: dict[str, tuple[str, object]] = {
    "sklad": ("partners", _l("Sprawdźcie na mapie partnerów, których sektorów brakuje przy stole.")),
    "samorzad": ("partners", _l("Dopiszcie do mapy partnerów urząd gminy i radnych, "
                                "i zaproście ich na spotkanie.")),
    "uczestnicy": ("partners", _l("Mapa partnerów pokaże, kogo jeszcze zaprosić na spotkanie.")),
    "wspolny-cel": ("meeting", _l("Na partnerskim spotkaniu badawczym ustalcie wspólnie "
                                  "potrzeby gminy i zagłosujcie.")),
    "problem": ("meeting", _l("Zapiszcie potrzeby i problemy gminy na spotkaniu badawczym.")),
    "moderacja": ("meeting", _l("Przejdźcie listę kontrolną spotkania (program, moderacja).")),
    "komunikacja": ("meeting", _l("Zaplanujcie spotkanie: trafi na tablicę jako wydarzenie.")),
    "plan-i-zasoby": ("plan", _l("Rozpiszcie kierunki na działania z osobą odpowiedzialną "
                                 "i terminem.")),
    "wykorzystanie": ("plan", _l("Zamieńcie wyniki spotkania w priorytety i plan działań.")),
    "ewaluacja": ("plan", _l("Sprawdzajcie w planie, co zrobiono i co jest po terminie.")),
}
STEP_ENDPOINTS = {"partners": "workshop.partners", "meeting": "workshop.meetings",
                  "plan": "workshop.plan"}


@dataclass
class Suggestion:
    dimension: str  # its title
    step: str  # partners | meeting | plan
    endpoint: str
    advice: str
    missing_sectors: list[str] = field(default_factory=list)


def for_profile(coalition: Coalition, dimensions: list) -> list[Suggestion]:
    """Suggestions for the weak dimensions of a coalition profile (DimensionProfile-like
    objects with slug, title and band), each step once, in the profile's order."""
    out: list[Suggestion] = []
    for dimension in dimensions:
        if dimension.band not in WEAK_BANDS or dimension.slug not in DIMENSION_STEPS:
            continue
        step, advice = DIMENSION_STEPS[dimension.slug]
        missing: list[str] = []
        if step == "partners":
            missing = partners.missing_sectors(partners.sector_coverage(coalition))
        out.append(Suggestion(dimension.title, step, STEP_ENDPOINTS[step], str(advice),
                              missing))
    return out
