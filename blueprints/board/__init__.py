"""The noticeboard: programme-wide and coalition boards, posts, comments, feeds.

Routes are split by concern: `pages` (boards, posts, editing), `actions` (comments, pinning,
must-read, moderation, module tasks) and `feeds` (Atom, iCalendar, feed tokens).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, has_request_context, request
from flask_login import current_user
from markupsafe import Markup, escape

from blueprints.main import safe_next as main_safe_next
from koalicje import kept, permissions, rows
from koalicje.board import posts
from koalicje.prepared import prepared
from koalicje.web import render
from models import Coalition, Post

bp = Blueprint("board", __name__, url_prefix="/board")


def load_board(slug: str | None) -> Coalition | None:
    """The board named by a URL: None for the programme board; 404 if unknown or private."""
    if slug is None:
        return None
    # The row made into a Coalition directly (`koalicje.rows`: Peewee's wrapper cost ~50 us,
    # a tenth of a "load more").
    found = _board_by_slug.fetchall(slug)
    coalition = rows.model_from_row(Coalition, found[0]) if found else None
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
    """URL of a board-level endpoint for a coalition board or the programme board
    (`render.url_for`: built once per process for each kind of URL; a board page makes
    several, its "load more" two)."""
    values = {k: v for k, v in values.items() if v not in (None, "")}
    slug = board.slug if board is not None else None
    return render.url_for(endpoint, slug=slug, **values)


@bp.app_template_global()
def board_navigation() -> list[posts.BoardEntry]:
    if not getattr(current_user, "is_authenticated", False):
        return []
    return posts.navigation(current_user)


def _board_index_urls() -> tuple[str, Callable[[str], str]]:
    """The programme board's URL and a coalition board's URL as a function of its slug
    (`render.url_cut`: cut once around the slug), both HTML-escaped; once per request (the
    script root may differ between requests)."""
    return (str(escape(render.url_for("board.index"))),
            render.url_cut("board.index", "slug", kind=str))


NAV_KEPT = "koalicje.board-nav"
NAV_KEPT_ENTRIES = 1024  # (language, URL root, boards and counts): then start again


@bp.app_template_global()
def board_nav(entries: list[posts.BoardEntry] | None = None) -> tuple[int, Markup]:
    """The header's board navigation (`entries`: the signed-in user's): the total of new
    posts, and the links `<li>` by `<li>` (templates/board/_nav.html shows them). What the
    template wrote per board with `board_url` and `ngettext`, written by plain joins: a
    trainer follows dozens of boards, and the header is on every page
    (tests/test_board_nav.py compares the two). Kept per process for everything it shows:
    the language, the URL root, and each board's slug, name and count in order."""
    if entries is None:
        entries = board_navigation()
    if not entries:
        return 0, Markup("")
    if not has_request_context():
        return _board_nav(entries)
    key = (render.language(), render.url_root(),
           tuple((None, entry.new) if entry.coalition is None
                 else (entry.coalition.slug, entry.coalition.name, entry.new)
                 for entry in entries))
    store = kept.store(NAV_KEPT)
    found = store.get(key)
    if found is None:
        found = kept.keep(store, key, _board_nav(entries), NAV_KEPT_ENTRIES)
    return found


def _board_nav(entries: list[posts.BoardEntry]) -> tuple[int, Markup]:
    catalog = render.translations()
    programme_href, coalition_href = render.cached("board-nav-urls", _board_index_urls)
    counts: dict[int, str] = {}
    out = []
    for entry in entries:
        coalition = entry.coalition
        if coalition is None:
            name = catalog.ugettext("Tablica programu")  # a translation is trusted markup
            href, key = programme_href, "programme"
        else:
            name = escape(coalition.name)
            slug = coalition.slug
            if not slug:  # board_url drops an empty slug: the programme board's URL
                href, key = escape(board_url(coalition)), "programme"
            else:
                href = coalition_href(slug)
                key = slug if render.PLAIN_URL_TEXT.fullmatch(slug) else escape(slug)
        new = entry.new
        if new:
            label = counts.get(new)
            if label is None:  # Jinja's ngettext: the translation as markup, the number in it
                label = counts[new] = catalog.ungettext("%(num)d nowy", "%(num)d nowe", new) \
                    % {"num": new}
            out.append(f'<li><a href="{href}" data-board="{key}">{name} '
                       f'<span class="tag board-new-count">{label}</span></a></li>')
        else:
            out.append(f'<li><a href="{href}" data-board="{key}">{name}</a></li>')
    return sum(entry.new for entry in entries), Markup("".join(out))


from blueprints.board import actions, feeds, pages, rendering  # noqa: E402,F401  (routes, template globals)
