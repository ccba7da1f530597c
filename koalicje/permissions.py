"""Who may do what: the one place that answers "may this user do this to that".

Views call `require(...)` (or the decorators), templates call `can(...)`. Each rule is a
plain function of (user, obj) so tests can call it without HTTP. Per-request lookups of the
user's memberships and trainer assignments are cached on `flask.g`, so asking many times on
one page costs two queries at most.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g, has_request_context
from flask_login import current_user, login_required

from koalicje.prepared import prepared
from koalicje.rows import field_count, model_from_row
from models import Coalition, Membership, TrainerAssignment, User

Rule = Callable[[User, Any], bool]
RULES: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[action] = fn
        return fn

    return register


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


@prepared
def _memberships(user_id: int):
    return Membership.select(Membership, Coalition).join(Coalition).where(Membership.user == user_id)


def memberships_of(user: User) -> dict[int, Membership]:
    """The user's memberships by coalition id (one query per request and user; its SQL is
    built once per process)."""
    cache = g.setdefault("_memberships", {}) if has_request_context() else {}
    found = cache.get(user.id)
    if found is None:
        found = cache[user.id] = {m.coalition_id: m for m in _membership_rows(user.id)}
    return found


def _membership_rows(user_id: int) -> list[Membership]:
    """`_memberships.rows(user_id)` made from the driver's rows (the membership's columns,
    then its coalition's), as Peewee's join wrapper makes them: each Membership with its
    Coalition joined, nothing marked changed (every signed-in page reads them; the wrapper
    costs twice the query; tests/test_web_fixed_cost.py compares the two)."""
    out = []
    start = field_count(Membership)
    for row in _memberships.fetchall(user_id):
        membership = model_from_row(Membership, row)
        membership.__rel__["coalition"] = model_from_row(Coalition, row, start)
        out.append(membership)
    return out


@prepared
def _assigned_ids(trainer_id: int):
    return TrainerAssignment.select(TrainerAssignment.coalition).where(
        TrainerAssignment.trainer == trainer_id).tuples()


def assigned_coalition_ids(user: User) -> set[int]:
    """Ids of the coalitions a trainer is assigned to (cached per request)."""
    cache = g.setdefault("_assigned", {}) if has_request_context() else {}
    found = cache.get(user.id)
    if found is None:
        found = cache[user.id] = (
            {coalition_id for (coalition_id,) in _assigned_ids.fetchall(user.id)}
            if user.role == "trainer" else set())
    return found


def _coalition_id(obj: Coalition | int) -> int:
    return obj if isinstance(obj, int) else obj.id


def is_member(user: User, coalition: Coalition | int) -> bool:
    return _coalition_id(coalition) in memberships_of(user)


def is_coordinator(user: User, coalition: Coalition | int) -> bool:
    m = memberships_of(user).get(_coalition_id(coalition))
    return m is not None and m.role == "coordinator"


def is_assigned_trainer(user: User, coalition: Coalition | int) -> bool:
    return user.role == "trainer" and _coalition_id(coalition) in assigned_coalition_ids(user)


def oversees(user: User, coalition: Coalition | int) -> bool:
    """Admins oversee every coalition, trainers the ones assigned to them."""
    return user.role == "admin" or is_assigned_trainer(user, coalition)


# --- rules: accounts and coalitions --------------------------------------------------------


@rule("admin")
def _admin(user: User, obj: Any = None) -> bool:
    return user.role == "admin"


@rule("view_coalition")
def _view_coalition(user: User, coalition: Coalition) -> bool:
    return True  # the directory is open to everyone signed in


@rule("edit_coalition")
def _edit_coalition(user: User, coalition: Coalition | None) -> bool:
    return user.role == "admin"


@rule("edit_goals")
def _edit_goals(user: User, coalition: Coalition) -> bool:
    return user.role == "admin" or is_coordinator(user, coalition)


@rule("manage_members")
def _manage_members(user: User, coalition: Coalition) -> bool:
    """Change members' roles and sectors, remove members."""
    return user.role == "admin" or is_coordinator(user, coalition)


@rule("invite")
def _invite(user: User, coalition: Coalition | None) -> bool:
    """Create invites: admins anywhere, trainers to their coalitions, coordinators to theirs."""
    if user.role == "admin":
        return True
    if coalition is None:
        return user.role == "trainer"
    return is_assigned_trainer(user, coalition) or is_coordinator(user, coalition)


@rule("create_invites")
def _create_invites(user: User, obj: Any = None) -> bool:
    """See the invite form at all: admins, trainers, coordinators of some coalition."""
    if user.role in ("admin", "trainer"):
        return True
    return any(m.role == "coordinator" for m in memberships_of(user).values())


@rule("revoke_invite")
def _revoke_invite(user: User, invite: Any) -> bool:
    return user.role == "admin" or invite.created_by_id == user.id


@rule("view_coalition_results")
def _view_coalition_results(user: User, coalition: Coalition) -> bool:
    return oversees(user, coalition) or is_coordinator(user, coalition)


@rule("trainer_area")
def _trainer_area(user: User, obj: Any = None) -> bool:
    return user.role in ("admin", "trainer")


@rule("manage_content")
def _manage_content(user: User, obj: Any = None) -> bool:
    """Upload recordings and materials, attach them to modules."""
    return user.role in ("admin", "trainer")


# --- rules: learning path, quizzes and self-assessment -------------------------------------


@rule("learn")
def _learn(user: User, obj: Any = None) -> bool:
    """Walk the learning path: everyone signed in."""
    return True


@rule("take_quizzes")
def _take_quizzes(user: User, obj: Any = None) -> bool:
    """Module quizzes and the personal self-assessment: everyone signed in."""
    return True


# --- rules: noticeboard --------------------------------------------------------------------
# A board is a Coalition, or None for the programme-wide board. Post rules take a Post.


def _board_of(obj: Any) -> Coalition | int | None:
    """The board (coalition id or None) of a Post/Comment, or the board itself."""
    if obj is None or isinstance(obj, Coalition | int):
        return obj
    if hasattr(obj, "post_id") and not hasattr(obj, "coalition_id"):
        obj = obj.post
    return obj.coalition_id


@rule("read_board")
def _read_board(user: User, board: Any) -> bool:
    """Everyone signed in reads the programme board; members, assigned trainers and admins
    read a coalition's board."""
    board = _board_of(board)
    if board is None:
        return True
    return is_member(user, board) or oversees(user, board)


@rule("post_board")
def _post_board(user: User, board: Any) -> bool:
    return _read_board(user, board)


@rule("edit_post")
def _edit_post(user: User, post: Any) -> bool:
    """Authors edit and delete their own posts (not once a moderator has hidden them)."""
    return (
        post.author_id == user.id
        and post.deleted_at is None
        and post.hidden_at is None
        and _read_board(user, post)
    )


@rule("delete_post")
def _delete_post(user: User, post: Any) -> bool:
    return post.deleted_at is None and (
        user.role == "admin" or (post.author_id == user.id and _read_board(user, post))
    )


def posts_to_ask(user: User, posts: list) -> list:
    """The posts of `posts` of which `edit_post` and `delete_post` may say yes to `user`:
    their own, and every one for an admin (the two rules above refuse the rest). A board
    page asks both rules of each post it shows; asking only these skips ~70 refusals a
    page (tests/test_board_listing.py asks the rules of every post and role and compares).
    Change this with the rules."""
    if user.role == "admin":
        return posts
    return [post for post in posts if post.author_id == user.id]


@rule("manage_board")
def _manage_board(user: User, board: Any) -> bool:
    """Pin posts, mark them must-read and see who has not confirmed: the coalition's
    coordinator, its assigned trainers and admins; on the programme board trainers and admins."""
    board = _board_of(board)
    if board is None:
        return user.role in ("admin", "trainer")
    return oversees(user, board) or is_coordinator(user, board)


@rule("moderate_board")
def _moderate_board(user: User, board: Any) -> bool:
    """Hide and restore posts and comments: assigned trainers and admins."""
    board = _board_of(board)
    if board is None:
        return user.role in ("admin", "trainer")
    return oversees(user, board)


# --- rules: trainer dashboard --------------------------------------------------------------


@rule("view_learner")
def _view_learner(user: User, learner: User) -> bool:
    if user.role == "admin" or user.id == learner.id:
        return True
    if user.role != "trainer":
        return False
    assigned = assigned_coalition_ids(user)
    return any(cid in assigned for cid in memberships_of(learner))


@rule("view_visits")
def _view_visits(user: User, coalition: Coalition) -> bool:
    """The visit log and next steps: the coalition's trainers, admins and its coordinators."""
    return oversees(user, coalition) or is_coordinator(user, coalition)


@rule("record_visit")
def _record_visit(user: User, coalition: Coalition) -> bool:
    """Record visits and mark next steps done: the coalition's trainers and admins."""
    return oversees(user, coalition)


@rule("view_stats")
def _view_stats(user: User, obj: Any = None) -> bool:
    return True  # programme statistics are open to everyone signed in


# --- rules: the coalition's workshop -------------------------------------------------------


@rule("view_workshop")
def _view_workshop(user: User, coalition: Coalition | int) -> bool:
    """The partners' map, meetings and plan: members, assigned trainers and admins."""
    return is_member(user, coalition) or oversees(user, coalition)


@rule("contribute_workshop")
def _contribute_workshop(user: User, coalition: Coalition | int) -> bool:
    """Add and edit partners, participants, needs and actions: members and admins."""
    return user.role == "admin" or is_member(user, coalition)


@rule("decide_workshop")
def _decide_workshop(user: User, coalition: Coalition | int) -> bool:
    """Plan meetings, close votes, choose directions, invite partners: coordinators, admins."""
    return user.role == "admin" or is_coordinator(user, coalition)


@rule("vote_needs")
def _vote_needs(user: User, coalition: Coalition | int) -> bool:
    """Dot voting on needs: the coalition's members (participants with an account)."""
    return is_member(user, coalition)


@rule("comment_workshop")
def _comment_workshop(user: User, coalition: Coalition | int) -> bool:
    """Remarks on a meeting or the plan: members, assigned trainers and admins."""
    return _view_workshop(user, coalition)


# --- API -----------------------------------------------------------------------------------


def signed_in_user() -> Any:
    """`current_user` resolved (the user itself, not the proxy): Flask-Login's user of this
    request, read from `g` where Flask-Login keeps it once loaded (through the proxy that
    is three context lookups; a page asks `can` a dozen times or more)."""
    if has_request_context():
        user = g._get_current_object().__dict__.get("_login_user")
        if user is not None:
            return user
    return current_user._get_current_object()


def can(action: str, obj: Any = None, user: Any = None) -> bool:
    """May `user` (default: the signed-in user) do `action` to `obj`?"""
    if user is None:  # the user itself, not the proxy: rules read several of its attributes
        user = signed_in_user()
    if not _signed_in(user):
        return False
    if action not in RULES:
        raise KeyError(f"unknown permission {action!r}")
    return RULES[action](user, obj)


def require(action: str, obj: Any = None, status: int = 403) -> None:
    """Abort with `status` (403, or 404 to hide that the thing exists) unless allowed."""
    if not can(action, obj):
        abort(status)


def requires(action: str) -> Callable:
    """View decorator for rules that need no object: sign-in first, then the rule."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            require(action)
            return view(*args, **kwargs)

        return wrapped

    return decorator
