"""Atom and iCalendar feeds of a board, written with the standard library.

Atom is built with ElementTree (escaping is the library's job); iCalendar follows RFC 5545:
CRLF line ends, text escaping of \\ ; , and newlines, lines folded at 75 octets, times in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

from koalicje.board.posts import board_key
from koalicje.web.text import clean_text
from models import Post

ATOM_NS = "http://www.w3.org/2005/Atom"


def _text(value: str | None) -> str:
    """Stored text as XML 1.0 / iCalendar allow it: rows written before every input was
    cleaned may hold control characters or U+FFFE, which would make the whole feed invalid."""
    return clean_text(value)


def _rfc3339(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def feed_id(domain: str, board) -> str:
    """A tag URI (RFC 4151) that stays the same whatever address the feed was fetched from."""
    return f"tag:{domain},2014:board:{board_key(board)}"


def atom(posts: Iterable[Post], *, title: str, feed_url: str, board_url: str,
         post_url, feed_id: str) -> bytes:
    """An Atom 1.0 document; `post_url(post)` gives each entry's link."""
    ET.register_namespace("", ATOM_NS)
    posts = list(posts)
    root = ET.Element(f"{{{ATOM_NS}}}feed")
    ET.SubElement(root, f"{{{ATOM_NS}}}id").text = feed_id
    ET.SubElement(root, f"{{{ATOM_NS}}}title").text = _text(title)
    updated = max((p.edited_at or p.created_at for p in posts), default=datetime(2014, 1, 1))
    ET.SubElement(root, f"{{{ATOM_NS}}}updated").text = _rfc3339(updated)
    ET.SubElement(root, f"{{{ATOM_NS}}}link", rel="self", href=feed_url)
    ET.SubElement(root, f"{{{ATOM_NS}}}link", rel="alternate", href=board_url)
    for post in posts:
        entry = ET.SubElement(root, f"{{{ATOM_NS}}}entry")
        ET.SubElement(entry, f"{{{ATOM_NS}}}id").text = f"{feed_id}:post:{post.id}"
        ET.SubElement(entry, f"{{{ATOM_NS}}}title").text = _text(post.title)
        ET.SubElement(entry, f"{{{ATOM_NS}}}updated").text = _rfc3339(post.edited_at or post.created_at)
        ET.SubElement(entry, f"{{{ATOM_NS}}}published").text = _rfc3339(post.created_at)
        author = ET.SubElement(entry, f"{{{ATOM_NS}}}author")
        ET.SubElement(author, f"{{{ATOM_NS}}}name").text = _text(post.author.name)
        ET.SubElement(entry, f"{{{ATOM_NS}}}link", rel="alternate", href=post_url(post))
        ET.SubElement(entry, f"{{{ATOM_NS}}}category", term=post.category)
        ET.SubElement(entry, f"{{{ATOM_NS}}}content", type="html").text = _text(post.body_html)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def ical_text(value: str) -> str:
    return (
        _text(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _ical_time(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def icalendar(events: Iterable[Post], *, name: str, domain: str, post_url,
              duration: timedelta = timedelta(hours=2)) -> bytes:
    """A VCALENDAR with one VEVENT per event post (two hours long unless stated)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Koalicje//Tablica//PL",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ical_text(name)}",
    ]
    for post in events:
        if post.event_at is None:
            continue
        lines += [
            "BEGIN:VEVENT",
            f"UID:post-{post.id}@{domain}",
            f"DTSTAMP:{_ical_time(post.edited_at or post.created_at)}",
            f"DTSTART:{_ical_time(post.event_at)}",
            f"DTEND:{_ical_time(post.event_at + duration)}",
            f"SUMMARY:{ical_text(post.title)}",
            f"DESCRIPTION:{ical_text(post.body_source)}",
            f"URL:{post_url(post)}",
        ]
        if post.event_place:
            lines.append(f"LOCATION:{ical_text(post.event_place)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode()
