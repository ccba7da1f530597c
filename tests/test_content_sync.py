"""koalicje.content.sync.sync() loads the whole curriculum whoever calls it."""

from __future__ import annotations

import subprocess
import sys

from koalicje.config import ROOT


def test_sync_alone_loads_modules_quizzes_and_instruments(tmp_path):
    """In a fresh interpreter with no app and no blueprints imported, every loader runs."""
    script = f"""
from koalicje.content import sync
import models
models.init_db("sqlite:///{tmp_path / 'db.sqlite3'}")
models.db.connect()
models.create_or_migrate()
report = sync.sync({str(ROOT / 'content')!r})
print(sorted({{name.split()[0] for name in report.created}}))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['instrument', 'module', 'quiz']"
