"""The player in a real browser: resume, watch reports while playing, threshold, htmx swap."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from browser.support import sign_in, wait_until

pytestmark = pytest.mark.browser

FILM = "/learning/film-spotkanie-badawcze"


def watch_state(database, email: str):
    with sqlite3.connect(database) as con:
        return con.execute(
            "SELECT w.intervals, w.watched_seconds, w.position FROM watch_state w "
            "JOIN user u ON u.id = w.user_id JOIN module m ON m.id = w.module_id "
            "WHERE u.email = ? AND m.slug = 'film-spotkanie-badawcze'", (email,)
        ).fetchone()


def test_player_resumes_tracks_and_marks_watched(page, live_server):
    base, email = live_server, "bibliotekarka@example.org"
    sign_in(page, base, email)
    assert "Wróć tam, gdzie nauka została przerwana" in page.inner_text(".learning-continue")
    page.goto(base + FILM)
    wait_until(page, "document.getElementById('module-player').readyState >= 1")
    # The demo learner stopped at 0:04; the player starts there.
    wait_until(page, "document.getElementById('module-player').currentTime >= 3.9")
    assert page.evaluate("document.getElementById('module-player').textTracks.length") == 1

    # Muted, so the browser lets a script start playback (autoplay policy).
    page.evaluate("document.getElementById('module-player').muted = true")
    page.evaluate("document.getElementById('module-player').play()")
    time.sleep(2.5)
    page.evaluate("document.getElementById('module-player').pause()")
    wait_until(page, "document.getElementById('watch-share').value > 33")
    intervals, seconds, position = watch_state(live_server.database, email)
    assert json.loads(intervals)[0][0] == 0 and 5.5 < seconds < 9
    assert position == pytest.approx(json.loads(intervals)[0][1], abs=0.5)

    # Play to the end: the 90 % threshold marks it watched and htmx swaps the region.
    page.evaluate("document.getElementById('module-player').play()")
    wait_until(page, "document.getElementById('module-player').ended", 15)
    page.wait_for_selector("#module-progress button:has-text('Cofnij oznaczenie')")
    intervals, seconds, _ = watch_state(live_server.database, email)
    assert seconds == pytest.approx(12, abs=0.3)

    # Another device (a fresh browser context) sees the same progress.
    other = page.context.browser.new_context()
    second = other.new_page()
    sign_in(second, base, email)
    second.goto(base + FILM)
    assert "100%" in second.inner_text("#module-progress")
    other.close()


def test_youtube_embed_loads_only_on_click(page, live_server):
    # No module ships with a YouTube address; the consent box is covered by the view tests.
    sign_in(page, live_server, "czlonek@example.org")
    page.goto(live_server + "/learning/webinarium-program-wsparcia")
    assert page.locator("iframe").count() == 0


def test_watched_button_swaps_the_region_in_place(page, live_server):
    base = live_server
    sign_in(page, base, "admin@example.org")  # the one demo account with no reading progress
    page.goto(base + "/learning/czym-jest-partnerstwo")
    page.evaluate("window.notReloaded = true")
    page.locator("#module-progress button", has_text="Oznacz jako przeczytane").click()
    page.wait_for_selector("#module-progress button:has-text('Cofnij oznaczenie')")
    assert page.evaluate("window.notReloaded === true")  # htmx swapped, no page load
    assert "Przeczytane: tak" in " ".join(page.inner_text("#module-progress").split())
