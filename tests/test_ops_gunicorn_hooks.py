"""The gunicorn hooks: loaded by every way the app is served, and freezing what loading made."""

from __future__ import annotations

import gc
import re
from pathlib import Path

from koalicje.ops import gunicorn_hooks

ROOT = Path(__file__).resolve().parent.parent
CONFIG = "--config python:koalicje.ops.gunicorn_hooks"


def test_a_worker_freezes_what_loading_the_app_made():
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        gunicorn_hooks.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the test process goes on collecting as before


def test_make_run_make_bench_and_the_service_load_the_hooks():
    makefile = (ROOT / "Makefile").read_text()
    variable = re.search(r"^GUNICORN = ((?:.*\\\n)*.*)$", makefile, re.MULTILINE).group(1)
    assert CONFIG in " ".join(variable.replace("\\", " ").split())
    unit = (ROOT / "deploy" / "koalicje.service").read_text()
    assert CONFIG in " ".join(unit.replace("\\\n", " ").split())
