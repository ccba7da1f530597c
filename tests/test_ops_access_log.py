"""The access log of `make run` keeps one-time and feed tokens out."""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import ANY

import pytest
from gunicorn.config import Config

from koalicje.ops.access_log import RedactingLogger, redact

SECRET = "Zq8x_SeKrEt-123"


@pytest.mark.parametrize("url, kept", [
    (f"/reset/{SECRET}", "/reset/[redacted]"),
    (f"/invite/{SECRET}?next=/x", "/invite/[redacted]?next=/x"),
    (f"/digest/unsubscribe/{SECRET}", "/digest/unsubscribe/[redacted]"),
    (f"/board/feed.atom?token={SECRET}", "/board/feed.atom?token=[redacted]"),
    (f"/board/x/calendar.ics?a=1&token={SECRET}&b=2", "/board/x/calendar.ics?a=1&token=[redacted]&b=2"),
    (f"token={SECRET}", "token=[redacted]"),
    ("/board/post/7/edit", "/board/post/7/edit"),
])
def test_redact(url, kept):
    assert redact(url) == kept


def _both_patterns(text: str) -> str:
    """What redact gave when both patterns ran on every value (the reference)."""
    from koalicje.ops.access_log import REDACTED, TOKEN_IN_PATH, TOKEN_IN_QUERY

    text = TOKEN_IN_PATH.sub(rf"\1{REDACTED}", text)
    return TOKEN_IN_QUERY.sub(rf"\1{REDACTED}", text)


PIECES = ["/reset/", "/invite/", "/digest/unsubscribe/", "/digest/", "reset", "/Reset/",
          "token=", "TOKEN=", "ToKeN=", "to\u212aen=", "?", "&", ";", "=", "/", SECRET, "x",
          " ", '"', "/board/feed.atom", "tok", "en=", "#"]


def test_redact_skips_a_pattern_only_where_it_cannot_match():
    import itertools

    checked = 0
    for size in (1, 2, 3):
        for combination in itertools.product(PIECES, repeat=size):
            text = "".join(combination)
            assert redact(text) == _both_patterns(text), text
            checked += 1
    assert checked > 10_000
    for text in ["Mozilla/5.0 (X11; Linux x86_64)", "session=abc.def; lang=pl", "-", "",
                 "http://localhost/invite/abc?token=1", "gzip, deflate, br"]:
        assert redact(text) == _both_patterns(text)


def test_atoms_are_every_value_redacted_though_looked_at_as_one_text_first():
    """`RedactingLogger.atoms` skips the values one by one when their joined text cannot
    hold a secret: the same atoms as redacting each value, wherever a secret is (the
    request line, the referer, any request or response header, split between two
    values)."""
    import itertools

    from gunicorn.glogging import Logger

    logger = RedactingLogger(Config())
    plain = Logger(Config())

    def atoms_of(logger, uri, referer, header, answer_header):
        path, _, query = uri.partition("?")
        environ = {"REQUEST_METHOD": "GET", "RAW_URI": uri, "PATH_INFO": path,
                   "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1",
                   "REMOTE_ADDR": "127.0.0.1", "HTTP_REFERER": referer}
        response = SimpleNamespace(status="200 OK", sent=10,
                                   headers=[("X-Answer", answer_header)])
        request = SimpleNamespace(headers=[("REFERER", referer), ("X-Asked", header)])
        return logger.atoms(response, request, environ, timedelta(milliseconds=5))

    texts = ["".join(c) for size in (1, 2) for c in itertools.product(PIECES, repeat=size)]
    checked = 0
    for text in texts:
        for place in range(4):
            values = ["/board/x", "-", "gzip", "text/html"]
            values[place] = text if place else "/board/x" + text
            expected = {key: _both_patterns(value) if isinstance(value, str) else value
                        for key, value in atoms_of(plain, *values).items()}
            expected["t"] = ANY
            assert atoms_of(logger, *values) == expected, (place, text)
            checked += 1
    assert checked > 2_000
    for first, second in (("/res", "et/"), ("tok", "en="), ("/invite", "/")):
        # a secret is never split between two values, but either way: the same atoms
        values = ["/board/" + first, second, "-", "-"]
        expected = {key: _both_patterns(value) if isinstance(value, str) else value
                    for key, value in atoms_of(plain, *values).items()}
        expected["t"] = ANY
        assert atoms_of(logger, *values) == expected


def logged_line(logger_class, uri: str, referer: str) -> str:
    config = Config()
    config.set("accesslog", "-")
    logger = logger_class(config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.access_log.handlers = [handler]
    path, _, query = uri.partition("?")
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": uri, "PATH_INFO": path,
               "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "127.0.0.1", "HTTP_REFERER": referer}
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", referer)])
    logger.access(response, request, environ, timedelta(milliseconds=5))
    return stream.getvalue()


def test_gunicorn_access_log_line_has_no_tokens():
    line = logged_line(RedactingLogger, f"/reset/{SECRET}",
                       f"http://localhost/board/feed.atom?token={SECRET}")
    assert "GET /reset/[redacted] HTTP/1.1" in line
    assert SECRET not in line
    plain = logged_line(RedactingLogger.__mro__[1], f"/reset/{SECRET}", "-")
    assert SECRET in plain  # the stock logger would have written it


def test_make_run_uses_the_redacting_logger():
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    run = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)
    # `make run` and `make bench` share the gunicorn command in the GUNICORN variable.
    variable = re.search(r"^GUNICORN = ((?:.*\\\n)*.*)$", makefile, re.MULTILINE).group(1)
    run = run.replace("$(GUNICORN)", " ".join(variable.replace("\\", " ").split()))
    assert "--access-logfile" in run
    assert "--logger-class koalicje.ops.access_log.RedactingLogger" in run


ALL_LETTERS = " ".join(f'"%({letter})s"' for letter in "hlutrsmUqHbBfaTDMLp") + " %(x)s"


@pytest.mark.parametrize("log_format", [
    Config().access_log_format,  # gunicorn's default, what `make run` logs
    ALL_LETTERS,
    '%(h)s "%(r)s" %({referer}i)s %({X-Answer}o)s %({raw_uri}e)s %({missing}i)s',
])
@pytest.mark.parametrize("uri, referer", [
    ("/board/x?q=1", "-"),
    (f"/reset/{SECRET}", f"http://localhost/board/feed.atom?token={SECRET}"),
    ("/board/x", f"http://localhost/invite/{SECRET}"),
    ('/board/"x"', 'say "hi"'),
])
def test_access_lines_are_the_stock_lines_redacted(monkeypatch, log_format, uri, referer):
    """`RedactingLogger.access` makes only the atoms its format names (when it names no
    header or environment atom): its line is the stock logger's line made of redacted
    atoms, for every atom gunicorn has, with whatever else the request carries."""
    from gunicorn.glogging import Logger

    class Reference(Logger):
        def atoms(self, resp, req, environ, request_time):
            return {key: _both_patterns(value) if isinstance(value, str) else value
                    for key, value in super().atoms(resp, req, environ, request_time).items()}

    monkeypatch.setattr(Logger, "now", lambda self: "[30/Nov/2026:16:00:00 +0000]")

    def line(logger_class) -> str:
        config = Config()
        config.set("accesslog", "-")
        config.set("access_log_format", log_format)
        logger = logger_class(config)
        stream = io.StringIO()
        logger.access_log.handlers = [logging.StreamHandler(stream)]
        path, _, query = uri.partition("?")
        environ = {"REQUEST_METHOD": "GET", "RAW_URI": uri, "PATH_INFO": path,
                   "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1",
                   "REMOTE_ADDR": "127.0.0.1", "HTTP_REFERER": referer,
                   "HTTP_USER_AGENT": "Mozilla/5.0 (X11)", "HTTP_COOKIE": "session=abc",
                   "HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz", "wsgi.url_scheme": "http",
                   "SERVER_NAME": "localhost", "SERVER_PORT": "5000"}
        response = SimpleNamespace(status="200 OK", sent=1234,
                                   headers=[("Content-Type", "text/html"),
                                            ("X-Answer", f"/invite/{SECRET}")])
        request = SimpleNamespace(headers=[("REFERER", referer), ("COOKIE", "session=abc"),
                                           ("USER-AGENT", "Mozilla/5.0 (X11)")])
        logger.access(response, request, environ, timedelta(milliseconds=5, microseconds=7))
        return stream.getvalue()

    logged = line(RedactingLogger)
    assert logged == line(Reference)
    assert SECRET not in logged
    assert logged.count(" ") >= log_format.count(" ")
