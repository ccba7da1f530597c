"""Permission matrix of the noticeboard (board.*)."""

from access import Case
from koalicje.board import posts
from models import Module, utcnow

ALL = ("user", "member", "other_trainer", "trainer", "coordinator", "admin")


def every(status: int) -> dict:
    return dict.fromkeys(ALL, status)


def coalition_only(ok: int, anonymous: int = 302) -> dict:
    """A private coalition board: members, the assigned trainer and admins; others 404."""
    return dict(anonymous=anonymous, user=404, member=ok, other_trainer=404, trainer=ok,
                coordinator=ok, admin=ok)


def setup(world) -> None:
    c = world.coalition
    post = posts.create_post(world.member, c, title="Zebranie", body="W piątek o 17.")
    posts.set_must_read(post, True)
    world.extra["post"] = post
    world.extra["own"] = posts.create_post(world.member, c, title="Mój wpis", body="Treść")
    world.extra["admin_post"] = posts.create_post(world.admin, c, title="Od admina", body="x")
    hidden = posts.create_post(world.member, c, title="Ukryty", body="x")
    posts.hide(hidden, world.admin, "spam")
    world.extra["hidden"] = hidden
    world.extra["comment"] = posts.add_comment(world.member, post, "Będę!")
    hidden_comment = posts.add_comment(world.member, post, "Reklama")
    posts.hide(hidden_comment, world.admin, "reklama")
    world.extra["hidden_comment"] = hidden_comment
    world.extra["programme_post"] = posts.create_post(
        world.coordinator, None, title="Dla wszystkich", body="Zapraszamy"
    )
    Module.create(
        slug="film-spotkanie-badawcze", position=4, kind="film", title_pl="Film",
        title_en="Film", updated_at=utcnow(),
        meta={"task": {"title": {"pl": "Podziel się", "en": "Share"},
                       "prompt": {"pl": "Opisz", "en": "Describe"}, "category": "success"}},
    )


def _id(key):
    return lambda w: w.extra[key].id


def _post_data(w) -> dict:
    return {"title": "Nowy wpis", "body": "Treść wpisu", "category": "need"}


def _edit_data(w) -> dict:
    pid = w.extra["own"].id
    return {f"p{pid}-title": "Poprawiony", f"p{pid}-body": "Nowa treść",
            f"p{pid}-category": "offer"}


HX = {"HX-Request": "true"}

CASES = [
    Case("board.index", "GET", lambda w: "/board/", anonymous=302, **every(200)),
    Case("board.index", "GET", lambda w: f"/board/{w.coalition.slug}", **coalition_only(200)),
    Case("board.more", "GET", lambda w: "/board/more?after=999", anonymous=302, **every(302)),
    Case("board.more", "GET", lambda w: f"/board/{w.coalition.slug}/more?after=999",
         headers=HX, **coalition_only(200, anonymous=200)),
    Case("board.create", "POST", lambda w: "/board/posts", data=_post_data,
         anonymous=302, **every(303)),
    Case("board.create", "POST", lambda w: f"/board/{w.coalition.slug}/posts", data=_post_data,
         **coalition_only(303)),
    Case("board.detail", "GET", lambda w: f"/board/post/{w.extra['post'].id}",
         **coalition_only(200)),
    Case("board.edit", "GET", lambda w: f"/board/post/{w.extra['own'].id}/edit",
         anonymous=302, user=404, member=200, other_trainer=404, trainer=403,
         coordinator=403, admin=403),
    Case("board.edit", "POST", lambda w: f"/board/post/{w.extra['own'].id}/edit",
         data=_edit_data, anonymous=302, user=404, member=303, other_trainer=404,
         trainer=403, coordinator=403, admin=403),
    Case("board.delete", "GET", lambda w: f"/board/post/{w.extra['own'].id}/delete",
         anonymous=302, user=404, member=200, other_trainer=404, trainer=403,
         coordinator=403, admin=200),
    Case("board.delete", "POST", lambda w: f"/board/post/{w.extra['admin_post'].id}/delete",
         anonymous=302, user=404, member=403, other_trainer=404, trainer=403,
         coordinator=403, admin=303),
    Case("board.comments", "GET", lambda w: f"/board/post/{w.extra['post'].id}/comments",
         headers=HX, **coalition_only(200, anonymous=200)),
    Case("board.comments", "POST", lambda w: f"/board/post/{w.extra['post'].id}/comments",
         data=lambda w: {f"c{w.extra['post'].id}-body": "Zgoda"}, **coalition_only(303)),
    Case("board.pin", "POST", lambda w: f"/board/post/{w.extra['post'].id}/pin",
         data=lambda w: {"pinned": "1"}, anonymous=302, user=404, member=403,
         other_trainer=404, trainer=303, coordinator=303, admin=303),
    Case("board.must_read", "POST", lambda w: f"/board/post/{w.extra['post'].id}/must-read",
         data=lambda w: {"must_read": "1"}, anonymous=302, user=404, member=403,
         other_trainer=404, trainer=303, coordinator=303, admin=303),
    Case("board.confirm", "POST", lambda w: f"/board/post/{w.extra['post'].id}/confirm",
         **coalition_only(303)),
    Case("board.readers", "GET", lambda w: f"/board/post/{w.extra['post'].id}/readers",
         anonymous=302, user=404, member=403, other_trainer=404, trainer=200,
         coordinator=200, admin=200),
    # The assigned trainer hides it; from then on the coordinator (not its author, not a
    # moderator) no longer sees it, and the admin may hide it again (new reason).
    Case("board.hide", "POST", lambda w: f"/board/post/{w.extra['post'].id}/hide",
         data=lambda w: {f"h{w.extra['post'].id}-reason": "Nie na temat"},
         anonymous=302, user=404, member=403, other_trainer=404, trainer=303,
         coordinator=404, admin=303),
    Case("board.restore", "POST", lambda w: f"/board/post/{w.extra['hidden'].id}/restore",
         anonymous=302, user=404, member=403, other_trainer=404, trainer=303,
         coordinator=403, admin=303),
    Case("board.hide_comment", "POST",
         lambda w: f"/board/comment/{w.extra['comment'].id}/hide",
         data=lambda w: {f"hc{w.extra['comment'].id}-reason": "Obraźliwy"},
         anonymous=302, user=404, member=403, other_trainer=404, trainer=303,
         coordinator=403, admin=303),
    Case("board.restore_comment", "POST",
         lambda w: f"/board/comment/{w.extra['hidden_comment'].id}/restore",
         anonymous=302, user=404, member=403, other_trainer=404, trainer=303,
         coordinator=403, admin=303),
    Case("board.task", "POST", lambda w: "/board/task/film-spotkanie-badawcze",
         data=lambda w: {"task-board": "programme", "task-title": "Nasza diagnoza",
                         "task-body": "Wnioski ze spotkania"},
         anonymous=302, **every(303)),
    Case("board.atom", "GET", lambda w: "/board/feed.atom", anonymous=404, **every(200)),
    Case("board.atom", "GET", lambda w: f"/board/{w.coalition.slug}/feed.atom",
         **coalition_only(200, anonymous=404)),
    Case("board.calendar", "GET", lambda w: "/board/calendar.ics", anonymous=404,
         **every(200)),
    Case("board.calendar", "GET", lambda w: f"/board/{w.coalition.slug}/calendar.ics",
         **coalition_only(200, anonymous=404)),
    Case("board.reset_token", "POST", lambda w: "/board/feed-token/reset",
         anonymous=302, **every(303)),
]


