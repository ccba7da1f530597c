"""Demo data for quizzes and the self-assessment: loads once, changes nothing the second time."""

from __future__ import annotations

from koalicje import self_assessment
from koalicje.ops import demo
from models import Coalition, QuizAttempt, SelfAssessment


def test_demo_self_assessments_are_idempotent(app, database):
    demo.load(app.config)
    counts = (SelfAssessment.select().count(), QuizAttempt.select().count())
    assert counts == (3, 1)
    demo.load(app.config)
    assert (SelfAssessment.select().count(), QuizAttempt.select().count()) == counts
    profile = self_assessment.coalition_profile(Coalition.get(Coalition.slug == "koalicja-zalesie"))
    assert profile.respondents == 3
    flagged = [d.slug for d in profile.dimensions if d.disagreement]
    assert flagged == ["komunikacja"]
