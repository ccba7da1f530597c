"""Search of board posts: SQLite FTS5 (kept in sync on create, edit and delete) with a LIKE
fallback for PostgreSQL. Any user input is safe: it never reaches FTS5 syntax unquoted.

The FTS5 table also holds each post's board, so a board's search MATCHes only that board's
posts: a common word read across all 450 boards cost ~35 ms per query on the full data set."""

from __future__ import annotations

import re
from functools import reduce
from operator import and_

from peewee import CTE

from koalicje.web.text import clean_text
from models import Post, PostSearch, board_search_token, is_sqlite

_WORD = re.compile(r"\w+", re.UNICODE)


class _EveryBoard:
    """The `board` of a search across all boards (tools and tests, not the board pages)."""


EVERY_BOARD = _EveryBoard()


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression that is always valid: each word quoted, prefix-matched.

    Quotes, operators (AND, OR, NOT, NEAR, ^, *, :), parentheses and emoji never reach
    FTS5 syntax: only runs of word characters are kept, each inside its own double quotes.
    """
    words = _WORD.findall(text or "")[:12]
    if not words:
        return None
    return " ".join(f'"{word}"*' for word in words)


def board_fts_query(text: str, board: int | None | _EveryBoard) -> str | None:
    """`fts_query(text)` over the title and body only, restricted to `board`'s posts."""
    expression = fts_query(text)
    if expression is None:
        return None
    expression = f"{{title body}} : ({expression})"
    if isinstance(board, _EveryBoard):
        return expression
    return f'coalition_id : "{board_search_token(board)}" AND {expression}'


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


def matches_cte(expression: str) -> CTE:
    """The ids of the posts `expression` MATCHes as a materialized CTE (column `id`), so
    that a statement using it twice runs the MATCH once (a prefix query of a common word,
    ~5k matches on a big board, is most of a search's cost)."""
    return (PostSearch.select(PostSearch.rowid.alias("id"))
            .where(PostSearch.match(expression)).cte("board_matches", materialized=True))


def in_matches(matches: CTE, driving: bool = True):
    """Posts among `matches`. `driving=False` for a query that finds its few rows by other
    indexes (a board's pinned and must-read posts) and only checks them against the matches:
    the id is then compared as an expression, so SQLite does not start from every match."""
    ids = matches.select(matches.c.id)
    return Post.id.in_(ids) if driving else (Post.id + 0).in_(ids)


def index_post(post: Post) -> None:
    if not is_sqlite():
        return
    PostSearch.delete().where(PostSearch.rowid == post.id).execute()
    PostSearch.insert(rowid=post.id, title=post.title, body=post.body_source,
                      coalition_id=board_search_token(post.coalition_id)).execute()


def unindex_post(post: Post) -> None:
    if is_sqlite():
        PostSearch.delete().where(PostSearch.rowid == post.id).execute()
