"""Helpers shared by the quiz and self-assessment tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from koalicje.config import ROOT
from koalicje.content import quiz_files, sync
from models import Instrument, Quiz

CONTENT = ROOT / "content"


def sync_content(folder: Path | None = None) -> sync.SyncReport:
    """Quizzes and instruments only: other areas' loaders (modules) keep their own test data."""
    return quiz_files.sync_own(folder or CONTENT)


def copy_content(tmp_path: Path) -> Path:
    """A private copy of the quiz and instrument files that a test may edit (and the module
    files, which quizzes must belong to)."""
    target = tmp_path / "content"
    for name in ("modules", "quizzes", "self_assessment"):
        shutil.copytree(CONTENT / name, target / name)
    return target


def quiz(slug: str = "czym-jest-partnerstwo") -> Quiz:
    return Quiz.get(Quiz.slug == slug)


def definition(slug: str = "czym-jest-partnerstwo") -> dict:
    item = quiz(slug)
    return item.versions.where(item.versions.model.number == item.version).get().definition


def right_answers(definition: dict) -> dict[str, list[str]]:
    return {
        q["id"]: [o["id"] for o in q["options"] if o["correct"]] for q in definition["questions"]
    }


def wrong_answers(definition: dict) -> dict[str, list[str]]:
    return {
        q["id"]: [next(o["id"] for o in q["options"] if not o["correct"])]
        for q in definition["questions"]
    }


def form_data(answers: dict[str, list[str]], token: str) -> dict:
    data: dict = {"csrf_token": token}
    for qid, chosen in answers.items():
        data[f"q-{qid}"] = chosen
    return data


def instrument(slug: str = "partnerstwo") -> Instrument:
    return Instrument.get(Instrument.slug == slug)


def instrument_definition(slug: str = "partnerstwo") -> dict:
    item = instrument(slug)
    return item.versions.where(item.versions.model.number == item.version).get().definition


def statements(definition: dict) -> list[dict]:
    return [s for d in definition["dimensions"] for s in d["statements"]]


def answers_for(definition: dict, per_dimension: dict[str, float]) -> dict[str, int]:
    """Answers whose item scores all equal the given value per dimension (reverse handled).

    Only whole values are possible this way; the value is the dimension's mean.
    """
    out = {}
    for dimension in definition["dimensions"]:
        value = int(per_dimension.get(dimension["slug"], 3))
        for statement in dimension["statements"]:
            out[statement["id"]] = 6 - value if statement["reverse"] else value
    return out
