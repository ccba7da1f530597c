"""The path, a module's page, the "watched/read" action and the light-version choice."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.learning import bp
from blueprints.learning.helpers import get_module, learner_path, path_item, upload_dir
from blueprints.main import safe_next
from koalicje import quizzes
from koalicje.learning import media, progress, watching
from koalicje.web.errors import abort_with
from koalicje.web.htmx import is_fragment_request, render
from koalicje.workshop.modules import links_for


@bp.get("/learning/")
@login_required
def index():
    path = learner_path()
    return render_template("learning/index.html", path=path,
                           light=watching.prefers_light(current_user))


def module_context(slug: str) -> dict:
    path = learner_path()
    item = path_item(path, slug)
    module = item.module
    module_media = media.module_media(module, upload_dir())
    light = watching.prefers_light(current_user)
    player = module_media.player(light)
    track_source = module_media.track_source
    state = watching.state_for(current_user, module) if player else None
    return {
        "module": module, "item": item, "path": path, "media": module_media,
        "module_quiz": quizzes.module_status(item),
        # Watching when there is a recording; otherwise the module is studied by reading.
        "watch_mode": module_media.has_recording,
        "light": light, "player": player, "track_source": track_source, "watch_state": state,
        "resume_at": watching.resume_position(state, track_source) if player else 0,
        "threshold": current_app.config["WATCH_THRESHOLD"],
        "workshop_links": links_for(module.slug, current_user),
    }


@bp.get("/learning/<slug>")
@login_required
def detail(slug: str):
    return render_template("learning/detail.html", **module_context(slug))


@bp.get("/learning/<slug>/progress")
@login_required
def progress_region(slug: str):
    return render("learning/detail.html", "learning/_progress.html", **module_context(slug))


@bp.post("/learning/<slug>/watched")
@login_required
def watched(slug: str):
    module = get_module(slug)
    item = learner_path().get(module.slug)
    if item.locked:
        abort_with(403, _("Ten moduł jest jeszcze zablokowany: najpierw ukończ moduły, "
                          "które go poprzedzają."))
    value = request.form.get("watched", "1")
    if value not in ("0", "1"):
        abort_with(400, _("Niepoprawna wartość."))
    progress.set_watched(current_user, module, value == "1")
    if is_fragment_request():
        return render("learning/detail.html", "learning/_progress.html", **module_context(slug))
    return redirect(url_for("learning.detail", slug=slug, _anchor="module-progress"), 303)


@bp.post("/learning/light")
@login_required
def light():
    """Remember whether the learner wants the light version (slow connection)."""
    watching.set_prefers_light(current_user, request.form.get("light", "1") == "1")
    return redirect(safe_next(request.form.get("next"), url_for("learning.index")), 303)
