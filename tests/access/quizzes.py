"""Quizzes and self-assessment routes: who may take, see and change what."""

from access import Case
from koalicje.config import ROOT
from koalicje.content import quiz_files  # noqa: F401 - registers the loaders
from models import Instrument, Quiz, QuizAttempt, SelfAssessment

QUIZ = "czym-jest-partnerstwo"
SIGNED_IN_200 = dict(user=200, member=200, other_trainer=200, trainer=200, coordinator=200,
                     admin=200)
OWNER_ONLY = dict(user=404, other_trainer=404, trainer=404, coordinator=404, admin=404)


def setup(world) -> None:
    quiz_files.sync_own(ROOT / "content")  # not the modules: other areas set up their own
    quiz = Quiz.get(Quiz.slug == QUIZ)
    version = quiz.versions.get()
    world.extra["attempt"] = QuizAttempt.create(
        user=world.member, quiz=quiz, quiz_version=version, answers={}, results={}, score=0,
    )
    instrument = Instrument.get(Instrument.slug == "partnerstwo")
    world.extra["draft"] = SelfAssessment.create(
        user=world.member, coalition=world.coalition, instrument=instrument,
        instrument_version=instrument.versions.get(), sector="ngo", answers={},
    )


def _draft(w) -> str:
    return f"/self-assessment/answers/{w.extra['draft'].id}"


CASES = [
    Case("quizzes.index", "GET", lambda w: "/quizzes/", anonymous=302, **SIGNED_IN_200),
    Case("quizzes.take", "GET", lambda w: f"/quizzes/{QUIZ}", anonymous=302, **SIGNED_IN_200),
    # Nothing answered: every signed-in persona gets the form back with the gaps marked.
    Case("quizzes.submit", "POST", lambda w: f"/quizzes/{QUIZ}", anonymous=302, user=422,
         member=422, other_trainer=422, trainer=422, coordinator=422, admin=422),
    Case("quizzes.result", "GET",
         lambda w: f"/quizzes/{QUIZ}/attempts/{w.extra['attempt'].id}",
         anonymous=302, member=200, **OWNER_ONLY),
    Case("self_assessment.index", "GET", lambda w: "/self-assessment/", anonymous=302,
         **SIGNED_IN_200),
    Case("self_assessment.start", "POST", lambda w: "/self-assessment/partnerstwo/start",
         anonymous=302, user=303, member=303, other_trainer=303, trainer=303, coordinator=303,
         admin=303),
    Case("self_assessment.answer", "GET", _draft, anonymous=302, member=200, **OWNER_ONLY),
    Case("self_assessment.save_page", "POST", _draft,
         data=lambda w: {"page": "1", "action": "next"},
         anonymous=302, member=303, **OWNER_ONLY),
    Case("self_assessment.autosave", "POST", lambda w: _draft(w) + "/autosave",
         data=lambda w: {"page": "1"}, headers={"HX-Request": "true"},
         anonymous=200, member=200, **OWNER_ONLY),
    # The coalition is public (directory), its results are not: 403 for those who may not.
    Case("self_assessment.coalition", "GET",
         lambda w: f"/self-assessment/coalition/{w.coalition.slug}",
         anonymous=302, user=403, member=403, other_trainer=403, trainer=200, coordinator=200,
         admin=200),
]
