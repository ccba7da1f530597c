"""Per-request caches for what every rendered page repeats: translations and URLs.

A board page renders ~20 posts, each with its own links and forms: through Flask and
Flask-Babel as they come, that is ~330 `url_for` and ~1,100 `gettext` calls, each of which
looks up the request, the locale and the URL adapter again. Here:

- `gettext` / `ngettext` in templates (and `_`) find the request's translations once and keep
  them in `g`; a message's translation is then one dict lookup. Same result, same escaping
  and `%(name)s` formatting as Jinja's new-style gettext that Flask-Babel installs.
- `url_for` in templates builds a URL once per process for each URL root (script root,
  host, scheme), endpoint and set of other arguments, with placeholders for the integer
  arguments and the plain texts (slugs, query values that need no quoting), and fills them
  in by string joining after that: `/board/post/<id>/edit` is built by werkzeug once, not
  for every post of every page, and `/coalitions/<slug>` once, not for every coalition of
  the directory. Anything unusual (no request, a placeholder that does not appear exactly
  once, a converter that refuses it, a rule's text default) goes to Flask's own `url_for`.
- the `decimalformat` filter formats each number and pattern once per request and locale
  through Flask-Babel's own `format_decimal` (a trainer's overview shows 240 profile means,
  most of them repeated, each a full Babel pattern parse and locale lookup otherwise).
- `cached(key, factory)`: a value computed once per request (the header's pieces, label
  tables) for helpers that need it.

Nothing else here outlives the request (the cache lives in `g`), so nothing can leak
between users or languages; a URL template (`koalicje.kept` store `URL_TEMPLATES`) is what
the URL map gives for the URL root and the arguments of its key, the same for every user.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import flask_babel
from babel import dates as babel_dates
from flask import Flask, current_app, g, has_request_context, session
from flask_babel import format_decimal, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from werkzeug.routing import BuildError

from koalicje import kept

T = TypeVar("T")

# Placeholder ids: below the int converter's maximum (2**31 - 1), too long to occur by chance.
_PLACEHOLDERS = tuple(2147480011 + 101 * i for i in range(4))
_MISSING = object()


def _store(app_g: Any = None) -> dict[Hashable, Any]:
    """The request's cache, in `g` (or in `app_g`, `g` already resolved by the caller: every
    use of the `g` proxy looks the context up again)."""
    if app_g is None:
        app_g = g._get_current_object()
    try:
        return app_g._koalicje_render
    except AttributeError:
        store: dict[Hashable, Any] = {}
        app_g._koalicje_render = store
        return store


def cached(key: Hashable, factory: Callable[[], T]) -> T:
    """`factory()` computed once per request (outside a request: every time)."""
    if not has_request_context():
        return factory()
    store = _store()
    value = store.get(key, _MISSING)
    if value is _MISSING:
        value = store[key] = factory()
    return value


# --- translations -----------------------------------------------------------------------


def translations():
    """The request's Flask-Babel translations, looked up once per request and locale
    (`force_locale`, as mails in the recipient's language use, changes the locale)."""
    try:
        app_g = g._get_current_object()
        locale = app_g._flask_babel.babel_locale  # set by Flask-Babel's first get_locale()
    except AttributeError:
        return get_translations()
    store = _store(app_g)
    entry = store.get("translations")
    if entry is None or entry[0] is not locale:
        entry = store["translations"] = (locale, get_translations())
    return entry[1]


def language() -> str:
    """The request's language as Flask-Babel's `str(get_locale())` gives it ("pl", "en"),
    found once per request and locale; Polish outside a request."""
    try:
        app_g = g._get_current_object()
        locale = getattr(getattr(app_g, "_flask_babel", None), "babel_locale", None)
        if locale is None:
            locale = flask_babel.get_locale()  # chooses it (and keeps it in g)
            if locale is None:
                return "pl"
    except (RuntimeError, AttributeError):
        return "pl"
    store = _store(app_g)
    entry = store.get("language")
    if entry is None or entry[0] is not locale:
        entry = store["language"] = (locale, str(locale))
    return entry[1]


def translated(labels: Mapping[Any, Any]) -> dict[Any, str]:
    """A table of lazy labels as plain strings in the request's language, made once per
    request and locale (each lazy string otherwise re-translates every time it is shown)."""
    if not has_request_context():
        return {code: str(label) for code, label in labels.items()}
    catalog = translations()
    store = _store()
    key = ("labels", id(labels))
    entry = store.get(key)
    if entry is None or entry[0] is not catalog or entry[1] is not labels:  # same id, new dict
        entry = store[key] = (catalog, labels,
                              {code: str(label) for code, label in labels.items()})
    return entry[2]


@pass_context
def template_gettext(__context: Context, __string: str, **variables: Any) -> str:
    """Jinja's new-style `gettext` (escaping, `%(name)s`) over the per-request catalog."""
    rv = translations().ugettext(__string)
    if __context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_context
def template_ngettext(__context: Context, __singular: str, __plural: str, __num: int,
                      **variables: Any) -> str:
    variables.setdefault("num", __num)
    rv = translations().ungettext(__singular, __plural, __num)
    if __context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


# --- numbers ---------------------------------------------------------------------------


def decimalformat(number: Any, format: str | None = None) -> str:
    """Flask-Babel's `decimalformat` filter, each (number, pattern) formatted once per
    request and locale; the same string as `flask_babel.format_decimal`."""
    try:
        locale = g._flask_babel.babel_locale  # set by Flask-Babel's first get_locale()
    except (AttributeError, RuntimeError):  # no locale chosen yet, or no request
        return format_decimal(number, format)
    store = _store()
    entry = store.get("decimals")
    if entry is None or entry[0] is not locale:
        entry = store["decimals"] = (locale, {})
    key = (type(number), number, format)
    formatted = entry[1].get(key)
    if formatted is None:
        formatted = entry[1][key] = format_decimal(number, format)
    return formatted


# --- dates -----------------------------------------------------------------------------

_NAMED_FORMATS = ("short", "medium", "long", "full")


def _date_cache() -> tuple[Any, Any, dict[Hashable, Any]] | None:
    """The request's locale, its time zone (`fast_zone`), and its date patterns and formatted days; kept for the current
    locale and zone. None outside a request or before a locale is chosen: then Flask-Babel
    formats."""
    try:
        ctx = g._get_current_object()
        babel_ctx = ctx._flask_babel
        locale = babel_ctx.babel_locale  # set by Flask-Babel's first get_locale()
    except (AttributeError, RuntimeError):
        return None
    tz = getattr(babel_ctx, "babel_tzinfo", None) or flask_babel.get_timezone()
    try:
        store = ctx._koalicje_render
    except AttributeError:
        store = ctx._koalicje_render = {}
    entry = store.get("dates")
    if entry is None or entry[0] is not locale or entry[3] is not tz:
        entry = store["dates"] = (locale, fast_zone(tz), {}, tz)
    return entry[:3]


def fast_zone(zone: Any) -> Any:
    """The same zone as the standard library's zoneinfo when it knows it (converting with it
    costs a fifth of pytz's normalize), else `zone` itself (e.g. a pytz zone zoneinfo lacks)."""
    try:
        return ZoneInfo(str(getattr(zone, "zone", zone)))
    except (ZoneInfoNotFoundError, ValueError):
        return zone


def to_zone(value: datetime, zone: Any) -> datetime:
    """What Flask-Babel's rebasing gives: a naive datetime is UTC, shown in `zone` (from
    `fast_zone`; a pytz zone is normalized as Flask-Babel does)."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return zone.normalize(value.astimezone(zone)) if hasattr(zone, "normalize") \
        else value.astimezone(zone)


def _day(cache: dict[Hashable, Any], locale: Any, format: str, day: date) -> str:
    """A day in a date format (the date part of any datetime format), once per request."""
    key = ("day", format, day)
    text = cache.get(key)
    if text is None:
        pattern = cache.get(("day-pattern", format))
        if pattern is None:
            pattern = cache[("day-pattern", format)] = babel_dates.parse_pattern(
                babel_dates.get_date_format(format, locale=locale)
                if format in _NAMED_FORMATS else format)
        text = cache[key] = pattern.apply(day, locale)
    return text


def datetimeformat(value: Any, format: str | None = None) -> str:
    """Flask-Babel's `datetimeformat` filter with the locale, time zone and patterns looked
    up once per request (and each day's date part formatted once): the same string as
    `flask_babel.format_datetime`, at a fraction of its cost (a trainer's overview shows
    ~90 dates, a board's posts two each)."""
    entry = _date_cache()
    if entry is None or type(value) is not datetime:
        return flask_babel.format_datetime(value, format)
    locale, tz, cache = entry
    plan = cache.get(("datetime", format))
    if plan is None:
        resolved = flask_babel._get_format("datetime", format)
        if resolved in _NAMED_FORMATS:
            plan = (resolved,
                    babel_dates.get_datetime_format(resolved, locale=locale).replace("'", ""),
                    babel_dates.parse_pattern(babel_dates.get_time_format(resolved, locale=locale)))
        else:
            plan = (None, None, babel_dates.parse_pattern(resolved))
        cache[("datetime", format)] = plan
    named, glue, pattern = plan
    local = to_zone(value, tz)
    if named is None:
        return pattern.apply(local, locale)
    # As babel.dates.format_datetime: the time part, then the date part, into the glue.
    return (glue.replace("{0}", pattern.apply(local.timetz(), locale, reference_date=local.date()))
            .replace("{1}", _day(cache, locale, named, local.date())))


def dateformat(value: Any, format: str | None = None) -> str:
    """Flask-Babel's `dateformat` filter, each day formatted once per request, locale and
    format: the same string as `flask_babel.format_date`."""
    entry = _date_cache()
    if entry is None or type(value) not in (datetime, date):
        return flask_babel.format_date(value, format)
    locale, tz, cache = entry
    resolved = cache.get(("date", format))
    if resolved is None:
        resolved = cache[("date", format)] = flask_babel._get_format("date", format)
    day = to_zone(value, tz).date() if type(value) is datetime else value
    return _day(cache, locale, resolved, day)


# --- forms -----------------------------------------------------------------------------


_CSRF_FIELD = Markup('<input type="hidden" name="csrf_token" value="%s">')


CSRF_TOKENS_KEPT = "koalicje.csrf-tokens"  # signed tokens by session secret, per process
_CSRF_TOKENS_LIMIT = 4096  # sessions at once, and more; then start again
_CSRF_TOKEN_REUSED_FOR = 60.0  # seconds a signed token is given again to its session


def csrf_token() -> str:
    """Flask-WTF's `generate_csrf()`, signed once a minute per session instead of once per
    request.

    Flask-WTF keeps the token of a request in `g` under the field name; it is read from
    there (a page asks once per form: through generate_csrf each time cost ~4 µs of config
    lookups). A new request signs the session's secret again (~80 µs of HMAC and
    serializing); the signed token of the session's secret made less than a minute ago is
    as valid (the same secret, signed by the same key, a minute older at most; Flask-WTF
    checks the signature and the age against WTF_CSRF_TIME_LIMIT), so it is given again."""
    from flask_wtf.csrf import generate_csrf

    if not has_request_context():
        return generate_csrf()
    config = current_app.config
    name = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if not name:
        return generate_csrf()
    found = g._get_current_object().__dict__.get(name)
    if found is not None:
        return found
    tokens = kept.store(CSRF_TOKENS_KEPT)
    secret_key = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    secret = session.get(name)
    now = time.monotonic()
    if isinstance(secret, str):
        made = tokens.get((secret, secret_key))
        if made is not None and now - made[0] < _CSRF_TOKEN_REUSED_FOR:
            setattr(g, name, made[1])
            return made[1]
    token = generate_csrf()  # and the session's secret, if it had none
    secret = session.get(name)
    if isinstance(secret, str):
        kept.keep(tokens, (secret, secret_key), (now, token), _CSRF_TOKENS_LIMIT)
    return token


def csrf_input() -> Markup:
    """The hidden CSRF field of a form (the `csrf()` macro of _macros.html is this), a plain
    global so that a template repeated per row needs no macro import. Inside
    `csrf_placeholder(text)` its value is `text` (HTML kept per process, filled per page).
    The field is made once per request and token."""
    if not has_request_context():
        return _CSRF_FIELD % csrf_token()
    store = _store()
    placeholder = store.get("csrf-placeholder")
    if placeholder:
        return _CSRF_FIELD % placeholder
    token = csrf_token()
    field = store.get("csrf-field")
    if field is None or field[0] != token:
        field = store["csrf-field"] = (token, _CSRF_FIELD % token)
    return field[1]


@contextmanager
def csrf_placeholder(text: str) -> Iterator[None]:
    """While rendering HTML to keep: `csrf_input()` writes `text` instead of the token."""
    store = _store()
    store["csrf-placeholder"] = text
    try:
        yield
    finally:
        store.pop("csrf-placeholder", None)


KEPT_HTML_ENTRIES = 1024  # per store: more forms than the programme has; then start again


def kept_html(store: str, key: Hashable, make: Callable[[], tuple[str, tuple[str, ...]]],
              fill: Callable[[], tuple[str, ...]]) -> Markup:
    """HTML that is the same for everyone but a few per-page values (a CSRF token, a form
    key), made once per process for `key` and kept in `app.extensions[store]`.

    `make()` renders it and returns (the HTML, the per-page values it holds); `fill()` gives
    this page's values, in the same order, for HTML already kept. The HTML is kept only when
    each value stands in it exactly once (otherwise there is nothing to fill in safely) and
    with the template reloaded (development) never. A store starts again past
    `KEPT_HTML_ENTRIES` keys."""
    if current_app.jinja_env.auto_reload:
        return Markup(make()[0])
    kept_pages = kept.store(store)
    html = kept_pages.get(key)
    if html is not None:
        for index, value in enumerate(fill()):
            html = html.replace(_SLOTS[index], escape(value))
        return Markup(html)
    page, values = make()
    if len(values) <= len(_SLOTS) and all(value and page.count(value) == 1 for value in values):
        slotted = page
        for index, value in enumerate(values):
            slotted = slotted.replace(value, _SLOTS[index])
        kept.keep(kept_pages, key, slotted, KEPT_HTML_ENTRIES)
    return Markup(page)


_SLOTS = ("\x00kept-slot-0\x00", "\x00kept-slot-1\x00", "\x00kept-slot-2\x00")  # never in HTML


# --- URLs -------------------------------------------------------------------------------


# A text argument written into a URL as it is: no percent-quoting in a path or a query,
# and nothing Flask's url_for treats specially (its own arguments begin with "_"); no HTML
# escaping needed either. (Also where a page writes slugs into a URL cut once.)
PLAIN_URL_TEXT = re.compile(r"[A-Za-z0-9._~-]+")


# Defaults no text is ever equal to (werkzeug picks a rule whose default differs from the
# value given only if it has no such default): a rule with one of these cannot be chosen by
# a text, so its endpoint's URL can be cut around a text argument.
_NEVER_A_TEXT = (type(None), int, float, bool)


def _text_placeholder(index: int) -> str:
    return f"zz{_PLACEHOLDERS[index]}zz"


def _slot(name: str, value: Any) -> bool:
    """Whether the argument's value is filled into a URL template (an id, or a plain slug
    or query value) rather than being part of the template's key."""
    kind = type(value)
    if kind is int:  # bool is not an id
        return value >= 0
    return kind is str and not name.startswith("_") and PLAIN_URL_TEXT.fullmatch(value) is not None


def _url_template(endpoint: str, names: tuple[str, ...], values: dict[str, Any]) \
        -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The URL cut around its placeholders (an int for an id, a plain text for a text
    argument): (text parts, the argument names between them in URL order), or None if a
    placeholder does not appear exactly once, or the rule does not take it (a converter
    that refuses it), or a rule of the endpoint has a text default for a text argument (a
    value equal to it would choose another rule; a default of `_NEVER_A_TEXT`'s types, such
    as board.index's `slug=None`, no text value can equal)."""
    filled = dict(values)
    marks = {}
    for index, name in enumerate(names):
        if type(values[name]) is str:
            placeholder: Any = _text_placeholder(index)
            if any(name in (rule.defaults or {})
                   and type(rule.defaults[name]) not in _NEVER_A_TEXT
                   for rule in current_app.url_map.iter_rules(endpoint)):
                return None
        else:
            placeholder = _PLACEHOLDERS[index]
        filled[name] = placeholder
        marks[str(placeholder)] = name
    try:
        url = current_app.url_for(endpoint, **filled)
    except (BuildError, ValueError, TypeError):
        return None
    found = []
    for mark, name in marks.items():
        if url.count(mark) != 1:
            return None
        found.append((url.index(mark), mark, name))
    found.sort()
    parts, order, start = [], [], 0
    for position, mark, name in found:
        parts.append(url[start:position])
        order.append(name)
        start = position + len(mark)
    parts.append(url[start:])
    return tuple(parts), tuple(order)


URL_TEMPLATES = "koalicje.url-templates"
URL_TEMPLATE_KINDS = 4096  # (URL root, endpoint, argument shape)s: a few hundred in use


def _url_root(store: dict[Hashable, Any]) -> tuple[Any, ...]:
    """What a URL built in this request depends on besides the endpoint and its arguments:
    the script root, host and scheme the URL adapter is bound to, and the URL map (its size:
    a rule added later, as tests do, gives other templates). Found once per request."""
    root = store.get("url-root")
    if root is None:
        from flask import request

        rules = current_app.url_map._rules_by_endpoint  # (`_rules` copies every rule)
        root = store["url-root"] = (request.script_root, request.host, request.scheme,
                                    sum(map(len, rules.values())))
    return root


def url_root() -> tuple[Any, ...]:
    """This request's URL root (`_url_root`): with the endpoint and its arguments, what
    decides a URL; for HTML kept per process that holds URLs."""
    return _url_root(_store())


def url_for(endpoint: str, **values: Any) -> str:
    """Flask's `url_for`, built once per process for each URL root (`_url_root`), endpoint
    and the arguments that are not ids or plain texts (slugs, query values), which are
    filled in by joining."""
    if not has_request_context():
        return current_app.url_for(endpoint, **values)
    # In the call's order: a query's arguments are written in it, so each order is its own
    # template (a call site always passes them in the same order).
    slots = tuple(name for name, value in values.items() if _slot(name, value))
    if len(slots) > len(_PLACEHOLDERS):
        return current_app.url_for(endpoint, **values)
    store = _store()
    try:
        # The other arguments with their types: True, 1 and 1.0 are equal keys, not URLs.
        key = (_url_root(store), endpoint, tuple((name, type(values[name])) for name in slots),
               tuple((k, type(v), v) for k, v in values.items() if k not in slots))
        hash(key)
    except TypeError:  # an unhashable argument (a list for a repeated query argument)
        return current_app.url_for(endpoint, **values)
    templates = kept.store(URL_TEMPLATES)
    template = templates.get(key, _MISSING)
    if template is _MISSING:
        # The first URL of a kind is built by Flask (a page links to many things once: a
        # template for each would cost a second build), and kept with its values.
        url = current_app.url_for(endpoint, **values)
        kept.keep(templates, key, ((url,), ()) if not slots else _First(url, values),
                  URL_TEMPLATE_KINDS)
        return url
    if type(template) is _First:
        # The second of a kind: the template, which must give the first URL (a converter
        # that formats ids differently, e.g. zero-padded, is never templated).
        first = template
        template = _url_template(endpoint, slots, values)
        if template is not None and _fill(template, first.values) != first.url:
            template = None
        kept.keep(templates, key, template, URL_TEMPLATE_KINDS)
    if template is None:
        return current_app.url_for(endpoint, **values)
    return _fill(template, values)


def url_cut(endpoint: str, name: str, kind: type = int, **values: Any) -> Callable[[Any], str]:
    """`url_for(endpoint, name=value, **values)`, HTML-escaped, as a function of `value`:
    the URL is built once with a placeholder for `name` (an id for `kind` int, a plain text
    for str) and each value joined into it, for a page that links every row to the same
    endpoint with only an id or a slug changing. A value that is not an id or a plain text
    (`_slot`), or an endpoint whose URL does not hold the placeholder exactly once, is
    built by `url_for`. Texts repeat on a page (the overview links two dozen coalitions
    from dozens of rows) and each is checked by a pattern: the function made for `kind`
    str keeps each text's URL (for the request that asked for it)."""
    template = _kept_cut(endpoint, name, kind, values) if has_request_context() else None

    def built(value: Any) -> str:
        return str(escape(url_for(endpoint, **values, **{name: value})))

    if template is None:
        return built
    before, after = (str(escape(part)) for part in template[0])

    def joined(value: Any) -> str:
        if type(value) is not kind or not _slot(name, value):
            return built(value)
        return f"{before}{value}{after}"

    if kind is not str:
        return joined
    made: dict[str, str] = {}  # a text is checked by a pattern: each text's URL made once

    def joined_once(value: Any) -> str:
        found = made.get(value) if type(value) is str else None
        if found is None:
            found = joined(value)
            if type(value) is str:
                made[value] = found
        return found

    return joined_once


def _kept_cut(endpoint: str, name: str, kind: type, values: dict[str, Any]) \
        -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """`_url_template` for `url_cut`, kept per process for the request's URL root."""
    sample: Any = "x" if kind is str else 1
    try:
        key = (_url_root(_store()), "cut", endpoint, name, kind,
               tuple((k, type(v), v) for k, v in values.items()))
        hash(key)
    except TypeError:
        return _url_template(endpoint, (name,), {**values, name: sample})
    templates = kept.store(URL_TEMPLATES)
    template = templates.get(key, _MISSING)
    if template is _MISSING:
        template = kept.keep(templates, key,
                             _url_template(endpoint, (name,), {**values, name: sample}),
                             URL_TEMPLATE_KINDS)
    return template


class _First:
    """The first URL built for a template's key, with the arguments it was built from."""

    __slots__ = ("url", "values")

    def __init__(self, url: str, values: dict[str, Any]) -> None:
        self.url, self.values = url, values


def _fill(template: tuple[tuple[str, ...], tuple[str, ...]], values: dict[str, Any]) -> str:
    parts, order = template
    if not order:
        return parts[0]
    out = [parts[0]]
    for name, part in zip(order, parts[1:], strict=True):
        out.append(str(values[name]))
        out.append(part)
    return "".join(out)


class _Globals(dict):
    """The environment's globals; any change drops the compiled templates (they hold a copy:
    `_plain_globals`), so a template loaded afterwards sees it."""

    __slots__ = ("environment",)

    def _changed(self) -> None:
        cache = getattr(getattr(self, "environment", None), "cache", None)
        if cache is not None:
            cache.clear()

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changed()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def setdefault(self, key: str, default: Any = None) -> Any:
        value = super().setdefault(key, default)
        self._changed()
        return value

    def pop(self, key: str, *default: Any) -> Any:
        value = super().pop(key, *default)
        self._changed()
        return value

    def popitem(self) -> tuple[str, Any]:
        item = super().popitem()
        self._changed()
        return item

    def clear(self) -> None:
        super().clear()
        self._changed()


def _plain_globals(environment: Any) -> Callable[[Any], dict[str, Any]]:
    """Jinja's `make_globals` with a plain dict (the environment's globals, then the
    template's own over them) instead of a ChainMap: every render and every `{% from %}`
    import reads the globals key by key (~60 of them), through Python for a ChainMap
    (~25 us a render, ~35 us an import), in C for a dict."""

    def make_globals(d: Any = None) -> dict[str, Any]:
        return {**environment.globals, **(d or {})}

    return make_globals


def init_app(app: Flask) -> None:
    """Install the cached `gettext`/`ngettext`/`_` and `url_for` for templates (after
    Flask-Babel, which installs its own), and templates' globals as plain dicts."""
    environment = app.jinja_env
    plain = _Globals(environment.globals)
    plain.environment = environment
    environment.globals = plain
    environment.make_globals = _plain_globals(environment)
    if environment.cache is not None:
        environment.cache.clear()
    app.jinja_env.globals.update(gettext=template_gettext, ngettext=template_ngettext,
                                 _=template_gettext, url_for=url_for, csrf_input=csrf_input)
    app.jinja_env.filters.update(decimalformat=decimalformat, datetimeformat=datetimeformat,
                                 dateformat=dateformat)
