"""The permission matrix: for every route, the expected status for every persona.

Each area has a module here (`tests/access/<area>.py`) with `CASES` (a list of `Case`) and,
optionally, `setup(world)` to create what its routes need (stored in `world.extra`).
`tests/test_permissions.py` runs every case for every persona and fails for any route in the
URL map that has no case. Personas are tried from least to most privileged, on one world
per case, so a destructive action that succeeds does so last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PERSONAS = (
    "anonymous",  # not signed in
    "user",  # signed in, no coalition
    "member",  # member of world.coalition
    "other_trainer",  # trainer not assigned to world.coalition
    "trainer",  # trainer assigned to world.coalition
    "coordinator",  # coordinator of world.coalition
    "admin",
)


@dataclass
class World:
    coalition: Any = None
    other_coalition: Any = None
    user: Any = None
    member: Any = None
    coordinator: Any = None
    trainer: Any = None
    other_trainer: Any = None
    admin: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def persona(self, name: str) -> Any:
        return None if name == "anonymous" else getattr(self, name)


@dataclass
class Case:
    """One route: how to call it and what each persona gets.

    `url` and `data` take the world. `expect` maps persona -> status; statuses may be given
    as keyword arguments instead. A redirect to sign-in is 302 for a page.
    `headers`: extra request headers (e.g. {"HX-Request": "true"}).
    """

    endpoint: str
    method: str
    url: Callable[[World], str]
    data: Callable[[World], dict] | None = None
    headers: dict[str, str] | None = None
    expect: dict[str, int] = field(default_factory=dict)

    def __init__(self, endpoint: str, method: str, url: Callable[[World], str], *,
                 data: Callable[[World], dict] | None = None,
                 headers: dict[str, str] | None = None, **expect: int):
        self.endpoint = endpoint
        self.method = method.upper()
        self.url = url
        self.data = data
        self.headers = headers
        missing = set(PERSONAS) - set(expect)
        if missing:
            raise ValueError(f"{endpoint}: no expected status for {sorted(missing)}")
        self.expect = dict(expect)

    @property
    def id(self) -> str:
        return f"{self.endpoint}:{self.method}"
