"""The learner's journey in a real browser, at a phone and a desktop width.

A librarian who has finished the first three modules continues the path from the home page,
plays the film's local recording until it counts as watched (the text and the status follow
while it plays, without a reload), fails and then passes the module's quiz (the right answers
are shown only after the pass), answers the partnership self-assessment over two sittings
(the draft comes back in a new page) and reads the result. The same journey without
JavaScript (the film marked watched with the plain form), and once with the keyboard only.
Each run has a learner of its own, seeded into the shared demo instance.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from browser.support import DEMO_PASSWORD, VIEWPORTS, assert_fits, seed, sign_in, wait_until

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
FILM = "film-spotkanie-badawcze"
FILM_TITLE = "Film: jak przygotować i przeprowadzić partnerskie spotkanie badawcze"
COALITION = "Koalicja Podróży Uczących się"
RUNS = ("js-phone", "js-desktop", "nojs-phone", "nojs-desktop", "keys-desktop")


def _load(path: str) -> dict:
    return yaml.safe_load((ROOT / "content" / path).read_text(encoding="utf-8"))


QUIZ = _load(f"quizzes/{FILM}.yaml")
INSTRUMENT = _load("self_assessment/partnerstwo.yaml")
STATEMENTS = [[s["id"] for s in d["statements"]] for d in INSTRUMENT["dimensions"]]
TOTAL = sum(len(ids) for ids in STATEMENTS)


def _options(question: dict) -> list[tuple[str, bool]]:
    if question["type"] == "true_false":
        return [("true", question["answer"]), ("false", not question["answer"])]
    return [(o["id"], bool(o.get("correct"))) for o in question["options"]]


def _email(run: str) -> str:
    return f"uczaca-{run}@example.org"


@pytest.fixture(scope="module")
def learners(live_server) -> str:
    """One librarian per run, each with the first three modules completed."""

    def build() -> None:
        from datetime import timedelta

        from koalicje import accounts
        from models import Coalition, Membership, Module, ModuleProgress, utcnow

        coalition = Coalition.create(
            slug="koalicja-podrozy-nauki", name=COALITION, gmina="Podróże",
            voivodeship="lubelskie", library="GBP w Podróżach", round=1)
        first = [m for m in Module.active() if m.position < 4]
        now = utcnow().replace(microsecond=0)
        for run in RUNS:
            user = accounts.create_user(_email(run), f"Lidia Uczona {run}", DEMO_PASSWORD)
            Membership.create(user=user, coalition=coalition, role="member", sector="library")
            for module in first:
                ModuleProgress.create(user=user, module=module, status="completed",
                                      watched=True, started_at=now - timedelta(days=9),
                                      updated_at=now - timedelta(days=8),
                                      completed_at=now - timedelta(days=8))

    seed(live_server.database, build)
    return live_server


def _text(page, selector: str) -> str:
    return " ".join(page.inner_text(selector).split())


# --- how the learner acts: the mouse, or the keyboard alone -----------------------------------


class Mouse:
    """Clicks (a pointer or a finger)."""

    def __init__(self, page) -> None:
        self.page = page

    def click(self, locator) -> None:
        locator.click()

    def answer_quiz(self, page, answers: dict[str, list[str]]) -> None:
        for qid, options in answers.items():
            for option in options:
                page.locator(f"label[for='q-{qid}-{option}']").click()
        page.get_by_role("button", name="Sprawdź odpowiedzi").click()

    def answer_statement(self, page, sid: str, score: int) -> None:
        page.locator(f"label[for='s-{sid}-{score}']").click()


# What has the focus, and whether the focus can be seen (Pico marks :focus-visible with an
# outline or a box-shadow; the app's own styles must not remove it).
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  // A player's focus is on a control inside the browser's own (closed) player.
  const media = e.matches('video, audio');
  return {tag: e.tagName, id: e.id, name: e.getAttribute('name') || '',
          text: (e.innerText || e.value || '').trim().slice(0, 60),
          focusVisible: e.matches(media ? ':focus-within' : ':focus-visible'),
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
          shadow: s.boxShadow !== 'none'};
}"""


class Keys:
    """Tab, Shift+Tab, Enter and Space only (arrow keys inside a radio group, as there is no
    other way to reach a middle option); every focused control must show its focus."""

    LIMIT = 120

    def __init__(self, page) -> None:
        self.page = page
        self.stops = 0

    def _tab(self, back: bool = False) -> dict | None:
        self.page.keyboard.press("Shift+Tab" if back else "Tab")
        focused = self.page.evaluate(FOCUSED)
        if focused is not None:
            self.stops += 1
            assert focused["focusVisible"], f"focus is not :focus-visible on {focused}"
            assert focused["outline"] or focused["shadow"], f"focus cannot be seen on {focused}"
        return focused

    def focus(self, locator) -> None:
        """Tab (then Shift+Tab) until `locator` has the focus."""
        target = locator.element_handle()
        for back in (False, True):
            for _ in range(self.LIMIT):
                self._tab(back)
                if target.evaluate("el => el === document.activeElement"):
                    return
        raise AssertionError(f"{locator} cannot be reached with the keyboard")

    def focus_name(self, name: str) -> dict:
        """Tab forward to the first control named `name` (a radio group is one stop)."""
        for _ in range(self.LIMIT):
            focused = self._tab()
            if focused and focused["name"] == name:
                return focused
        raise AssertionError(f"no control named {name} within {self.LIMIT} tabs")

    def click(self, locator) -> None:
        self.focus(locator)
        self.page.keyboard.press("Enter")

    def type_into(self, locator, text: str) -> None:
        self.focus(locator)
        self.page.keyboard.type(text)

    def _choose_radio(self, name: str, value: str) -> None:
        self.focus_name(name)
        values = self.page.eval_on_selector_all(
            f"input[name='{name}']", "els => els.map(e => e.value)")
        current = self.page.evaluate("() => document.activeElement.value")
        steps = values.index(value) - values.index(current)
        if steps == 0:
            self.page.keyboard.press("Space")
        for _ in range(abs(steps)):
            self.page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
        assert self.page.locator(f"input[name='{name}'][value='{value}']").is_checked()

    def answer_quiz(self, page, answers: dict[str, list[str]]) -> None:
        for fieldset in page.locator("fieldset.quiz-question").all():
            qid = fieldset.get_attribute("data-question")
            boxes = fieldset.locator("input[type=checkbox]")
            if boxes.count():
                for box in boxes.all():
                    self.focus(box)
                    if (box.get_attribute("value") in answers[qid]) != box.is_checked():
                        page.keyboard.press("Space")
                    assert box.is_checked() == (box.get_attribute("value") in answers[qid])
            else:
                self._choose_radio(f"q-{qid}", answers[qid][0])
        self.click(page.get_by_role("button", name="Sprawdź odpowiedzi"))

    def answer_statement(self, page, sid: str, score: int) -> None:
        self._choose_radio(f"s-{sid}", str(score))


# --- the steps, shared by the runs ------------------------------------------------------------


def continue_from_home(page, act) -> None:
    assert "Ukończone moduły: 3 z 7" in _text(page, ".learning-continue")
    link = page.locator(".learning-continue a.continue-link")
    assert link.inner_text() == FILM_TITLE
    assert_fits(page)
    act.click(link)
    page.wait_for_url(f"**/learning/{FILM}")
    assert page.locator("main h1").inner_text() == FILM_TITLE
    assert page.locator("#module-progress .status-label").inner_text() == "Nierozpoczęty"
    assert "Obejrzane: jeszcze nie" in _text(page, "#module-progress")
    assert_fits(page)


PLAYER = "document.getElementById('module-player')"


def play_until_watched(page, act) -> None:
    """Play the recording: the share, the status and then "watched" follow, no reload."""
    assert "Odtworzono 0% nagrania" in _text(page, "#module-progress")
    page.evaluate("window.notReloaded = true")
    wait_until(page, f"{PLAYER}.readyState >= 1")
    page.evaluate(f"{PLAYER}.playbackRate = 2")  # the 12 s recording in 6 s
    if isinstance(act, Keys):  # Space on the focused player starts it
        act.focus(page.locator("#module-player"))
        page.keyboard.press("Space")
    else:  # the autoplay policy lets a script start it muted
        page.evaluate(f"{PLAYER}.muted = true")
        page.evaluate(f"{PLAYER}.play()")
    wait_until(page, f"!{PLAYER}.paused && {PLAYER}.currentTime > 2.5")
    if isinstance(act, Keys):
        page.keyboard.press("Space")
    else:
        page.evaluate(f"{PLAYER}.pause()")
    # The pause reports: the text follows the bar and the region now says "in progress".
    page.locator("#module-progress[data-status=in_progress]").wait_for()
    percent = int(page.inner_text("#watch-percent").rstrip("%"))
    assert 10 <= percent < 90
    assert page.locator("#module-progress .status-label").inner_text() == "W trakcie"
    assert "Obejrzane: jeszcze nie" in _text(page, "#module-progress")
    if isinstance(act, Keys):  # the swap kept the focus on the player
        assert page.evaluate("document.activeElement.id") == "module-player"
        page.keyboard.press("Space")
    else:
        page.evaluate(f"{PLAYER}.play()")
    wait_until(page, f"{PLAYER}.ended", 20)
    page.locator("#module-progress button", has_text="Cofnij oznaczenie").wait_for()
    progress = _text(page, "#module-progress")
    assert "Obejrzane: tak" in progress and "Odtworzono 100% nagrania" in progress
    assert page.evaluate("window.notReloaded === true")
    assert_fits(page)


def mark_watched_without_javascript(page, act) -> None:
    """Without JavaScript the recording still plays; "watched" is a plain form."""
    assert page.locator("#module-player source").count() == 1
    act.click(page.locator("#module-progress button", has_text="Oznacz jako obejrzane"))
    page.locator("#module-progress button", has_text="Cofnij oznaczenie").wait_for()
    assert page.locator("#module-progress .status-label").inner_text() == "W trakcie"
    assert "Obejrzane: tak" in _text(page, "#module-progress")
    assert_fits(page)


def fail_then_pass_quiz(page, act) -> None:
    act.click(page.locator("#module-progress a", has_text="rozwiąż quiz modułu"))
    page.wait_for_url(f"**/quizzes/{FILM}")
    assert page.locator("main h1").inner_text() == "Quiz: partnerskie spotkanie badawcze"
    assert page.locator("fieldset.quiz-question").count() == len(QUIZ["questions"])
    assert_fits(page)

    wrong = {q["id"]: [next(o for o, ok in _options(q) if not ok)] for q in QUIZ["questions"]}
    act.answer_quiz(page, wrong)
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    score = _text(page, ".quiz-score")
    assert score.startswith("0% (0 z 6 poprawnie) — niezaliczony (próg: 70%)"), score
    assert page.locator(".quiz-review-item.answer-wrong").count() == 6
    # Before a pass (and before the third try) the right answers stay hidden.
    assert page.locator(".quiz-key-hidden").is_visible()
    assert page.locator(".option-correct").count() == 0
    assert "— poprawna" not in page.inner_text(".quiz-review")
    assert page.locator(".quiz-next").count() == 0
    assert_fits(page)

    act.click(page.get_by_role("button", name="Spróbuj jeszcze raz"))
    page.wait_for_url(f"**/quizzes/{FILM}")
    right = {q["id"]: [o for o, ok in _options(q) if ok] for q in QUIZ["questions"]}
    act.answer_quiz(page, right)
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    score = _text(page, ".quiz-score")
    assert score.startswith("100% (6 z 6 poprawnie) — zaliczony"), score
    assert page.locator(".quiz-review-item.answer-right").count() == 6
    assert page.locator(".quiz-key-hidden").count() == 0
    keys = sum(len(ids) for ids in right.values())
    assert page.locator(".option-correct").count() == keys
    assert page.inner_text(".quiz-review").count("— poprawna") == keys
    assert "Quiz zaliczony. Żeby ukończyć moduł" in _text(page, ".quiz-next")
    assert_fits(page)

    act.click(page.locator(".quiz-next a", has_text=FILM_TITLE))
    page.wait_for_url(f"**/learning/{FILM}*")
    progress = _text(page, "#module-progress")
    assert "Quiz: zaliczony" in progress and "Obejrzane: tak" in progress
    # The board task is still to do, so the module stays in progress.
    assert page.locator("#module-progress .status-label").inner_text() == "W trakcie"
    assert "Zadanie na tablicy: czeka na Twój wpis" in progress


def _expected_means(score: int) -> list[str]:
    means = []
    for dimension in INSTRUMENT["dimensions"]:
        values = [6 - score if s.get("reverse") else score for s in dimension["statements"]]
        means.append(f"{sum(values) / len(values):.2f}".replace(".", ","))
    return means


def self_assessment_two_sittings(page, act, *, js: bool, score: int = 4) -> None:
    """Answer page 1 and part of page 2, leave; in a new page the draft is back; finish."""
    home = "/".join(page.url.split("/", 3)[:3])
    menu = page.locator("details.site-menu > summary")
    if menu.is_visible():  # the phone's collapsed menu
        act.click(menu)
    act.click(page.locator(".site-menu-items a[href='/self-assessment/']"))
    page.wait_for_url("**/self-assessment/")
    assert page.locator("main h1").inner_text() == "Samoocena partnerstwa"
    assert page.locator("#sa-mine").inner_text().endswith("Nie masz jeszcze żadnej samooceny.")
    article = page.locator("article[data-instrument=partnerstwo]")
    assert article.locator("select[name=coalition] option:checked").inner_text() == COALITION
    act.click(article.get_by_role("button", name="Rozpocznij lub wznów"))
    page.wait_for_url("**/self-assessment/answers/*")
    assert COALITION in page.locator("main h1").inner_text()
    assert "Strona 1 z 12" in page.inner_text("#sa-form")
    assert page.locator("#sector option:checked").inner_text() == "Biblioteka"
    assert_fits(page)

    for sid in STATEMENTS[0]:
        act.answer_statement(page, sid, score)
    if js:  # autosaved as the answers change
        page.locator("#save-status", has_text=f"Odpowiedzi: {len(STATEMENTS[0])} z {TOTAL}.") \
            .wait_for()
    act.click(page.get_by_role("button", name="Zapisz i dalej"))
    page.locator("#sa-form", has_text="Strona 2 z 12").wait_for()
    act.answer_statement(page, STATEMENTS[1][0], score)
    saved = len(STATEMENTS[0]) + (1 if js else 0)
    if js:
        page.locator("#save-status", has_text=f"Odpowiedzi: {saved} z {TOTAL}.").wait_for()
    draft_url = page.url
    context = page.context
    page.close()

    # The second sitting: a new page, from the self-assessment list.
    page = act.page = context.new_page()
    page.goto(home + "/self-assessment/")
    draft = page.locator(".sa-drafts a")
    assert draft.count() == 1 and COALITION in draft.inner_text()
    assert_fits(page)
    act.click(draft)
    page.wait_for_url("**/self-assessment/answers/*")
    assert page.url.split("?")[0] == draft_url.split("?")[0]
    assert "Strona 2 z 12" in page.inner_text("#sa-form")  # the first page with a gap
    assert page.locator("#sa-form progress").get_attribute("value") == str(saved)
    first_of_two = page.locator(f"input[name='s-{STATEMENTS[1][0]}'][value='{score}']")
    assert first_of_two.is_checked() is js  # without JavaScript a page saves on "next"
    act.click(page.get_by_role("button", name="Wstecz"))
    page.locator("#sa-form", has_text="Strona 1 z 12").wait_for()
    for sid in STATEMENTS[0]:
        assert page.locator(f"input[name='s-{sid}'][value='{score}']").is_checked()
    act.click(page.get_by_role("button", name="Zapisz i dalej"))

    for number, ids in enumerate(STATEMENTS[1:], 2):
        page.locator("#sa-form", has_text=f"Strona {number} z 12").wait_for()
        for sid in ids:
            if not page.locator(f"input[name='s-{sid}'][value='{score}']").is_checked():
                act.answer_statement(page, sid, score)
        if number < len(STATEMENTS):
            act.click(page.get_by_role("button", name="Zapisz i dalej"))
    act.click(page.get_by_role("button", name="Wyślij odpowiedzi"))

    page.locator("#sa-result").wait_for()
    assert "Sektor: Biblioteka." in page.inner_text("#sa-result")
    rows = page.locator("table.sa-dimensions tbody tr")
    assert rows.count() == len(STATEMENTS)
    means = [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())]
    assert means == _expected_means(score)
    strong = sum(1 for m in means if float(m.replace(",", ".")) >= 4)
    assert page.locator(".sa-strengths li").count() == strong
    assert_fits(page)
    page.goto(home + "/self-assessment/")
    assert page.locator(".sa-drafts").count() == 0
    assert COALITION in page.inner_text(".sa-submitted")


# --- the runs ------------------------------------------------------------------------------


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_learner_journey(browser, learners, width, js):
    context = browser.new_context(viewport=VIEWPORTS[width], java_script_enabled=js)
    page = context.new_page()
    act = Mouse(page)
    try:
        sign_in(page, learners, _email(f"{'js' if js else 'nojs'}-{width}"))
        continue_from_home(page, act)
        if js:
            play_until_watched(page, act)
        else:  # the recording plays, but nothing reports how much of it
            mark_watched_without_javascript(page, act)
        fail_then_pass_quiz(page, act)
        self_assessment_two_sittings(page, act, js=js)
    finally:
        context.close()


def test_learner_journey_with_the_keyboard_only(browser, learners):
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    keys = Keys(page)
    try:
        page.goto(learners + "/login")
        keys.type_into(page.locator("#email"), _email("keys-desktop"))
        keys.type_into(page.locator("#password"), DEMO_PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(learners + "/")
        continue_from_home(page, keys)
        play_until_watched(page, keys)
        fail_then_pass_quiz(page, keys)
        self_assessment_two_sittings(page, keys, js=True, score=1)
        assert keys.stops > 100  # the whole journey went through the focus, stop by stop
    finally:
        context.close()
