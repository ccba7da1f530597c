"""Content validation for quizzes and instruments: each kind of error, and no half writes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from factories import CONTENT, copy_content, sync_content

from koalicje.content import quiz_files
from koalicje.content.sync import ContentError
from models import Instrument, Quiz, QuizVersion

GOOD_QUIZ = """
slug: probny
module: czym-jest-partnerstwo
title: Quiz próbny
pass_mark: 50
questions:
  - id: q1
    type: single
    text: Pytanie jedno?
    explanation: Bo tak.
    options:
      - {id: a, text: Tak, correct: true}
      - {id: b, text: Nie}
  - id: q2
    type: multiple
    text: Pytanie wiele?
    explanation: Oba.
    options:
      - {id: a, text: Jeden, correct: true}
      - {id: b, text: Drugi, correct: true}
      - {id: c, text: Trzeci}
  - id: q3
    type: true_false
    text: Prawda?
    answer: true
    explanation: Prawda.
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path, database):
    """A content folder with the module file the test quizzes belong to."""
    content = tmp_path / "content"
    write(content, "modules/01-czym-jest-partnerstwo.md", "---\nslug: czym-jest-partnerstwo\n---\n")
    return content


def test_a_good_quiz_loads(folder):
    write(folder, "quizzes/probny.yaml", GOOD_QUIZ)
    report = sync_content(folder)
    assert report.created == ["quiz probny"]
    quiz = Quiz.get(Quiz.slug == "probny")
    assert quiz.pass_mark == 0.5
    assert quiz.module_slug == "czym-jest-partnerstwo"


BROKEN = [
    ("not yaml", lambda t: t + "\n  - : : [", "(file)", "not valid YAML"),
    ("no slug", lambda t: t.replace("slug: probny\n", ""), "slug", "missing"),
    ("unknown module", lambda t: t.replace("module: czym-jest-partnerstwo", "module: nie-ma"),
     "module", "no module"),
    ("no module", lambda t: t.replace("module: czym-jest-partnerstwo\n", ""), "module", "missing"),
    ("pass mark too high", lambda t: t.replace("pass_mark: 50", "pass_mark: 150"), "pass_mark",
     "percent"),
    ("pass mark text", lambda t: t.replace("pass_mark: 50", "pass_mark: dużo"), "pass_mark",
     "number"),
    ("unknown type", lambda t: t.replace("type: single", "type: essay"), "questions[1].type",
     "must be one of"),
    ("single with two right", lambda t: t.replace("{id: b, text: Nie}", "{id: b, text: Nie, correct: true}"),
     "questions[1].options", "exactly one"),
    ("multiple with none right", lambda t: t.replace("{id: a, text: Jeden, correct: true}", "{id: a, text: Jeden}")
     .replace("{id: b, text: Drugi, correct: true}", "{id: b, text: Drugi}"),
     "questions[2].options", "at least one"),
    ("true/false without answer", lambda t: t.replace("    answer: true\n", ""),
     "questions[3].answer", "true or false"),
    ("duplicate question id", lambda t: t.replace("id: q2", "id: q1"), "questions[2].id",
     "duplicate"),
    ("duplicate option id", lambda t: t.replace("{id: b, text: Nie}", "{id: a, text: Nie}"),
     "questions[1].options[2].id", "duplicate"),
    ("one option", lambda t: t.replace("      - {id: b, text: Nie}\n", ""),
     "questions[1].options", "2 to 8"),
    ("no explanation", lambda t: t.replace("    explanation: Bo tak.\n", ""),
     "questions[1].explanation", "missing"),
    ("no questions", lambda t: t[: t.index("questions:")] + "questions: []\n", "questions",
     "non-empty"),
    ("not a mapping", lambda t: "- tylko\n- lista\n", "(file)", "mapping"),
]


@pytest.mark.parametrize("name, edit, field, message", BROKEN, ids=[b[0] for b in BROKEN])
def test_quiz_errors_name_file_and_field_and_write_nothing(folder, name, edit, field, message):
    write(folder, "quizzes/a-dobry.yaml", GOOD_QUIZ.replace("slug: probny", "slug: dobry"))
    bad = write(folder, "quizzes/probny.yaml", edit(GOOD_QUIZ))
    with pytest.raises(ContentError) as raised:
        sync_content(folder)
    error = raised.value
    assert error.path == str(bad)
    assert error.field == field
    assert message in error.message
    assert Quiz.select().count() == 0  # the good file was not written either
    assert QuizVersion.select().count() == 0


def test_two_files_with_one_slug(folder):
    write(folder, "quizzes/a.yaml", GOOD_QUIZ)
    write(folder, "quizzes/b.yaml", GOOD_QUIZ)
    with pytest.raises(ContentError) as raised:
        sync_content(folder)
    assert raised.value.field == "slug"
    assert "a.yaml" in raised.value.message


def test_module_must_be_a_module_file(folder):
    # The quiz loader alone: the module loader (learning area) validates module files itself.
    assert quiz_files.module_slugs(folder) == {"czym-jest-partnerstwo"}
    write(folder, "quizzes/probny.yaml", GOOD_QUIZ.replace("module: czym-jest-partnerstwo",
                                                           "module: wlasny-modul"))
    with pytest.raises(ContentError) as raised:
        quiz_files.load_quizzes(folder)
    assert raised.value.field == "module"
    assert "wlasny-modul" in raised.value.message
    write(folder, "modules/02-wlasny-modul.md", "---\nslug: wlasny-modul\n---\n")
    assert [q["module"] for q in quiz_files.load_quizzes(folder)] == ["wlasny-modul"]


def test_without_module_files_no_quiz_loads(tmp_path, database):
    content = tmp_path / "bez-modulow"
    write(content, "quizzes/probny.yaml", GOOD_QUIZ)
    assert quiz_files.module_slugs(content) == set()
    with pytest.raises(ContentError) as raised:
        quiz_files.load_quizzes(content)
    assert raised.value.field == "module"


# --- instruments --------------------------------------------------------------------------


def _instrument(tmp_path) -> tuple[Path, str]:
    folder = copy_content(tmp_path)
    return folder, (folder / "self_assessment" / "partnerstwo.yaml").read_text(encoding="utf-8")


INSTRUMENT_BROKEN = [
    ("no reverse item", lambda t: t.replace("        reverse: true\n", "", 1),
     "dimensions[1].statements", "reverse"),
    ("unknown recommended module", lambda t: t.replace("recommend: [film-spotkanie-badawcze]", "recommend: [nie-ma]"),
     "dimensions[1].recommend", "no module"),
    ("bad band key", lambda t: t.replace("key: discuss", "key: medium"), "bands[2].key",
     "must be one of"),
    ("lowest band above 1", lambda t: t.replace("min: 1\n", "min: 2\n"), "bands", "lowest band"),
    ("duplicate statement id",
     lambda t: t.replace("id: cel-wspolna-diagnoza", "id: cel-potrzeby"),
     "dimensions[1].statements[2].id", "duplicate"),
    ("statement without text",
     lambda t: re.sub(r"(- id: cel-wspolna-diagnoza\n\s+)text:", r"\1tekst:", t),
     "dimensions[1].statements[2].text", "missing"),
    ("reverse not boolean", lambda t: t.replace("        reverse: true", "        reverse: tak", 1),
     "dimensions[1].statements[3].reverse", "true or false"),
]


@pytest.mark.parametrize("name, edit, field, message", INSTRUMENT_BROKEN,
                         ids=[b[0] for b in INSTRUMENT_BROKEN])
def test_instrument_errors_name_file_and_field(tmp_path, database, name, edit, field, message):
    folder, text = _instrument(tmp_path)
    edited = edit(text)
    assert edited != text, "the edit did not apply"
    path = folder / "self_assessment" / "partnerstwo.yaml"
    path.write_text(edited, encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        sync_content(folder)
    assert raised.value.path == str(path)
    assert raised.value.field == field
    assert message in raised.value.message
    assert Instrument.select().count() == 0
    assert Quiz.select().count() == 0


def test_instrument_versions_follow_the_content(tmp_path, database):
    folder, text = _instrument(tmp_path)
    sync_content(folder)
    assert not sync_content(folder).changed
    path = folder / "self_assessment" / "partnerstwo.yaml"
    path.write_text(text.replace("Nasze cele wynikają", "Nasze cele naprawdę wynikają"),
                    encoding="utf-8")
    report = sync_content(folder)
    assert report.updated == ["instrument partnerstwo"]
    assert Instrument.get(Instrument.slug == "partnerstwo").version == 2


def test_cli_sync_reports_the_error_and_changes_nothing(app, runner, folder):
    # The whole sync reads the real module files too (the fixture's stub is not one).
    shutil.copytree(CONTENT / "modules", folder / "modules", dirs_exist_ok=True)
    write(folder, "quizzes/probny.yaml", GOOD_QUIZ.replace("type: single", "type: esej"))
    result = runner.invoke(args=["content", "sync", "--content-dir", str(folder)])
    assert result.exit_code != 0
    assert "Nothing was changed" in result.output
    assert "probny.yaml: questions[1].type" in result.output
    assert Quiz.select().count() == 0
    write(folder, "quizzes/probny.yaml", GOOD_QUIZ)
    result = runner.invoke(args=["content", "sync", "--content-dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert "created quiz probny" in result.output
