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

from koalicje.prepared import prepared
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
    """Index the post's words as they are now (after it was written or edited)."""
    if not is_sqlite():
        return
    _index(PostSearch, post)
    index_recent(post)
    index_top(post)


def index_recent(post: Post) -> None:
    """Keep the index of each board's newest posts (`models.PostRecentSearch`: those not
    deleted among the board's RECENT_SEARCH_POSTS newest, deleted or not) after `post` was
    written or edited: a new post goes in and the post that fell out of its board's newest
    leaves; an edited post is indexed again if it is there. (A deleted post leaves in
    `unindex_post`.) Both read only the board's index of post ids, not the posts."""
    if not is_sqlite():
        return
    if post.deleted_at is None and post.id == _board_post_id(post.coalition_id, 0):
        _index(PostRecentSearch, post)
        fallen = _board_post_id(post.coalition_id, RECENT_SEARCH_POSTS)
        if fallen is not None:  # FTS5 finds `rowid = ?` by a lookup, `rowid IN` by a scan
            PostRecentSearch.delete().where(PostRecentSearch.rowid == fallen).execute()
    elif _recent_holds.fetchall(post.id):
        _index(PostRecentSearch, post)


def _board_post_id(coalition_id: int | None, offset: int) -> int | None:
    """The id of the board's post `offset` posts from its newest (deleted or not)."""
    params = (offset,) if coalition_id is None else (coalition_id, offset)
    rows = _board_post_ids.fetchall(*params, key=coalition_id is None)
    return rows[0][0] if rows else None


@prepared(keyed=True)
def _board_post_ids(programme: bool, *params):
    board = Post.coalition.is_null() if programme else Post.coalition == params[0]
    return (Post.select(Post.id).where(board).order_by(Post.id.desc())
            .limit(1).offset(params[-1]).tuples())


@prepared
def _recent_holds(post_id: int):
    return (PostRecentSearch.select(PostRecentSearch.rowid)
            .where(PostRecentSearch.rowid == post_id).tuples())


def index_top(post: Post) -> None:
    """Keep `post` in the top's index (`models.PostTopSearch`) exactly while it may go on
    top (after it was pinned, unpinned, marked must-read or not)."""
    if not is_sqlite():
        return
    if is_top_candidate(post) and post.deleted_at is None:
        _index(PostTopSearch, post)
    else:
        PostTopSearch.delete().where(PostTopSearch.rowid == post.id).execute()


def _index(model, post: Post) -> None:
    model.delete().where(model.rowid == post.id).execute()
    model.insert(rowid=post.id, title_words=board_words(post.title, post.coalition_id),
                 body_words=board_words(post.body_source, post.coalition_id)).execute()


def unindex_post(post: Post) -> None:
    if is_sqlite():
        for model in (PostSearch, PostTopSearch, PostRecentSearch):
            model.delete().where(model.rowid == post.id).execute()
