"""Polish by default, English after switching, kept across requests; catalogs complete."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from conftest import PASSWORD, csrf_from, make_user, soup

from koalicje.web import labels
from models import SECTORS, User

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("pl", "en")


def switch_language(client, locale: str, next_url: str = "/"):
    page = client.get(next_url)
    return client.post("/language", data={"locale": locale, "next": next_url,
                                          "csrf_token": csrf_from(page.get_data(as_text=True))})


def html_lang(response) -> str:
    return soup(response).select_one("html")["lang"]


# --- choosing the language -----------------------------------------------------------------


def test_polish_by_default(client):
    page = soup(client.get("/"))
    assert page.select_one("html")["lang"] == "pl"
    assert page.select_one("a.skip-link").get_text(strip=True) == "Przejdź do treści"
    switch = page.select_one("form.language-switch button[name=locale]")
    assert switch["value"] == "en"


def test_english_after_switching_and_kept_across_requests(client):
    response = switch_language(client, "en", "/login")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    login = soup(client.get("/login"))
    assert login.select_one("html")["lang"] == "en"
    assert login.select_one("h1").get_text(strip=True) == "Sign in"
    assert login.select_one("label[for=password]").get_text(strip=True) == "Password"
    # Kept on the next pages too.
    assert soup(client.get("/")).select_one("a.skip-link").get_text(strip=True) == (
        "Skip to content")
    # And back.
    switch_language(client, "pl")
    assert html_lang(client.get("/")) == "pl"


def test_htmx_requests_keep_the_language(client, htmx):
    switch_language(client, "en")
    fragment = htmx.get("/no-such-page")
    assert fragment.status_code == 404
    page = soup(fragment)
    assert page.select_one("html") is None  # a fragment, not a page
    assert page.select_one(".error-message h2").get_text(strip=True) == "Not found"


def test_htmx_admin_fragment_in_english(client, htmx, auth, database):
    auth.as_user(make_user(role="admin"))
    switch_language(client, "en")
    fragment = soup(htmx.get("/admin/users"))
    assert fragment.select_one("html") is None
    headers = [th.get_text(strip=True) for th in fragment.select("thead th")]
    assert headers == ["Person", "Role", "Account status", "Last sign-in"]


def test_unknown_language_is_ignored(client):
    switch_language(client, "de")
    assert html_lang(client.get("/")) == "pl"


def test_signed_in_choice_is_saved_on_the_account(app, client, auth, database):
    user = make_user()
    auth.as_user(user)
    switch_language(client, "en")
    assert User.get_by_id(user.id).locale == "en"
    # A new browser (new session) gets English after signing in.
    other = app.test_client()
    page = other.get("/login")
    assert html_lang(page) == "pl"
    other.post("/login", data={"email": user.email, "password": PASSWORD,
                               "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert html_lang(other.get("/")) == "en"


def test_labels_follow_the_language(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask import session

        session["locale"] = "en"
        assert labels.sector_label("ngo") == "NGOs"
        assert labels.role_label("coordinator") == "Coordinator"
        assert labels.role_label("unknown-code") == "unknown-code"
    with app.test_request_context():
        assert labels.sector_label("local_government") == "Urząd gminy"
        assert [code for code, _ in labels.sector_choices()] == list(SECTORS)


def test_polish_plural_forms(client, htmx, auth, database):
    auth.as_user(make_user(role="admin"))
    counts = {1: "1 użytkownik", 2: "2 użytkownicy", 5: "5 użytkowników", 22: "22 użytkownicy"}
    made = 1
    for total, text in counts.items():
        while made < total:
            make_user()
            made += 1
        assert soup(htmx.get("/admin/users")).select_one("#users-count").get_text() == text


# --- catalogs ------------------------------------------------------------------------------


def extracted_messages() -> dict[str, object]:
    """Run Babel extraction over the project, as `make translations` does."""
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update({"_l": None, "lazy_gettext": None})
    found: dict[str, object] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        if filename.startswith(("node_modules", ".venv", "static/vendor")):
            continue
        key = message[0] if isinstance(message, tuple) else message
        if key:
            found[key] = message
    return found


@pytest.fixture(scope="module")
def messages() -> dict[str, object]:
    return extracted_messages()


def load_catalog(locale: str):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


def test_extraction_finds_the_ui(messages):
    # Strings from Python (lazy and request-time) and from templates are all seen.
    for msgid in ("Administracja", "Nie możesz zmienić własnej roli.", "Organizacje pozarządowe",
                  "Przejdź do treści", "%(num)d użytkownik"):
        assert msgid in messages


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_every_extracted_message(messages, locale):
    catalog = load_catalog(locale)
    problems = []
    for key, message in sorted(messages.items()):
        entry = catalog.get(key)
        if entry is None:
            problems.append(f"missing: {key!r}")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        if isinstance(message, tuple):
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if len(strings) != catalog.num_plurals or not all(strings):
                problems.append(f"plural forms ({catalog.num_plurals} needed): {key!r}")
        elif not entry.string:
            problems.append(f"empty: {key!r}")
    assert not problems, f"{locale} catalog (run `make translations`, then translate):\n" + (
        "\n".join(problems))


def test_polish_has_three_plural_forms():
    assert load_catalog("pl").num_plurals == 3


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match(locale):
    """Babel's checks: python-format placeholders in each msgstr match its msgid."""
    catalog = load_catalog(locale)
    errors = [(message.id, [str(e) for e in errs]) for message, errs in catalog.check()]
    assert not errors
