"""Property-based tests (hypothesis): the text cleaner, the feed writers, the search query
builder, watch-interval merging, and form endpoints that answer any input with 2xx, 3xx or
4xx, never 5xx. Bounded: a few dozen examples each, no deadline (CI has 2 slow cores)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from types import SimpleNamespace
from xml.etree import ElementTree as ET

import pytest
from factories import build_board_world, with_db
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from koalicje.board import feeds, search
from koalicje.learning.watching import merge_intervals
from koalicje.web.text import clean_text

FAST = settings(max_examples=60, deadline=None, derandomize=True)
HTTP = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=300)


def _xml_char(ch: str) -> bool:
    code = ord(ch)
    return (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF)


# --- text cleaner ---------------------------------------------------------------------------


@FAST
@given(ANY_TEXT)
def test_clean_text_is_idempotent_xml_safe_and_keeps_ordinary_text(text):
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert "\r" not in cleaned and "\x00" not in cleaned
    assert all(_xml_char(ch) for ch in cleaned)
    cleaned.encode("utf-8")  # no lone surrogates
    ordinary = "".join(ch for ch in text if ch.isalnum() or ch == " ")
    assert "".join(ch for ch in cleaned if ch.isalnum() or ch == " ") == ordinary


# --- feed writers ---------------------------------------------------------------------------


def _post(n, title, body, name):
    moment = datetime(2026, 1, 1) + timedelta(hours=n)
    return SimpleNamespace(
        id=n, title=title, body_html=body, body_source=body, category="event",
        created_at=moment, edited_at=None, event_at=moment, event_place=body[:20],
        author=SimpleNamespace(name=name),
    )


@FAST
@given(st.lists(st.tuples(ANY_TEXT, ANY_TEXT, ANY_TEXT), max_size=4), ANY_TEXT)
def test_feeds_are_valid_whatever_is_stored(rows, board_title):
    posts = [_post(n, *row) for n, row in enumerate(rows, start=1)]
    atom = feeds.atom(posts, title=board_title, feed_url="https://k.example/f",
                      board_url="https://k.example/b", post_url=lambda p: f"https://k.example/{p.id}",
                      feed_id="tag:k.example,2014:board:programme")
    root = ET.fromstring(atom)
    assert len(root.findall("{http://www.w3.org/2005/Atom}entry")) == len(posts)
    calendar = feeds.icalendar(posts, name=board_title, domain="k.example",
                               post_url=lambda p: f"https://k.example/{p.id}")
    text = calendar.decode("utf-8")
    lines = text.split("\r\n")
    assert lines[-1] == "" and all(len(line.encode()) <= 75 for line in lines)
    assert text.replace("\r\n ", "").count("BEGIN:VEVENT") == len(posts)


# --- search query builder -------------------------------------------------------------------


@pytest.fixture(scope="module")
def fts():
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(title, body, "
                       "tokenize='unicode61 remove_diacritics 2')")
    connection.execute("INSERT INTO t VALUES ('Festyn rodzinny', 'zażółć gęślą jaźń')")
    yield connection
    connection.close()


@FAST
@given(ANY_TEXT)
def test_search_query_is_always_valid_fts5(fts, text):
    expression = search.board_fts_query(clean_text(text), 1)
    if expression is not None:
        fts.execute("SELECT count(*) FROM t WHERE t MATCH ?", (expression,)).fetchone()


# --- watch-interval merging -----------------------------------------------------------------

SECONDS = st.floats(min_value=-100, max_value=5000, allow_nan=False)


@FAST
@given(st.lists(st.tuples(SECONDS, SECONDS), max_size=30),
       st.floats(min_value=1, max_value=4000, allow_nan=False))
@example(ranges=[(0.0, 0.001)], duration=1.0)  # found by hypothesis: was stored as [0.0, 0.0]
def test_merged_intervals_are_sorted_disjoint_inside_the_recording(ranges, duration):
    merged = merge_intervals(ranges, duration)
    for start, end in merged:
        assert 0 <= start < end <= round(duration, 2)
    for (_, end), (start, _) in zip(merged, merged[1:], strict=False):
        assert end < start
    assert merge_intervals(merged, duration) == merged  # merging again changes nothing


# --- form endpoints never answer 5xx ----------------------------------------------------------

FIELDS = st.dictionaries(
    st.sampled_from(["title", "body", "category", "event_date", "event_time", "event_place",
                     "goals", "email", "password", "q", "reason", "x\x00"]),
    ANY_TEXT, max_size=6,
)


@pytest.fixture
def signed_in(app, client, auth):
    app.config["WTF_CSRF_ENABLED"] = False  # fuzz the forms themselves, not the token check
    app.config["BOARD_POSTS_PER_MINUTE"] = 10_000
    world = build_board_world()
    auth.as_user(world.coordinator)
    with_db(lambda: None)
    return world


@HTTP
@given(data=FIELDS)
def test_board_and_coalition_forms_never_answer_5xx(client, signed_in, data):
    slug = signed_in.coalition.slug
    for url in ("/board/posts", f"/board/{slug}/posts", f"/coalitions/{slug}/goals"):
        response = client.post(url, data=data)
        assert response.status_code < 500, (url, data)
    for url in (f"/board/{slug}", "/board/", "/coalitions/"):
        response = client.get(url, query_string={"q": data.get("q", ""),
                                                 "category": data.get("category", "")})
        assert response.status_code < 500, (url, data)


@HTTP
@given(data=FIELDS)
def test_sign_in_form_never_answers_5xx(app, client, data):
    app.config["WTF_CSRF_ENABLED"] = False
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 10_000
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 10_000
    assert client.post("/login", data=data).status_code < 500

