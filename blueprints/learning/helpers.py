"""Template helpers of the learning area and lookups shared by its views."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import markdown
import nh3
from flask import current_app, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from blueprints.learning import bp
from koalicje import kept
from koalicje.learning import progress
from koalicje.permissions import can
from koalicje.web import render
from koalicje.web.errors import abort_with
from koalicje.web.labels import module_body_text
from models import Module


@bp.app_template_filter("filesize")
def filesize(size: int | None) -> str:
    if not size:
        return ""
    if size < 1024:
        return _("%(n)s B", n=size)
    if size < 1024 * 1024:
        return _("%(n)s KB", n=format_decimal(round(size / 1024, 1)))
    return _("%(n)s MB", n=format_decimal(round(size / 1024 / 1024, 1)))


@bp.app_template_filter("clock")
def clock(seconds: float | int | None) -> str:
    """12:05 or 1:02:03."""
    seconds = int(seconds or 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@bp.app_template_filter("iso_date")
def iso_date(value: str | None) -> str:
    """A content date ("2024-05-16") as Flask-Babel's long date, through the per-request
    date cache (`render.dateformat`: the same text, the pattern parsed once per request)."""
    if not value:
        return ""
    return render.dateformat(dt.date.fromisoformat(value), "long")


@lru_cache(maxsize=64)
def _render_markdown(source: str) -> str:
    html = markdown.markdown(source, extensions=["extra", "sane_lists"])
    # The page already has h1 and the section's h2: the body's headings start at h3.
    html = re.sub(r"<(/?)h([1-5])\b", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}", html)
    return nh3.clean(html)


@bp.app_template_filter("module_body")
def module_body(module: Module) -> Markup:
    """The module's Markdown in the current language (Polish when there is no English
    text), rendered and sanitized (cached by source)."""
    return Markup(_render_markdown(module_body_text(module)))


CARDS_KEPT = 4096  # cards per set of modules (8 modules x statuses x languages: far fewer)


@bp.app_template_global()
def module_card(item: progress.ModuleStatus) -> Markup:
    """One module's card of the path (templates/learning/_module_card.html), kept per
    process with the path's modules (`progress.kept_companion`: it goes when any module's
    stored row changes) for everything else the card reads: the language, the URL prefix
    and the item's status, marks, quiz, task, share watched and missing modules."""
    store = progress.kept_companion(progress._path_modules, item.module)
    if store is None or current_app.jinja_env.auto_reload:
        return Markup(render_template("learning/_module_card.html", item=item))
    key = (item.module.id, render.language(), request.script_root, item.status, item.is_next,
           item.locked, item.preview, tuple(m.id for m in item.missing), item.quiz is not None,
           item.quiz_passed, item.has_task, item.task_done, bool(item.watched_share),
           round(item.watched_share * 100))
    card = store.get(key)
    if card is None:
        card = kept.keep(store, key, Markup(render_template("learning/_module_card.html",
                                                             item=item)), CARDS_KEPT)
    return card


def learner_path() -> progress.LearningPath:
    """The signed-in user's path; trainers and admins preview every module unlocked."""
    return progress.learning_path(current_user, preview=can("manage_content"))


@bp.app_template_filter("file_label")
def file_label(mime: str) -> str:
    from koalicje.learning.media import LABEL_OF

    return LABEL_OF.get(mime, mime)


def get_module(slug: str) -> Module:
    module = Module.get_active(slug)
    if module is None:
        abort_with(404, _("Nie ma takiego modułu."))
    return module


def path_item(path: progress.LearningPath, slug: str) -> progress.ModuleStatus:
    """An active module's place in the learner's path (its Module loaded with it), or 404
    as from `get_module`: the path holds every active module."""
    item = path.get(slug)
    if item is None:
        abort_with(404, _("Nie ma takiego modułu."))
    return item


def upload_dir() -> str:
    return current_app.config["UPLOAD_DIR"]
