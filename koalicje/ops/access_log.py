"""An access log without secrets: one-time and feed tokens are redacted from logged URLs.

`make run` serves with gunicorn's `--logger-class koalicje.ops.access_log.RedactingLogger`;
every logged value (request line, path, query, referer, headers) passes through `redact`.
"""

from __future__ import annotations

import re
import traceback
from types import SimpleNamespace

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
# Paths whose last part is a secret: password reset, invite, digest unsubscribe links.
SECRET_PATHS = ("/reset/", "/invite/", "/digest/unsubscribe/")
TOKEN_IN_PATH = re.compile(
    "(" + "|".join(map(re.escape, SECRET_PATHS)) + r")[^/?#\s\"]+")
# Feed URLs carry their secret as ?token=...
TOKEN_IN_QUERY = re.compile(r"((?:^|[?&;])token=)[^&#\s\"]*", re.IGNORECASE)
# The atoms a log format names: `%(h)s`, `%({referer}i)s`...
FORMAT_ATOM = re.compile(r"%\(([^)]*)\)")
# What gunicorn's Logger.atoms reads from the environment for its one-letter atoms
# (tests/test_ops_access_log.py checks every one against gunicorn's own).
LETTER_ATOMS_ENVIRON = ("REMOTE_ADDR", "REQUEST_METHOD", "RAW_URI", "SERVER_PROTOCOL",
                        "PATH_INFO", "QUERY_STRING", "HTTP_REFERER", "HTTP_USER_AGENT",
                        "HTTP_AUTHORIZATION")


def redact(text: str) -> str:
    """`text` with the secrets of token-bearing URLs replaced by "[redacted]".

    Every access-log line redacts ~45 values (each request and response header, the
    environment): a pattern runs only on a value holding what it needs to match at all (one
    of the paths, an "="), which leaves the same text and skips ~90 regex passes a request."""
    if _holds_secret_path(text):
        text = TOKEN_IN_PATH.sub(rf"\1{REDACTED}", text)
    if "=" in text:
        text = TOKEN_IN_QUERY.sub(rf"\1{REDACTED}", text)
    return text


def format_atoms(log_format: str) -> tuple[str, ...]:
    """The names of the atoms `log_format` uses, each once."""
    return tuple(dict.fromkeys(FORMAT_ATOM.findall(log_format)))


def may_hold_a_secret(text: str) -> bool:
    """Whether `redact` could change anything in `text` or in any part of it: one of the
    paths, or "token=" in any case (re's IGNORECASE matches the Kelvin sign for "k", which
    `lower()` also makes "k"; no other letter of "token=" has another form)."""
    return _holds_secret_path(text) or "token=" in text.lower()


def _holds_secret_path(text: str) -> bool:
    """Whether `text` holds one of `SECRET_PATHS` (what `TOKEN_IN_PATH` needs to match)."""
    return any(path in text for path in SECRET_PATHS)


class RedactingLogger(Logger):
    """gunicorn's logger, with every access-log atom redacted.

    A line has ~45 atoms (each request and response header, the environment) and nearly
    never a secret: they are looked at as one text first, and redacted one by one only when
    that text holds what a pattern needs (51 -> ~30 µs a line, the same atoms). The line
    itself is made of the atoms its format names only (`access`)."""

    def atoms(self, resp, req, environ, request_time):
        return _redacted(super().atoms(resp, req, environ, request_time))

    def access(self, resp, req, environ, request_time) -> None:
        """gunicorn's `Logger.access`, with only the atoms its format names when these are
        all one-letter ones (the default format: 9 of ~45).

        gunicorn makes an atom of every request and response header and of every environment
        variable for each line, then escapes and (here) redacts them all: with a format that
        names none of those, the line needs only the request's and response's own values
        (47 -> 30 us a line, the same line)."""
        if not self.access_log_enabled:
            return
        log_format = self.cfg.access_log_format
        kept = getattr(self, "_format_atoms", None)  # the format's atoms, found once
        if kept is None or kept[0] != log_format:
            kept = self._format_atoms = (log_format, format_atoms(log_format))
        names = kept[1]
        if any(name.startswith("{") for name in names):
            atoms = self.atoms(resp, req, environ, request_time)
        else:
            answer = SimpleNamespace(status=resp.status, sent=getattr(resp, "sent", None),
                                     headers=())
            asked = {key: environ[key] for key in LETTER_ATOMS_ENVIRON if key in environ}
            every = Logger.atoms(self, answer, (), asked, request_time)
            atoms = _redacted({name: every[name] for name in names if name in every})
        try:
            self.access_log.info(log_format, self.atoms_wrapper_class(atoms))
        except Exception:
            self.error(traceback.format_exc())


def _redacted(atoms: dict) -> dict:
    """`atoms` with every text redacted, looked at as one text first."""
    if not may_hold_a_secret("\n".join([value for value in atoms.values()
                                         if isinstance(value, str)])):
        return atoms
    return {key: redact(value) if isinstance(value, str) else value
            for key, value in atoms.items()}
