"""Error pages in both languages; an htmx request gets the message as a fragment."""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from peewee import DatabaseError
from werkzeug.exceptions import HTTPException, InternalServerError

from koalicje.web.htmx import render
from models import db

MESSAGES = {
    400: (_l("Błędne żądanie"), _l("Formularz zawierał niepoprawne dane. Sprawdź je i spróbuj ponownie.")),
    403: (_l("Brak dostępu"), _l("Nie masz uprawnień do tej strony.")),
    404: (_l("Nie znaleziono"), _l("Tej strony nie ma albo nie masz do niej dostępu.")),
    405: (_l("Niedozwolona metoda"), _l("Ta strona nie obsługuje takiego żądania.")),
    413: (_l("Za duży plik"), _l("Przesłany plik lub formularz przekracza dopuszczalny rozmiar.")),
    422: (_l("Niepoprawne dane"), _l("Nie udało się przetworzyć formularza. Popraw zaznaczone pola.")),
    429: (_l("Zbyt wiele prób"), _l("Odczekaj chwilę i spróbuj ponownie.")),
    503: (_l("Zapis chwilowo niemożliwy"),
          _l("Serwer nie może teraz niczego zapisać (brak miejsca na dysku albo baza danych tylko do odczytu). Nic nie zostało zmienione. Przeglądanie działa dalej; spróbuj zapisać za kilka minut, a jeśli to nie pomoże, powiadom administratora.")),
    500: (_l("Błąd serwera"), _l("Coś poszło nie tak po naszej stronie. Spróbuj ponownie za chwilę.")),
}


def error_response(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, (str(code), ""))
    return render(
        "errors/error.html",
        "errors/_error.html",
        status=code,
        code=code,
        title=title,
        message=detail or message,
    )


T = TypeVar("T")

# errno values and database messages that mean "cannot write now", not a bug.
STORAGE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT}
STORAGE_MESSAGES = ("readonly database", "read-only", "read only", "disk is full",
                    "no space left", "could not extend file", "quota exceeded")


def is_storage_failure(error: BaseException) -> bool:
    """A full disk or a read-only database/filesystem, from SQLite, PostgreSQL or a file."""
    if isinstance(error, OSError) and error.errno in STORAGE_ERRNOS:
        return True
    if isinstance(error, DatabaseError):
        message = str(error).lower()
        return any(part in message for part in STORAGE_MESSAGES)
    return False


def best_effort(write: Callable[[], T], fallback: Callable[[], T]) -> T:
    """Run a bookkeeping write made while showing a page (last visit, a feed secret made on
    first view); when storage refuses writes, answer with `fallback()` instead, so reading
    keeps working on a full disk or a read-only database."""
    try:
        return write()
    except (DatabaseError, OSError) as error:
        if not is_storage_failure(error):
            raise
        current_app.logger.warning("page shown without saving (%s)", error)
        return fallback()


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        from flask_babel import gettext as _

        return error_response(
            400,
            _("Sesja formularza wygasła lub jest niepoprawna. Odśwież stronę i spróbuj ponownie."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        detail = getattr(error, "koalicje_message", None)
        response = error_response(error.code, detail)
        # Headers werkzeug attaches to the error (Allow on 405, Content-Range: bytes */N on
        # 416, Retry-After, WWW-Authenticate) belong on the page that replaces its body.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        if error.code == 429 and getattr(error, "retry_after", None):
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(DatabaseError)
    @app.errorhandler(OSError)
    def storage_error(error: Exception):
        """Writes fail cleanly when the disk is full or the database read-only (503, a clear
        page, nothing half-written: the transaction was rolled back); reads keep working."""
        if not is_storage_failure(error):
            raise error  # a bug: the usual 500 handling (and propagation in tests)
        app.logger.error("storage unavailable for writing: %s", error)
        if not db.is_closed() and db.in_transaction():
            db.rollback()
        response = error_response(503)
        response.headers["Retry-After"] = "300"
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        return error_response(500)


def abort_with(code: int, message: str):
    """Abort with an HTTP error whose page shows `message` (already translated)."""
    from werkzeug.exceptions import default_exceptions

    error = default_exceptions[code]()
    error.koalicje_message = message
    raise error
