"""The production files in deploy/ and the README agree with the app's settings and CLI."""

from __future__ import annotations

import re
from pathlib import Path

from app import create_app

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _config_variables() -> set[str]:
    source = (ROOT / "koalicje" / "config.py").read_text()
    return set(re.findall(r'(?:os\.environ\.get|_bool)\(\s*"([A-Z_]+)"', source))


def test_every_setting_read_from_the_environment_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = {name for name in _config_variables() if f"`{name}`" not in readme}
    assert missing == set()


def test_the_example_environment_only_sets_real_settings():
    names = {line.split("=", 1)[0] for line in (DEPLOY / "koalicje.env.example").read_text()
             .splitlines() if line and not line.startswith("#")}
    assert names <= _config_variables() | {"SECRET_KEY"}
    assert {"PROXY_COUNT", "BASE_URL", "CANONICAL_DOMAIN", "DATABASE_URL", "UPLOAD_DIR"} <= names


def test_proxies_forward_to_where_gunicorn_listens():
    unit = (DEPLOY / "koalicje.service").read_text()
    bind = re.search(r"--bind (\S+)", unit).group(1)
    assert bind.startswith("127.0.0.1:")
    assert f"reverse_proxy {bind}" in (DEPLOY / "Caddyfile").read_text()
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert f"server {bind};" in nginx
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert f"proxy_set_header {header}" in nginx
    assert '"app:create_app()"' in unit and "db upgrade" in unit


def test_cron_jobs_and_documented_commands_exist(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    commands = {f"{group} {name}" for group, command in app.cli.commands.items()
                for name in getattr(command, "commands", {})}
    cron = (DEPLOY / "crontab").read_text()
    used = set(re.findall(r"flask --app app (\w+ [\w-]+)", cron))
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"flask --app app (\w+ [\w-]+)", readme))
    assert {"mail send", "digest send", "db backup"} <= used
    assert used <= commands and documented <= commands
    assert {"db copy-to-postgres", "mail send"} <= documented


def test_slow_uploads_are_not_cut_off_by_the_worker_timeout():
    """Both proxies stream uploads to gunicorn (nginx: proxy_request_buffering off; Caddy
    always). A sync worker reading a 300 MB upload for longer than --timeout is killed
    ("WORKER TIMEOUT", a 500); gthread workers (--threads) are not."""
    unit = (DEPLOY / "koalicje.service").read_text()
    command = re.search(r"^ExecStart=(.*(?:\\\n.*)*)", unit, re.MULTILINE).group(1)
    threads = re.search(r"--threads (\d+)", command)
    assert threads and int(threads.group(1)) > 1
    assert "--worker-class" not in command or "gthread" in command
