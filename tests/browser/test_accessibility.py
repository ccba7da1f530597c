"""axe-core on every role's main pages and after each htmx swap, at phone and desktop width.

No serious or critical violation is allowed (DESIGN.md's accessibility target). The pages
are checked where people work: anonymous sign-in, registration from an invite and
certificate lookup; the learner's home, path, modules, quiz, self-assessment, certificate;
the member's path with locked modules, board, post page, directory, coalition, statistics;
the coordinator's invites, members, coalition self-assessment, workshop, certificate; the trainer's
overview, matrix, timeline, modules, nudges, visits, digest preview; the admin's users.

Then the htmx interactions that swap content, with axe after each swap: search as you type
(board, directory, matrix, users), load more, filter and sort the matrix, edit in place
(post, goals), autosave (self-assessment), comments, a member's sector, marking progress
and next steps, confirmed role changes, and the validation errors answered as 422 fragments;
then the forms without htmx, in their 422 error state.

These tests write (posts, comments, role changes), so they get a demo instance of their
own (served once for the module) instead of the shared `live_server`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from pprint import pformat

import pytest

from browser.conftest import LiveServer, build_demo_instance, instance_env, serve
from browser.support import axe_violations, sign_in

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
LEARNER = "bibliotekarka@example.org"
MEMBER = "czlonek@example.org"  # modules locked until the first ones are done
COORDINATOR = "koordynator@example.org"  # has finished the path (seeded below)
TRAINER = "trener@example.org"
ADMIN = "admin@example.org"
ROLES = (LEARNER, MEMBER, COORDINATOR, TRAINER, ADMIN)


@dataclass
class World:
    """The instance's address and the ids its pages need."""

    url: LiveServer
    ids: dict[str, int | str] = field(default_factory=dict)


def _seed(folder: Path) -> dict[str, int | str]:
    """On top of the demo: a finished path (certificate), an unused invite and enough posts
    for the board to page ("load more")."""
    from app import create_app
    from koalicje import invites
    from koalicje.board import posts
    from koalicje.learning import progress
    from models import Coalition, Module, User, db

    env = instance_env(folder)
    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "SECRET_KEY": env["SECRET_KEY"],
                      "UPLOAD_DIR": env["UPLOAD_DIR"], "INSTANCE_PATH": str(folder / "instance")})
    with app.app_context():
        db.connect(reuse_if_open=True)
        zalesie = Coalition.get(Coalition.slug == "koalicja-zalesie")
        for n in range(1, 22):
            posts.create_post(User.by_email("janina.sowa@example.org"), zalesie,
                              title=f"Ogłoszenie {n}", body=f"Treść ogłoszenia nr {n}.")
        graduate = User.by_email(COORDINATOR)
        for module in Module.select().where(Module.required == True):  # noqa: E712
            progress.set_watched(graduate, module)
        _invite, token = invites.create_invite(
            User.by_email(ADMIN),
            invites.InviteRequest(email="nowa.osoba@example.org", role="user",
                                  coalition=zalesie,
                                  membership_role="member", sector="ngo"), days=14)
        db.close()
    return {"invite": token}


def _ids(database: Path) -> dict[str, int | str]:
    with sqlite3.connect(database) as con:
        one = lambda sql, *args: con.execute(sql, args).fetchone()[0]  # noqa: E731
        learner = one('SELECT id FROM "user" WHERE email = ?', LEARNER)
        return {
            "learner": learner,
            "janina": one('SELECT id FROM "user" WHERE email = ?', "janina.sowa@example.org"),
            "janina_membership": one(
                'SELECT m.id FROM membership m JOIN "user" u ON m.user_id = u.id'
                " WHERE u.email = ?", "janina.sowa@example.org"),
            "attempt": one("SELECT '/quizzes/' || q.slug || '/attempts/' || a.id FROM quiz_attempt a"
                           " JOIN quiz q ON a.quiz_id = q.id WHERE a.user_id = ?"
                           " ORDER BY a.id DESC", learner),
            "answers": one("SELECT max(id) FROM self_assessment WHERE user_id = ?", learner),
            "post": one("SELECT max(p.id) FROM post p JOIN coalition c ON p.coalition_id = c.id"
                        " WHERE c.slug = 'koalicja-zalesie' AND p.deleted_at IS NULL"),
        }


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("a11y-instance")
    build_demo_instance(folder)
    ids = _seed(folder)
    with serve(folder) as url:
        yield World(url, {**ids, **_ids(url.database)})


@pytest.fixture(scope="module")
def states(browser, world) -> dict[str, dict]:
    """Cookies of a signed-in context per role, so each test skips the sign-in."""
    found = {}
    for email in ROLES:
        context = browser.new_context()
        sign_in(context.new_page(), world.url, email)
        found[email] = context.storage_state()
        context.close()
    return found


@pytest.fixture
def open_as(browser, states) -> Iterator[Callable]:
    """A page at a size, signed in as `email` (None: anonymous), with axe allowed in."""
    contexts = []

    def open_page(email: str | None, size: str):
        context = browser.new_context(bypass_csp=True, viewport=SIZES[size],
                                      storage_state=states[email] if email else None)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


# --- page loads ------------------------------------------------------------------------------

PAGES = {
    None: ["/login", "/invite/{invite}", "/certificates/"],
    LEARNER: ["/", "/learning/", "/learning/film-spotkanie-badawcze",
              "/learning/czym-jest-partnerstwo", "/quizzes/", "/quizzes/czym-jest-partnerstwo",
              "{attempt}", "/self-assessment/",
              "/self-assessment/answers/{answers}", "/learning/certificate",
              "/account/password"],
    MEMBER: ["/", "/learning/", "/board/", "/board/koalicja-zalesie", "/board/post/{post}",
             "/coalitions/", "/coalitions/koalicja-zalesie", "/stats"],
    COORDINATOR: ["/", "/learning/certificate", "/invites/", "/coalitions/koalicja-zalesie",
                  "/self-assessment/coalition/koalicja-zalesie",
                  "/coalitions/koalicja-zalesie/workshop/"],
    TRAINER: ["/", "/trainer/", "/trainer/matrix", "/trainer/learners/{learner}",
              "/trainer/modules", "/trainer/modules/czym-jest-partnerstwo", "/trainer/nudges",
              "/trainer/visits/koalicja-zalesie", "/digest/preview"],
    ADMIN: ["/admin/users", "/admin/users/{learner}", "/coalitions/new"],
}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("email", list(PAGES), ids=lambda e: (e or "anonymous").split("@")[0])
def test_main_pages_have_no_serious_accessibility_violations(world, open_as, email, size):
    page = open_as(email, size)
    found = {}
    for template in PAGES[email]:
        path = template.format(**world.ids)
        response = page.goto(world.url + path)
        assert response is not None and response.status == 200, path
        if violations := axe_violations(page):
            found[path] = violations
    assert found == {}, pformat(found)


# --- htmx swaps --------------------------------------------------------------------------------

SETTLED = ("() => !document.querySelector("
           "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


class Checker:
    """Drives htmx interactions on a page and runs axe after each swap."""

    def __init__(self, page, base: str):
        self.page = page
        self.base = base
        self.found: dict[str, list] = {}
        self.swaps = 0

    def goto(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, path

    def swap(self, label: str, action: Callable[[], None], path: str, status: int = 200) -> None:
        """Do `action`, wait for the htmx request to `path` and its swap, then run axe."""
        def is_htmx(response) -> bool:
            return (path in response.url and response.request.method != "HEAD"
                    and response.request.headers.get("hx-request") == "true")

        with self.page.expect_response(is_htmx) as info:
            action()
        assert info.value.status == status, f"{label}: {info.value.status}"
        self.page.wait_for_function(SETTLED)
        self.swaps += 1
        if violations := axe_violations(self.page):
            self.found[label] = violations


def learner_module(c: Checker, world: World) -> None:
    c.goto("/learning/czym-jest-partnerstwo")
    form = "#module-progress form button[type=submit]"
    c.swap("mark as read", lambda: c.page.click(form), "/watched")
    c.swap("undo the mark", lambda: c.page.click(form), "/watched")


def learner_self_assessment(c: Checker, world: World) -> None:
    c.goto("/self-assessment/")
    c.page.locator("main form[action$='/start'] button[type=submit]").first.click()
    statement = c.page.locator("#sa-form fieldset.sa-statement").first
    c.swap("autosave", lambda: statement.locator("label").nth(1).click(), "/autosave")
    c.swap("autosave again", lambda: statement.locator("label").nth(2).click(), "/autosave")


def member_board(c: Checker, world: World) -> None:
    page = c.page
    c.goto("/board/koalicja-zalesie")
    search = page.locator(".board-filters input[type=search]")
    c.swap("search as you type", lambda: search.press_sequentially("spotkanie"),
           "/board/koalicja-zalesie")
    c.swap("search cleared", lambda: search.fill(""), "/board/koalicja-zalesie")
    c.swap("load more", lambda: page.click(".load-more a"), "/more")
    page.click(".board-new-post summary")
    page.fill("#title", f"Sprawdzamy dostępność ({page.viewport_size['width']} px)")
    page.fill("#body", "Wpis z testu dostępności.")
    page.select_option("#category", "event")  # without a date: refused by the server
    c.swap("event without a date (422)", lambda: page.click("#post-form button[type=submit]"),
           "/posts", status=422)
    page.select_option("#category", "announcement")
    c.swap("new post", lambda: page.click("#post-form button[type=submit]"), "/posts")
    post = page.locator("#board-stream > article").first
    post_id = post.get_attribute("id")
    c.swap("edit in place", lambda: post.get_by_role("link", name="Edytuj").click(), "/edit")
    c.swap("edit saved", lambda: page.click(f"#{post_id} button[type=submit]"), "/edit")
    c.swap("comments opened", lambda: page.click(f"#{post_id} details.post-comments summary"),
           "/comments")
    page.locator(f"#{post_id} .comment-form textarea").fill("   ")  # blank once stripped
    c.swap("blank comment (422)", lambda: page.click(f"#{post_id} .comment-form button"),
           "/comments", status=422)
    page.locator(f"#{post_id} .comment-form textarea").fill("Komentarz z testu.")
    c.swap("comment", lambda: page.click(f"#{post_id} .comment-form button"), "/comments")


def member_directory(c: Checker, world: World) -> None:
    c.goto("/coalitions/")
    c.swap("search as you type", lambda: c.page.locator("#q").press_sequentially("bor"),
           "/coalitions/")
    c.swap("round filter", lambda: c.page.select_option("#round", index=1), "/coalitions/")


def coordinator_coalition(c: Checker, world: World) -> None:
    page = c.page
    c.goto("/coalitions/koalicja-zalesie")
    c.swap("edit goals in place", lambda: page.click("#goals a[href$='/goals/edit']"),
           "/goals/edit")
    c.swap("goals saved", lambda: page.click("#goals form button[type=submit]"), "/goals")
    member = world.ids["janina_membership"]

    def sector(to: str):
        def act():
            page.select_option(f"#sector-{member}", to)
            page.click(f"#member-{member} .member-form button[type=submit]")
        return act

    c.swap("member moved to another sector", sector("ngo"), f"/members/{member}")
    c.swap("member moved back", sector("local_government"), f"/members/{member}")


def trainer_matrix(c: Checker, world: World) -> None:
    page = c.page
    c.goto("/trainer/matrix")
    c.swap("search as you type", lambda: page.locator("#filter-q").press_sequentially("ba"),
           "/trainer/matrix")
    c.swap("search cleared", lambda: page.fill("#filter-q", ""), "/trainer/matrix")
    c.swap("status filter", lambda: page.select_option("#filter-status", index=1),
           "/trainer/matrix")
    c.swap("sort", lambda: page.click("th a:has-text('Ukończone')"), "/trainer/matrix")
    c.swap("sort descending", lambda: page.click("th a:has-text('Ukończone')"),
           "/trainer/matrix")


def trainer_next_step(c: Checker, world: World) -> None:
    c.goto("/trainer/visits/koalicja-zalesie")
    button = "li.next-step form button"
    c.swap("next step done", lambda: c.page.locator(button).first.click(), "/done")
    c.swap("next step undone", lambda: c.page.locator(button).first.click(), "/done")


def admin_users(c: Checker, world: World) -> None:
    page = c.page
    c.goto("/admin/users")
    c.swap("search as you type", lambda: page.locator("#user-search").press_sequentially("sowa"),
           "/admin/users")
    page.on("dialog", lambda dialog: dialog.accept())
    row = f"#user-{world.ids['janina']}"
    role = f"#role-{world.ids['janina']}"

    def change_role(to: str):
        def act():
            page.select_option(role, to)
            page.click(f"{row} form[action$='/role'] button[type=submit]")
        return act

    c.swap("role changed (confirmed)", change_role("trainer"), "/role")
    c.swap("role changed back", change_role("user"), "/role")


INTERACTIONS = {
    "learner-module": (LEARNER, learner_module),
    "learner-self-assessment": (LEARNER, learner_self_assessment),
    "member-board": (MEMBER, member_board),
    "member-directory": (MEMBER, member_directory),
    "coordinator-coalition": (COORDINATOR, coordinator_coalition),
    "trainer-matrix": (TRAINER, trainer_matrix),
    "trainer-next-step": (TRAINER, trainer_next_step),
    "admin-users": (ADMIN, admin_users),
}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(INTERACTIONS))
def test_htmx_swaps_leave_no_serious_accessibility_violations(world, open_as, name, size):
    email, interaction = INTERACTIONS[name]
    checker = Checker(open_as(email, size), world.url)
    interaction(checker, world)
    assert checker.swaps >= 2
    assert checker.found == {}, pformat(checker.found)


# --- forms answered with a whole page (no htmx on them): the error state is checked too ----

# who, page, fields to fill, the submit button: each answers 422 with the form and its errors
FORM_ERRORS = [
    (None, "/login", {"input[name=email]": "nikt@example.org",
                      "input[name=password]": "zle-haslo"},
     "form[action='/login'] button[type=submit]"),
    (None, "/invite/{invite}", {}, "main form button[type=submit]"),
    (LEARNER, "/quizzes/czym-jest-partnerstwo", {}, "#quiz-form button[type=submit]"),
    (COORDINATOR, "/invites/", {}, "main form[method=post] button[type=submit]"),
    (TRAINER, "/trainer/visits/koalicja-zalesie", {"#visit-form input[name=date]": ""},
     "#visit-form button[type=submit]"),
]


@pytest.mark.parametrize("size", list(SIZES))
def test_validation_errors_have_no_serious_accessibility_violations(world, open_as, size):
    found = {}
    for email, template, fields, submit in FORM_ERRORS:
        page = open_as(email, size)
        path = template.format(**world.ids)
        page.goto(world.url + path)
        for selector, value in fields.items():
            page.fill(selector, value)
        with page.expect_navigation() as navigation:
            page.click(submit)
        assert navigation.value.status == 422, path
        if violations := axe_violations(page):
            found[path] = violations
    assert found == {}, pformat(found)
