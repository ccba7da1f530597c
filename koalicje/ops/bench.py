"""`make bench`: the pages of issue 10's table against the programme's full size.

1. Builds the data set with `bench_data` (cached by sizes, seed and schema version under
   `--out`; each run works on a fresh copy, because the writes add rows).
2. Counts the SQL statements and the response bytes of every target in-process (Flask test
   client), signed in as the role that uses the page.
3. Serves a bare Flask endpoint, then the app, with the very gunicorn command `make run` uses
   (`--gunicorn`, given by the Makefile), and drives every target at each concurrency with wrk
   (or, with `--driver python`, a small threaded client: the smoke test's driver).
4. Measures the CPU time of every page (GET target) in-process, best of a few rounds, on the
   demo data (what `make demo` loads, built afresh in `--out`) and on the full data set, the
   two taking turns round by round: the ratio is issue 10's growth target (full <= 1.5x demo).
5. Writes `bench.json` and `bench.md` (share of the bare endpoint's throughput, p50/p95/p99,
   CPU per request from the gunicorn processes' /proc counters, bytes raw and compressed,
   queries per request, RSS per worker; then each page against the issue's targets).

Absolute figures depend on the machine and on what else runs on it; the share of the bare
endpoint, measured in the same run, is the comparable figure.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import http.client
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from koalicje.config import ROOT
from koalicje.ops import bench_data, demo

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SECRET_KEY = "bench-secret-key-not-for-production"
# Writes run as fast as wrk can send them: the per-user posting limit would answer 429 after
# ten, so the bench server raises it (the only setting that differs from `make run`).
SERVER_ENV = {"SESSION_COOKIE_SECURE": "0", "BOARD_POSTS_PER_MINUTE": "100000000",
              "SECRET_KEY": SECRET_KEY}


@dataclass(frozen=True)
class Accounts:
    """Who the benchmark signs in as: an e-mail per role, and the accounts' password."""

    emails: dict[str, str]
    password: str


BENCH_ACCOUNTS = Accounts(bench_data.ROLE_EMAILS, bench_data.BENCH_PASSWORD)
# The same roles among `make demo`'s accounts: the librarian who learns, the coordinator of
# the first coalition (its board), a plain member there, its trainer and the admin.
DEMO_ACCOUNTS = Accounts({
    "learner": "bibliotekarka@example.org",
    "coordinator": "koordynator@example.org",
    "member": "czlonek@example.org",
    "trainer": "trener@example.org",
    "admin": "admin@example.org",
}, demo.DEMO_PASSWORD)


@dataclass(frozen=True)
class Target:
    name: str
    group: str  # limit | page | partial | export | write
    role: str | None  # key of bench_data.ROLE_EMAILS, None for anonymous
    path: str
    method: str = "GET"
    data: dict[str, str] | None = None
    htmx: bool = False
    # A form field each client takes from the previous answer, as a browser does when htmx
    # swaps in the fresh form the answer carries (the comment form's `after`: the newest
    # comment the reader was shown). Its starting value is in `data`.
    follow: str | None = None


def targets(urls: dict[str, Any]) -> list[Target]:
    """Issue 10's table plus the writes it lists."""
    board = f"/board/{urls['board']}"
    return [
        Target("/healthz", "page", None, "/healthz"),
        Target("/login (anonymous)", "page", None, "/login"),
        Target("home", "page", "learner", "/"),
        Target("/learning/", "page", "learner", "/learning/"),
        Target("a module", "page", "learner", f"/learning/{urls['module']}"),
        Target("a quiz", "page", "learner", f"/quizzes/{urls['quiz']}"),
        Target("/coalitions/", "page", "learner", "/coalitions/"),
        Target("a coalition page", "page", "learner", f"/coalitions/{urls['board']}"),
        Target("/self-assessment/", "page", "learner", "/self-assessment/"),
        Target("a coalition board", "page", "coordinator", board),
        Target("the programme board", "page", "coordinator", "/board/"),
        Target("board search", "page", "coordinator",
               f"{board}?q={urls.get('search_q', 'biblioteka')}"),
        Target("/trainer/ (overview)", "page", "trainer", "/trainer/"),
        Target("/trainer/matrix", "page", "trainer", "/trainer/matrix"),
        Target("a coalition's visits", "page", "trainer", f"/trainer/visits/{urls['board']}"),
        Target("matrix CSV", "export", "trainer", "/trainer/matrix.csv"),
        Target("matrix XLSX", "export", "trainer", "/trainer/matrix.xlsx"),
        Target("directory search (htmx)", "partial", "learner",
               f"/coalitions/?q={urls.get('directory_q', '00')}", htmx=True),
        Target("board load more (htmx)", "partial", "coordinator", urls["more"], htmx=True),
        Target("new post (htmx)", "write", "member", f"{board}/posts", "POST",
               {"title": "Zebranie partnerów", "category": "announcement",
                "body": "Spotykamy się w bibliotece w czwartek o **17:00**."}, htmx=True),
        Target("a comment (htmx)", "write", "member", f"/board/post/{urls['post']}/comments",
               "POST", {f"c{urls['post']}-body": "Będę, dziękuję!",
                        "after": str(urls["last_comment"])}, htmx=True, follow="after"),
        Target("watched toggle (htmx)", "write", "learner",
               f"/learning/{urls['module']}/watched", "POST", {"watched": "1"}, htmx=True),
        Target("quiz submission", "write", "learner", f"/quizzes/{urls['quiz']}", "POST",
               urls["quiz_answers"]),
        Target("self-assessment autosave (htmx)", "write", "learner",
               f"/self-assessment/answers/{urls['draft']}/autosave", "POST",
               urls["autosave"], htmx=True),
    ]


# --- clients: one interface over HTTP and over Flask's test client ---------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class HttpClient:
    """A signed-in (or anonymous) user of a running server: keeps the session cookie."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, data: dict | None = None,
                headers: dict[str, str] | None = None) -> Response:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        all_headers = {**self.headers(), **(headers or {})}
        body = None
        if data is not None:
            body = urlencode(data)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=all_headers)
        raw = conn.getresponse()
        response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read())
        for value in raw.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response

    def headers(self) -> dict[str, str]:
        out = {}
        if self.cookies:
            out["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.csrf:
            out["X-CSRFToken"] = self.csrf
        return out


class TestClient:
    """The same interface over Flask's test client (in-process, for counting queries)."""

    def __init__(self, app):
        self.client = app.test_client()
        self.csrf = ""

    def request(self, method: str, path: str, data: dict | None = None,
                headers: dict[str, str] | None = None) -> Response:
        all_headers = {**({"X-CSRFToken": self.csrf} if self.csrf else {}), **(headers or {})}
        raw = self.client.open(path, method=method, data=data, headers=all_headers)
        return Response(raw.status_code, {k.lower(): v for k, v in raw.headers.items()},
                        raw.get_data())


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    if not match:
        raise RuntimeError("no CSRF token in the page")
    return match.group(1) or match.group(2)


def sign_in(client: HttpClient | TestClient, role: str | None,
            accounts: Accounts = BENCH_ACCOUNTS) -> None:
    if role is None:
        return
    client.csrf = ""
    page = client.request("GET", "/login")
    token = csrf_of(page.text)
    answer = client.request("POST", "/login", {
        "csrf_token": token, "email": accounts.emails[role], "password": accounts.password})
    if answer.status != 303:
        raise RuntimeError(f"signing in as {role} failed: {answer.status}")
    client.csrf = csrf_of(client.request("GET", "/").text)


def discover(app, client_for: Callable[[str], HttpClient | TestClient],
             accounts: Accounts = BENCH_ACCOUNTS) -> dict[str, Any]:
    """The ids and slugs the targets need, read from the database and the pages.

    On the demo data (`DEMO_ACCOUNTS`) the learner has no open self-assessment: the autosave
    write then has no draft (only the pages are measured there).
    """
    from bs4 import BeautifulSoup
    from peewee import fn

    from models import Coalition, Comment, Module, Post, Quiz, SelfAssessment, User, db

    # Requests must not run inside this app context: they would share its `g` (and user).
    with app.app_context(), db.connection_context():
        board = Coalition.select().order_by(Coalition.id).first()
        module = Module.active().first()
        quiz = (Quiz.get_or_none(Quiz.slug == module.quiz_slug) if module.quiz_slug
                else None) or Quiz.active().first()
        post = (Post.select().where((Post.coalition == board) & Post.deleted_at.is_null()
                                    & Post.hidden_at.is_null())
                .order_by(Post.created_at.desc()).first())
        # The newest comment on the post: what the comment form of a reader says it showed.
        last_comment = (Comment.select(fn.MAX(Comment.id))
                        .where(Comment.post == post.id).scalar() or 0)
        learner = User.get(User.email == accounts.emails["learner"])
        draft = (SelfAssessment.select().where((SelfAssessment.user == learner)
                                               & (SelfAssessment.status == "draft")).first())
        statements = [s["id"] for d in draft.instrument_version.definition["dimensions"]
                      for s in d["statements"]] if draft else []
        # A directory query that fills a page: the generated coalitions are numbered, the
        # demo's libraries are all "... Biblioteka Publiczna ...". A board search that finds
        # posts: most generated posts name a library ("biblioteka" finds ~5,000 of the big
        # board's 6,000), none of the demo board's 8 does; "spotkan" finds 4 of them.
        numbered = Coalition.select().where(Coalition.gmina.contains("00")).exists()
    urls: dict[str, Any] = {"board": board.slug, "module": module.slug, "quiz": quiz.slug,
                            "post": post.id, "last_comment": last_comment,
                            "draft": draft.id if draft else 0,
                            "autosave": {f"s-{sid}": "3" for sid in statements[:4]},
                            "directory_q": "00" if numbered else "publiczna",
                            "search_q": "biblioteka" if numbered else "spotkan"}
    soup = BeautifulSoup(client_for("coordinator").request(
        "GET", f"/board/{board.slug}").text, "html.parser")
    more = soup.select_one(".load-more a[hx-get]")
    urls["more"] = more["hx-get"] if more else f"/board/{board.slug}/more"
    soup = BeautifulSoup(client_for("learner").request("GET", f"/quizzes/{quiz.slug}").text,
                         "html.parser")
    answers: dict[str, str] = {}
    form = soup.select_one("#quiz-form")
    for field_ in form.select("input[name]"):
        name = field_["name"]
        if field_.get("type") in ("radio", "checkbox"):
            answers.setdefault(name, field_["value"])
        elif name != "csrf_token":
            answers[name] = field_.get("value", "")
    urls["quiz_answers"] = answers
    return urls


# --- in-process: queries and bytes ----------------------------------------------------------


def compressed_sizes(body: bytes) -> dict[str, int]:
    return {"gzip": len(gzip.compress(body, 6))}


def measure_in_process(app, all_targets: list[Target]) -> dict[str, dict[str, Any]]:
    """Per target: SQL statements for one request (after a warm-up), status, body sizes."""
    from models import count_queries

    clients: dict[str | None, TestClient] = {}
    out: dict[str, dict[str, Any]] = {}
    # No outer app context: each request pushes its own (and finds its own user).
    for target in all_targets:
        client = clients.get(target.role)
        if client is None:
            client = clients[target.role] = TestClient(app)
            sign_in(client, target.role)
        headers = {"HX-Request": "true"} if target.htmx else {}
        client.request(target.method, target.path, target.data, headers)  # warm-up
        with count_queries() as queries:
            response = client.request(target.method, target.path, target.data, headers)
        encoded = client.request(target.method, target.path, target.data,
                                 {**headers, "Accept-Encoding": "gzip, br"})
        out[target.name] = {
            "status": response.status,
            "queries": queries.count,
            "bytes_raw": len(response.body),
            "bytes_sent_compressed": len(encoded.body),
            "content_encoding": encoded.headers.get("content-encoding", ""),
            "bytes_possible": compressed_sizes(response.body),
        }
    return out


@dataclass
class Side:
    """One data set for the in-process CPU measurement: its app, the database its requests
    use (the `db` proxy points at one database at a time), the accounts to sign in as and
    its targets by name (the same names on both sides, their paths from each data set)."""

    app: Any
    database: Any
    accounts: Accounts
    targets: dict[str, Target]
    clients: dict[str | None, TestClient] = field(default_factory=dict)

    def use(self) -> None:
        """Point the `db` proxy at this side's database (its kept connection stays open
        while the other side runs, as a worker's does between requests)."""
        from models import db

        db.initialize(self.database)

    def client(self, role: str | None) -> TestClient:
        if role not in self.clients:
            self.clients[role] = TestClient(self.app)
            sign_in(self.clients[role], role, self.accounts)
        return self.clients[role]

    def time(self, target: Target, requests: int) -> float:
        """CPU seconds per request of `requests` requests of `target`."""
        client = self.client(target.role)
        headers = {"HX-Request": "true"} if target.htmx else {}
        began = time.process_time()
        for _ in range(requests):
            client.request(target.method, target.path, target.data, headers)
        return (time.process_time() - began) / requests

    def close(self) -> None:
        if not self.database.is_closed():
            self.database.close()


def measure_cpu(sides: dict[str, Side], requests: int = 20, rounds: int = 3
                ) -> dict[str, dict[str, float]]:
    """CPU milliseconds per request of every GET target on each side (Flask's test client),
    by side name: {"demo": {target: ms}, "full": {...}}.

    Each round times `requests` requests with `time.process_time` (this process's CPU, user
    and system); the figure is the best round, the one least disturbed by the rest of the
    machine. The sides take turns round by round on the same target (the first side first
    in even rounds, last in odd ones), so a busy minute on a shared machine falls on both
    sides of the growth ratio instead of on one of them: measured one data set after the
    other, minutes apart, the ratio of pages whose work did not change moved by a third
    between runs. What loading the apps made is frozen out of the garbage collector's scans
    first, as a gunicorn worker of `make run` does (`koalicje.ops.gunicorn_hooks`).
    """
    import gc

    order = list(sides.values())
    names = [name for name, target in order[0].targets.items() if target.method == "GET"]
    out: dict[str, dict[str, float]] = {name: {} for name in sides}
    gc.collect()
    gc.freeze()
    try:
        for name in names:
            for side in order:  # warm-up: imports, template compilation, caches
                side.use()
                target = side.targets[name]
                for _ in range(2):
                    response = side.client(target.role).request(
                        target.method, target.path, target.data,
                        {"HX-Request": "true"} if target.htmx else {})
                if response.status != 200:
                    raise RuntimeError(f"{name}: {response.status} on {target.path}")
            best = dict.fromkeys(sides, float("inf"))
            for round_ in range(rounds):
                turn = list(sides.items())
                for side_name, side in turn if round_ % 2 == 0 else reversed(turn):
                    side.use()
                    best[side_name] = min(best[side_name],
                                          side.time(side.targets[name], requests))
            for side_name in sides:
                out[side_name][name] = round(best[side_name] * 1e3, 2)
    finally:
        gc.unfreeze()
    return out


def demo_app(out: Path):
    """A fresh database with what `make demo` loads (`flask db upgrade`, `flask content sync`,
    `flask demo load`), and the app over it, configured like the benchmark's."""
    from app import create_app
    from koalicje.content import sync
    from models import create_or_migrate, db

    path = out / "demo.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    app = create_app(_app_config(f"sqlite:///{path}", out / "demo"))
    with app.app_context(), db.connection_context():
        create_or_migrate()
        sync.sync(ROOT / "content")
        demo.load(app.config)
    if not db.is_closed():
        db.close()
    return app


def _app_config(url: str, out: Path) -> dict[str, Any]:
    return {"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "SESSION_COOKIE_SECURE": False,
            "BOARD_POSTS_PER_MINUTE": 10**8,
            "PREFERRED_URL_SCHEME": "http",  # the test client follows it
            "UPLOAD_DIR": str(out / "uploads"), "MAIL_OUTBOX_DIR": str(out / "outbox"),
            "INSTANCE_PATH": str(out / "instance")}


def demo_side(options: Options) -> Side:
    """The demo data's side of the growth measurement (see `measure_cpu`)."""
    from models import db

    app = demo_app(options.out)
    side = Side(app, db.obj, DEMO_ACCOUNTS, {})
    urls = discover(app, side.client, DEMO_ACCOUNTS)
    side.targets = {t.name: t for t in targets(urls)
                    if not options.only or t.name in options.only}
    return side


# --- the targets --------------------------------------------------------------------

GROWTH_LIMIT = 1.5  # full data / demo data, CPU per request
P95_ONE_CLIENT_MS = 20.0
HEAVY = ("/trainer/ (overview)", "/trainer/matrix")


def goals(target: dict[str, Any]) -> dict[str, float | None]:
    """Issue 10's numbers for one target (None: the issue sets none).

    cpu_ms: CPU per request; share: of the bare endpoint's throughput; p95_16 / p95_1: p95
    latency at 16 and at 1 client; growth: full data over demo data (every page)."""
    name, group = target["target"], target["group"]
    page = group in ("page", "partial", "export") and target["method"] == "GET"
    out: dict[str, float | None] = {"cpu_ms": None, "share": None, "p95_16": None,
                                    "p95_1": P95_ONE_CLIENT_MS if page else None,
                                    "growth": GROWTH_LIMIT if page else None}
    if name == "/healthz":
        out["share"] = 0.60
    elif name in HEAVY:
        out.update(cpu_ms=10.0, p95_16=250.0)
    elif group == "export":
        out.update(cpu_ms=30.0, p95_16=250.0)
    elif group == "partial":
        out.update(cpu_ms=3.0, share=0.20, p95_16=40.0)
    elif group == "page":
        out.update(cpu_ms=5.0, share=0.12, p95_16=80.0)
    return out


def _checker(row: dict[str, Any]) -> Callable[..., None]:
    """Stores a figure in `row` with whether it meets its limit (None: no limit or figure)."""

    def check(key: str, value: float | None, limit: float | None,
              at_least: bool = False) -> None:
        row[key] = value
        row[f"{key}_met"] = None if value is None or limit is None else (
            value >= limit if at_least else value <= limit)

    return check


def verdicts(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Per target: each measured figure next to the issue's number and whether it is met.

    CPU is judged on the figure under load (gunicorn, highest concurrency), as the issue's
    table measured it; the in-process figures beside it are the growth measurement's."""
    by_target: dict[str, dict[int, dict[str, Any]]] = {}
    for r in report["results"]:
        by_target.setdefault(r["target"], {})[r["clients"]] = r
    cpu = report.get("cpu_in_process", {})
    out = []
    for name, rows in by_target.items():
        high = rows[max(rows)]
        if high["group"] == "limit":
            continue
        goal = goals(high)
        row: dict[str, Any] = {"target": name, "goals": goal}
        check = _checker(row)
        check("cpu_ms", high.get("cpu_ms_per_request"), goal["cpu_ms"])
        check("share", high.get("share_of_bare"), goal["share"], at_least=True)
        check("p95_16", rows[16]["p95_ms"] if 16 in rows else None, goal["p95_16"])
        check("p95_1", rows[1]["p95_ms"] if 1 in rows else None, goal["p95_1"])
        demo_ms, full_ms = cpu.get("demo", {}).get(name), cpu.get("full", {}).get(name)
        row["cpu_demo_ms"], row["cpu_full_ms"] = demo_ms, full_ms
        check("growth", round(full_ms / demo_ms, 2) if demo_ms and full_ms else None,
              goal["growth"])
        out.append(row)
    return out


# --- servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def cpu_seconds(self) -> float:
        total = 0
        for pid in [self.process.pid, *self.children()]:
            try:
                parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += int(parts[11]) + int(parts[12])  # utime, stime
        return total / CLOCK_TICKS

    def worker_rss_mb(self) -> list[float]:
        out = []
        for pid in self.children():
            try:
                pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
            except FileNotFoundError:
                continue
            out.append(round(pages * PAGE_SIZE / 2**20, 1))
        return out


@contextmanager
def serve(gunicorn: list[str], app_spec: str, env: dict[str, str], log: Path) -> Iterator[Server]:
    port = free_port()
    command = [*gunicorn, "--bind", f"127.0.0.1:{port}", app_spec]
    with open(log, "ab") as log_file:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env},
                                   stdout=subprocess.DEVNULL, stderr=log_file)
    server = Server(process, port)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer; see {log}") from None
                time.sleep(0.1)
        while len(server.children()) < _workers(gunicorn) and time.monotonic() < deadline:
            time.sleep(0.1)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _workers(gunicorn: list[str]) -> int:
    for n, arg in enumerate(gunicorn):
        if arg in ("--workers", "-w") and n + 1 < len(gunicorn):
            return int(gunicorn[n + 1])
        if arg.startswith("--workers="):
            return int(arg.split("=", 1)[1])
    return 1


# --- load drivers ---------------------------------------------------------------------------

WRK_SCRIPT = """
wrk.method = {method}
{body}
{headers}
{follow}
done = function(summary, latency, requests)
  local f = assert(io.open({out}, "w"))
  f:write(string.format('{{"requests": %d, "duration_s": %.6f, "bytes": %d, "errors": %d, ' ..
    '"status_errors": %d, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f}}',
    summary.requests, summary.duration / 1e6, summary.bytes,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3))
  f:close()
end
"""


# A followed field (Target.follow): each wrk thread sends the value the last answer it read
# carried, so its connections post like readers of one page, each answer adding what they
# had not been shown (a thread's connections share the value: what one was shown last).
WRK_FOLLOW = """
local follow_value = {start}
request = function()
  return wrk.format(nil, nil, nil, {base} .. "&" .. {name} .. "=" .. follow_value)
end
response = function(status, headers, body)
  local value = string.match(body, {pattern})
  if value then follow_value = value end
end
"""


def _lua(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal here


def _follow_pattern(name: str) -> str:
    return f'name="{name}" value="'


def wrk_follow(target: Target) -> str:
    """The Lua for a target's followed field (Target.follow), or nothing."""
    if not target.follow or target.data is None:
        return ""
    base = {k: v for k, v in target.data.items() if k != target.follow}
    return WRK_FOLLOW.format(
        start=_lua(target.data.get(target.follow, "")), base=_lua(urlencode(base)),
        name=_lua(target.follow),
        # a Lua pattern: the literal prefix with its magic characters escaped
        pattern=_lua(re.sub(r"([^\w\s])", r"%\1", _follow_pattern(target.follow))
                     + '([^"]*)"'))


def followed(body: bytes | str, name: str) -> str | None:
    """The value of the hidden field `name` in an answer (Target.follow), if it has one."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    match = re.search(re.escape(_follow_pattern(name)) + r'([^"]*)"', text)
    return match.group(1) if match else None


def request_headers(client: HttpClient | None, target: Target) -> dict[str, str]:
    headers = client.headers() if client else {}
    if target.htmx:
        headers["HX-Request"] = "true"
    if target.data is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return headers


def drive_wrk(port: int, target: Target, client: HttpClient | None, clients: int,
              duration: float, workdir: Path) -> dict[str, Any]:
    out = workdir / "wrk-result.json"
    out.unlink(missing_ok=True)
    headers = "\n".join(f"wrk.headers[{_lua(k)}] = {_lua(v)}"
                        for k, v in request_headers(client, target).items())
    body = f"wrk.body = {_lua(urlencode(target.data))}" if target.data is not None else ""
    script = workdir / "wrk-script.lua"
    script.write_text(WRK_SCRIPT.format(method=_lua(target.method), body=body,
                                        headers=headers, follow=wrk_follow(target),
                                        out=_lua(str(out))))
    subprocess.run(["wrk", f"-t{min(clients, 2)}", f"-c{clients}",
                    f"-d{max(1, round(duration))}s", "--timeout", "30s", "-s", str(script),
                    f"http://127.0.0.1:{port}{target.path}"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return json.loads(out.read_text())


def drive_python(port: int, target: Target, client: HttpClient | None, clients: int,
                 requests: int) -> dict[str, Any]:
    """`requests` requests per client, `clients` threads: a small stand-in for wrk."""
    headers = request_headers(client, target)
    body = urlencode(target.data) if target.data is not None else None
    latencies: list[float] = []
    counts = {"bytes": 0, "errors": 0, "status_errors": 0}
    lock = threading.Lock()

    def run() -> None:
        data = dict(target.data or {})
        for _ in range(requests):
            sent = urlencode(data) if target.follow else body
            began = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request(target.method, target.path, body=sent, headers=headers)
                response = conn.getresponse()
                answer = response.read()
                size = len(answer)
                conn.close()
                if target.follow:
                    data[target.follow] = followed(answer, target.follow) or data[target.follow]
            except OSError:
                with lock:
                    counts["errors"] += 1
                continue
            with lock:
                latencies.append(time.perf_counter() - began)
                counts["bytes"] += size
                if response.status >= 400:
                    counts["status_errors"] += 1

    began = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies) or [0.0]

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1e3, 3)

    return {"requests": len(latencies), "duration_s": elapsed, **counts,
            "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99), "max_ms": pct(100)}


# --- the run --------------------------------------------------------------------------------


@dataclass
class Options:
    gunicorn: list[str]
    out: Path
    sizes: bench_data.Sizes = bench_data.FULL
    seed: int = 1
    concurrency: tuple[int, ...] = (1, 16)
    duration: float = 5.0
    driver: str = "wrk"
    requests: int = 3  # per client, python driver
    only: tuple[str, ...] = ()  # target names to run (all when empty)
    cpu_requests: int = 20  # in-process CPU: requests per round ...
    cpu_rounds: int = 3  # ... and rounds (the best counts), on the demo and the full data
    extra: dict[str, Any] = field(default_factory=dict)


def data_set(options: Options) -> Path:
    """A fresh copy of the generated data set (generated once per sizes, seed and schema)."""
    from models import SCHEMA_VERSION, db, init_db

    key = hashlib.sha256(json.dumps(
        [asdict(options.sizes), options.seed, SCHEMA_VERSION, _source_hash()],
        sort_keys=True).encode()).hexdigest()[:12]
    pristine = options.out / f"data-{key}.sqlite3"
    if not pristine.exists():
        for old in options.out.glob("data-*.sqlite3"):
            old.unlink()
        partial = pristine.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        init_db(f"sqlite:///{partial}")
        with db.connection_context():
            bench_data.generate(options.sizes, seed=options.seed)
            db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        for suffix in ("-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        partial.rename(pristine)
    working = options.out / "run.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{working}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(pristine, working)
    return working


def _source_hash() -> str:
    return hashlib.sha256(Path(bench_data.__file__).read_bytes()).hexdigest()[:12]


def run(options: Options) -> dict[str, Any]:
    from app import create_app
    from models import create_or_migrate, db

    options.out.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    database = data_set(options)
    generated_in = time.monotonic() - began
    url = f"sqlite:///{database}"
    env = {**SERVER_ENV, "DATABASE_URL": url, "UPLOAD_DIR": str(options.out / "uploads"),
           "MAIL_OUTBOX_DIR": str(options.out / "outbox")}
    demo_data = demo_side(options)
    app = create_app(_app_config(url, options.out))  # the `db` proxy now points here
    with app.app_context(), db.connection_context():
        create_or_migrate()  # what `make run` does before serving (`flask db upgrade`)
    full = Side(app, db.obj, BENCH_ACCOUNTS, {})
    urls = discover(app, full.client)
    all_targets = [t for t in targets(urls) if not options.only or t.name in options.only]
    full.targets = {t.name: t for t in all_targets}
    in_process = measure_in_process(app, all_targets)
    try:
        cpu = measure_cpu({"demo": demo_data, "full": full}, options.cpu_requests,
                          options.cpu_rounds)
    finally:
        demo_data.close()
        full.close()
        full.use()

    log = options.out / "gunicorn.log"
    log.unlink(missing_ok=True)
    results: list[dict[str, Any]] = []
    limit = Target("bare Flask endpoint (the limit)", "limit", None, "/")
    with tempfile.TemporaryDirectory() as workdir:
        with serve(options.gunicorn, "koalicje.ops.bench_bare:create_app()", env, log) as bare:
            results += drive(options, bare, limit, None, Path(workdir))
        with serve(options.gunicorn, "app:create_app()", env, log) as server:
            clients: dict[str | None, HttpClient | None] = {None: None}
            for target in all_targets:
                if target.role not in clients:
                    clients[target.role] = HttpClient("127.0.0.1", server.port)
                    sign_in(clients[target.role], target.role)
                rows = drive(options, server, target, clients[target.role], Path(workdir))
                for row in rows:
                    row.update(in_process[target.name])
                results += rows
        # The bare endpoint again at the end: the limit is the mean of both measurements, so
        # a machine that got busier or quieter during the run skews the shares less.
        with serve(options.gunicorn, "koalicje.ops.bench_bare:create_app()", env, log) as bare:
            again = drive(options, bare, limit, None, Path(workdir))
    for first, second in zip([r for r in results if r["group"] == "limit"], again,
                             strict=True):
        first["req_per_s_runs"] = [first["req_per_s"], second["req_per_s"]]
        first["req_per_s"] = round((first["req_per_s"] + second["req_per_s"]) / 2, 1)
    bare_rate = {r["clients"]: r["req_per_s"] for r in results if r["group"] == "limit"}
    for row in results:
        row["share_of_bare"] = round(row["req_per_s"] / bare_rate[row["clients"]], 4) \
            if bare_rate.get(row["clients"]) else None
    report = {
        "machine": machine(),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "gunicorn": " ".join(options.gunicorn),
        "driver": options.driver,
        "duration_s": options.duration,
        "concurrency": list(options.concurrency),
        "sizes": asdict(options.sizes),
        "seed": options.seed,
        "data_set_seconds": round(generated_in, 1),  # 0-2 s when the cached set is reused
        "database_mb": round(database.stat().st_size / 2**20, 1),
        "results": results,
        "cpu_in_process": {"requests": options.cpu_requests, "rounds": options.cpu_rounds,
                           "demo": cpu["demo"], "full": cpu["full"]},
    }
    report["targets"] = verdicts(report)
    report["overall"] = overall(report)
    (options.out / "bench.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (options.out / "bench.md").write_text(markdown(report))
    return report


def drive(options: Options, server: Server, target: Target, client: HttpClient | None,
          workdir: Path) -> list[dict[str, Any]]:
    rows = []
    drive_python(server.port, target, client, 1, 2)  # warm-up: imports, caches, connections
    for clients in options.concurrency:
        cpu_before = server.cpu_seconds()
        if options.driver == "wrk":
            stats = drive_wrk(server.port, target, client, clients, options.duration, workdir)
        else:
            stats = drive_python(server.port, target, client, clients, options.requests)
        cpu = server.cpu_seconds() - cpu_before
        requests = max(stats["requests"], 1)
        rows.append({
            "target": target.name, "group": target.group, "role": target.role,
            "method": target.method, "path": target.path, "clients": clients,
            "req_per_s": round(stats["requests"] / stats["duration_s"], 1),
            "cpu_ms_per_request": round(cpu * 1e3 / requests, 2),
            "rss_mb_per_worker": max(server.worker_rss_mb() or [0.0]),
            **stats,
        })
    return rows


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        load = os.getloadavg()
    except OSError:
        load = (0.0, 0.0, 0.0)
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "system": platform.platform(), "load_average": [round(x, 2) for x in load]}


def markdown(report: dict[str, Any]) -> str:
    """One row per page: the highest concurrency's throughput and latencies, p95 at one client."""
    m = report["machine"]
    by_target: dict[str, dict[int, dict[str, Any]]] = {}
    for r in report["results"]:
        by_target.setdefault(r["target"], {})[r["clients"]] = r
    low, high = min(report["concurrency"]), max(report["concurrency"])
    lines = [
        f"Run {report['when']} on {m['cores']} × {m['cpu']} (load average "
        f"{', '.join(map(str, m['load_average']))} at the end), {report['driver']}, "
        f"{report['duration_s']} s per measurement; data set {report['database_mb']} MB; "
        f"`{report['gunicorn']}`.",
        "",
        f"| page | req/s at {high} | share of bare | CPU ms/req | p50 / p95 / p99 ms at {high} "
        f"| p95 ms at {low} | bytes raw / sent compressed | queries | RSS MB/worker | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, rows in by_target.items():
        top, one = rows.get(high) or next(iter(rows.values())), rows.get(low) or {}
        share = f"{top['share_of_bare'] * 100:.1f} %" if top.get("share_of_bare") else ""
        sent = top.get("bytes_sent_compressed", "") if top.get("content_encoding") else "–"
        size = f"{top['bytes_raw']:,} / {sent:,}" if "bytes_raw" in top and sent != "–" \
            else (f"{top['bytes_raw']:,} / –" if "bytes_raw" in top else "")
        errors = sum(r["errors"] + r["status_errors"] for r in rows.values())
        lines.append(
            f"| {name} | {top['req_per_s']:,} | {share} | {top['cpu_ms_per_request']} "
            f"| {top['p50_ms']:.0f} / {top['p95_ms']:.0f} / {top['p99_ms']:.0f} "
            f"| {one.get('p95_ms', 0):.0f} | {size} | {top.get('queries', '')} "
            f"| {top['rss_mb_per_worker']} | {errors} |")
    if report.get("targets"):
        lines += ["", *targets_table(report)]
    return "\n".join(lines) + "\n"


def _mark(met: bool | None) -> str:
    return {True: "✓", False: "✗", None: ""}[met]


def targets_table(report: dict[str, Any]) -> list[str]:
    """Each page against issue 10's numbers: ✓ met, ✗ not met, – no such target or figure."""
    cpu = report.get("cpu_in_process", {})
    lines = [
        f"Against issue 10's targets (✓ met, ✗ not met, – none set or not measured). CPU "
        f"in-process: ms per request, best of {cpu.get('rounds', '?')} rounds of "
        f"{cpu.get('requests', '?')}, on the demo data (`make demo`) and on the full data "
        f"set; growth = full / demo, target ≤ {GROWTH_LIMIT}×. CPU under load and share of "
        f"bare: the table above, at {max(report['concurrency'])} clients (the issue's numbers "
        "are for 16).",
        "",
        "| page | CPU ms in-process demo / full | growth | CPU ms under load | share of bare "
        "| p95 ms at 1 | p95 ms at 16 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]

    def cell(row: dict[str, Any], key: str, text: str, limit: str) -> str:
        if row[key] is None:
            return "–"
        if row[f"{key}_met"] is None:
            return text
        return f"{text} {_mark(row[f'{key}_met'])} ({limit})"

    for row in report["targets"]:
        goal = row["goals"]
        demo_ms, full_ms = row["cpu_demo_ms"], row["cpu_full_ms"]
        in_process = "–" if demo_ms is None or full_ms is None else f"{demo_ms} / {full_ms}"
        cells = [
            in_process,
            cell(row, "growth", f"{row['growth']}×", f"≤ {goal['growth']}×"),
            cell(row, "cpu_ms", f"{row['cpu_ms']}", f"≤ {goal['cpu_ms']:g}"
                 if goal["cpu_ms"] else ""),
            cell(row, "share", f"{(row['share'] or 0) * 100:.1f} %",
                 f"≥ {(goal['share'] or 0) * 100:g} %"),
            cell(row, "p95_1", f"{row['p95_1'] or 0:.0f}", f"≤ {goal['p95_1'] or 0:g}"),
            cell(row, "p95_16", f"{row['p95_16'] or 0:.0f}", f"≤ {goal['p95_16'] or 0:g}"),
        ]
        lines.append(f"| {row['target']} | {' | '.join(cells)} |")
    lines += ["", overall_line(report)]
    return lines


RSS_LIMIT_MB = 120.0
HTMX_LIMIT_BYTES = 10 * 1024


def overall(report: dict[str, Any]) -> dict[str, Any]:
    """The run-wide targets: RSS per worker, errors, and the bytes of an htmx interaction."""
    rows = [r for r in report["results"] if r["group"] != "limit"]
    rss = max((r["rss_mb_per_worker"] for r in rows), default=0.0)
    errors = sum(r["errors"] + r["status_errors"] for r in rows)
    htmx = [r for r in rows if r["group"] == "partial" or "(htmx)" in r["target"]]
    sent = max((r["bytes_sent_compressed"] if r.get("content_encoding") else r["bytes_raw"]
                for r in htmx if "bytes_raw" in r), default=0)
    return {"rss_mb": rss, "rss_met": rss <= RSS_LIMIT_MB, "errors": errors,
            "errors_met": errors == 0, "htmx_bytes": sent, "htmx_met": sent <= HTMX_LIMIT_BYTES}


def overall_line(report: dict[str, Any]) -> str:
    o = report.get("overall") or overall(report)
    return (f"Whole run: RSS per worker at most {o['rss_mb']} MB {_mark(o['rss_met'])} "
            f"(≤ {RSS_LIMIT_MB:g}); errors and 429s {o['errors']} {_mark(o['errors_met'])} "
            f"(none); the largest htmx answer sent {o['htmx_bytes']:,} B "
            f"{_mark(o['htmx_met'])} (≤ 10 KB). The first visit (≤ 60 KB) is checked by "
            "tests/test_web_compression.py, not here.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gunicorn", default=f"{sys.executable.rsplit('/', 1)[0]}/gunicorn "
                        "--workers 2 --access-logfile -",
                        help="the gunicorn command of `make run` without --bind and app")
    parser.add_argument("--out", default=str(ROOT / "instance" / "bench"))
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply every size of the full data set")
    parser.add_argument("--tiny", action="store_true", help="the smoke test's data set")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--driver", choices=("wrk", "python"), default="wrk")
    parser.add_argument("--requests", type=int, default=3, help="per client (python driver)")
    parser.add_argument("--only", default="", help="comma-separated target names")
    parser.add_argument("--cpu-requests", type=int, default=20,
                        help="in-process CPU (demo and full data): requests per round")
    parser.add_argument("--cpu-rounds", type=int, default=3,
                        help="in-process CPU: rounds, the best counts")
    args = parser.parse_args(argv)
    sizes = bench_data.TINY if args.tiny else bench_data.FULL.scaled(args.scale) \
        if args.scale != 1.0 else bench_data.FULL
    if args.driver == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk), or use --driver python")
    options = Options(gunicorn=shlex.split(args.gunicorn), out=Path(args.out), sizes=sizes,
                      seed=args.seed, duration=args.duration, driver=args.driver,
                      requests=args.requests,
                      concurrency=tuple(int(c) for c in args.concurrency.split(",")),
                      only=tuple(n for n in args.only.split(",") if n),
                      cpu_requests=args.cpu_requests, cpu_rounds=args.cpu_rounds)
    report = run(options)
    print((Path(args.out) / "bench.md").read_text())
    failed = [r["target"] for r in report["results"] if r["errors"] or r["status_errors"]]
    if failed:
        print(f"errors in: {', '.join(sorted(set(failed)))}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

