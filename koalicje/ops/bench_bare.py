"""The limit `make bench` compares against: a bare Flask endpoint, no database, no templates.

Served by the same gunicorn command as the app (`koalicje.ops.bench_bare:create_app()`).
"""

from __future__ import annotations

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def bare() -> str:
        return "ok"

    return app
