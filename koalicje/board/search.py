"""Search of board posts: SQLite FTS5 (kept in sync on create, edit and delete) with a LIKE
fallback for PostgreSQL. Any user input is safe: it never reaches FTS5 syntax unquoted."""

from __future__ import annotations

import re
from functools import reduce
from operator import and_

from koalicje.web.text import clean_text
from models import Post, PostSearch, is_sqlite

_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression that is always valid: each word quoted, prefix-matched.

    Quotes, operators (AND, OR, NOT, NEAR, ^, *, :), parentheses and emoji never reach
    FTS5 syntax: only runs of word characters are kept, each inside its own double quotes.
    """
    words = _WORD.findall(text or "")[:12]
    if not words:
        return None
    return " ".join(f'"{word}"*' for word in words)


def search_condition(text: str):
    """Posts whose title or body matches `text`: FTS5 on SQLite, LIKE elsewhere.

    Both look for every word of the query (FTS5 also as a word prefix, ignoring Polish
    diacritics; LIKE anywhere in the text, case-insensitive). A query without word
    characters (emoji, punctuation) is matched as a plain substring.
    """
    text = clean_text(text).strip()[:200]
    if not text:
        return None
    expression = fts_query(text) if is_sqlite() else None
    if expression is not None:
        matches = PostSearch.select(PostSearch.rowid).where(PostSearch.match(expression))
        return Post.id.in_(matches)
    words = _WORD.findall(text)[:12] or [text]
    return reduce(and_, [Post.title.contains(w) | Post.body_source.contains(w) for w in words])


def index_post(post: Post) -> None:
    if not is_sqlite():
        return
    PostSearch.delete().where(PostSearch.rowid == post.id).execute()
    PostSearch.insert(rowid=post.id, title=post.title, body=post.body_source).execute()


def unindex_post(post: Post) -> None:
    if is_sqlite():
        PostSearch.delete().where(PostSearch.rowid == post.id).execute()
