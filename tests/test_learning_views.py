"""Learning pages: the path, a module page, the watched action, media with byte ranges."""

from __future__ import annotations

import pytest
from conftest import count_queries, make_user, soup
from factories import make_module, make_quiz, write_content_file

from koalicje.learning import progress
from koalicje.ops import demo_media
from models import LearningPreference, ModuleProgress, User, WatchState, db


@pytest.fixture
def learner(database):
    return make_user(name="Barbara Uczennica")


@pytest.fixture
def film(app, database):
    demo_media.generate(app.config["UPLOAD_DIR"])
    return make_module(
        slug="film-demo", kind="film", task=True, quiz_slug="film-demo",
        video={"file": demo_media.RECORDING, "light": demo_media.LIGHT,
               "captions": demo_media.CAPTIONS, "transcript": demo_media.TRANSCRIPT,
               "handout": demo_media.HANDOUT},
        materials=[{"title": {"pl": "Scenariusz", "en": "Scenario"},
                    "file": "scenariusz-spotkania-badawczego.pdf", "size": 5}],
    )


def test_path_shows_statuses_next_step_and_locks(client, auth, learner):
    first = make_module(slug="pierwszy", position=1)
    make_module(slug="drugi", position=2, prerequisites=["pierwszy"])
    make_module(slug="trzeci", position=3)
    progress.touch(learner, make_module(slug="czwarty", position=4))
    auth.as_user(learner)
    page = soup(client.get("/learning/"))
    cards = page.select("ol.module-path > li")
    assert len(cards) == 4
    assert "is-next" in cards[0]["class"] and cards[0].get("aria-current") == "step"
    locked = cards[1]
    assert "is-locked" in locked["class"]
    assert locked.select_one(".locked-note a")["href"] == "/learning/pierwszy"
    assert "status-in_progress" in cards[3]["class"]
    bar = page.select_one("progress#overall-progress")
    assert bar["value"] == "0" and bar["max"] == "4"
    progress.set_watched(learner, first)
    page = soup(client.get("/learning/"))
    cards = page.select("ol.module-path > li")
    assert "status-completed" in cards[0]["class"]
    assert "is-locked" not in cards[1]["class"] and "is-next" in cards[1]["class"]
    assert page.select_one("progress#overall-progress")["value"] == "1"


def test_module_page_has_player_with_captions_resume_and_alternatives(client, auth, learner,
                                                                       film):
    WatchState.create(user=learner, module=film, source=demo_media.RECORDING, duration=12,
                      intervals=[[0, 5]], watched_seconds=5, position=5)
    auth.as_user(learner)
    page = soup(client.get("/learning/film-demo"))
    player = page.select_one("video#module-player")
    assert player["data-resume"] == "5.0"
    assert player["data-report-url"] == "/learning/film-demo/report"
    assert player.select_one("source")["src"].startswith(
        f"/learning/film-demo/media/{demo_media.RECORDING}")
    track = player.select_one("track[kind=captions]")
    assert track["src"] == f"/learning/film-demo/media/{demo_media.CAPTIONS}"
    assert page.select_one(".resume-note")
    alternatives = [a["href"] for a in page.select(".light-alternatives a")]
    assert f"/learning/film-demo/media/{demo_media.TRANSCRIPT}" in alternatives
    assert page.select_one("#watch-share")["value"] == "42"
    # Quiz link only once a Quiz row exists; the board's task template is optional.
    assert not page.select('a[href="/quizzes/film-demo"]')
    make_quiz("film-demo")
    page = soup(client.get("/learning/film-demo"))
    assert page.select('a[href="/quizzes/film-demo"]')
    materials = page.select(".module-materials li")
    assert "PDF" in materials[0].text


def test_light_version_is_remembered_and_offered_first(client, auth, learner, film):
    auth.as_user(learner)
    token = auth.csrf()
    response = client.post("/learning/light", data={"light": "1", "next": "/learning/film-demo",
                                                    "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/learning/film-demo"
    assert LearningPreference.get(LearningPreference.user == learner).light
    page = soup(client.get("/learning/film-demo"))
    player = page.select_one("#module-player")
    assert demo_media.LIGHT in player.select_one("source")["src"]
    # Tracking and resume follow the full recording: the light one is the same content.
    assert player["data-source"] == demo_media.RECORDING
    recording = page.select_one(".module-recording")
    html = str(recording)
    assert html.index("light-alternatives") < html.index("module-player")
    transcript = recording.select_one("details.transcript")
    assert transcript.has_attr("open")
    assert "nagranie demonstracyjne" in transcript.select_one(".transcript-text").text
    # Another device (a new session) gets the same choice.
    client.post("/logout", data={"csrf_token": token})
    auth.as_user(learner)
    assert demo_media.LIGHT in soup(client.get("/learning/film-demo")).select_one(
        "#module-player source")["src"]


def test_external_url_gets_a_click_to_load_nocookie_embed(client, auth, learner):
    make_module(slug="z-youtube", kind="webinar",
                video={"url": "https://www.youtube.com/watch?v=abcdefghijk"})
    make_module(slug="z-linkiem", kind="webinar", video={"url": "https://example.org/nagranie"})
    make_module(slug="bez-nagrania", kind="webinar")
    auth.as_user(learner)
    page = soup(client.get("/learning/z-youtube"))
    box = page.select_one(".embed-consent")
    assert box["data-embed-src"] == "https://www.youtube-nocookie.com/embed/abcdefghijk"
    assert not page.select("iframe")  # nothing loads from YouTube until the learner asks
    assert box.select_one("a")["href"] == "https://www.youtube.com/watch?v=abcdefghijk"
    page = soup(client.get("/learning/z-linkiem"))
    assert page.select_one('.module-recording a[href="https://example.org/nagranie"]')
    page = soup(client.get("/learning/bez-nagrania"))
    assert page.select_one(".no-recording")
    assert not page.select("video, audio")


def test_watched_action_plain_form_redirects_htmx_gets_fragment(client, htmx, auth, learner):
    make_module(slug="lektura")
    auth.as_user(learner)
    token = auth.csrf()
    plain = client.post("/learning/lektura/watched", data={"watched": "1", "csrf_token": token})
    assert plain.status_code == 303
    assert plain.headers["Location"].startswith("/learning/lektura")
    full = client.get(plain.headers["Location"])
    assert soup(full).select_one("html") is not None
    assert soup(full).select_one("#module-progress .status-label").text.strip() == "Ukończony"

    fragment = htmx.post("/learning/lektura/watched", data={"watched": "0"},
                         headers={"X-CSRFToken": token})
    assert fragment.status_code == 200
    assert "HX-Request" in fragment.headers.get("Vary", "")
    tree = soup(fragment)
    assert tree.select_one("html") is None and tree.select_one("body") is None
    region = tree.select_one("section#module-progress")
    assert region["aria-live"] == "polite"
    assert region.select_one(".status-label").text.strip() == "W trakcie"
    assert not ModuleProgress.get().watched


def test_locked_module_hides_player_and_refuses_actions(client, auth, learner, film):
    make_module(slug="wstep", position=1)
    film.prerequisites = ["wstep"]
    film.save()
    auth.as_user(learner)
    page = soup(client.get("/learning/film-demo"))
    assert page.select_one(".locked-note a")["href"] == "/learning/wstep"
    assert not page.select("video, audio, #module-progress form")
    token = auth.csrf()
    assert client.post("/learning/film-demo/watched",
                       data={"watched": "1", "csrf_token": token}).status_code == 403
    assert client.post("/learning/film-demo/report", json={"duration": 12, "ranges": []},
                       headers={"X-CSRFToken": token}).status_code == 403


def test_unknown_module_is_404(client, auth, learner):
    auth.as_user(learner)
    assert client.get("/learning/nie-ma-takiego").status_code == 404


def test_report_endpoint_tracks_and_answers_json(client, auth, learner, film):
    auth.as_user(learner)
    token = auth.csrf()
    body = {"source": demo_media.RECORDING, "duration": 12, "position": 11.5,
            "ranges": [[0, 11.5]], "session": "x", "seq": 1}
    response = client.post("/learning/film-demo/report", json=body,
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200
    data = response.get_json()
    assert data["watched"] is True and data["share"] == pytest.approx(11.5 / 12, abs=1e-3)
    # Module has a task, so watching alone does not complete it.
    assert data["status"] == "in_progress"
    bad = client.post("/learning/film-demo/report", data={"duration": "x", "csrf_token": token})
    assert bad.status_code == 400
    no_token = client.post("/learning/film-demo/report", json=body)
    assert no_token.status_code == 400


def test_recordings_are_served_with_byte_ranges(client, auth, learner, film, app):
    auth.as_user(learner)
    url = f"/learning/film-demo/media/{demo_media.RECORDING}"
    whole = client.get(url)
    assert whole.status_code == 200
    size = len(whole.data)
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    assert whole.headers["Content-Type"] == "audio/wav"
    assert whole.headers["Content-Disposition"].startswith("inline")
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{size}"
    assert part.data == whole.data[100:200]
    tail = client.get(url, headers={"Range": f"bytes={size - 10}-"})
    assert tail.status_code == 206 and len(tail.data) == 10
    beyond = client.get(url, headers={"Range": f"bytes={size + 10}-"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{size}"  # kept by the error page
    handout = client.get(f"/learning/film-demo/media/{demo_media.HANDOUT}")
    assert handout.headers["Content-Disposition"].startswith("attachment")


def test_media_names_cannot_reach_other_files(client, auth, learner, film, app):
    write_content_file(app.config["UPLOAD_DIR"], "niezalaczony.pdf", b"%PDF-1.4 secret")
    auth.as_user(learner)
    for name in ["niezalaczony.pdf", "..%2F..%2Ftest.sqlite3", "%2e%2e", "secret_key"]:
        assert client.get(f"/learning/film-demo/media/{name}").status_code == 404
    assert client.get("/learning/film-demo/media/../../instance/secret_key").status_code == 404


def test_home_page_continues_where_the_learner_left_off(client, auth, learner, film):
    WatchState.create(user=learner, module=film, source=demo_media.RECORDING, duration=12,
                      intervals=[[0, 7]], watched_seconds=7, position=7)
    progress.touch(learner, film)
    auth.as_user(learner)
    page = soup(client.get("/"))
    link = page.select_one(".learning-continue a.continue-link")
    assert link["href"] == "/learning/film-demo"
    assert "0:07" in page.select_one(".learning-continue").text


def test_english_rendering(client, auth, database, film):
    user = make_user(locale="en")
    make_module(slug="lektura", position=1)
    auth.as_user(user)
    page = soup(client.get("/learning/"))
    assert page.select_one("h1").text == "Learning path"
    assert page.select_one("html")["lang"] == "en"
    titles = [a.text for a in page.select("ol.module-path h2 a")]
    assert any("Module" in t for t in titles) and not any("Moduł" in t for t in titles)
    detail = soup(client.get("/learning/film-demo"))
    assert detail.select_one("#module-progress h2").text == "Your progress in this module"
    assert detail.select_one(".module-description [lang=pl]")


def test_polish_rendering(client, auth, learner, film):
    auth.as_user(learner)
    page = soup(client.get("/learning/"))
    assert page.select_one("h1").text == "Ścieżka szkoleniowa"
    assert page.select_one("ol.module-path h2 a").text.strip().endswith(film.title_pl)
    detail = soup(client.get("/learning/film-demo"))
    assert detail.select_one("#module-progress h2").text == "Twój postęp w module"
    assert detail.select_one("#module-progress button").text.strip() == "Oznacz jako obejrzane"


def _populate(n_modules: int, n_learners: int, viewer: User) -> None:
    modules = [make_module(position=100 + i, quiz_slug=f"q-{i}-{n_modules}",
                           prerequisites=[]) for i in range(n_modules)]
    for i, module in enumerate(modules):
        if i % 2 == 0:
            make_quiz(module.quiz_slug)
    for _ in range(n_learners):
        other = make_user()
        for module in modules[:3]:
            progress.set_watched(other, module)
    for module in modules[: n_modules // 2]:
        progress.set_watched(viewer, module)


def test_query_count_of_the_path_does_not_grow(app, client, auth):
    counts = []
    for n_modules, n_learners in ((3, 1), (12, 6)):
        db.connect(reuse_if_open=True)
        for table in ("quiz_version", "quiz", "module_progress", "watch_state", "module"):
            db.execute_sql(f"DELETE FROM {table}")
        viewer = make_user()
        _populate(n_modules, n_learners, viewer)
        auth.as_user(viewer)
        client.get("/learning/")
        with count_queries() as counter:
            response = client.get("/learning/")
        assert response.status_code == 200
        assert len(soup(response).select("ol.module-path > li")) == n_modules
        counts.append(counter.count)
        auth.logout()
    assert counts[0] == counts[1], counts


def test_progress_fragment_endpoint(htmx, auth, learner, film):
    auth.as_user(learner)
    response = htmx.get("/learning/film-demo/progress")
    tree = soup(response)
    assert tree.select_one("html") is None
    assert tree.select_one("section#module-progress")


def test_trainers_preview_locked_modules(client, auth, database, film):
    make_module(slug="wstep", position=1)
    film.prerequisites = ["wstep"]
    film.save()
    auth.as_user(make_user(role="trainer"))
    page = soup(client.get("/learning/film-demo"))
    assert page.select_one("#module-player")  # not locked for staff
    assert page.select_one(".locked-note a")["href"] == "/learning/wstep"  # but explained
    index = soup(client.get("/learning/"))
    assert not index.select(".is-locked")


def test_query_count_of_a_module_page_does_not_grow(app, client, auth):
    counts = []
    for n_modules in (2, 10):
        db.connect(reuse_if_open=True)
        for table in ("media_file", "module_progress", "watch_state", "module"):
            db.execute_sql(f"DELETE FROM {table}")
        viewer = make_user()
        target = make_module(slug="cel", position=1, kind="film",
                             video={"file": "x.wav"},
                             materials=[{"title": {"pl": "M"}, "url": "https://example.org"}])
        for _ in range(n_modules):
            progress.set_watched(viewer, make_module())
        auth.as_user(viewer)
        client.get("/learning/cel")
        with count_queries() as counter:
            assert client.get("/learning/cel").status_code == 200
        counts.append(counter.count)
        auth.logout()
        assert target.slug == "cel"
    assert counts[0] == counts[1], counts


def test_report_is_keyed_by_the_current_recording_not_the_page(client, auth, learner, film):
    auth.as_user(learner)
    token = auth.csrf()
    body = {"source": "stale-name.wav", "duration": 12, "position": 3, "ranges": [[0, 3]]}
    assert client.post("/learning/film-demo/report", json=body,
                       headers={"X-CSRFToken": token}).status_code == 200
    assert WatchState.get().source == demo_media.RECORDING
    make_module(slug="bez-pliku", kind="webinar")
    missing = client.post("/learning/bez-pliku/report", json=body,
                          headers={"X-CSRFToken": token})
    assert missing.status_code == 409


def test_learning_path_switch_says_what_the_light_version_is(client, auth, learner, film):
    """The path's switch follows the choice: it offers to turn it off once it is on."""
    auth.as_user(learner)
    switch = soup(client.get("/learning/")).select_one("form.light-switch")
    assert switch.select_one("input[name=light]")["value"] == "1"
    client.post("/learning/light", data={"light": "1", "next": "/learning/",
                                         "csrf_token": auth.csrf()})
    switch = soup(client.get("/learning/")).select_one("form.light-switch")
    assert switch.select_one("input[name=light]")["value"] == "0"
    assert "Wyłącz wersję lekką" in switch.select_one("button").text


def test_played_share_text_can_follow_the_bar(client, auth, learner, film):
    """player.js updates #watch-percent with each report and reloads the region once the
    module starts (data-status), so the text never says 0% while the bar moves."""
    auth.as_user(learner)
    region = soup(client.get("/learning/film-demo")).select_one("#module-progress")
    assert region["data-status"] == "not_started"
    label = region.select_one("label[for=watch-share]")
    assert label.select_one("#watch-percent").get_text() == "0%"
    assert label.get_text(" ", strip=True).startswith("Odtworzono 0%")


def test_iso_date_is_flask_babels_long_date(app):
    """A module's content date is shown as Flask-Babel's long date, in either language."""
    import datetime as dt

    import flask_babel
    from flask_babel import force_locale

    from blueprints.learning.helpers import iso_date

    for locale in ("pl", "en"):
        with app.test_request_context("/"), force_locale(locale):
            for text in ("2024-05-16", "2025-01-01", "2025-12-31"):
                assert iso_date(text) == flask_babel.format_date(
                    dt.date.fromisoformat(text), "long")
            assert iso_date("") == iso_date(None) == ""
    with app.test_request_context("/"), force_locale("pl"):
        assert iso_date("2024-05-16") == "16 maja 2024"
