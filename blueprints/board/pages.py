"""Board pages: the list (with filters, search and "load more"), posting, editing, deleting."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user, login_required

from blueprints.board import board_of, bp, load_board, load_post, rendering
from blueprints.board.forms import CommentForm, PostForm
from koalicje import permissions
from koalicje.board import feed_tokens, posts
from koalicje.web import htmx
from koalicje.web.errors import abort_with, best_effort
from koalicje.web.forms import already_done, remember_done
from models import POST_CATEGORIES, Coalition, Post


def _filters() -> dict:
    category = request.args.get("category", "")
    q = request.args.get("q", "").strip()[:200]
    return {"category": category if category in POST_CATEGORIES else "", "q": q}


def _cursor() -> int | None:
    value = request.args.get("after", "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def list_context(board: Coalition | None, seen, after: int | None = None) -> dict:
    filters = _filters()
    page_size = max(1, int(current_app.config.get("BOARD_PAGE_SIZE", 20)))
    reader = permissions.signed_in_user()
    result = posts.listing(
        reader, board, category=filters["category"], q=filters["q"], after=after,
        limit=page_size,
    )
    shown = result.top + result.posts
    return {
        "board": board,
        "listing": result,
        "extras": posts.extras(reader, shown, board),
        "seen": seen,
        "filters": filters,
    }


def post_context(post: Post, **extra) -> dict:
    board = board_of(post)
    return {
        "post": post,
        "board": board,
        "extras": posts.extras(current_user, [post], board),
        "seen": posts.last_seen(current_user, board),
        **extra,
    }


def check_rate_limit() -> None:
    """429 with a message when the user posts and comments faster than allowed."""
    try:
        posts.check_rate(current_user)
    except posts.RateLimited:
        limit = current_app.config.get("BOARD_POSTS_PER_MINUTE", 10)
        abort_with(429, _("Za szybko: najwyżej %(limit)d wpisów i komentarzy na minutę. "
                          "Odczekaj chwilę i spróbuj ponownie.", limit=limit))


@bp.get("/", defaults={"slug": None})
@bp.get("/<slug>")
@login_required
def index(slug: str | None):
    board = load_board(slug)
    reader = permissions.signed_in_user()
    if htmx.is_fragment_request():
        seen = posts.last_seen(reader, board)
    else:
        seen = best_effort(lambda: posts.record_visit(reader, board),
                           lambda: posts.last_seen(reader, board))
        posts.forget_navigation()
    context = list_context(board, seen, after=_cursor())
    context.update(
        form=None,  # an empty new-post form (see `board_post_form`)
        events=posts.upcoming_events(reader, board),
        feed_token=best_effort(lambda: feed_tokens.feed_token(reader, board),
                               lambda: None),
    )
    return rendering.render_board("board/index.html", "board/_board.html", **context)


@bp.get("/more", defaults={"slug": None})
@bp.get("/<slug>/more")
@login_required
def more(slug: str | None):
    """The next page of the stream after the cursor (htmx); the page from there otherwise."""
    board = load_board(slug)
    after = _cursor()
    if not htmx.is_fragment_request():
        return redirect(url_for("board.index", slug=slug, after=after, **_filters()))
    reader = permissions.signed_in_user()
    context = list_context(board, posts.last_seen(reader, board), after=after)
    return rendering.render_board("board/index.html", "board/_more.html", **context)


@bp.post("/posts", defaults={"slug": None})
@bp.post("/<slug>/posts")
@login_required
def create(slug: str | None):
    board = load_board(slug)
    permissions.require("post_board", board, 404)
    form = PostForm()
    if not form.validate():
        return _form_errors(board, form)
    earlier = already_done("post", form.form_key.data)
    if earlier is not None:
        # The same form sent again (Back, then submit): show the post, do not repeat it.
        if htmx.is_fragment_request():
            return "", 204
        flash(_("Ten wpis został już opublikowany."), "success")
        return redirect(url_for("board.index", slug=slug) + f"#post-{earlier}", 303)
    check_rate_limit()
    post = posts.create_post(
        current_user, board, title=form.title.data, body=form.body.data,
        category=form.category.data, event_at=form.event_at(),
        event_place=form.event_place.data or "",
    )
    remember_done("post", form.form_key.data, post.id)
    if not htmx.is_fragment_request():
        flash(_("Wpis opublikowany."), "success")
        return redirect(url_for("board.index", slug=slug) + f"#post-{post.id}", 303)
    context = post_context(post, form=PostForm(formdata=None), new_post=True)
    return htmx.render("board/post.html", "board/_created.html", **context)


def _form_errors(board: Coalition | None, form: PostForm):
    if htmx.is_fragment_request():
        response = htmx.render("board/index.html", "board/_post_form.html", status=422,
                                   board=board, form=form)
        return htmx.with_headers(response, retarget="#post-form", reswap="outerHTML")
    context = list_context(board, posts.last_seen(current_user, board))
    context.update(form=form, events=posts.upcoming_events(current_user, board),
                   feed_token=feed_tokens.feed_token(current_user, board))
    return htmx.render("board/index.html", "board/_post_form.html", status=422, **context)


@bp.get("/post/<int:post_id>")
@login_required
def detail(post_id: int):
    post = load_post(post_id)
    context = post_context(
        post, comments=posts.comments_of(current_user, post),
        comment_form=CommentForm(formdata=None, prefix=f"c{post.id}"),
    )
    return htmx.render("board/post.html", "board/_post.html", **context)


def _edit_form(post: Post, formdata=None) -> PostForm:
    form = PostForm(formdata=formdata, prefix=f"p{post.id}", obj=None)
    if formdata is None:
        form.title.data = post.title
        form.body.data = post.body_source
        form.category.data = post.category
        form.event_place.data = post.event_place
        if post.event_at:
            local = to_user_timezone(post.event_at)
            form.event_date.data = local.date()
            form.event_time.data = local.time()
    return form


@bp.route("/post/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post = load_post(post_id)
    permissions.require("edit_post", post)
    if request.method != "POST":  # GET and HEAD only show; never fall through to a change
        return htmx.render("board/edit.html", "board/_edit_form.html",
                               post=post, form=_edit_form(post), board=board_of(post))
    form = _edit_form(post, request.form)
    if not form.validate():
        return htmx.render("board/edit.html", "board/_edit_form.html", status=422,
                               post=post, form=form, board=board_of(post))
    posts.edit_post(
        post, title=form.title.data, body=form.body.data, category=form.category.data,
        event_at=form.event_at(), event_place=form.event_place.data or "",
    )
    if not htmx.is_fragment_request():
        flash(_("Zmiany zapisane."), "success")
        return redirect(url_for("board.detail", post_id=post.id), 303)
    return htmx.render("board/post.html", "board/_post.html", **post_context(post))


@bp.route("/post/<int:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete(post_id: int):
    post = load_post(post_id)
    permissions.require("delete_post", post)
    board = board_of(post)
    if request.method != "POST":  # GET and HEAD only show; never fall through to a change
        return htmx.render("board/delete.html", "board/_delete_form.html",
                               post=post, board=board)
    posts.delete_post(post, current_user)
    if htmx.is_fragment_request():
        return htmx.render("board/delete.html", "board/_deleted.html", post=post,
                               board=board)
    flash(_("Wpis usunięty."), "success")
    return redirect(url_for("board.index", slug=board.slug if board else None), 303)

