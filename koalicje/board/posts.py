"""The noticeboard's domain: who sees which posts, listing with a cursor, search, unread
counts, posting, editing, comments, pinning, must-read confirmations, moderation, feed tokens.

A board is a Coalition, or None for the programme-wide board. Views call these functions and
render; tests call them directly. Every listing runs a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from flask import current_app, g, has_app_context, has_request_context
from peewee import SQL, BooleanField, Case, DateTimeField, IntegrityError, RawQuery, Select, fn
from werkzeug.local import LocalProxy

from koalicje import activity, kept, permissions
from koalicje.board import search
from koalicje.learning import progress
from koalicje.prepared import Prepared, padded_ids, prepared
from koalicje.rows import to_datetime
from koalicje.web.text import clean_text
from models import (
    POST_CATEGORIES,
    TALLY_TOTAL,
    AuditLog,
    BoardVisit,
    Coalition,
    Comment,
    Membership,
    Module,
    Post,
    PostRecentSearch,
    PostSearch,
    ReadConfirmation,
    TrainerAssignment,
    User,
    db,
    is_sqlite,
    utcnow,
    write_transaction,
)

TITLE_MAX = 200
BODY_MAX = 20_000
COMMENT_MAX = 5_000
REASON_MAX = 500
TOP_LIMIT = 50  # pinned and unconfirmed must-read posts shown above the stream
PROGRAMME_KEY = "programme"


class RateLimited(Exception):
    """The user posted more than BOARD_POSTS_PER_MINUTE posts and comments in a minute."""


def board_key(board: Coalition | int | None) -> str:
    if board is None:
        return PROGRAMME_KEY
    return str(board if isinstance(board, int) else board.id)


def board_id(board: Coalition | int | None) -> int | None:
    return board if board is None or isinstance(board, int) else board.id


def _on_board(board: Coalition | int | None):
    bid = board_id(board)
    return Post.coalition.is_null() if bid is None else (Post.coalition == bid)


def _shown(model: type[Post] | type[Comment], moderator: bool, reader_id: Any):
    """The rule for posts and comments alike: not deleted; hidden ones only for their author,
    unless a moderator reads. `reader_id` may be a prepared query's parameter."""
    condition = model.deleted_at.is_null()
    if not moderator:
        condition &= model.hidden_at.is_null() | (model.author == reader_id)
    return condition


def _visible(user: User, board: Coalition | int | None):
    """Not deleted; hidden posts only for their author and the board's moderators (the
    board's own condition left to the caller)."""
    return _shown(Post, permissions.can("moderate_board", board, user=user), user.id)


def visible_condition(user: User, board: Coalition | int | None):
    """The posts of the board `user` may see: not deleted; hidden posts only for their
    author and the board's moderators."""
    return _on_board(board) & _visible(user, board)


def needs_confirmation(user: User, board: Coalition | int | None) -> bool:
    """Must-read posts ask members of a coalition (everyone on the programme board)."""
    return board is None or permissions.is_member(user, board)


# --- listing --------------------------------------------------------------------------------


@dataclass
class Listing:
    top: list[Post] = field(default_factory=list)  # unconfirmed must-read, then pinned
    posts: list[Post] = field(default_factory=list)  # the stream, newest first
    next_cursor: int | None = None


def _with_author(query):
    return query.select_extend(User.id, User.name).join(User, on=(Post.author == User.id))


def listing(user: User, board: Coalition | None, category: str | None = None,
            q: str | None = None, after: int | None = None, limit: int = 20) -> Listing:
    """One page of a board: the top posts (first page only) and `limit` stream posts.

    The stream is ordered by id (newest first) and continues after the cursor `after`, so
    posts added meanwhile never cause duplicates or gaps. Two queries.
    """
    # The board's own condition goes into each branch of `is_top` (below) rather than
    # beside it, so the top query reads two small index ranges ((pinned, coalition) and
    # (must_read, coalition)), not every post of the board (SQLite uses an OR of indexes
    # only when no condition outside the OR offers an index of its own).
    shape = _listing_shape(user, board, category, after)
    values = {"board": board_id(board), "reader": user.id, "category": category,
              "after": after, "limit": limit + 1}
    args = _listing_args(shape, values)
    result = Listing()
    expression = search.match_expression(q or "", board_id(board))
    if expression is not None:
        # An FTS5 search (SQLite): prepared as the listing is, the MATCH expression a value.
        if after is None:
            result.top, rows = _search_first_page(shape, expression, args)
        else:
            rows = _listed(_search_stream, [expression, *args], shape, _LIGHT)
            _fill_texts(rows)
    else:
        searching = search.search_condition(q or "", board_id(board))
        if searching is None:
            # No search: a handful of shapes, each built once (see `_listing_shape`).
            if after is None:
                result.top = _listed(
                    _listing_top, _listing_args(shape, values, stream=False), shape, _LIGHT)
            rows = _listed(_listing_stream, args, shape, _LIGHT)
            _fill_texts(result.top + rows)
        else:
            # A search without FTS5 (PostgreSQL's LIKE, or no word characters): the same
            # conditions as the prepared listing, with the search's added, built each time.
            filters, is_top, unconfirmed, stream, _ = _listing_conditions(shape, tuple(args))
            if after is None:
                top = filters & Post.id.in_(Post.select(Post.id).where(is_top)) & searching
                result.top = list(_with_author(Post.select(Post)).where(top)
                                  .order_by(*_top_order(unconfirmed)).limit(TOP_LIMIT))
            rows = list(_with_author(Post.select(Post)).where(stream & searching)
                        .order_by(Post.id.desc()).limit(limit + 1))
    result.posts = rows[:limit]
    if len(rows) > limit:
        result.next_cursor = result.posts[-1].id
    return result


@dataclass(frozen=True)
class _ListingShape:
    """What decides the SQL of a board's listing (the prepared queries' key)."""

    programme: bool  # the programme board (no coalition id)
    moderator: bool  # sees hidden posts
    category: bool  # filtered by a category
    confirm: bool  # unconfirmed must-read posts go on top
    after: bool  # a later page (after a cursor)


def _listing_shape(user: User, board: Coalition | None, category: str | None,
                   after: int | None) -> _ListingShape:
    return _ListingShape(board is None, permissions.can("moderate_board", board, user=user),
                         category in POST_CATEGORIES, needs_confirmation(user, board),
                         after is not None)


def _listing_names(shape: _ListingShape, stream: bool = True) -> list[str]:
    """The listing queries' parameters, in the order the builders take them (the top
    query has no cursor and a fixed limit)."""
    names = [] if shape.programme else ["board"]
    names += [] if shape.moderator else ["reader"]
    names += ["category"] if shape.category else []
    names += ["reader"] if shape.confirm and shape.moderator else []
    if not stream:
        return names
    names += ["after"] if shape.after else []
    return names + ["limit"]


def _listing_args(shape: _ListingShape, values: dict, stream: bool = True) -> list:
    return [values[name] for name in _listing_names(shape, stream)]


def _listing_conditions(shape: _ListingShape, params: tuple, stream: bool = True):
    """The listing's conditions (a search adds its matches to them): (filters, is_top,
    unconfirmed or None, the stream's condition, the limit)."""
    value = dict(zip(_listing_names(shape, stream), params, strict=True))
    on_board = Post.coalition.is_null() if shape.programme else (Post.coalition == value["board"])
    filters = _shown(Post, shape.moderator, value.get("reader"))
    if shape.category:
        filters &= Post.category == value["category"]
    pinned = on_board & (Post.pinned == True)  # noqa: E712
    unconfirmed = None
    is_top = pinned
    if shape.confirm:
        confirmed = ReadConfirmation.select(ReadConfirmation.post).where(
            ReadConfirmation.user == value["reader"])
        unconfirmed = (on_board & (Post.must_read == True)  # noqa: E712
                       & (Post.author != value["reader"]) & Post.id.not_in(confirmed))
        is_top = pinned | unconfirmed
    rows = on_board & filters & ~is_top
    if "after" in value:
        rows &= Post.id < value["after"]
    return filters, is_top, unconfirmed, rows, value.get("limit")




class _Columns(NamedTuple):
    """What a listing query reads of a post (`fields`), then its author's id and name
    (`_with_author`): the cursor's column names, the fields' names, and the fields whose
    values the database drivers give otherwise than Peewee's models hold them (SQLite:
    dates as text, booleans as 0/1) with their converters; the others (ids, texts) come
    as the model holds them."""

    columns: list[str]
    names: tuple[str, ...]
    converted: tuple[tuple[str, Callable[[Any], Any]], ...]

    @classmethod
    def of(cls, fields: list) -> _Columns:
        return cls([f.column_name for f in fields] + ["id", "name"],
                   tuple(f.name for f in fields),
                   tuple((f.name, bool if isinstance(f, BooleanField) else to_datetime)
                         for f in fields if isinstance(f, (DateTimeField, BooleanField))))


_TEXTS = ("body_source", "body_html")
_WHOLE = _Columns.of(Post._meta.sorted_fields)  # `Post.select(Post)`
# `_light_post_query()`: every column but the post's two texts (see `_fill_texts`)
_LIGHT_FIELDS = [f for f in Post._meta.sorted_fields if f.name not in _TEXTS]
_LIGHT = _Columns.of(_LIGHT_FIELDS)


def _listed(query: Prepared, params: list, key: _ListingShape,
            read: _Columns = _WHOLE) -> list[Post]:
    """The rows of a prepared listing query (`_with_author(Post.select(Post))...`, or
    with `read=_LIGHT` of `_light_post_query()`: the posts without their texts, for
    `_fill_texts`) as the Post objects, with their authors' id and name, that Peewee's row
    wrapper builds, made directly from the rows: a third of the cost for a board's ~40
    posts (tests/test_board_listing.py compares them with Peewee's on both engines)."""
    built = query.built(params, key)
    cursor = db.execute_sql(built.sql, built.bind(params))
    if [column[0] for column in cursor.description] != read.columns:  # not its shape
        return list(built.query._get_cursor_wrapper(cursor))
    return [_listed_post(row, read) for row in cursor.fetchall()]


def _listed_post(row: tuple, read: _Columns = _WHOLE) -> Post:
    """A listing's row (the post's columns `read`, then its author's id and name) as a
    Post."""
    data = dict(zip(read.names, row, strict=False))
    for name, convert in read.converted:
        value = data[name]
        if value is not None:
            data[name] = convert(value)
    author = User.__new__(User)
    author.__data__, author.__rel__, author._dirty = {"id": row[-2], "name": row[-1]}, {}, set()
    post = Post.__new__(Post)
    post.__data__, post.__rel__, post._dirty = data, {"author": author}, set()
    return post


# --- a listing without its posts' texts ---------------------------------------------------
# A listing's queries read every column of the post but its two texts (`_TEXTS`: ~1 KB of a
# post's ~1.2), which `_fill_texts` takes from those kept per process by what decides them
# (the post's id, creation and last edit: only `edit_post` changes them, and sets the edit's
# time) and reads only for posts not kept yet. Reading them for a board's ~40 posts was
# 0.17 ms of its 0.55 ms of SQL, and the HTML of its posts is kept anyway.

POSTS_KEPT = "koalicje.board.posts_kept"  # app.extensions key: a `kept.Sized`


def posts_kept() -> kept.Sized:
    """The board's kept posts, one store for both kinds: each post's texts (`_fill_texts`,
    keyed `("texts", id, created_at, edited_at)`, counted in characters) and its HTML as a
    listing shows it (blueprints/board/rendering.py `board_posts`, keyed by everything the
    HTML shows, counted in bytes), least recently used dropped first past BOARD_POSTS_KEPT
    entries or BOARD_POSTS_KEPT_CHARS together. Outside an application nothing is kept."""
    if not has_app_context():
        return kept.Sized(0, 0)
    config = current_app.config
    return kept.sized(POSTS_KEPT, int(config["BOARD_POSTS_KEPT"]),
                      int(config["BOARD_POSTS_KEPT_CHARS"]))


def _light_post_query():
    return _with_author(Post.select(*_LIGHT_FIELDS))


def _fill_texts(listed: list[Post]) -> None:
    """Give the posts of `_listed(..., _LIGHT)` their texts: those kept for the post's id, creation
    and last edit, the others read (one query) and kept under what the read row says."""
    kept_texts = posts_kept()
    missing = []
    for post in listed:
        data = post.__data__
        if "body_html" in data:  # has its texts already
            continue
        texts = kept_texts.get(("texts", data["id"], data["created_at"], data["edited_at"]))
        if texts is None:
            missing.append(post)
        else:
            data["body_source"], data["body_html"] = texts
    if not missing:
        return
    ids = padded_ids([post.id for post in missing])
    read = {}
    for post_id, created_at, edited_at, source, html in _post_texts.fetchall(*ids, key=len(ids)):
        created_at, edited_at = to_datetime(created_at), to_datetime(edited_at)
        read[post_id] = texts = (source, html)
        kept_texts.put(("texts", post_id, created_at, edited_at), texts, len(source) + len(html))
    for post in missing:
        # A post deleted for good meanwhile: no texts (as it was when the listing read it).
        post.__data__["body_source"], post.__data__["body_html"] = read.get(post.id, ("", ""))



@prepared(keyed=True)
def _post_texts(count: int, *ids):
    """(id, created_at, edited_at, body_source, body_html) of the posts `ids`."""
    return (Post.select(Post.id, Post.created_at, Post.edited_at, Post.body_source,
                        Post.body_html).where(Post.id.in_(list(ids))).tuples())


@prepared(keyed=True)
def _listing_top(shape: _ListingShape, *params):
    """The top posts of a board's first page (unconfirmed must-read, then pinned)."""
    filters, is_top, unconfirmed, _, _ = _listing_conditions(shape, params, stream=False)
    return (_light_post_query().where(filters & is_top)
            .order_by(*_top_order(unconfirmed)).limit(TOP_LIMIT))


def _top_order(unconfirmed) -> list:
    """The top's order: unconfirmed must-read posts, then pinned ones, newest first."""
    order = [Post.pinned.desc(), Post.id.desc()]
    if unconfirmed is not None:
        order.insert(0, Case(None, [(unconfirmed, 1)], 0).desc())
    return order


@prepared(keyed=True)
def _listing_stream(shape: _ListingShape, *params):
    """The stream: `limit` posts (one more than the page, to know if there is a next),
    newest first, after the cursor on later pages."""
    _, _, _, stream, limit = _listing_conditions(shape, params)
    return _light_post_query().where(stream).order_by(Post.id.desc()).limit(limit)


def _search_first_page(shape: _ListingShape, expression: str,
                       args: list) -> tuple[list[Post], list[Post]]:
    """A search's first page: the top's posts and the stream's in one statement over the
    MATCH (prepared), each row's part first (1: the top, 0: the stream from the index of
    each board's newest posts, 2: the stream from the whole index, read only when the
    first did not fill the page). The posts come without their texts, which `_fill_texts`
    gives them as to the listing's (a search's hits are read again and again: reading their
    ~1 KB of texts each time was a third of the statement's time on the full data set)."""
    # as the driver gives them: `_listed_post` converts the post's columns
    parts: tuple[list, list, list] = ([], [], [])  # the rows of parts 0, 1 and 2
    for row in _search_page.fetchall(expression, *args, key=shape):
        parts[row[0]].append(row)
    recent, top_rows, whole = parts
    top = [_listed_post(row[1:], _LIGHT) for row in top_rows]
    listed = [_listed_post(row[1:], _LIGHT)
              for row in (recent if len(recent) == args[-1] else whole)]
    _fill_texts(top + listed)
    return top, listed


# The author's columns of a search page's parts (named apart from the post's own id).
_AUTHOR_COLUMNS = (User.id.alias("author_ref"), User.name.alias("author_name"))


@prepared(keyed=True)
def _search_page(shape: _ListingShape, expression: str, *params):
    """The top posts (their order and limit) and the stream's among the matches of
    `expression`, with their authors, each row led by its part (1: the top, 0: the stream):
    the listing's conditions with the matches added. The top posts are looked for among
    the matches of the posts that may go on top (`search.top_matches`: not every match of
    a common word read to find the few that are on top); the stream reads the matches
    newest first and stops at its limit."""
    filters, is_top, unconfirmed, stream, limit = _listing_conditions(shape, params)
    # The top's matches read from the index of the posts that may go on top (a few per
    # board), not from every match of the board.
    top = filters & is_top & Post.id.in_(search.top_matches(expression))
    top_rows = (Post.select(*_LIGHT_FIELDS, *_AUTHOR_COLUMNS).join(User, on=(Post.author == User.id))
                .where(top).order_by(*_top_order(unconfirmed)).limit(TOP_LIMIT))

    def stream_rows(index):
        return search.newest_matches(
            Post.select(*_LIGHT_FIELDS, *_AUTHOR_COLUMNS).join(User, on=(Post.author == User.id))
            .where(stream), expression, index)

    # The stream from the index of each board's newest posts; from the whole index only
    # when that did not fill the page (its LIMIT 0 otherwise: FTS5 is not even asked).
    recent = stream_rows(PostRecentSearch).limit(limit).cte("recent_rows")
    unfilled = Select([recent], [fn.COUNT(SQL("*"))]) < limit
    whole = stream_rows(PostSearch).limit(Case(None, [(unfilled, limit)], 0))
    return (Select([top_rows.alias("top_rows")], [SQL("1"), SQL('"top_rows".*')])
            .union_all(Select([recent], [SQL("0"), SQL('"recent_rows".*')]))
            .union_all(Select([whole.alias("whole_rows")], [SQL("2"), SQL('"whole_rows".*')]))
            .with_cte(recent)
            .tuples())


@prepared(keyed=True)
def _search_stream(shape: _ListingShape, expression: str, *params):
    """A later page of a search: the stream after the cursor among the matches (without
    the posts' texts: `_fill_texts`)."""
    _, _, _, stream, limit = _listing_conditions(shape, params)
    return search.newest_matches(_light_post_query().where(stream), expression).limit(limit)


@dataclass
class PostExtras:
    """Per-post facts for rendering a list, fetched in a fixed number of queries, and what
    the reader may do to each post, asked once per board (not once per post and action in
    the template)."""

    comment_counts: dict[int, int] = field(default_factory=dict)
    confirmed: set[int] = field(default_factory=set)
    sectors: dict[int, str] = field(default_factory=dict)  # author id -> sector
    reader_id: int | None = None
    manage: bool = False  # pin, must-read, readers ("manage_board")
    moderate: bool = False  # hide and restore ("moderate_board")
    asks_confirmation: bool = False  # must-read posts ask this reader to confirm
    editable: set[int] = field(default_factory=set)  # post ids ("edit_post")
    deletable: set[int] = field(default_factory=set)  # post ids ("delete_post")


def extras(user: User, posts: list[Post], board: Coalition | int | None) -> PostExtras:
    """Comment counts, the reader's confirmations and the authors' sectors (three queries),
    and the reader's permissions on the board and on each post (the rules of
    `koalicje.permissions`, no query: memberships are cached per request)."""
    result = PostExtras()
    ids = [p.id for p in posts]
    # The user itself, not flask_login's proxy: the rules read several of its attributes.
    user = getattr(user, "_get_current_object", lambda: user)()
    moderator = permissions.can("moderate_board", board, user=user)
    result.reader_id = user.id
    result.moderate = moderator
    result.manage = permissions.can("manage_board", board, user=user)
    result.asks_confirmation = needs_confirmation(user, board)
    # Asked only of the posts the rules may allow at all (a quarter of `extras`' Python)
    mine = permissions.posts_to_ask(user, posts)
    result.editable = {p.id for p in mine if permissions.can("edit_post", p, user=user)}
    result.deletable = {p.id for p in mine if permissions.can("delete_post", p, user=user)}
    # Always three queries (even for an empty page), so counts never depend on the data.
    # Their IN lists are padded to a power of two (`prepared.padded_ids`): a few SQL texts, built once.
    ids = padded_ids(ids)
    reader = () if moderator else (user.id,)
    result.comment_counts = dict(_comment_counts.fetchall(*ids, *reader,
                                                          key=(moderator, len(ids))))
    must_read = padded_ids([p.id for p in posts if p.must_read])
    result.confirmed = {post_id for (post_id,) in _confirmed_of.fetchall(
        user.id, *must_read, key=len(must_read))}
    authors = padded_ids(sorted({p.author_id for p in posts}))
    bid = board_id(board)
    on_board = () if bid is None else (bid,)
    for user_id, sector in _author_sectors.fetchall(*authors, *on_board,
                                                    key=(bid is None, len(authors))):
        result.sectors.setdefault(user_id, sector)
    return result


@prepared(keyed=True)
def _comment_counts(shape: tuple[bool, int], *params):
    """(post id, visible comments) for `shape` = (moderator?, number of post ids); params:
    the post ids, then the reader's id unless a moderator reads."""
    moderator, count = shape
    ids, rest = params[:count], params[count:]
    return (Comment.select(Comment.post, fn.COUNT(Comment.id))
            .where(Comment.post.in_(list(ids)) & _shown(Comment, moderator, rest[0] if rest else None))
            .group_by(Comment.post).tuples())


@prepared(keyed=True)
def _confirmed_of(count: int, user_id: int, *ids):
    """The post ids among `ids` the user confirmed having read."""
    return ReadConfirmation.select(ReadConfirmation.post).where(
        (ReadConfirmation.user == user_id) & ReadConfirmation.post.in_(list(ids))).tuples()


@prepared(keyed=True)
def _author_sectors(shape: tuple[bool, int], *params):
    """(user id, sector) of the authors' memberships, oldest first, for `shape` =
    (programme board?, number of author ids); params: the author ids, then the board's id
    on a coalition board."""
    programme, count = shape
    authors, rest = params[:count], params[count:]
    memberships = Membership.select(Membership.user, Membership.sector).where(
        Membership.user.in_(list(authors)))
    if not programme:
        memberships = memberships.where(Membership.coalition == rest[0])
    return memberships.order_by(Membership.id).tuples()


def upcoming_events(user: User, board: Coalition | None, limit: int = 5) -> list[Post]:
    """The board's next events (from three hours ago on), soonest first; none hidden (so
    the same for every reader who may read the board). Each holds only what the board's
    list of events shows: its id, title, time and place."""
    since = utcnow() - timedelta(hours=3)
    rows = (_upcoming_events.fetchall(since, limit, key=True) if board is None
            else _upcoming_events.fetchall(board.id, since, limit, key=False))
    return [_event(row) for row in rows]



def _event(row: tuple) -> Post:
    """An `_upcoming_events` row (id, title, time, place) as the Post Peewee's row wrapper
    makes of it, made directly (tests/test_board_listing.py compares them)."""
    post = Post.__new__(Post)
    post.__data__ = {"id": row[0], "title": row[1],
                     "event_at": to_datetime(row[2]),
                     "event_place": row[3]}
    post.__rel__, post._dirty = {}, set()
    return post


@prepared(keyed=True)
def _upcoming_events(programme: bool, *params):
    """`upcoming_events` of the programme board (params: the earliest time, the limit) or
    of a coalition's (params: its id first)."""
    on_board = Post.coalition.is_null() if programme else (Post.coalition == params[0])
    since, limit = params[-2:]
    return (Post.select(Post.id, Post.title, Post.event_at, Post.event_place)
            .where(on_board & Post.deleted_at.is_null() & Post.hidden_at.is_null()
                   & (Post.category == "event") & (Post.event_at >= since))
            .order_by(Post.event_at)
            .limit(limit))


def feed_posts(user: User, board: Coalition | None, limit: int = 50) -> list[Post]:
    """Newest posts for the Atom feed (moderators' hidden posts left out)."""
    condition = _on_board(board) & Post.deleted_at.is_null() & Post.hidden_at.is_null()
    return list(_with_author(Post.select(Post)).where(condition).order_by(Post.id.desc()).limit(limit))


def feed_events(board: Coalition | None, limit: int = 500) -> list[Post]:
    """Events for the iCalendar feed: from a year ago on."""
    condition = (
        _on_board(board) & Post.deleted_at.is_null() & Post.hidden_at.is_null()
        & (Post.category == "event") & (Post.event_at >= utcnow() - timedelta(days=365))
    )
    return list(Post.select().where(condition).order_by(Post.event_at).limit(limit))


def get_visible_post(user: User, post_id: int) -> Post | None:
    """The post if it exists, is not deleted and the user may see it; else None (→ 404)."""
    post = Post.get_or_none(Post.id == post_id)
    if post is None or post.deleted_at is not None:
        return None
    if not permissions.can("read_board", post.coalition_id, user=user):
        return None
    if post.hidden_at is not None and post.author_id != user.id and not permissions.can(
        "moderate_board", post.coalition_id, user=user
    ):
        return None
    return post


def _visible_comments(user: User, post: Post):
    moderator = permissions.can("moderate_board", post.coalition_id, user=user)
    return (Comment.post == post.id) & _shown(Comment, moderator, user.id)


def comments_of(user: User, post: Post, after: int | None = None) -> list[Comment]:
    """The post's comments `user` may see, oldest first; with `after`, only those after the
    comment of that id (what a reader showing the list up to it has not seen)."""
    condition = _visible_comments(user, post)
    if after is not None:
        condition &= Comment.id > after
    return list(
        Comment.select(Comment, User)
        .join(User, on=(Comment.author == User.id))
        .where(condition)
        .order_by(Comment.id)
    )


def comment_count(user: User, post: Post) -> int:
    """How many of the post's comments `user` sees: `extras`' count for one post."""
    moderator = permissions.can("moderate_board", post.coalition_id, user=user)
    reader = () if moderator else (user.id,)
    return dict(_comment_counts.rows(post.id, *reader, key=(moderator, 1))).get(post.id, 0)


# --- visits and unread counts ---------------------------------------------------------------


@prepared
def _visit_rows(user_id: int):
    return BoardVisit.select(BoardVisit.board_key, BoardVisit.seen_at).where(
        BoardVisit.user == user_id).tuples()


def _visits(user: User) -> dict[str, datetime]:
    """When the user last opened each board, by board key (one query per request)."""
    cache = g.setdefault("_board_visits", {}) if has_request_context() else {}
    visits = cache.get(user.id)
    if visits is None:
        visits = cache[user.id] = dict(_visit_rows.rows(user.id))
    return visits


def last_seen(user: User, board: Coalition | int | None) -> datetime:
    """When the user last opened the board; before the first visit, their sign-up time."""
    return _visits(user).get(board_key(board), user.created_at)


def record_visit(user: User, board: Coalition | None) -> datetime:
    """Remember this visit; returns the previous one (for the "new" marks)."""
    previous = last_seen(user, board)
    now = utcnow()
    key = board_key(board)
    if key in _visits(user) and _update_visit(now, user.id, key):
        # A board visited before (every visit but the first): one UPDATE, a transaction of
        # its own on both engines (their connections commit each statement outside a
        # transaction), without BEGIN IMMEDIATE and COMMIT around it (~50 us a board page).
        _visits(user)[key] = now
        return previous
    with write_transaction():
        if not _update_visit(now, user.id, key):
            row = dict(user=user.id, coalition=board_id(board), board_key=key, seen_at=now)
            if is_sqlite():  # BEGIN IMMEDIATE holds the write lock: nobody can insert between
                BoardVisit.create(**row)
            else:
                try:
                    with db.atomic():  # a savepoint: a concurrent first visit may win the insert
                        BoardVisit.create(**row)
                except IntegrityError:
                    _update_visit(now, user.id, key)
    _visits(user)[key] = now
    return previous


@prepared
def _visit_update(seen_at: datetime, user_id: int, key: str):
    return BoardVisit.update(seen_at=seen_at).where(
        (BoardVisit.user == user_id) & (BoardVisit.board_key == key))


def _update_visit(seen_at: datetime, user_id: int, key: str) -> int:
    """Set the user's last visit of the board `key`; the number of rows changed (0 before
    the first visit). Every board view runs it: its SQL is built once per process."""
    params = (seen_at, user_id, key)
    update = _visit_update.built(params)
    return db.execute_sql(update.sql, update.bind(params)).rowcount


@dataclass
class BoardEntry:
    coalition: Coalition | None
    new: int = 0

    @property
    def slug(self) -> str | None:
        return self.coalition.slug if self.coalition else None


def boards_of(user: User) -> list[Coalition | None]:
    """The boards a user follows: the programme board, their coalitions', assigned ones'.
    A trainer's assigned coalitions (not their own) carry only their id, slug and name."""
    coalitions = {m.coalition_id: m.coalition for m in permissions.memberships_of(user).values()}
    assigned = permissions.assigned_coalition_ids(user) - set(coalitions)
    if assigned:
        for coalition_id, slug, name in _assigned_coalitions.fetchall(user.id):
            if coalition_id in assigned:
                coalitions[coalition_id] = _named_coalition(coalition_id, slug, name)
    return [None, *sorted(coalitions.values(), key=lambda c: c.name)]


_NAMED_FIELDS = frozenset({"id", "slug", "name"})


def _named_coalition(coalition_id: int, slug: str, name: str) -> Coalition:
    """What `Coalition(__no_default__=1, id=..., slug=..., name=...)` makes, without its
    three attribute assignments through Peewee's field descriptors (a trainer's header makes
    dozens on every page; tests/test_board_nav.py compares the two)."""
    coalition = Coalition.__new__(Coalition)
    coalition.__data__ = {"id": coalition_id, "slug": slug, "name": name}
    coalition._dirty = set(_NAMED_FIELDS)
    coalition.__rel__ = {}
    return coalition


@prepared
def _assigned_coalitions(trainer_id: int):
    """The coalitions assigned to a trainer (a fixed shape, unlike an IN list of their ids),
    with only what the navigation shows and links to: id, slug and name (a trainer follows
    dozens; whole rows, their dates parsed, cost more than the rest of the header)."""
    return (Coalition.select(Coalition.id, Coalition.slug, Coalition.name)
            .join(TrainerAssignment, on=(TrainerAssignment.coalition == Coalition.id))
            .where(TrainerAssignment.trainer == trainer_id).tuples())


# The new-post count of each followed coalition board, one row per element of a JSON list
# (the statement's first parameter) of [coalition id, the last visit's month (year * 100 +
# month), the last visit, the start of the next month, the start of the visit's month or
# null]; the programme board's count is a branch of its own, over a one-element list of the
# same values for board 0 (the second parameter). Each count is the board's visible posts
# after the visit less the reader's own (by author, from the covering index), and the
# posts after the visit are
#
#     the posts of the months after the visit's (PostTally)
#     + the posts after the visit in the visit's month (the covering index)
#
# when the visit lies in the second half of its month (the start of its month is null), or
#
#     the posts of the months from the visit's on (PostTally)
#     - the posts of the visit's month up to the visit (the covering index)
#
# when it lies in the first half: so no more than half a month of posts is counted one by
# one. The tally's months after (or from) the visit's are added up from their rows, or are
# the board's total (`TALLY_TOTAL`) less its months before: whichever range of months is
# shorter, as the board's first and last months (one index seek each) tell. Every form gives
# the same number; a board costs a few index seeks, however long ago the visit was. The list
# is one bound parameter instead of nine per board (a trainer's header bound ~230 on every
# page); each board's lookups read only indexes (tests/test_board_post_tally.py checks the
# plan). Datetimes travel as the text SQLite stores them (`str(datetime)`, what the driver
# binds) and PostgreSQL casts them to its timestamps.
_BOARDS_FROM_JSON = {
    "sqlite": "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
              "json_extract(value, '$[2]'), json_extract(value, '$[3]'), "
              "json_extract(value, '$[4]') FROM json_each({p})",
    "postgres": "SELECT (e->>0)::int, (e->>1)::int, (e->>2)::timestamp, (e->>3)::timestamp, "
                "(e->>4)::timestamp FROM jsonb_array_elements(({p})::jsonb) AS e",
}
_VISIT_COLUMNS = "(board, since_month, since, month_end, month_start)"
_VISIBLE = '"deleted_at" IS NULL AND "hidden_at" IS NULL'


def _count_sql(on_board: str) -> str:
    """A board's count (see above) over the row `b` of its values: `on_board` its posts'
    condition; {p} stays the placeholder (the reader's id)."""
    tally = 'FROM "post_tally" WHERE "board" = b.board AND '
    after_side = (f'(SELECT MAX("month") {tally}"month" > {TALLY_TOTAL}) + (SELECT MIN("month") '
                  f'{tally}"month" > {TALLY_TOTAL}) <= 2 * b.since_month')

    def months(later: str, earlier: str) -> str:  # the months `later` than the visit's
        return (f'CASE WHEN {after_side} '
                f'THEN (SELECT COALESCE(SUM("posts"), 0) {tally}"month" {later} b.since_month) '
                f'ELSE (SELECT COALESCE(SUM("posts"), 0) {tally}"month" = {TALLY_TOTAL}) '
                f'- (SELECT COALESCE(SUM("posts"), 0) {tally}"month" > {TALLY_TOTAL} '
                f'AND "month" {earlier} b.since_month) END')

    posts = f'SELECT COUNT("id") FROM "post" WHERE {on_board} AND {_VISIBLE} AND '
    return (f'CASE WHEN b.month_start IS NULL '
            f'THEN {months(">", "<=")} + ({posts}"created_at" > b.since '
            f'AND "created_at" < b.month_end) '
            f'ELSE {months(">=", "<")} - ({posts}"created_at" >= b.month_start '
            f'AND "created_at" <= b.since) END '
            f'- (SELECT COUNT("id") FROM "post" WHERE "author_id" = {{p}} AND {on_board} '
            f'AND "created_at" > b.since AND {_VISIBLE})')


_PROGRAMME_COUNT = 'SELECT 0, ' + _count_sql('"coalition_id" IS NULL') + ' FROM p AS b'
_BOARD_COUNTS = 'SELECT b.board, ' + _count_sql('"coalition_id" = b.board') + ' FROM b'


def _new_counts_sql(with_programme: bool) -> str:
    """The statement's text for this engine (see _BOARDS_FROM_JSON)."""
    values = _BOARDS_FROM_JSON["sqlite" if is_sqlite() else "postgres"].format(p=db.obj.param)
    p = db.obj.param
    if with_programme:
        return (f"WITH b{_VISIT_COLUMNS} AS ({values}), p{_VISIT_COLUMNS} AS ({values}) "
                + _PROGRAMME_COUNT.format(p=p) + " UNION ALL " + _BOARD_COUNTS.format(p=p))
    return f"WITH b{_VISIT_COLUMNS} AS ({values}) " + _BOARD_COUNTS.format(p=p)


@prepared(keyed=True)
def _new_counts(with_programme: bool, boards: str, *params):
    """Posts by others since the last visit: `boards` the JSON list of the coalition boards
    (see _BOARDS_FROM_JSON), then with the programme board its one-element list and the
    user id; then the user id. Rows: (board, count); the programme board's is 0."""
    return RawQuery(_new_counts_sql(with_programme), params=[boards, *params]).tuples()


def navigation(user: User) -> list[BoardEntry]:
    """Each followed board with the number of posts new since the last visit (2–4 queries,
    whatever the number of boards), computed once per request and user.

    The followed boards go to the database as JSON parameters (`_new_counts`): whole months
    are added up from `PostTally` (kept by the database at every write), and only the posts
    of the visit's own month, on the shorter side of the visit, are counted from the
    covering index on (coalition, created_at, author, deleted_at, hidden_at); the reader's
    own posts since the visit, read by author, are taken away. The statement's SQL is built
    once per process."""
    if isinstance(user, LocalProxy):  # current_user: resolve the proxy once, not per use
        user = user._get_current_object()
    cache = g.setdefault("_board_nav", {}) if has_request_context() else {}
    entries = cache.get(user.id)
    if entries is not None:
        return entries
    boards = boards_of(user)
    visits, joined, reader = _visits(user), user.created_at, user.id
    known: dict[datetime, str] = {}

    def visit(board_id: int, key: str) -> str:
        """The board's JSON element (the same visit's values are worked out once)."""
        since = visits.get(key, joined)  # as last_seen(): by board_key
        values = known.get(since)
        if values is None:
            values = known[since] = _visit_values(since)
        return f"[{board_id},{values}]"

    rest = boards
    programme: list[Any] = []
    if boards and boards[0] is None:
        programme = [f"[{visit(0, PROGRAMME_KEY)}]", reader]
        rest = boards[1:]
    listed = ",".join([visit(int(board.id), str(board.id)) for board in rest])
    counts: dict[int, int] = (
        dict(_new_counts.fetchall(f"[{listed}]", *programme, reader, key=bool(programme)))
        if boards else {})
    entries = [BoardEntry(board, counts.get(board.id if board else 0, 0)) for board in boards]
    cache[user.id] = entries
    return entries


def _visit_values(since: datetime) -> str:
    """A visit's values in a board's JSON element (see _BOARDS_FROM_JSON): its month, the
    visit, the start of the next month, and the start of its own month when the visit lies
    in the first half of it (else null: the posts after the visit are the fewer)."""
    end = _next_month(since)
    start = since.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    first_half = since - start < end - since
    return (f'{since.year * 100 + since.month},"{since}","{end}",'
            + (f'"{start}"' if first_half else "null"))


def _next_month(moment: datetime) -> datetime:
    """The start of the calendar month after `moment`'s (where `PostTally`'s months begin)."""
    year, month = divmod(moment.year * 12 + moment.month, 12)
    return moment.replace(year=year, month=month + 1, day=1, hour=0, minute=0, second=0,
                          microsecond=0)


def forget_navigation() -> None:
    if has_request_context():
        g.pop("_board_nav", None)


# --- writing --------------------------------------------------------------------------------


def check_rate(user: User) -> None:
    """Raise RateLimited when the user added too many posts and comments in the last minute."""
    limit = current_app.config.get("BOARD_POSTS_PER_MINUTE", 10)
    since = utcnow() - timedelta(minutes=1)
    recent = (
        Post.select().where((Post.author == user.id) & (Post.created_at > since)).count()
        + Comment.select().where((Comment.author == user.id) & (Comment.created_at > since)).count()
    )
    if recent >= limit:
        raise RateLimited()


def create_post(author: User, board: Coalition | None, *, title: str, body: str,
                category: str = "announcement", event_at: datetime | None = None,
                event_place: str = "", module_slug: str | None = None) -> Post:
    from koalicje.web.markdown import render_markdown

    if category not in POST_CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    with write_transaction():
        title, body = clean_text(title).strip(), clean_text(body)
        post = Post.create(
            coalition=board_id(board), author=author, category=category, title=title,
            body_source=body, body_html=render_markdown(body),
            event_at=event_at if category == "event" else None,
            event_place=clean_text(event_place).strip() if category == "event" else "",
            module_slug=module_slug,
        )
        search.index_post(post)
        activity.touch(author, post.created_at)
    _refresh_progress(author, module_slug)
    return post


def edit_post(post: Post, *, title: str, body: str, category: str,
              event_at: datetime | None = None, event_place: str = "") -> Post:
    from koalicje.web.markdown import render_markdown

    if category not in POST_CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    with write_transaction():
        post.title = clean_text(title).strip()
        post.body_source = clean_text(body)
        post.body_html = render_markdown(post.body_source)
        post.category = category
        post.event_at = event_at if category == "event" else None
        post.event_place = clean_text(event_place).strip() if category == "event" else ""
        post.edited_at = utcnow()
        post.save()
        search.index_post(post)
    return post


def delete_post(post: Post, actor: User) -> None:
    """Soft delete: the row stays (with its comments) but nobody sees it any more."""
    with write_transaction():
        post.deleted_at = utcnow()
        post.save(only=[Post.deleted_at])
        search.unindex_post(post)
        activity.recompute([post.author_id])  # the post no longer counts as activity
        if actor.id != post.author_id:
            AuditLog.record(actor, "board.delete_post", f"post:{post.id}", post.title)
    author = User.get_by_id(post.author_id)
    _refresh_progress(author, post.module_slug)


def add_comment(author: User, post: Post, body: str) -> Comment:
    from koalicje.web.markdown import render_markdown

    body = clean_text(body)
    with write_transaction():
        comment = Comment.create(
            post=post, author=author, body_source=body, body_html=render_markdown(body)
        )
        activity.touch(author, comment.created_at)
    return comment


def set_pinned(post: Post, pinned: bool) -> None:
    with write_transaction():
        post.pinned = pinned
        post.save(only=[Post.pinned])
        search.index_top(post)


def set_must_read(post: Post, must_read: bool) -> None:
    with write_transaction():
        post.must_read = must_read
        post.save(only=[Post.must_read])
        search.index_top(post)


def confirm_read(user: User, post: Post) -> None:
    with write_transaction():
        ReadConfirmation.get_or_create(post=post, user=user)


def unconfirmed_readers(post: Post, limit: int = 500) -> list[User]:
    """Who should confirm a must-read post and has not yet (one query)."""
    confirmed = ReadConfirmation.select(ReadConfirmation.user).where(
        ReadConfirmation.post == post.id
    )
    query = User.select(User.id, User.name, User.email).where(
        User.enabled() & User.id.not_in(confirmed) & (User.id != post.author_id)
    )
    if post.coalition_id is not None:
        query = query.join(Membership, on=(Membership.user == User.id)).where(
            Membership.coalition == post.coalition_id
        )
    return list(query.order_by(User.name).limit(limit))


def confirmed_count(post: Post) -> int:
    return ReadConfirmation.select().where(ReadConfirmation.post == post.id).count()


# --- moderation -----------------------------------------------------------------------------


def hide(item: Post | Comment, moderator: User, reason: str) -> None:
    kind = "post" if isinstance(item, Post) else "comment"
    reason = clean_text(reason).strip()
    with write_transaction():
        item.hidden_at = utcnow()
        item.hidden_reason = reason
        item.hidden_by = moderator
        item.save(only=[type(item).hidden_at, type(item).hidden_reason, type(item).hidden_by])
        AuditLog.record(moderator, f"board.hide_{kind}", f"{kind}:{item.id}", reason)


def restore(item: Post | Comment, moderator: User) -> None:
    kind = "post" if isinstance(item, Post) else "comment"
    with write_transaction():
        item.hidden_at = None
        item.hidden_reason = ""
        item.hidden_by = None
        item.save(only=[type(item).hidden_at, type(item).hidden_reason, type(item).hidden_by])
        AuditLog.record(moderator, f"board.restore_{kind}", f"{kind}:{item.id}", "")


# --- module tasks (the learning path's single completion rule) ------------------------------

def _refresh_progress(user: User, module_slug: str | None) -> None:
    if module_slug:
        progress.refresh_for_module_slug(user, module_slug)


def task_post(user: User, module_slug: str) -> Post | None:
    """The user's (non-deleted) post answering a module's task, if any."""
    return (
        Post.select()
        .where(
            (Post.author == user.id) & (Post.module_slug == module_slug)
            & Post.deleted_at.is_null()
        )
        .order_by(Post.id.desc())
        .first()
    )


# --- module tasks ---------------------------------------------------------------------------


def task_of(module: Module | None) -> dict | None:
    """A module's board task from its front matter (`task: {title, prompt, category}`)."""
    meta = getattr(module, "meta", None) or {}
    task = meta.get("task") if isinstance(meta, dict) else None
    return task if isinstance(task, dict) else None


def task_category(task: dict) -> str:
    """The category of a task's post: the task's own, except that a task post is never an
    event (it has no date), and a success story when the task names none."""
    category = task.get("category", "success")
    return category if category != "event" else "success"


def task_boards(user: User) -> list[Coalition]:
    """The coalition boards where `user` may answer a task (as a member); the programme
    board is always possible too."""
    return [b for b in boards_of(user) if b is not None and permissions.is_member(user, b)]


def answer_task(user: User, module: Module, board: Coalition | None, *, title: str,
                body: str) -> Post:
    """Post the user's answer to a module's task (which may complete the module)."""
    task = task_of(module)
    if task is None:
        raise ValueError(f"module {module.slug} has no board task")
    return create_post(user, board, title=title, body=body, category=task_category(task),
                       module_slug=module.slug)

