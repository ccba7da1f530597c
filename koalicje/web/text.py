"""Rules for plain text that every area shares: control characters and slugs.

`clean_text` is the one filter for user text (forms, search queries, domain writes);
`SLUG_PATTERN` / `SLUG_RE` the one slug rule (curriculum files, coalition addresses).
"""

from __future__ import annotations

import re

# C0 controls except tab, newline and carriage return, and DEL (PostgreSQL refuses NUL).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_RE = re.compile(SLUG_PATTERN)


def clean_text(text: str | None) -> str:
    """User text without control characters (PostgreSQL refuses NUL; none belong in stored
    text); newlines and tabs stay, Windows line ends become plain newlines."""
    return CONTROL_CHARACTERS.sub("", (text or "").replace("\r\n", "\n"))
