"""Module content files: validation (good and each kind of bad file), sync, archiving."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import make_user

from koalicje.content import module_files, sync
from koalicje.content.sync import ContentError
from koalicje.learning import progress
from models import Module, ModuleProgress

ROOT = Path(__file__).resolve().parent.parent

GOOD = """---
slug: {slug}
position: {position}
kind: webinar
title:
  pl: Tytuł po polsku
  en: English title
summary:
  pl: Streszczenie
  en: Summary
date: 2014-02-07
duration: "1:30:00"
presenters:
  - name: Ewa Przykładowa
    role: {{pl: trenerka, en: trainer}}
    bio: {{pl: Krótka notka.}}
host:
  name: Jan Prowadzący
video:
  file: nagranie.mp4
  url: https://www.youtube.com/watch?v=abcdefghijk
  captions: napisy.vtt
materials:
  - title: {{pl: Poradnik, en: Guide}}
    file: poradnik.pdf
    size: 12345
  - title: Strona programu
    url: https://example.org/program
quiz: {slug}
prerequisites: []
estimated_minutes: 45
task:
  title: {{pl: Zadanie, en: Task}}
  prompt: {{pl: Opisz plan., en: Describe the plan.}}
  category: event
---
## Opis

Treść modułu.
"""


def write(folder: Path, text: str, name: str = "01-modul-testowy.md") -> Path:
    modules = folder / "modules"
    modules.mkdir(parents=True, exist_ok=True)
    path = modules / name
    path.write_text(text, encoding="utf-8")
    return path


def good(slug: str = "modul-testowy", position: int = 1) -> str:
    return GOOD.format(slug=slug, position=position)


def test_good_file_is_parsed_into_a_definition(tmp_path):
    path = write(tmp_path, good())
    definition = module_files.parse_module_file(path)
    assert definition.slug == "modul-testowy"
    assert definition.kind == "webinar"
    assert definition.title == {"pl": "Tytuł po polsku", "en": "English title"}
    assert definition.duration_seconds == 5400
    assert definition.meta["date"] == "2014-02-07"
    assert definition.meta["presenters"][0]["bio"] == {"pl": "Krótka notka."}
    assert definition.meta["video"]["file"] == "nagranie.mp4"
    assert definition.meta["materials"][0]["size"] == 12345
    assert definition.meta["materials"][1]["url"] == "https://example.org/program"
    assert definition.meta["task"]["category"] == "event"
    assert definition.quiz_slug == "modul-testowy"
    assert definition.estimated_minutes == 45


def test_unquoted_duration_read_by_yaml_as_sexagesimal_still_means_minutes(tmp_path):
    path = write(tmp_path, good().replace('duration: "1:30:00"', "duration: 16:00"))
    assert module_files.parse_module_file(path).duration_seconds == 16 * 60


BAD = [
    # (description, replace this, with that, field named in the error)
    ("no front matter", "---\nslug", "slug", "front matter"),
    ("broken YAML", "kind: webinar", "kind: [webinar", "front matter"),
    ("missing title", "title:\n  pl: Tytuł po polsku\n  en: English title\n", "", "title"),
    ("title without English", "  en: English title\n", "", "title.en"),
    ("empty Polish summary", "  pl: Streszczenie", "  pl: ''", "summary.pl"),
    ("unknown kind", "kind: webinar", "kind: podcast", "kind"),
    ("slug with capitals", "slug: modul-testowy", "slug: Modul", "slug"),
    ("slug not matching the file name", "slug: modul-testowy", "slug: inny-modul", "slug"),
    ("position not a number", "position: 1", "position: pierwszy", "position"),
    ("position zero", "position: 1", "position: 0", "position"),
    ("bad date", "date: 2014-02-07", "date: 2014-02-31", "date"),
    ("bad duration", 'duration: "1:30:00"', "duration: długo", "duration"),
    ("unknown field", "quiz: modul-testowy", "quizz: modul-testowy", "quizz"),
    ("estimated minutes missing", "estimated_minutes: 45\n", "", "estimated_minutes"),
    ("webinar without presenters", "presenters:\n  - name: Ewa Przykładowa\n"
     "    role: {pl: trenerka, en: trainer}\n    bio: {pl: Krótka notka.}\n", "",
     "presenters"),
    ("presenter without name", "  - name: Ewa Przykładowa", "  - nazwa: Ewa", "presenters[0].nazwa"),
    ("video file with a folder", "file: nagranie.mp4", "file: ../nagranie.mp4", "video.file"),
    ("video file of a wrong type", "file: nagranie.mp4", "file: nagranie.exe", "video.file"),
    ("captions not WebVTT", "captions: napisy.vtt", "captions: napisy.srt", "video.captions"),
    ("video address not http", "url: https://www.youtube.com/watch?v=abcdefghijk",
     "url: javascript:alert(1)", "video.url"),
    ("material file without size", "    size: 12345\n", "", "materials[0].size"),
    ("material with file and url", "    url: https://example.org/program",
     "    url: https://example.org/program\n    file: x.pdf", "materials[1]"),
    ("material size negative", "size: 12345", "size: -5", "materials[0].size"),
    ("task with unknown category", "category: event", "category: gossip", "task.category"),
    ("task without English prompt", "prompt: {pl: Opisz plan., en: Describe the plan.}",
     "prompt: {pl: Opisz plan.}", "task.prompt.en"),
    ("quiz slug invalid", "quiz: modul-testowy", "quiz: Quiz 1", "quiz"),
    ("unknown prerequisite", "prerequisites: []", "prerequisites: [nie-ma-takiego]",
     "prerequisites[0]"),
    ("self prerequisite", "prerequisites: []", "prerequisites: [modul-testowy]",
     "prerequisites[0]"),
    ("empty body", "## Opis\n\nTreść modułu.\n", "", "body"),
    ("required not boolean", "estimated_minutes: 45", "estimated_minutes: 45\nrequired: tak",
     "required"),
]


@pytest.mark.parametrize("replace,with_,field", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_each_kind_of_bad_file_names_file_and_field(tmp_path, replace, with_, field):
    text = good()
    assert replace in text
    path = write(tmp_path, text.replace(replace, with_, 1))
    with pytest.raises(ContentError) as caught:
        module_files.load_modules(tmp_path)
    assert caught.value.path == str(path)
    assert caught.value.field == field
    assert str(path) in str(caught.value) and field in str(caught.value)


def test_duplicate_slug_and_position_across_files(tmp_path):
    write(tmp_path, good("modul-a", 1), "01-modul-a.md")
    second = write(tmp_path, good("modul-b", 1), "02-modul-b.md")
    with pytest.raises(ContentError) as caught:
        module_files.load_modules(tmp_path)
    assert caught.value.path == str(second) and caught.value.field == "position"


def test_circular_prerequisites_are_refused(tmp_path):
    write(tmp_path, good("modul-a", 1).replace("prerequisites: []", "prerequisites: [modul-b]"),
          "01-modul-a.md")
    write(tmp_path, good("modul-b", 2).replace("prerequisites: []", "prerequisites: [modul-a]"),
          "02-modul-b.md")
    with pytest.raises(ContentError, match="circular"):
        module_files.load_modules(tmp_path)


def test_the_shipped_curriculum_is_valid_and_follows_the_contract():
    definitions = module_files.load_modules(ROOT / "content")
    assert [(d.position, d.slug, d.kind) for d in definitions] == [
        (1, "czym-jest-partnerstwo", "reading"),
        (2, "wsparcie-dla-partnerstw", "reading"),
        (3, "webinarium-program-wsparcia", "webinar"),
        (4, "film-spotkanie-badawcze", "film"),
        (5, "webinarium-biblioteka-i-samorzad", "webinar"),
        (6, "webinarium-ngo-i-biznes", "webinar"),
        (7, "webinarium-rozwijamy-wspolprace", "webinar"),
        (8, "materialy-do-pobrania", "reading"),
    ]
    for d in definitions[:7]:
        assert d.quiz_slug == d.slug
    assert definitions[7].quiz_slug is None
    assert "task" in definitions[3].meta
    assert definitions[3].duration_seconds == 16 * 60
    webinar_dates = [d.meta.get("date") for d in definitions if d.kind == "webinar"]
    assert webinar_dates == ["2014-02-07", "2014-02-13", "2014-02-19", "2014-02-25"]
    for d in definitions:
        if d.kind == "webinar":
            assert d.meta["host"]["name"] and d.meta["presenters"]
            assert all(p["bio"]["pl"] and p["bio"]["en"] for p in d.meta["presenters"])
    assert len(definitions[7].meta["materials"]) == 6


# --- sync ---------------------------------------------------------------------------------


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "content"
    write(folder, good("modul-a", 1), "01-modul-a.md")
    write(folder, good("modul-b", 2), "02-modul-b.md")
    return folder


def test_sync_creates_then_is_idempotent(database, content):
    first = sync.sync(content)
    assert sorted(first.created) == ["module modul-a", "module modul-b"]
    before = [(m.slug, m.updated_at, m.content_hash) for m in Module.select().order_by(Module.id)]
    second = sync.sync(content)
    assert not second.changed
    assert sorted(second.unchanged) == ["module modul-a", "module modul-b"]
    after = [(m.slug, m.updated_at, m.content_hash) for m in Module.select().order_by(Module.id)]
    assert before == after


def test_sync_updates_an_edited_file(database, content):
    sync.sync(content)
    path = content / "modules" / "01-modul-a.md"
    path.write_text(path.read_text().replace("English title", "New title"), encoding="utf-8")
    report = sync.sync(content)
    assert report.updated == ["module modul-a"]
    assert Module.get(Module.slug == "modul-a").title_en == "New title"


def test_removed_module_is_archived_and_progress_kept(database, content):
    sync.sync(content)
    learner = make_user()
    module = Module.get(Module.slug == "modul-b")
    progress.set_watched(learner, module)
    (content / "modules" / "02-modul-b.md").unlink()
    report = sync.sync(content)
    assert report.archived == ["module modul-b"]
    assert Module.get(Module.slug == "modul-b").archived
    assert [m.slug for m in Module.active()] == ["modul-a"]
    assert ModuleProgress.select().where(ModuleProgress.module == module).count() == 1
    # A second sync does not archive it again; restoring the file brings it back.
    assert not sync.sync(content).changed
    write(content, good("modul-b", 2), "02-modul-b.md")
    assert sync.sync(content).updated == ["module modul-b"]
    assert not Module.get(Module.slug == "modul-b").archived
    assert ModuleProgress.get(ModuleProgress.module == module).watched


def test_a_bad_file_leaves_the_database_untouched(database, content):
    sync.sync(content)
    path = content / "modules" / "01-modul-a.md"
    path.write_text(path.read_text().replace("English title", "Changed"), encoding="utf-8")
    write(content, good("modul-c", 3).replace("kind: webinar", "kind: nope"), "03-modul-c.md")
    with pytest.raises(ContentError):
        sync.sync(content)
    assert Module.get(Module.slug == "modul-a").title_en == "English title"
    assert not Module.select().where(Module.slug == "modul-c").exists()


def test_cli_sync_prints_changes_and_errors(app, runner, content, tmp_path):
    result = runner.invoke(args=["content", "sync", "--content-dir", str(content)])
    assert result.exit_code == 0, result.output
    assert "created module modul-a" in result.output
    assert "2 created, 0 updated, 0 archived, 0 unchanged" in result.output
    again = runner.invoke(args=["content", "sync", "--content-dir", str(content)])
    assert "0 created, 0 updated, 0 archived, 2 unchanged" in again.output
    broken = tmp_path / "broken"
    shutil.copytree(content, broken)
    path = broken / "modules" / "02-modul-b.md"
    path.write_text(path.read_text().replace("estimated_minutes: 45", "estimated_minutes: -1"))
    failed = runner.invoke(args=["content", "sync", "--content-dir", str(broken)])
    assert failed.exit_code != 0
    assert "Nothing was changed" in failed.output
    assert "02-modul-b.md: estimated_minutes" in failed.output


def test_shipped_content_syncs_twice_without_changes(database):
    first = sync.sync(ROOT / "content")
    assert len([c for c in first.created if c.startswith("module ")]) == 8
    second = sync.sync(ROOT / "content")
    assert not [c for c in second.created + second.updated + second.archived
                if c.startswith("module ")]


def test_module_file_slugs_for_other_loaders(tmp_path):
    write(tmp_path, good("modul-a", 1), "01-modul-a.md")
    write(tmp_path, "not even front matter", "02-modul-b.md")
    assert module_files.module_file_slugs(tmp_path) == {"modul-a", "modul-b"}
    assert module_files.module_file_slugs(tmp_path / "nowhere") == set()
