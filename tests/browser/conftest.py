"""Browser tests: Debian's chromium through Playwright, against the app served by gunicorn.

A session fixture builds a throwaway instance (temp SQLite database, `flask db upgrade`,
`flask content sync`, `flask demo load`), serves it with gunicorn on 127.0.0.1 and a free
port, and stops the server by its PID afterwards. Without /usr/bin/chromium the tests skip,
unless KOALICJE_REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser is a failure.
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
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# KOALICJE_CHROMIUM: another chromium binary (default: Debian's).
CHROMIUM = Path(os.environ.get("KOALICJE_CHROMIUM", "/usr/bin/chromium"))
REQUIRED = os.environ.get("KOALICJE_REQUIRE_BROWSER") == "1"


def _missing_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (install Debian's chromium: apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing_reason()
    if reason is None or REQUIRED:
        return
    skip = pytest.mark.skip(reason=f"browser test skipped: {reason}")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _browser_required():
    """In CI (KOALICJE_REQUIRE_BROWSER=1) a missing chromium fails instead of skipping."""
    reason = _missing_reason()
    if reason is not None and REQUIRED:
        pytest.fail(f"KOALICJE_REQUIRE_BROWSER=1 but {reason}", pytrace=False)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
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


def _wait_until_healthy(url: str, process: subprocess.Popen, log: Path,
                        timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url}/healthz did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


class LiveServer(str):
    """The base URL (a str), with the path of the instance's database for tests that look in."""

    database: Path


def instance_env(folder: Path) -> dict[str, str]:
    """Environment for a throwaway instance whose files all live in `folder`."""
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'koalicje.sqlite3'}",
        "SECRET_KEY": "browser-tests-only",
        "SESSION_COOKIE_SECURE": "0",
        "PREFERRED_URL_SCHEME": "http",
        "BACKUP_DIR": str(folder / "backups"),
        "UPLOAD_DIR": str(folder / "uploads"),
        "MAIL_OUTBOX_DIR": str(folder / "outbox"),
    }


@contextmanager
def serve(folder: Path) -> Iterator[LiveServer]:
    """Serve the instance in `folder` with gunicorn on 127.0.0.1; stop it by PID afterwards."""
    bin_dir = Path(sys.executable).parent
    port = _free_port()
    url = LiveServer(f"http://127.0.0.1:{port}")
    url.database = folder / "koalicje.sqlite3"
    log = folder / "gunicorn.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--threads", "4", "app:create_app()"],
            cwd=ROOT, env=instance_env(folder), stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(url, process, log)
        yield url
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def build_demo_instance(folder: Path) -> None:
    """Schema, curriculum and demo data in `folder`, as a newcomer's `make run` would."""
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "app"]
    for command in (["db", "upgrade"], ["content", "sync"], ["demo", "load"]):
        done = subprocess.run(flask + command, cwd=ROOT, env=instance_env(folder),
                              capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            pytest.fail(f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """Base URL of the demo instance served by gunicorn (one for the whole session)."""
    folder = tmp_path_factory.mktemp("browser-instance")
    build_demo_instance(folder)
    with serve(folder) as url:
        yield url
