"""Which learning-path modules teach which workshop step: the module page links the learner
to that step in their own coalition's workshop. A mapping here, so the curriculum files in
content/modules stay as the programme team writes them."""

from __future__ import annotations

from dataclasses import dataclass

from koalicje.permissions import memberships_of
from models import Coalition, User

# module slug -> workshop step (partners | meeting | plan)
MODULE_STEPS: dict[str, str] = {
    "film-spotkanie-badawcze": "meeting",  # the film on the partnership research meeting
    "materialy-do-pobrania": "meeting",  # the guides, with the framework scenario
    "wsparcie-dla-partnerstw": "partners",  # partners' potential, current and potential
    "webinarium-rozwijamy-wspolprace": "plan",  # directions of a partnership's development
}
STEP_ENDPOINTS = {"partners": "workshop.partners", "meeting": "workshop.meetings",
                  "plan": "workshop.plan"}


@dataclass
class WorkshopLink:
    coalition: Coalition
    step: str
    endpoint: str


def links_for(module_slug: str, user: User) -> list[WorkshopLink]:
    """The step a module teaches, in each coalition the user belongs to (no query beyond the
    per-request memberships cache)."""
    step = MODULE_STEPS.get(module_slug)
    if step is None or not getattr(user, "is_authenticated", False):
        return []
    return [WorkshopLink(m.coalition, step, STEP_ENDPOINTS[step])
            for m in memberships_of(user).values()]
