"""Atom and iCalendar feeds of each board; a per-user secret token opens them in feed readers."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.board import bp, safe_next
from koalicje import permissions
from koalicje.board import feed_tokens, feeds, posts
from koalicje.config import canonical_domain
from models import Coalition, User


def _feed_reader(slug: str | None) -> tuple[User, Coalition | None]:
    """The reader of a feed: the signed-in user or the owner of a valid token; else 404."""
    board = None
    if slug is not None:
        board = Coalition.get_or_none(Coalition.slug == slug)
        if board is None:
            abort(404)
    user = current_user if getattr(current_user, "is_authenticated", False) else None
    if user is None or not permissions.can("read_board", board, user=user):
        user = feed_tokens.user_for_feed_token(request.args.get("token"), board)
    if user is None or not permissions.can("read_board", board, user=user):
        abort(404)
    return user, board


def _title(board: Coalition | None) -> str:
    name = board.name if board is not None else _("Program")
    return _("Tablica: %(name)s", name=name)


def _post_url(post) -> str:
    return url_for("board.detail", post_id=post.id, _external=True)


@bp.get("/feed.atom", defaults={"slug": None})
@bp.get("/<slug>/feed.atom")
def atom(slug: str | None):
    user, board = _feed_reader(slug)
    body = feeds.atom(
        posts.feed_posts(user, board), title=_title(board),
        feed_url=url_for("board.atom", slug=slug, _external=True),
        board_url=url_for("board.index", slug=slug, _external=True),
        post_url=_post_url, feed_id=feeds.feed_id(canonical_domain(current_app.config), board),
    )
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/calendar.ics", defaults={"slug": None})
@bp.get("/<slug>/calendar.ics")
def calendar(slug: str | None):
    user, board = _feed_reader(slug)
    body = feeds.icalendar(
        posts.feed_events(board), name=_title(board), domain=canonical_domain(current_app.config),
        post_url=_post_url,
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = "inline; filename=calendar.ics"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/feed-token/reset")
@login_required
def reset_token():
    """Replace the user's feed secret: every feed address they gave out stops working."""
    feed_tokens.reset_feed_token(current_user)
    flash(_("Nowe adresy kanałów są gotowe; poprzednie przestały działać."), "success")
    return redirect(safe_next(url_for("board.index")), 303)
