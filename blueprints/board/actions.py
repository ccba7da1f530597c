"""Actions on a post: comments, pinning, must-read and confirmations, moderation, tasks."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from blueprints.board import board_of, bp, load_post, safe_next
from blueprints.board.forms import CommentForm, HideForm, TaskForm, hide_prefix
from blueprints.board.pages import check_rate_limit, post_context
from koalicje import permissions
from koalicje.board import posts
from koalicje.web import htmx
from koalicje.web.labels import localized
from models import Comment, Module


def _back_to(post) -> str:
    return url_for("board.detail", post_id=post.id)


def comments_context(post, form: CommentForm | None = None) -> dict:
    return {
        "post": post,
        "board": board_of(post),
        "comments": posts.comments_of(current_user, post),
        "comment_form": form or CommentForm(formdata=None, prefix=f"c{post.id}"),
    }


def _page_context(post, form: CommentForm | None = None) -> dict:
    """Everything the post page needs, with its comments (for pages answering errors)."""
    context = post_context(post)
    context.update(comments_context(post, form))
    return context


@bp.route("/post/<int:post_id>/comments", methods=["GET", "POST"])
@login_required
def comments(post_id: int):
    post = load_post(post_id)
    if request.method != "POST":  # GET and HEAD only show; never fall through to a change
        if not htmx.is_fragment_request():
            return redirect(_back_to(post) + "#comments")
        return htmx.render("board/post.html", "board/_comments.html",
                               **comments_context(post))
    permissions.require("post_board", post.coalition_id, 404)
    if post.hidden_at is not None:
        abort(403)
    form = CommentForm(prefix=f"c{post.id}")
    if not form.validate():
        return htmx.render("board/post.html", "board/_comments.html", status=422,
                               **_page_context(post, form))
    check_rate_limit()
    posts.add_comment(current_user, post, form.body.data)
    if not htmx.is_fragment_request():
        flash(_("Komentarz dodany."), "success")
        return redirect(_back_to(post) + "#comments", 303)
    after = request.form.get("after", "")
    if not (after.isdigit() and len(after) < 12):
        return htmx.render("board/post.html", "board/_comments.html", update_count=True,
                           **comments_context(post))
    # The form says which comment the reader saw last: send only the ones after it (theirs
    # and any written meanwhile) and a fresh form, not the whole list again.
    response = htmx.render(
        "board/post.html", "board/_comments_added.html", post=post, board=board_of(post),
        after=int(after), comments=posts.comments_of(current_user, post, after=int(after)),
        comment_count=posts.comment_count(current_user, post),
        comment_form=CommentForm(formdata=None, prefix=f"c{post.id}"),
    )
    return htmx.with_headers(response, retarget=f"#comment-form-{post.id}", reswap="outerHTML")


def _post_response(post, message: str):
    """After an action on a post: the post fragment for htmx, else back to where it was."""
    if htmx.is_fragment_request():
        return htmx.render("board/post.html", "board/_post.html", **post_context(post))
    flash(message, "success")
    return redirect(safe_next(_back_to(post)), 303)


@bp.post("/post/<int:post_id>/pin")
@login_required
def pin(post_id: int):
    post = load_post(post_id)
    permissions.require("manage_board", post.coalition_id)
    pinned = request.form.get("pinned") == "1"
    posts.set_pinned(post, pinned)
    return _post_response(post, _("Wpis przypięty.") if pinned else _("Wpis odpięty."))


@bp.post("/post/<int:post_id>/must-read")
@login_required
def must_read(post_id: int):
    post = load_post(post_id)
    permissions.require("manage_board", post.coalition_id)
    value = request.form.get("must_read") == "1"
    posts.set_must_read(post, value)
    return _post_response(
        post, _("Wpis oznaczony jako obowiązkowy do przeczytania.") if value
        else _("Wpis nie jest już obowiązkowy do przeczytania."),
    )


@bp.post("/post/<int:post_id>/confirm")
@login_required
def confirm(post_id: int):
    post = load_post(post_id)
    if not post.must_read:
        abort(409)
    posts.confirm_read(current_user, post)
    return _post_response(post, _("Dziękujemy, potwierdzono przeczytanie."))


@bp.get("/post/<int:post_id>/readers")
@login_required
def readers(post_id: int):
    """Who has not confirmed a must-read post yet (coordinators, trainers, admins)."""
    post = load_post(post_id)
    permissions.require("manage_board", post.coalition_id)
    return htmx.render(
        "board/readers.html", "board/_readers.html", post=post, board=board_of(post),
        missing=posts.unconfirmed_readers(post), confirmed=posts.confirmed_count(post),
    )


def _moderated_post(post_id: int):
    post = load_post(post_id)
    permissions.require("moderate_board", post.coalition_id)
    return post


@bp.post("/post/<int:post_id>/hide")
@login_required
def hide(post_id: int):
    post = _moderated_post(post_id)
    form = HideForm(prefix=hide_prefix("post", post.id))
    if not form.validate():
        return htmx.render("board/post.html", "board/_post.html", status=422,
                               **post_context(post, hide_form=form))
    posts.hide(post, current_user, form.reason.data)
    return _post_response(post, _("Wpis ukryty."))


@bp.post("/post/<int:post_id>/restore")
@login_required
def restore(post_id: int):
    post = _moderated_post(post_id)
    posts.restore(post, current_user)
    return _post_response(post, _("Wpis przywrócony."))


def _moderated_comment(comment_id: int) -> Comment:
    comment = Comment.get_or_none(Comment.id == comment_id)
    if comment is None or comment.deleted_at is not None:
        abort(404)
    load_post(comment.post_id)
    permissions.require("moderate_board", comment.post.coalition_id)
    return comment


def _comment_response(comment: Comment, message: str, status: int = 200, form=None):
    post = comment.post
    if htmx.is_fragment_request() or status != 200:
        context = _page_context(post)
        context["update_count"] = htmx.is_fragment_request()
        if form is not None:
            context["hide_forms"] = {comment.id: form}
        return htmx.render("board/post.html", "board/_comments.html", status=status,
                               **context)
    flash(message, "success")
    return redirect(_back_to(post) + f"#comment-{comment.id}", 303)


@bp.post("/comment/<int:comment_id>/hide")
@login_required
def hide_comment(comment_id: int):
    comment = _moderated_comment(comment_id)
    form = HideForm(prefix=hide_prefix("comment", comment.id))
    if not form.validate():
        return _comment_response(comment, "", status=422, form=form)
    posts.hide(comment, current_user, form.reason.data)
    return _comment_response(comment, _("Komentarz ukryty."))


@bp.post("/comment/<int:comment_id>/restore")
@login_required
def restore_comment(comment_id: int):
    comment = _moderated_comment(comment_id)
    posts.restore(comment, current_user)
    return _comment_response(comment, _("Komentarz przywrócony."))


# --- module tasks (included in the module page as board/_module_task.html) -----------------


def task_form(user, formdata=None) -> TaskForm:
    form = TaskForm(formdata=formdata, prefix="task")
    choices = [SelectChoice(str(b.id), b.name) for b in posts.task_boards(user)]
    choices.append(SelectChoice("programme", _("Tablica programu")))
    form.board.choices = choices
    if formdata is None:
        form.board.data = choices[0].value
    return form


@bp.app_template_global()
def board_task(module, form: TaskForm | None = None) -> dict | None:
    """What the module page needs to show a module's board task (None: the module has none)."""
    task = posts.task_of(module)
    if task is None or not getattr(current_user, "is_authenticated", False):
        return None
    return {
        "title": localized(task.get("title")),
        "prompt": localized(task.get("prompt")),
        "category": task.get("category", "success"),
        "post": posts.task_post(current_user, module.slug),
        "form": form or task_form(current_user),
    }


@bp.post("/task/<module_slug>")
@login_required
def task(module_slug: str):
    module = Module.get_active(module_slug)
    if posts.task_of(module) is None:
        abort(404)
    form = task_form(current_user, request.form)
    if not form.validate():
        return htmx.render("board/task.html", "board/_module_task.html", status=422,
                               module=module, task_form=form)
    board = None
    if form.board.data != "programme":
        board = next((b for b in posts.task_boards(current_user)
                      if str(b.id) == form.board.data), None)
    check_rate_limit()
    post = posts.answer_task(current_user, module, board, title=form.title.data,
                             body=form.body.data)
    if htmx.is_fragment_request():
        response = htmx.render("board/task.html", "board/_module_task.html", module=module)
        # The module's progress region listens for this and reloads itself (task done).
        return htmx.with_headers(response, trigger="progress-changed")
    flash(_("Dziękujemy! Twój wpis jest na tablicy i zalicza zadanie modułu."), "success")
    return redirect(url_for("board.detail", post_id=post.id), 303)
