"""The trainer's overview page."""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template, request, url_for
from flask_login import current_user

from blueprints.trainer import bp
from koalicje.permissions import requires
from koalicje.trainer import nudges, overview


def _visits_url() -> Callable[[str], str]:
    """A coalition's visits page by slug, built by werkzeug once per slug: the overdue steps
    repeat a few coalitions many times."""
    urls: dict[str, str] = {}

    def visits_url(slug: str) -> str:
        url = urls.get(slug)
        if url is None:
            url = urls[slug] = url_for("trainer.visits", slug=slug)
        return url

    return visits_url


@bp.get("/")
@requires("trainer_area")
def index():
    page = request.args.get("page", "1")
    summary = overview.build(current_user, page=int(page) if page.isdigit() else 1)
    return render_template("trainer/overview.html", overview=summary,
                           stopped_text=nudges.stopped_text, visits_url=_visits_url())
