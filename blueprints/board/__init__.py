"""The noticeboard: programme-wide and coalition boards, posts, comments, feeds.

Routes are split by concern: `pages` (boards, posts, editing), `actions` (comments, pinning,
must-read, moderation, module tasks) and `feeds` (Atom, iCalendar, feed tokens).
"""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_login import current_user

from blueprints.main import safe_next as main_safe_next
from koalicje import permissions
from koalicje.board import posts
from koalicje.prepared import prepared
from models import Coalition, Post

bp = Blueprint("board", __name__, url_prefix="/board")


def load_board(slug: str | None) -> Coalition | None:
    """The board named by a URL: None for the programme board; 404 if unknown or private."""
    if slug is None:
        return None
    coalition = _board_by_slug.first(slug)
    if coalition is None or not permissions.can("read_board", coalition):
        abort(404)
    return coalition


@prepared
def _board_by_slug(slug: str):
    return Coalition.select().where(Coalition.slug == slug).limit(1)


def load_post(post_id: int) -> Post:
    post = posts.get_visible_post(current_user, post_id)
    if post is None:
        abort(404)
    return post


def safe_next(default: str) -> str:
    """The form's `next` if it is a path on this site, else `default`."""
    return main_safe_next(request.form.get("next"), default)


def board_of(post: Post) -> Coalition | None:
    return post.coalition if post.coalition_id is not None else None


@bp.app_template_global()
def board_url(board: Coalition | None, endpoint: str = "board.index", **values) -> str:
    """URL of a board-level endpoint for a coalition board or the programme board."""
    values = {k: v for k, v in values.items() if v not in (None, "")}
    slug = board.slug if board is not None else None
    return url_for(endpoint, slug=slug, **values)


@bp.app_template_global()
def board_navigation() -> list[posts.BoardEntry]:
    if not getattr(current_user, "is_authenticated", False):
        return []
    return posts.navigation(current_user)


from blueprints.board import actions, feeds, pages, rendering  # noqa: E402,F401  (routes, template globals)
