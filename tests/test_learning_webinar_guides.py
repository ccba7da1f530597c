"""Webinar modules without a recording are studied by reading; attaching one later switches
them to watching without touching their content. Reading modules show no empty player."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import make_user, soup
from factories import make_module

from koalicje.content import module_files
from koalicje.content.sync import SyncReport
from koalicje.learning import media, progress
from koalicje.ops import demo_media
from models import Module

ROOT = Path(__file__).resolve().parent.parent
SLUG = "webinarium-biblioteka-i-samorzad"


@pytest.fixture
def curriculum(database):
    module_files.apply_modules(module_files.load_modules(ROOT / "content"), SyncReport())


@pytest.fixture
def learner(curriculum):
    user = make_user(name="Barbara Uczennica")
    # The webinar modules open after the first one (no quizzes are synced here).
    progress.set_watched(user, Module.get(Module.slug == "czym-jest-partnerstwo"))
    return user


def description(page) -> str:
    return str(page.select_one(".module-description"))


def attach_recording(app, slug: str) -> None:
    folder = Path(app.config["UPLOAD_DIR"]) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    wav = folder / "nagranie.wav"
    demo_media.write_wav(wav, rate=8000, sample_width=1, seconds=1)
    media.save_upload(io.BytesIO(wav.read_bytes()), "nagranie.wav",
                      module=Module.get(Module.slug == slug), role="recording", title="Nagranie",
                      user=None, upload_dir=app.config["UPLOAD_DIR"], max_bytes=10**7)


def test_without_recording_the_webinar_is_a_study_guide_then_switches_to_watching(
        app, client, auth, curriculum, learner):
    auth.as_user(learner)
    page = soup(client.get(f"/learning/{SLUG}"))
    notice = page.select_one(".module-recording .no-recording")
    assert "Nagranie nie jest jeszcze dołączone." in notice.text
    assert not page.select(".light-switch") and not page.select("video, audio")
    assert page.select_one("#module-progress button[type=submit]").text.strip() == (
        "Oznacz jako przeczytane")
    assert "Przeczytane" in page.select_one("#module-progress .checklist li").text
    guide = [h.text for h in page.select(".module-description h3")]
    assert guide[0].startswith("Przewodnik") and "Zadanie praktyczne" in guide
    minutes = page.select_one(".module-meta").text
    assert "ok. 25 minut" in minutes
    before = description(page)

    attach_recording(app, SLUG)
    page = soup(client.get(f"/learning/{SLUG}"))
    assert page.select_one("#module-player")
    assert not page.select(".no-recording")
    assert page.select_one(".light-switch")
    assert page.select_one("#module-progress button[type=submit]").text.strip() == (
        "Oznacz jako obejrzane")
    assert "Obejrzane" in page.select_one("#module-progress .checklist li").text
    assert description(page) == before


def test_english_readers_get_the_english_guide(client, auth, curriculum, learner):
    learner.locale = "en"
    learner.save()
    auth.as_user(learner)
    page = soup(client.get(f"/learning/{SLUG}"))
    body = page.select_one(".module-description div[lang]")
    assert body["lang"] == "en"
    assert "Questions about your gmina" in body.text
    assert not page.select_one(".module-description .note")
    # A module without an English text says so and keeps lang="pl".
    make_module(slug="tylko-po-polsku", position=20)
    page = soup(client.get("/learning/tylko-po-polsku"))
    assert page.select_one(".module-description div[lang]")["lang"] == "pl"
    assert page.select_one(".module-description .note")


def test_reading_module_without_media_shows_no_watching_section(client, auth, curriculum,
                                                                learner):
    auth.as_user(learner)
    page = soup(client.get("/learning/czym-jest-partnerstwo"))
    assert not page.select(".module-recording")
    assert "Do obejrzenia i posłuchania" not in page.text
    assert not page.select(".light-switch")
    assert "Przeczytane" in page.select_one("#module-progress .checklist li").text


def test_demo_pdfs_keep_polish_letters(tmp_path):
    demo_media.generate(tmp_path)
    pdf = (tmp_path / "content" / "przepis-na-wspolprace-w-bibliotece.pdf").read_bytes()
    # The font's encoding names the Polish glyphs; the text decodes back with its diacritics.
    differences = re.search(rb"/Differences \[(\d+) ([^\]]+)\]", pdf)
    first = int(differences.group(1))
    names = differences.group(2).decode().split()
    glyph_to_char = {name.lstrip("/"): char for char, name in demo_media.POLISH_GLYPHS.items()}
    decode = {first + i: glyph_to_char[name.lstrip("/")] for i, name in enumerate(names)}
    line = re.search(rb"\((.*?)\) Tj", pdf, re.DOTALL).group(1)
    text = "".join(decode.get(b) or bytes([b]).decode("cp1252") for b in line)
    assert text == "Przepis na współpracę w bibliotece. Poradnik praktyk i inspiracji"
    assert b"/BaseFont /Helvetica" in pdf and pdf.startswith(b"%PDF-")
