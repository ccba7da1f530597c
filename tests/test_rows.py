"""koalicje/rows.py: the one converter of a driver's timestamps (`to_datetime`), used by the
board's listings (koalicje/board/posts.py), the trainer's pages and the activity stamps."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from peewee import DateTimeField

from koalicje import activity
from koalicje.board import posts
from koalicje.rows import to_datetime
from koalicje.trainer import nudges, overview, progress_matrix

PEEWEE = DateTimeField().python_value


@pytest.mark.parametrize("text", [
    "2026-11-30 19:15:03.123456", "2026-11-30 19:15:03", "2026-11-30T19:15:03",
    "2026-11-30", "2026-11-30 19:15:03+01:00", "2026-11-30 19:15:03.5+00:00",
    "2026-11-30 19:15:03Z", "30.11.2026", "not a date"])
def test_text_as_peeweee_reads_it(text):
    """SQLite's text: what Peewee's DateTimeField gives (a datetime, or text none of its
    formats reads as it is)."""
    assert to_datetime(text) == PEEWEE(text)
    assert type(to_datetime(text)) is type(PEEWEE(text))


def test_other_values():
    moment = datetime(2026, 11, 30, 19, 15, 3, tzinfo=UTC)
    assert to_datetime(moment) is moment  # PostgreSQL's datetime as it is
    assert to_datetime(date(2026, 11, 30)) == datetime(2026, 11, 30)  # a date: at midnight
    assert to_datetime(None) is None and to_datetime("") is None  # SQLite's empty text too


def test_the_trainers_pages_convert_through_it():
    """No converter of its own anywhere: every reader of rows made without Peewee's
    wrapper uses this one."""
    for module in (posts, activity, nudges, overview, progress_matrix):
        assert module.to_datetime is to_datetime, module.__name__
    for value in ("2026-11-30 19:15:03.123456", "2026-11-30", date(2026, 1, 2), None, "",
                  datetime(2026, 1, 2, 3, 4)):
        assert overview.to_datetime(value) == to_datetime(value)
