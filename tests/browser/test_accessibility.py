"""axe-core over the main pages of every area: no serious or critical violations.

DESIGN.md's accessibility target, checked where people actually work: the learning path
and a module with its player, quizzes and the self-assessment, the coalition directory and
page, the noticeboard, the trainer's overview and matrix, statistics, the admin users list.
"""

from __future__ import annotations

import pytest

from browser.support import axe_violations, sign_in

pytestmark = pytest.mark.browser

PAGES = [
    ("bibliotekarka@example.org", "/learning/"),
    ("czlonek@example.org", "/learning/"),  # locked module cards (contrast)
    ("bibliotekarka@example.org", "/learning/film-spotkanie-badawcze"),
    ("bibliotekarka@example.org", "/quizzes/czym-jest-partnerstwo"),
    ("bibliotekarka@example.org", "/self-assessment/"),
    ("koordynator@example.org", "/self-assessment/coalition/koalicja-zalesie"),
    ("koordynator@example.org", "/coalitions/"),
    ("koordynator@example.org", "/coalitions/koalicja-zalesie"),
    ("czlonek@example.org", "/board/"),
    ("trener@example.org", "/trainer/"),
    ("trener@example.org", "/trainer/matrix"),
    ("trener@example.org", "/trainer/visits/koalicja-zalesie"),
    ("czlonek@example.org", "/stats"),
    ("admin@example.org", "/admin/users"),
]


@pytest.mark.parametrize(("email", "path"), PAGES, ids=[path for _, path in PAGES])
def test_main_pages_have_no_serious_accessibility_violations(new_context, live_server,
                                                               email, path):
    page = new_context(bypass_csp=True).new_page()
    sign_in(page, live_server, email)
    response = page.goto(live_server + path)
    assert response is not None and response.status == 200
    assert axe_violations(page) == []
