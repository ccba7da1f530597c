"""Permission cases for the trainer dashboard, the digest pages and programme statistics."""

from datetime import date, timedelta

from access import Case
from koalicje.trainer import digest
from models import Module, NextStep, Visit

TRAINERS = dict(anonymous=302, user=403, member=403, other_trainer=200, trainer=200,
                coordinator=403, admin=200)
SIGNED_IN = dict(user=200, member=200, other_trainer=200, trainer=200, coordinator=200,
                 admin=200)
# A coalition's visit log: its trainers and admins write, its coordinator reads; others 404.
VISIT_WRITE = dict(anonymous=302, user=404, member=404, other_trainer=404, trainer=303,
                   coordinator=403, admin=303)


def setup(world):
    module = Module.create(slug="modul-testowy", position=1, kind="reading",
                           title_pl="Moduł testowy", title_en="Test module")
    visit = Visit.create(coalition=world.coalition, trainer=world.trainer,
                         date=date.today() - timedelta(days=10), purpose="workshop", notes="")
    step = NextStep.create(visit=visit, description="Spotkanie z wójtem",
                           due_date=date.today() - timedelta(days=1))
    world.extra.update(module=module, step=step,
                       token=digest.unsubscribe_token(world.member, "test-secret"))


def visit_data(world):
    return {"date": date.today().isoformat(), "purpose": "local_need", "notes": "Rozmowa",
            "steps-0-description": "Ankieta wśród mieszkańców", "steps-0-owner_user": "0",
            "steps-0-owner_name": "Sołtys", "steps-0-due_date": ""}


CASES = [
    Case("trainer.index", "GET", lambda w: "/trainer/", **TRAINERS),
    Case("trainer.matrix", "GET", lambda w: "/trainer/matrix?sort=last&dir=desc", **TRAINERS),
    # htmx without a session gets 200 with HX-Redirect to sign-in
    Case("trainer.matrix", "GET", lambda w: "/trainer/matrix", headers={"HX-Request": "true"},
         **{**TRAINERS, "anonymous": 200}),
    Case("trainer.matrix_csv", "GET", lambda w: "/trainer/matrix.csv", **TRAINERS),
    Case("trainer.matrix_xlsx", "GET", lambda w: "/trainer/matrix.xlsx", **TRAINERS),
    Case("trainer.nudges", "GET", lambda w: "/trainer/nudges", **TRAINERS),
    Case("trainer.nudges_csv", "GET", lambda w: "/trainer/nudges.csv", **TRAINERS),
    Case("trainer.nudges_xlsx", "GET", lambda w: "/trainer/nudges.xlsx", **TRAINERS),
    Case("trainer.modules", "GET", lambda w: "/trainer/modules", **TRAINERS),
    Case("trainer.module", "GET", lambda w: f"/trainer/modules/{w.extra['module'].slug}",
         **TRAINERS),
    Case("trainer.learner", "GET", lambda w: f"/trainer/learners/{w.member.id}",
         anonymous=302, user=403, member=403, other_trainer=404, trainer=200,
         coordinator=403, admin=200),
    Case("trainer.visits", "GET", lambda w: f"/trainer/visits/{w.coalition.slug}",
         anonymous=302, user=404, member=404, other_trainer=404, trainer=200,
         coordinator=200, admin=200),
    Case("trainer.record_visit", "POST", lambda w: f"/trainer/visits/{w.coalition.slug}",
         data=visit_data, **VISIT_WRITE),
    Case("trainer.step_done", "POST",
         lambda w: f"/trainer/next-steps/{w.extra['step'].id}/done",
         data=lambda w: {"done": "1"}, **VISIT_WRITE),
    Case("digest.settings", "GET", lambda w: "/digest/settings", anonymous=302, **SIGNED_IN),
    Case("digest.preview", "GET", lambda w: "/digest/preview", anonymous=302, **SIGNED_IN),
    Case("digest.settings", "POST", lambda w: "/digest/settings", data=lambda w: {"posts": "y"},
         anonymous=302, user=303, member=303, other_trainer=303, trainer=303, coordinator=303,
         admin=303),
    Case("digest.unsubscribe", "GET", lambda w: f"/digest/unsubscribe/{w.extra['token']}",
         anonymous=200, **SIGNED_IN),
    Case("digest.unsubscribe_confirm", "POST",
         lambda w: f"/digest/unsubscribe/{w.extra['token']}", anonymous=200, **SIGNED_IN),
    Case("stats.index", "GET", lambda w: "/stats", anonymous=302, **SIGNED_IN),
]
