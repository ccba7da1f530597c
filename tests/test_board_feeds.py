"""Atom and iCalendar feeds: well-formed, escaped, with the board's posts and events."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from conftest import soup
from factories import build_board_world, with_db

from koalicje.board import feed_tokens, feeds, posts
from models import utcnow

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def bw(app):
    return build_board_world()


def test_atom_feed(client, bw):
    def create():
        posts.create_post(bw.member, bw.coalition, title="Festyn <& \"rodzinny\">",
                           body="**Zapraszamy** <script>x</script>")
        posts.create_post(bw.member2, bw.other, title="Z innej koalicji", body="x")
        return feed_tokens.feed_token(bw.member, bw.coalition)

    token = with_db(create)
    response = client.get(f"/board/{bw.coalition.slug}/feed.atom?token={token}")
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ['Festyn <& "rodzinny">']
    content = entries[0].find(f"{ATOM}content").text
    assert "<strong>Zapraszamy</strong>" in content and "<script>" not in content
    assert entries[0].find(f"{ATOM}author/{ATOM}name").text == "Marek Członek"
    assert entries[0].find(f"{ATOM}link").get("href").startswith("http://localhost/board/post/")


def test_icalendar_feed(client, bw):
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0, second=0)

    def create():
        posts.create_post(bw.member, bw.coalition, title="Zebranie; ważne, bardzo",
                           body="Linia 1\nLinia 2 " + "ż" * 80, category="event",
                           event_at=start, event_place="Sala OSP, Lipowa 1")
        posts.create_post(bw.member, bw.coalition, title="Nie wydarzenie", body="x")
        return feed_tokens.feed_token(bw.member, bw.coalition)

    token = with_db(create)
    response = client.get(f"/board/{bw.coalition.slug}/calendar.ics?token={token}")
    assert response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75
    unfolded = text.replace("\r\n ", "")
    assert unfolded.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Zebranie\\; ważne\\, bardzo" in unfolded
    assert "LOCATION:Sala OSP\\, Lipowa 1" in unfolded
    assert f"DTSTART:{start:%Y%m%dT%H%M%S}Z" in unfolded
    assert "DESCRIPTION:Linia 1\\nLinia 2 " in unfolded


def test_fold_keeps_utf8_characters_whole():
    folded = feeds.fold("SUMMARY:" + "ą" * 100)
    for part in folded.split("\r\n "):
        part.encode().decode()  # no split characters
        assert len(part.encode()) <= 75
    assert folded.replace("\r\n ", "") == "SUMMARY:" + "ą" * 100


def test_event_side_panel_lists_upcoming_only(client, auth, bw):
    def create():
        posts.create_post(bw.member, bw.coalition, title="Było", body="x", category="event",
                           event_at=utcnow() - timedelta(days=2))
        posts.create_post(bw.member, bw.coalition, title="Później", body="x", category="event",
                           event_at=utcnow() + timedelta(days=9))
        posts.create_post(bw.member, bw.coalition, title="Wkrótce", body="x", category="event",
                           event_at=utcnow() + timedelta(days=1))

    with_db(create)
    auth.as_user(bw.member)
    page = soup(client.get(f"/board/{bw.coalition.slug}"))
    assert [a.get_text() for a in page.select(".board-events li a")] == ["Wkrótce", "Później"]


def test_atom_feed_survives_bad_characters_stored_before_cleaning(client, bw):
    """Rows written before every input was cleaned must not break the feed for everyone."""
    from models import Post, User

    def create():
        post = posts.create_post(bw.member, bw.coalition, title="Zebranie", body="Treść")
        # (no NUL here: PostgreSQL refuses it, so it cannot be stored there anyway)
        Post.update(title="Zebranie\ufffe\x0b", body_html="<p>Treść\x01\uffff</p>").where(
            Post.id == post.id).execute()
        User.update(name="Marek\x1b Członek").where(User.id == bw.member.id).execute()
        return feed_tokens.feed_token(bw.member2, bw.coalition)

    token = with_db(create)
    response = client.get(f"/board/{bw.coalition.slug}/feed.atom?token={token}")
    root = ET.fromstring(response.data)  # well-formed XML 1.0
    entry = root.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "Zebranie"
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "Marek Członek"
    calendar = client.get(f"/board/{bw.coalition.slug}/calendar.ics?token={token}")
    assert calendar.status_code == 200


def test_feed_ids_use_the_canonical_domain_not_the_host_header(app, client, bw):
    app.config["CANONICAL_DOMAIN"] = "koalicje.example.org"
    token = with_db(lambda: feed_tokens.feed_token(bw.member, bw.coalition))
    url = f"/board/{bw.coalition.slug}/feed.atom?token={token}"
    ids = set()
    for host in ("127.0.0.1:5077", "evil.example.com"):
        root = ET.fromstring(client.get(url, headers={"Host": host}).data)
        ids.add(root.find(f"{ATOM}id").text)
    assert ids == {f"tag:koalicje.example.org,2014:board:{bw.coalition.id}"}


def test_feed_id_defaults_to_the_host_name_of_base_url(app, client, bw):
    app.config["BASE_URL"] = "https://koalicje.biblioteki.pl:8443/"
    token = with_db(lambda: feed_tokens.feed_token(bw.member, None))
    response = client.get(f"/board/feed.atom?token={token}", headers={"Host": "127.0.0.1:5077"})
    root = ET.fromstring(response.data)
    assert root.find(f"{ATOM}id").text == "tag:koalicje.biblioteki.pl,2014:board:programme"
