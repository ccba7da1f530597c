"""Browser test of the player: Debian's chromium through Playwright, the demo served by gunicorn.

Without /usr/bin/chromium the test skips, unless KOALICJE_REQUIRE_BROWSER=1 (CI), where a
missing browser is a failure. The server runs on 127.0.0.1 and a free port and is stopped
by its PID afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("KOALICJE_CHROMIUM", "/usr/bin/chromium"))
REQUIRED = os.environ.get("KOALICJE_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists() or REQUIRED:
        return
    skip = pytest.mark.skip(reason=f"browser test skipped: {CHROMIUM} is missing")
    for item in items:
        if "learning_browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        pytest.fail(f"KOALICJE_REQUIRE_BROWSER=1 but {CHROMIUM} is missing", pytrace=False)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, url: str, database: Path):
        self.url = url
        self.database = database


@pytest.fixture(scope="session")
def learning_server(tmp_path_factory) -> Iterator[Server]:
    """The demo (content synced, demo media generated) served by gunicorn."""
    folder = tmp_path_factory.mktemp("learning-browser")
    database = folder / "koalicje.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "browser-tests-only",
        "SESSION_COOKIE_SECURE": "0",
        "PREFERRED_URL_SCHEME": "http",
        "BACKUP_DIR": str(folder / "backups"),
        "UPLOAD_DIR": str(folder / "uploads"),
        "MAIL_OUTBOX_DIR": str(folder / "outbox"),
    }
    bin_dir = Path(sys.executable).parent
    flask = [str(bin_dir / "flask"), "--app", "app"]
    for command in (["db", "upgrade"], ["content", "sync"], ["demo", "load"]):
        done = subprocess.run(flask + command, cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=180)
        if done.returncode != 0:
            pytest.fail(f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "gunicorn.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--threads", "4", "app:create_app()"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not answer:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
        yield Server(url, database)
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
