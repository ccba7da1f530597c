"""A coalition member's journey on the noticeboard, at a phone and a desktop width, with and
without JavaScript.

A member posts on the coalition's board, edits the post (in place with htmx; on the edit page
without JavaScript), comments on it and confirms the coordinator's must-read post; then
another member, in a fresh browser, finds the new post marked as new: on the home page, in
the board menu and on the board. Each run has a coalition of its own, seeded into the
shared demo instance, so the counts are exact.
"""

from __future__ import annotations

import pytest

from browser.support import DEMO_PASSWORD, VIEWPORTS, assert_fits, seed, sign_in

pytestmark = pytest.mark.browser

RUNS = ("js-phone", "js-desktop", "nojs-phone", "nojs-desktop")
MUST_READ = "Regulamin tablicy — prosimy o potwierdzenie"


def _slug(run: str) -> str:
    return f"podroz-czlonkow-{run}"


def _name(run: str) -> str:
    return f"Koalicja Podróży Członków {run}"


@pytest.fixture(scope="module")
def coalitions(live_server) -> str:
    """Per run: a coalition, its coordinator's must-read post and two members."""

    def build() -> None:
        from koalicje import accounts
        from koalicje.board import posts
        from models import Coalition, Membership

        for run in RUNS:
            coalition = Coalition.create(
                slug=_slug(run), name=_name(run), gmina="Podróże", voivodeship="lubelskie",
                library="GBP w Podróżach", round=2)
            people = {}
            for who, name, role, sector in (
                ("koordynatorka", "Krystyna Kierownicza", "coordinator", "library"),
                ("czlonkini", "Celina Czynna", "member", "ngo"),
                ("sasiadka", "Sabina Sąsiedzka", "member", "resident"),
            ):
                people[who] = accounts.create_user(f"{who}-{run}@example.org",
                                                   f"{name} {run}", DEMO_PASSWORD)
                Membership.create(user=people[who], coalition=coalition, role=role,
                                  sector=sector)
            post = posts.create_post(
                people["koordynatorka"], coalition, title=MUST_READ,
                body="Piszemy uprzejmie i bez danych osobowych mieszkańców.")
            posts.set_must_read(post, True)

    seed(live_server.database, build)
    return live_server


def _text(locator) -> str:
    return " ".join(locator.inner_text().split())


def _flash(page) -> str:
    return _text(page.locator("#flashes"))


def post_on_the_board(page, base: str, run: str, js: bool) -> str:
    """Open the board from the menu, publish a post; returns the post's element id."""
    page.goto(base + "/")
    menu = page.locator("details.site-menu > summary")
    if menu.is_visible():  # the phone's collapsed menu
        menu.click()
    page.locator("details.board-nav > summary").click()
    page.locator(f".board-nav a[data-board='{_slug(run)}']").click()
    page.wait_for_url(f"**/board/{_slug(run)}")
    assert page.locator("main h1").inner_text().endswith(_name(run))
    assert_fits(page)

    if js:
        page.evaluate("window.notReloaded = true")
    page.locator(".board-new-post summary").click()
    page.fill("#title", "Oddam krzesła po remoncie świetlicy")
    page.select_option("#category", "offer")
    page.fill("#body", "Dwadzieścia **drewnianych** krzeseł, do odbioru w sobotę.")
    page.locator("#post-form button[type=submit]").click()
    post = page.locator("#board-stream > article", has_text="Oddam krzesła").first
    post.wait_for()
    if js:  # added in place, the form emptied for the next post
        assert page.input_value("#title") == ""
    else:
        assert _flash(page) == "Wpis opublikowany."
    assert post.locator(".post-body strong").inner_text() == "drewnianych"
    assert _text(post.locator(".post-category")) == "Oferta"
    assert post.locator(".post-new").count() == 0  # one's own post is not "new"
    assert_fits(page)
    return post.get_attribute("id")


def edit_the_post(page, post_id: str, js: bool) -> None:
    post = page.locator(f"#{post_id}")
    post.get_by_role("link", name="Edytuj").click()
    if js:  # the form replaces the post in place
        page.locator(f"#{post_id}.is-editing").wait_for()
    else:
        page.wait_for_url("**/edit")
        assert page.locator("main h1").inner_text() == "Edycja wpisu"
    assert_fits(page)
    title = page.locator(f"#{post_id} input[name$='title']")
    assert title.input_value() == "Oddam krzesła po remoncie świetlicy"
    title.fill("Oddam 20 krzeseł po remoncie świetlicy")
    page.locator(f"#{post_id}").get_by_role("button", name="Zapisz zmiany").click()
    page.locator(f"#{post_id} .post-edited").wait_for()
    if not js:
        assert _flash(page) == "Zmiany zapisane."
    assert page.locator(f"#{post_id} .post-title").inner_text() == \
        "Oddam 20 krzeseł po remoncie świetlicy"
    assert page.locator(f"#{post_id} .post-edited").inner_text() == "edytowano"


def comment_on_it(page, post_id: str, js: bool) -> None:
    number = post_id.removeprefix("post-")
    if js:  # opening the comments loads them in place
        page.locator(f"#{post_id} details.post-comments summary").click()
    else:  # saving the edit led to the post's own page, comments open
        assert page.url.endswith(f"/board/post/{number}")
        assert page.locator(f"#{post_id} details.post-comments[open]").count() == 1
    page.locator(f"#{post_id} .comments-empty", has_text="Nikt jeszcze nie skomentował.") \
        .wait_for()
    page.locator(f"#{post_id} .comment-form textarea").fill("Zarezerwuję dziesięć dla koła.")
    page.locator(f"#{post_id} .comment-form").get_by_role("button",
                                                         name="Dodaj komentarz").click()
    comment = page.locator(f"#{post_id} .comment", has_text="Zarezerwuję dziesięć dla koła.")
    comment.wait_for()
    assert comment.locator(".comment-author").inner_text().startswith("Celina Czynna")
    assert page.locator(f"#{post_id} .comments-empty").count() == 0
    assert page.inner_text(f"#comments-count-{number}") == "Komentarze (1)"
    if js:  # posted, edited and commented without a page load
        assert page.evaluate("window.notReloaded === true")
    else:
        assert _flash(page) == "Komentarz dodany."
    assert_fits(page)


def confirm_must_read(page, base: str, run: str, js: bool) -> None:
    page.goto(f"{base}/board/{_slug(run)}")
    post = page.locator("article.board-post", has_text=MUST_READ)
    assert _text(post.locator(".post-must-read")) == "Obowiązkowo do przeczytania"
    post_id = post.get_attribute("id")
    if js:
        page.evaluate("window.notReloaded = true")
    post.get_by_role("button", name="Przeczytane").click()
    confirmed = page.locator(f"#{post_id} .post-confirmed")
    confirmed.wait_for()
    assert _text(confirmed) == "✓ Potwierdzono przeczytanie"
    assert page.locator(f"#{post_id}").get_by_role("button", name="Przeczytane").count() == 0
    if js:
        assert page.evaluate("window.notReloaded === true")
    else:
        assert _flash(page) == "Dziękujemy, potwierdzono przeczytanie."
    assert_fits(page)


def another_member_sees_it_new(browser, base: str, run: str, width: str, js: bool,
                               post_id: str) -> None:
    context = browser.new_context(viewport=VIEWPORTS[width], java_script_enabled=js)
    page = context.new_page()
    try:
        sign_in(page, base, f"sasiadka-{run}@example.org")
        # The must-read post and the new one: two posts since the last visit (none yet).
        line = page.locator(".home-board li", has_text=_name(run))
        assert _text(line).endswith("— 2 nowe wpisy od ostatniej wizyty")
        assert_fits(page)
        menu = page.locator("details.site-menu > summary")
        if menu.is_visible():
            menu.click()
        page.locator("details.board-nav > summary").click()
        entry = page.locator(f".board-nav a[data-board='{_slug(run)}']")
        assert _text(entry.locator(".board-new-count")) == "2 nowe"
        entry.click()
        page.wait_for_url(f"**/board/{_slug(run)}")
        post = page.locator(f"#{post_id}")
        assert "is-new" in post.get_attribute("class")
        assert _text(post.locator(".post-new")) == "Nowy"
        assert post.locator(".post-title").inner_text() == "Oddam 20 krzeseł po remoncie świetlicy"
        assert page.inner_text(f"#comments-count-{post_id.removeprefix('post-')}") == \
            "Komentarze (1)"
        # This member has not confirmed the must-read post yet.
        must = page.locator("article", has_text=MUST_READ)
        assert must.get_by_role("button", name="Przeczytane").count() == 1
        assert_fits(page)
        # Seen now: the next visit shows nothing new.
        page.goto(base + "/")
        assert _text(page.locator(".home-board li", has_text=_name(run))).endswith(
            "— nic nowego")
        page.goto(f"{base}/board/{_slug(run)}")
        assert page.locator(f"#{post_id} .post-new").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_member_journey(browser, coalitions, width, js):
    base = coalitions
    run = f"{'js' if js else 'nojs'}-{width}"
    context = browser.new_context(viewport=VIEWPORTS[width], java_script_enabled=js)
    page = context.new_page()
    try:
        sign_in(page, base, f"czlonkini-{run}@example.org")
        post_id = post_on_the_board(page, base, run, js)
        edit_the_post(page, post_id, js)
        comment_on_it(page, post_id, js)
        confirm_must_read(page, base, run, js)
    finally:
        context.close()
    another_member_sees_it_new(browser, base, run, width, js, post_id)
