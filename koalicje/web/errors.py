"""Error pages in both languages; an htmx request gets the message as a fragment."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from koalicje.web.htmx import render

MESSAGES = {
    400: (_l("Błędne żądanie"), _l("Formularz zawierał niepoprawne dane. Sprawdź je i spróbuj ponownie.")),
    403: (_l("Brak dostępu"), _l("Nie masz uprawnień do tej strony.")),
    404: (_l("Nie znaleziono"), _l("Tej strony nie ma albo nie masz do niej dostępu.")),
    405: (_l("Niedozwolona metoda"), _l("Ta strona nie obsługuje takiego żądania.")),
    413: (_l("Za duży plik"), _l("Przesłany plik lub formularz przekracza dopuszczalny rozmiar.")),
    422: (_l("Niepoprawne dane"), _l("Nie udało się przetworzyć formularza. Popraw zaznaczone pola.")),
    429: (_l("Zbyt wiele prób"), _l("Odczekaj chwilę i spróbuj ponownie.")),
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

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        return error_response(500)


def abort_with(code: int, message: str):
    """Abort with an HTTP error whose page shows `message` (already translated)."""
    from werkzeug.exceptions import default_exceptions

    error = default_exceptions[code]()
    error.koalicje_message = message
    raise error
