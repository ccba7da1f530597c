"""The Nu HTML checker (vnu-jar from the npm registry, Java from Debian) over the main pages.

One test renders the main pages of every role on the demo data with the test client, and a
few htmx fragments wrapped in a minimal document, writes them to a temporary folder and runs
the checker ONCE over all of them (the JVM's start costs seconds). Any error fails, except
the checker's complaint that it does not know htmx's `hx-*` attributes.

Without `java` or node_modules/vnu-jar the test skips with the reason; with
KOALICJE_REQUIRE_BROWSER=1 (set by .ci/run, which installs both) it fails instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import csrf_from

from koalicje import invites
from koalicje.content import sync
from koalicje.invites import InviteRequest
from koalicje.learning import progress
from koalicje.ops import demo
from models import (
    Coalition,
    Module,
    Post,
    QuizAttempt,
    SelfAssessment,
    User,
)

ROOT = Path(__file__).resolve().parent.parent
JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
REQUIRED = os.environ.get("KOALICJE_REQUIRE_BROWSER") == "1"
# The only messages let through: the checker does not know htmx's attributes.
HTMX_ATTRIBUTE = re.compile(r"^Attribute “hx-[^”]*” not allowed on element")
FRAGMENT = ('<!DOCTYPE html><html lang="pl"><head><meta charset="utf-8">'
            "<title>{name}</title></head><body><main>{body}</main></body></html>")


def _missing_reason() -> str | None:
    if shutil.which("java") is None:
        return "java is missing (install Debian's default-jre-headless)"
    if not JAR.exists():
        return f"{JAR.relative_to(ROOT)} is missing (npm ci installs vnu-jar)"
    return None


def run_checker(folder: Path) -> list[dict]:
    """Every error the Nu checker reports on the .html files in `folder`, htmx's excepted."""
    done = subprocess.run(
        ["java", "-Xss2m", "-jar", str(JAR), "--format", "json", "--exit-zero-always",
         "--errors-only", "--skip-non-html", str(folder)],
        capture_output=True, text=True, timeout=300,
    )
    report = json.loads(done.stderr or done.stdout)
    return [
        {"file": Path(m.get("url", "")).name, "line": m.get("lastLine"),
         "message": m.get("message"), "extract": (m.get("extract") or "").strip()[:160]}
        for m in report["messages"]
        if m.get("type") == "error" or m.get("subType") == "fatal"
        if not HTMX_ATTRIBUTE.match(m.get("message", ""))
    ]


class Pages:
    """Renders pages with a test client into `folder`, one file per page."""

    def __init__(self, app, folder: Path):
        self.app = app
        self.client = app.test_client()
        self.folder = folder
        self.names: list[str] = []

    def sign_in(self, email: str) -> None:
        """A fresh client (no cookies of the person before) signed in as `email`."""
        self.client = self.app.test_client()
        token = csrf_from(self.client.get("/login").get_data(as_text=True))
        response = self.client.post("/login", data={
            "email": email, "password": demo.DEMO_PASSWORD, "csrf_token": token})
        assert response.status_code == 303, f"{email} could not sign in"

    def _write(self, name: str, html: str) -> None:
        assert name not in self.names, name
        self.names.append(name)
        (self.folder / f"{name}.html").write_text(html, encoding="utf-8")

    def page(self, name: str, url: str, status: int = 200) -> str:
        response = self.client.get(url)
        assert response.status_code == status, f"{url}: {response.status_code}"
        html = response.get_data(as_text=True)
        self._write(name, html)
        return html

    def fragment(self, name: str, url: str, data: dict | None = None,
                 status: int = 200) -> None:
        """What htmx gets (GET, or POST with `data`), wrapped in a minimal valid document."""
        headers = {"HX-Request": "true"}
        response = (self.client.get(url, headers=headers) if data is None
                    else self.client.post(url, data=data, headers=headers))
        assert response.status_code == status, f"{url}: {response.status_code}"
        assert "<html" not in response.get_data(as_text=True), f"{url}: not a fragment"
        self._write(name, FRAGMENT.format(name=name, body=response.get_data(as_text=True)))


# Pages of the coordinator, the trainer and the admin: (file name, URL); a name that starts
# with "_" is an htmx fragment. The anonymous, learner and member pages (they need data made
# on the way) follow in render_main_pages.
STAFF_PAGES = {
    "koordynator@example.org": [
        ("coordinator-home", "/"),
        ("certificate", "/learning/certificate"),
        ("invites", "/invites/"),
        ("coalition-self-assessment", "/self-assessment/coalition/koalicja-zalesie"),
        ("_goals-form", "/coalitions/koalicja-zalesie/goals/edit"),
        ("workshop", "/coalitions/koalicja-zalesie/workshop/"),
        ("workshop-partners", "/coalitions/koalicja-zalesie/workshop/partners"),
        ("workshop-meetings", "/coalitions/koalicja-zalesie/workshop/meetings"),
        ("workshop-plan", "/coalitions/koalicja-zalesie/workshop/plan"),
    ],
    "trener@example.org": [
        ("trainer-home", "/"),
        ("trainer-overview", "/trainer/"),
        ("matrix", "/trainer/matrix"),
        ("_matrix-filtered", "/trainer/matrix?sort=name&dir=desc&status=completed"),
        ("timeline", "/trainer/learners/{learner}"),
        ("trainer-modules", "/trainer/modules"),
        ("trainer-module", "/trainer/modules/czym-jest-partnerstwo"),
        ("nudges", "/trainer/nudges"),
        ("visits", "/trainer/visits/koalicja-zalesie"),
        ("digest-preview", "/digest/preview"),
    ],
    "admin@example.org": [
        ("admin-users", "/admin/users"),
        ("_admin-users-search", "/admin/users?q=bar"),
        ("admin-user", "/admin/users/{learner}"),
        ("coalition-new", "/coalitions/new"),
        ("coalition-edit", "/coalitions/koalicja-zalesie/edit"),
        ("coalition-trainers", "/coalitions/koalicja-zalesie/trainers"),
        ("module-files", "/learning/czym-jest-partnerstwo/files"),
    ],
}


def render_main_pages(app, folder: Path) -> list[str]:
    """The main pages of every role (and the htmx fragments they swap in) on the demo data."""
    sync.sync(ROOT / "content")
    demo.load(app.config)
    pages = Pages(app, folder)
    coalition = Coalition.get(Coalition.slug == "koalicja-zalesie")
    learner = User.by_email("bibliotekarka@example.org")
    _invite, invite_token = invites.create_invite(
        User.by_email("admin@example.org"),
        InviteRequest(email="nowa.osoba@example.org", coalition=coalition,
                      membership_role="member", sector="ngo"), days=14)
    # the coordinator has finished the path: a certificate to show
    for module in Module.select().where(Module.required == True):  # noqa: E712
        progress.set_watched(User.by_email("koordynator@example.org"), module)

    # anonymous: sign in, register through an invite, verify a certificate, an error page
    pages.page("login", "/login")
    pages.page("register", f"/invite/{invite_token}")
    pages.page("certificate-lookup", "/certificates/")
    pages.page("not-found", "/no-such-page", status=404)

    # learner
    pages.sign_in(learner.email)
    pages.page("learner-home", "/")
    pages.page("learning-path", "/learning/")
    pages.page("module-film", "/learning/film-spotkanie-badawcze")
    pages.page("module-reading", "/learning/czym-jest-partnerstwo")
    pages.fragment("module-progress", "/learning/film-spotkanie-badawcze/progress")
    pages.page("quizzes", "/quizzes/")
    token = csrf_from(pages.page("quiz", "/quizzes/czym-jest-partnerstwo"))
    pages.fragment("quiz-422", "/quizzes/czym-jest-partnerstwo", {"csrf_token": token},
                   status=422)
    attempt = (QuizAttempt.select().where(QuizAttempt.user == learner)
               .order_by(QuizAttempt.id.desc()).get())
    pages.page("quiz-result", f"/quizzes/{attempt.quiz.slug}/attempts/{attempt.id}")
    pages.page("self-assessment", "/self-assessment/")
    draft = (SelfAssessment.select().where(SelfAssessment.user == learner)
             .order_by(SelfAssessment.id.desc()).get())
    pages.page("self-assessment-answers", f"/self-assessment/answers/{draft.id}")
    pages.page("certificate-pending", "/learning/certificate")
    pages.page("password", "/account/password")
    pages.page("digest-settings", "/digest/settings")

    # member
    pages.sign_in("czlonek@example.org")
    pages.page("member-learning-path", "/learning/")  # locked modules
    pages.page("board", "/board/")
    token = csrf_from(pages.page("board-coalition", "/board/koalicja-zalesie"))
    pages.fragment("board-search", "/board/koalicja-zalesie?q=spotkanie")
    pages.fragment("post-422", "/board/koalicja-zalesie/posts",
                   {"csrf_token": token, "category": "announcement", "title": ""}, status=422)
    post = (Post.select().where(Post.coalition == coalition, Post.deleted_at.is_null())
            .order_by(Post.id.desc()).get())
    pages.page("post", f"/board/post/{post.id}")
    pages.fragment("comments", f"/board/post/{post.id}/comments")
    pages.fragment("comment-422", f"/board/post/{post.id}/comments",
                   {"csrf_token": token, "body": ""}, status=422)
    pages.page("directory", "/coalitions/")
    pages.fragment("directory-search", "/coalitions/?q=bor")
    pages.page("coalition", "/coalitions/koalicja-zalesie")
    pages.page("stats", "/stats")

    for email, role_pages in STAFF_PAGES.items():
        pages.sign_in(email)
        for name, url in role_pages:
            url = url.format(learner=learner.id)
            if name.startswith("_"):
                pages.fragment(name.lstrip("_"), url)
            else:
                pages.page(name, url)

    # a few pages in English (other words, same markup: translations must not break it)
    pages.sign_in("koordynator@example.org")
    token = csrf_from(pages.client.get("/").get_data(as_text=True))
    pages.client.post("/language", data={"locale": "en", "csrf_token": token})
    for name, url in [("en-home", "/"), ("en-learning-path", "/learning/"),
                      ("en-board", "/board/koalicja-zalesie"),
                      ("en-coalition", "/coalitions/koalicja-zalesie"),
                      ("en-self-assessment", "/self-assessment/coalition/koalicja-zalesie")]:
        assert 'lang="en"' in pages.page(name, url), url
    return pages.names


def test_main_pages_are_valid_html(app, database, tmp_path):
    reason = _missing_reason()
    if reason is not None:
        if REQUIRED:
            pytest.fail(f"KOALICJE_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(f"Nu HTML checker skipped: {reason}")
    folder = tmp_path / "pages"
    folder.mkdir()
    names = render_main_pages(app, folder)
    assert len(names) > 40
    errors = run_checker(folder)
    assert errors == [], "\n".join(
        f"{e['file']}:{e['line']}: {e['message']}\n    {e['extract']}" for e in errors)
