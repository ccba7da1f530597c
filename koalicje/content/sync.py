"""`flask content sync`: load the curriculum files, validate all of them, then write.

Each kind of content (modules, quizzes, self-assessment instruments) is a `Loader`: `load`
reads and validates files and returns plain definitions or raises `ContentError` naming the
file and field; `apply` writes those definitions inside the one transaction and reports what
changed. Every loader validates before any writes, so a bad file leaves the database as it was.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models import write_transaction


class ContentError(Exception):
    """A content file is invalid: names the file, the field and what is wrong."""

    def __init__(self, path: Path | str, field_name: str, message: str):
        self.path = str(path)
        self.field = field_name
        self.message = message
        super().__init__(f"{self.path}: {field_name}: {message}")


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.archived)

    def lines(self) -> list[str]:
        out = [f"created {name}" for name in self.created]
        out += [f"updated {name}" for name in self.updated]
        out += [f"archived {name}" for name in self.archived]
        out.append(
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.archived)} archived, {len(self.unchanged)} unchanged"
        )
        return out


@dataclass
class Loader:
    name: str
    load: Callable[[Path], Any]  # content dir -> definitions (raises ContentError)
    apply: Callable[[Any, SyncReport], None]  # definitions -> writes, noting changes


LOADERS: list[Loader] = []
# The modules that hold the loaders, in the order they apply (modules before what refers
# to them). Each registers its loaders when imported; sync() imports them all, so the
# curriculum is complete whoever calls it, not only where a blueprint happened to import them.
LOADER_MODULES = ("koalicje.content.module_files", "koalicje.content.quiz_files")


def register(loader: Loader) -> None:
    if all(existing.name != loader.name for existing in LOADERS):
        LOADERS.append(loader)


def sync(content_dir: Path | str) -> SyncReport:
    """Validate every content file, then write all changes in one transaction."""
    for name in LOADER_MODULES:
        importlib.import_module(name)
    content_dir = Path(content_dir)
    loaded = [(loader, loader.load(content_dir)) for loader in LOADERS]
    report = SyncReport()
    with write_transaction():
        for loader, definitions in loaded:
            loader.apply(definitions, report)
    return report
