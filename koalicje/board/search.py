"""Search of board posts: SQLite FTS5 (kept in sync on create, edit and delete) with a LIKE
fallback for PostgreSQL. Any user input is safe: it never reaches FTS5 syntax unquoted.

The FTS5 table stores each word with its post's board in front of it (`models.board_words`),
so a board's search MATCHes only that board's words: a common word's prefix query read
across all 450 boards cost ~35 ms per query on the full data set, and ~2 ms with the board
as a separate column ANDed to the words (FTS5 still merged every board's postings of the
prefix before keeping the board's). A second, small index holds the same words of the
posts that may go on top of a board (pinned or must-read): a search's top is found there
(`top_matches`), not among every match of the board (FTS5 merges a prefix's postings in
full, whatever else limits the rows). A third holds each board's newest posts
(`models.PostRecentSearch`, kept by `index_recent`): a search's first page is read there,
and from the whole index only when it does not fill the page."""

from __future__ import annotations

import re
from functools import reduce
from operator import and_

from peewee import Select

from koalicje.web.text import clean_text
from models import (
    RECENT_SEARCH_POSTS,
    SEARCH_PHRASE,
    SEARCH_WORD,
    Post,
    PostRecentSearch,
    PostSearch,
    PostTopSearch,
    board_word_prefix,
    board_words,
    db,
    is_sqlite,
    is_top_candidate,
)

_WORD = re.compile(r"\w+", re.UNICODE)


class _EveryBoard:
    """The `board` of a search across all boards (tools and tests, not the board pages)."""


EVERY_BOARD = _EveryBoard()


def board_fts_query(text: str, board: int | None | _EveryBoard) -> str | None:
    """The MATCH expression of `board`'s posts whose title or body has every word of
    `text` (as a word prefix, ignoring case and diacritics; words joined by underscores as
    a phrase). Always valid: quotes, operators (AND, OR, NOT, NEAR, ^, *, :), parentheses
    and emoji never reach FTS5 syntax; only word characters do, each word inside double
    quotes with its board's prefix (see `models.board_words`)."""
    phrases = SEARCH_PHRASE.findall(text or "")[:12]
    if not phrases:
        return None
    if not isinstance(board, _EveryBoard):
        return _board_phrases(phrases, board)
    # Every board (tools and tests): one board's words at a time, any board.
    boards = [b for (b,) in Post.select(Post.coalition).distinct().tuples()] or [None]
    return " OR ".join(f"({_board_phrases(phrases, b)})" for b in sorted(boards, key=str))


def _board_phrases(phrases: list[str], board: int | None) -> str:
    prefix = board_word_prefix(board)
    quoted = []
    for phrase in phrases:
        words = SEARCH_WORD.findall(phrase)
        # Only underscores: an empty phrase to FTS5 (nothing alone, ignored beside others).
        quoted.append(f'"{" ".join(prefix + w for w in words) if words else phrase}"*')
    return " ".join(quoted)


def search_condition(text: str, board: int | None | _EveryBoard = EVERY_BOARD):
    """Posts whose title or body matches `text`: FTS5 on SQLite, LIKE elsewhere.

    With a `board` (a coalition's id, or None for the programme board) the FTS5 MATCH
    reads only that board's posts; the caller still restricts the posts to the board (the
    LIKE fallback relies on it).

    Both look for every word of the query (FTS5 also as a word prefix, ignoring Polish
    diacritics; LIKE anywhere in the text, case-insensitive). A query without word
    characters (emoji, punctuation) is matched as a plain substring.
    """
    text = clean_text(text).strip()[:200]
    if not text:
        return None
    expression = board_fts_query(text, board) if is_sqlite() else None
    if expression is not None:
        return fts_condition(expression)
    words = _WORD.findall(text)[:12] or [text]
    return reduce(and_, [Post.title.contains(w) | Post.body_source.contains(w) for w in words])


def match_expression(text: str, board: int | None) -> str | None:
    """SQLite: the FTS5 expression of `board`'s posts matching `text` (what
    `search_condition` MATCHes). None when FTS5 does not answer (PostgreSQL, no word
    characters): use `search_condition` then."""
    text = clean_text(text).strip()[:200]
    return board_fts_query(text, board) if text and is_sqlite() else None


def fts_condition(expression: str):
    """Posts that `expression` (from `match_expression`) MATCHes."""
    return Post.id.in_(PostSearch.select(PostSearch.rowid).where(PostSearch.match(expression)))


def top_matches(expression: str) -> Select:
    """The ids of the posts `expression` MATCHes among those that may go on top of a board
    (pinned or must-read: `models.PostTopSearch`, a few per board). Compare a post's id to
    it (`Post.id.in_(...)`): a common word's prefix query merges only these posts'
    postings (~5k matches of the whole index on a big board cost ~0.6 ms to read, against
    the top's few found here)."""
    return PostTopSearch.select(PostTopSearch.rowid).where(PostTopSearch.match(expression))


def newest_matches(query: Select, expression: str, index=PostSearch) -> Select:
    """`query` (of posts) among the matches of `expression` in `index` (the whole one, or
    `models.PostRecentSearch` of each board's newest posts), newest first: SQLite reads
    the matches in the index's order (its rowid, the post's id) and stops at the query's
    limit instead of listing and sorting every match."""
    return (query.join(index, on=(index.rowid == Post.id))
            .where(index.match(expression)).order_by(index.rowid.desc()))


def index_post(post: Post) -> None:
    """Index the post's words as they are now (after it was written or edited): three
    statements of fixed text for a new post (the whole index, the board's newest, and
    the fallen one out of those), a fourth when it may go on top. (Peewee built eight
    for a new post, each costing more to build than SQLite to run.)"""
    if not is_sqlite():
        return
    words = _words(post)
    db.execute_sql(_PUT[PostSearch], words)
    index_recent(post, words)
    # Only a post that may go on top is in the top's index (`index_top` takes a post out
    # when it is unpinned or unmarked, `unindex_post` when it is deleted): nothing to
    # take out of it here.
    if is_top_candidate(post) and post.deleted_at is None:
        db.execute_sql(_PUT[PostTopSearch], words)


def index_recent(post: Post, words: tuple[int, str, str] | None = None) -> None:
    """Keep the index of each board's newest posts (`models.PostRecentSearch`: those not
    deleted among the board's RECENT_SEARCH_POSTS newest, deleted or not) after `post` was
    written or edited: a new post goes in and the post that fell out of its board's newest
    leaves; an edited post is indexed again if it is there. (A deleted post leaves in
    `unindex_post`.) Two statements, each reading only the board's index of post ids and
    the index's own rowids, never the posts: the post put in (again) when it is its
    board's newest or already held, then the board's post RECENT_SEARCH_POSTS places from
    its newest taken out (not held by the rule, so a no-op but after a new post)."""
    if not is_sqlite():
        return
    programme = post.coalition_id is None
    board = () if programme else (post.coalition_id,)
    alive = int(post.deleted_at is None)
    db.execute_sql(_RECENT_PUT[programme], (*(words or _words(post)), alive, post.id, *board,
                                            post.id))
    db.execute_sql(_RECENT_FALLEN[programme], (*board, RECENT_SEARCH_POSTS))


def _words(post: Post) -> tuple[int, str, str]:
    """The post's row of an index: (rowid, title words, body words)."""
    return (post.id, board_words(post.title, post.coalition_id),
            board_words(post.body_source, post.coalition_id))


# The statements that keep the indexes (SQLite only: FTS5), written once. FTS5 takes
# INSERT OR REPLACE by rowid (the old row's words taken out), and finds `rowid = ?` (or a
# scalar subquery) by a lookup.
_PUT = {model: f"INSERT OR REPLACE INTO {model._meta.table_name} "
               "(rowid, title_words, body_words) VALUES (?, ?, ?)"
        for model in (PostSearch, PostTopSearch, PostRecentSearch)}
_DELETE = {model: f"DELETE FROM {model._meta.table_name} WHERE rowid = ?"
           for model in (PostSearch, PostTopSearch, PostRecentSearch)}
_POSTS, _ON_BOARD = Post._meta.table_name, Post.coalition.column_name
_BOARD = {True: f"{_ON_BOARD} IS NULL", False: f"{_ON_BOARD} = ?"}  # the programme board?
_RECENT = PostRecentSearch._meta.table_name
_RECENT_PUT = {
    programme: f"INSERT OR REPLACE INTO {_RECENT} (rowid, title_words, body_words) "
               f"SELECT ?, ?, ? WHERE (? AND ? = (SELECT id FROM {_POSTS} WHERE "
               f"{_BOARD[programme]} ORDER BY id DESC LIMIT 1)) "
               f"OR EXISTS (SELECT 1 FROM {_RECENT} WHERE rowid = ?)"
    for programme in (True, False)}
_RECENT_FALLEN = {
    programme: f"DELETE FROM {_RECENT} WHERE rowid = (SELECT id FROM {_POSTS} WHERE "
               f"{_BOARD[programme]} ORDER BY id DESC LIMIT 1 OFFSET ?)"
    for programme in (True, False)}


def index_top(post: Post) -> None:
    """Keep `post` in the top's index (`models.PostTopSearch`) exactly while it may go on
    top (after it was pinned, unpinned, marked must-read or not)."""
    if not is_sqlite():
        return
    if is_top_candidate(post) and post.deleted_at is None:
        db.execute_sql(_PUT[PostTopSearch], _words(post))
    else:
        db.execute_sql(_DELETE[PostTopSearch], (post.id,))


def unindex_post(post: Post) -> None:
    if is_sqlite():
        for model in (PostSearch, PostTopSearch, PostRecentSearch):
            db.execute_sql(_DELETE[model], (post.id,))
