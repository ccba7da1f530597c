"""`make bench`: the data-set generator on both engines, and a smoke run of the benchmark
on the tiny data set (seconds), so the benchmark cannot rot."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from koalicje.config import ROOT
from koalicje.ops import bench, bench_data
from models import (
    Comment,
    Membership,
    ModuleProgress,
    Post,
    QuizAttempt,
    SelfAssessment,
    TrainerAssignment,
    User,
    Visit,
)

GUNICORN = [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2",
            "--access-logfile", "-"]


def test_generator_makes_the_sizes_it_is_asked_for(database):
    sizes = bench_data.TINY
    summary = bench_data.generate(sizes, seed=3)

    assert Post.select().count() == sizes.posts
    assert Comment.select().count() == sizes.comments
    assert ModuleProgress.select().count() == sizes.progress
    assert QuizAttempt.select().count() == sizes.quiz_attempts
    # The submitted ones plus the bench learner's open draft.
    assert SelfAssessment.select().where(SelfAssessment.status == "submitted").count() \
        == sizes.self_assessments
    trainer = User.get(User.email == bench_data.ROLE_EMAILS["trainer"])
    scope = TrainerAssignment.select(TrainerAssignment.coalition).where(
        TrainerAssignment.trainer == trainer)
    assert scope.count() == sizes.trainer_coalitions
    assert Membership.select().where(Membership.coalition.in_(scope)).count() \
        == sizes.trainer_learners
    big = Post.select().where(Post.coalition == scope.order_by(
        TrainerAssignment.coalition).limit(1)).count()
    assert big == sizes.big_board_posts
    assert Post.select().where(Post.coalition.is_null()).count() == sizes.programme_posts
    assert summary.counts["Post"] == sizes.posts
    from koalicje.web.markdown import render_markdown

    # visits carry their notes rendered, as recording one stores them
    assert {(v.notes, v.notes_html) for v in Visit.select()} == {
        ("Notatki ze spotkania.", render_markdown("Notatki ze spotkania."))}
    for role in bench_data.ROLE_EMAILS.values():
        assert User.by_email(role).check_password(bench_data.BENCH_PASSWORD)
    # a bulk load: the planner's statistics made at the end (as a migration makes them)
    from models import db, is_sqlite

    analysed = ("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'post'" if is_sqlite() else
                "SELECT COUNT(*) FROM pg_stats WHERE tablename = 'post'")
    assert db.execute_sql(analysed).fetchone()[0] > 0


def test_generator_refuses_a_database_with_users(database, factories):
    factories.user()
    with pytest.raises(RuntimeError):
        bench_data.generate(bench_data.TINY)
    assert Post.select().count() == 0


def test_sizes_scale():
    half = bench_data.FULL.scaled(0.5)
    assert half.posts == 25000 and half.coalitions == 225 and half.days == bench_data.FULL.days


def test_make_bench_serves_with_the_gunicorn_command_of_make_run():
    makefile = (ROOT / "Makefile").read_text()
    run_recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    bench_recipe = re.search(r"^bench:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert '$(GUNICORN) --bind $(HOST):$(PORT) "app:create_app()"' in run_recipe
    assert '--gunicorn "$(GUNICORN)"' in bench_recipe
    assert "$(RUN_ENV)" in run_recipe and "$(RUN_ENV)" in bench_recipe


@pytest.fixture(scope="module")
def bench_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("bench")


@pytest.mark.sqlite_only
def test_smoke_run_on_the_tiny_data_set(bench_dir):
    options = bench.Options(gunicorn=GUNICORN, out=bench_dir, sizes=bench_data.TINY,
                            concurrency=(1, 2), driver="python", requests=2,
                            cpu_requests=1, cpu_rounds=1)
    report = bench.run(options)

    rows = report["results"]
    names = {row["target"] for row in rows}
    expected = {t.name for t in bench.targets(json.loads(json.dumps(_fake_urls())))}
    assert expected <= names
    assert {row["clients"] for row in rows} == {1, 2}
    limit = [row for row in rows if row["group"] == "limit"]
    assert len(limit) == 2 and all(len(row["req_per_s_runs"]) == 2 for row in limit)
    for row in rows:
        assert row["errors"] == 0 and row["status_errors"] == 0, row
        assert row["requests"] > 0 and row["share_of_bare"] > 0
        assert row["rss_mb_per_worker"] > 0
        if row["group"] != "limit":
            assert row["status"] in (200, 303), row
            assert row["queries"] >= 1 or row["target"] == "/login (anonymous)"
            assert row["bytes_raw"] > 0 and row["bytes_possible"]["gzip"] > 0
    stored = json.loads((bench_dir / "bench.json").read_text())
    assert stored["results"] == rows
    table = (bench_dir / "bench.md").read_text()
    for name in expected:
        assert f"| {name} |" in table

    # The growth target: every page timed in-process on the demo data and on the data set.
    pages = {t.name for t in bench.targets(_fake_urls()) if t.method == "GET"}
    cpu = report["cpu_in_process"]
    assert set(cpu["demo"]) == pages and set(cpu["full"]) == pages
    assert all(ms > 0 for ms in [*cpu["demo"].values(), *cpu["full"].values()])
    verdicts = {row["target"]: row for row in report["targets"]}
    assert set(verdicts) == expected
    for name in pages:
        row = verdicts[name]
        assert row["growth"] == round(cpu["full"][name] / cpu["demo"][name], 2)
        assert row["growth_met"] == (row["growth"] <= bench.GROWTH_LIMIT)
        assert row["p95_1_met"] == (row["p95_1"] <= 20)
    assert verdicts["home"]["cpu_ms_met"] == (verdicts["home"]["cpu_ms"] <= 5)
    assert verdicts["new post (htmx)"]["growth"] is None  # writes: no growth target
    assert stored["targets"] == report["targets"]
    assert "| page | CPU ms in-process demo / full | growth |" in table
    home_row = next(line for line in table.splitlines()
                    if line.startswith("| home |") and "×" in line)
    growth_cell = home_row.split(" | ")[2]
    assert growth_cell.startswith(f"{verdicts['home']['growth']}× ")
    assert ("✓" if verdicts["home"]["growth_met"] else "✗") in growth_cell
    whole = report["overall"]
    assert whole["errors"] == 0 and whole["errors_met"]
    assert whole["rss_mb"] == max(row["rss_mb_per_worker"] for row in rows
                                  if row["group"] != "limit")
    assert whole["htmx_bytes"] > 0
    assert "Whole run: RSS per worker" in table


@pytest.mark.sqlite_only
def test_smoke_run_with_wrk(bench_dir):
    if not shutil.which("wrk"):
        if os.environ.get("KOALICJE_REQUIRE_WRK"):
            pytest.fail("wrk is required here (apt-get install wrk)")
        pytest.skip("wrk is not installed")
    options = bench.Options(gunicorn=GUNICORN, out=bench_dir, sizes=bench_data.TINY,
                            concurrency=(2,), duration=1, driver="wrk",
                            only=("/healthz", "a coalition board", "a comment (htmx)"))
    rows = bench.run(options)["results"]

    assert {row["target"] for row in rows} == {
        "bare Flask endpoint (the limit)", "/healthz", "a coalition board", "a comment (htmx)"}
    for row in rows:
        assert row["requests"] > 0 and row["errors"] == 0 and row["status_errors"] == 0, row
        assert row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"]
        assert row["cpu_ms_per_request"] > 0


@pytest.mark.sqlite_only
def test_the_demo_sides_searches_find_what_the_full_sides_find(tmp_path):
    """The growth compares like with like: on the demo data the board search and the
    directory search each find something to show, as they do on the generated data (a
    search that finds nothing would make the demo side an empty page)."""
    from models import db

    previous = db.obj
    side = bench.demo_side(bench.Options(gunicorn=GUNICORN, out=tmp_path))
    try:
        side.use()
        for name, shown in (("board search", 'id="post-'), ("directory search (htmx)", "<tr")):
            target = side.targets[name]
            headers = {"HX-Request": "true"} if target.htmx else {}
            page = side.client(target.role).request("GET", target.path, None, headers)
            assert page.status == 200 and page.text.count(shown) >= 3, (name, target.path)
    finally:
        side.close()
        db.initialize(previous)


def _fake_urls() -> dict:
    return {"board": "b", "module": "m", "quiz": "q", "post": 1, "draft": 1, "more": "/x",
            "quiz_answers": {}, "autosave": {}, "last_comment": 0}


def test_the_comment_target_sends_what_the_last_answer_showed(app, htmx, auth):
    """The comment write follows the form each answer carries (`after`: the newest comment the
    reader was shown), as a browser does; the bench reads that value from the answer. With a
    fixed `after`, every answer would carry all the comments the run wrote, and the figure
    would grow with the run."""
    from factories import build_board_world, with_db

    from koalicje.board import posts

    bw = build_board_world()
    post = with_db(lambda: posts.create_post(bw.member, bw.coalition, title="W", body="T"))
    first = with_db(lambda: posts.add_comment(bw.member2, post, "Pierwszy"))
    [target] = [t for t in bench.targets({**_fake_urls(), "post": post.id,
                                          "last_comment": first.id})
                if t.name == "a comment (htmx)"]
    assert target.follow == "after" and target.data["after"] == str(first.id)
    auth.as_user(bw.member)
    data = {**target.data, "csrf_token": auth.csrf()}
    sizes = []
    for _ in range(3):
        answer = htmx.post(target.path, data=data)
        assert answer.status_code == 200
        newest = with_db(lambda: Comment.select().order_by(Comment.id.desc()).get())
        assert bench.followed(answer.data, "after") == str(newest.id)
        data["after"] = bench.followed(answer.data, "after")
        sizes.append(len(answer.data))
    assert sizes[0] == sizes[1] == sizes[2]  # only the new comment each time, not the list
    assert bench.followed(b"<p>no form</p>", "after") is None


def test_the_wrk_script_of_a_followed_field():
    """The Lua that wrk runs for a followed field: the body without the field plus its current
    value, the value taken from each answer with an escaped pattern (the wrk smoke run runs
    it); nothing for a target without one."""
    targets = {t.name: t for t in bench.targets({**_fake_urls(), "last_comment": 7})}
    script = bench.wrk_follow(targets["a comment (htmx)"])
    assert 'local follow_value = "7"' in script
    assert '"c1-body=B%C4%99d%C4%99%2C+dzi%C4%99kuj%C4%99%21" .. "&" .. "after" .. "="' in script
    assert 'string.match(body, "name%=%\\"after%\\" value%=%\\"([^\\"]*)\\"")' in script
    assert bench.wrk_follow(targets["new post (htmx)"]) == ""


def test_growth_sides_take_turns_on_each_target(monkeypatch):
    """The demo and the full data set are timed round by round on the same target, the
    `db` proxy pointing at each side's own database while it runs (a busy minute then
    falls on both sides of the growth ratio)."""
    from models import db

    turns: list[tuple[str, str, object]] = []

    class Client:
        def request(self, method, path, data=None, headers=None):
            return bench.Response(200, {}, b"")

    class FakeSide(bench.Side):
        def client(self, role):
            return Client()

        def time(self, target, requests):
            turns.append((self.app, target.name, db.obj))
            return {"demo": 0.001, "full": 0.0015}[self.app]

    page = bench.Target("home", "page", "learner", "/")
    other = bench.Target("/learning/", "page", "learner", "/learning/")
    write = bench.Target("a write", "write", "member", "/x", "POST", {})
    before = db.obj
    demo_db, full_db = object(), object()
    sides = {name: FakeSide(name, database, bench.DEMO_ACCOUNTS,
                            {t.name: t for t in (page, other, write)})
             for name, database in (("demo", demo_db), ("full", full_db))}
    try:
        cpu = bench.measure_cpu(sides, requests=1, rounds=3)
    finally:
        db.initialize(before)

    assert cpu == {"demo": {"home": 1.0, "/learning/": 1.0},
                   "full": {"home": 1.5, "/learning/": 1.5}}
    order = [(side, name) for side, name, _ in turns]
    assert order == [("demo", "home"), ("full", "home"), ("full", "home"),
                     ("demo", "home"), ("demo", "home"), ("full", "home"),
                     ("demo", "/learning/"), ("full", "/learning/"), ("full", "/learning/"),
                     ("demo", "/learning/"), ("demo", "/learning/"), ("full", "/learning/")]
    assert all(database is (demo_db if side == "demo" else full_db)
               for side, _, database in turns)
