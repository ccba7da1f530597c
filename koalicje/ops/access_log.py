"""An access log without secrets: one-time and feed tokens are redacted from logged URLs.

`make run` serves with gunicorn's `--logger-class koalicje.ops.access_log.RedactingLogger`;
every logged value (request line, path, query, referer, headers) passes through `redact`.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
# Paths whose last part is a secret: password reset, invite, digest unsubscribe links.
TOKEN_IN_PATH = re.compile(r"(/(?:reset|invite|digest/unsubscribe)/)[^/?#\s\"]+")
# Feed URLs carry their secret as ?token=...
TOKEN_IN_QUERY = re.compile(r"((?:^|[?&;])token=)[^&#\s\"]*", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with the secrets of token-bearing URLs replaced by "[redacted]"."""
    text = TOKEN_IN_PATH.sub(rf"\1{REDACTED}", text)
    return TOKEN_IN_QUERY.sub(rf"\1{REDACTED}", text)


class RedactingLogger(Logger):
    """gunicorn's logger, with every access-log atom redacted."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value
                for key, value in atoms.items()}
