"""Demo data for quizzes and the self-assessment: loads once, changes nothing the second time."""

from __future__ import annotations

import demo
import self_assessment as sa
from models import Coalition, QuizAttempt, SelfAssessment


def test_demo_self_assessments_are_idempotent(app, database):
    demo.load(app.config)
    counts = (SelfAssessment.select().count(), QuizAttempt.select().count())
    assert counts == (3, 1)
    demo.load(app.config)
    assert (SelfAssessment.select().count(), QuizAttempt.select().count()) == counts
    profile = sa.coalition_profile(Coalition.get(Coalition.slug == "koalicja-zalesie"))
    assert profile.respondents == 3
    flagged = [d.slug for d in profile.dimensions if d.disagreement]
    assert flagged == ["komunikacja"]
