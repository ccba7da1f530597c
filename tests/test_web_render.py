"""Per-request rendering caches (koalicje/web/render.py): the cached `url_for` and `gettext`
give exactly what Flask's and Flask-Babel's give, and nothing outlives a request."""

from __future__ import annotations

import pytest
from factories import PASSWORD
from flask import render_template_string
from flask import url_for as flask_url_for
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext

from koalicje.web import render


def test_url_for_matches_flask_for_ids_slugs_and_query(app):
    cases = [
        ("board.detail", {"post_id": 7}),
        ("board.detail", {"post_id": 123456}),
        ("board.detail", {"post_id": 7, "_anchor": "comments"}),
        ("board.index", {"slug": "gmina-x"}),
        ("board.index", {"slug": "gmina-x", "q": "a b&c", "page": 3}),
        ("board.index", {"slug": None}),
        ("board.comments", {"post_id": 0}),
        ("main.index", {}),
        ("main.index", {"flag": True}),
        ("main.index", {"n": -4}),
    ]
    with app.test_request_context("/"):
        for endpoint, values in cases:
            for _ in range(2):  # built, then from the cache
                assert render.url_for(endpoint, **values) == flask_url_for(endpoint, **values)


def test_url_for_two_ids_and_a_slug(app):
    with app.test_request_context("/"):
        for values in ({"slug": "k-1", "meeting_id": 5, "need_id": 99},
                       {"slug": "k-2", "meeting_id": 99, "need_id": 5}):
            assert render.url_for("workshop.vote", **values) \
                == flask_url_for("workshop.vote", **values)


def test_url_for_builds_once_per_process_and_url_root(app, monkeypatch):
    calls = []
    real = app.url_for
    monkeypatch.setattr(app, "url_for", lambda *a, **k: calls.append(a) or real(*a, **k))
    with app.test_request_context("/"):
        urls = [render.url_for("board.detail", post_id=i) for i in range(1, 30)]
    assert urls[4] == "/board/post/5"
    assert len(calls) == 2  # the first URL, and the template checked against it
    with app.test_request_context("/"):  # a later request with the same root: kept
        assert render.url_for("board.detail", post_id=1) == "/board/post/1"
        assert render.url_cut("board.detail", "post_id")(4) == "/board/post/4"
    assert len(calls) == 3  # the cut's own build, once
    with app.test_request_context("/"):
        assert render.url_cut("board.detail", "post_id")(5) == "/board/post/5"
    assert len(calls) == 3
    with app.test_request_context("/"):  # links used once each: one build each
        once = [render.url_for("coalitions.detail", slug="k-1"),
                render.url_for("board.index", slug="k-1"), render.url_for("main.index")]
    assert once == ["/coalitions/k-1", "/board/k-1", "/"]
    assert len(calls) == 6
    # another script root, host or scheme: built again, each its own
    for base, expected in (("http://localhost/koalicje/", "/koalicje/board/post/1"),
                           ("http://other.example/", "/board/post/1"),
                           ("https://localhost/", "/board/post/1")):
        calls.clear()
        for request_number in range(3):
            with app.test_request_context("/", base_url=base):
                assert render.url_for("board.detail", post_id=1) == expected
                assert render.url_for("board.detail", post_id=2, _external=True) \
                    == real("board.detail", post_id=2, _external=True)
                assert render.url_for("main.index", _external=True) \
                    == real("main.index", _external=True)
            if request_number == 0:
                assert len(calls) == 3  # nothing of the other roots' used
        assert len(calls) == 5  # the second time: the two templates, checked; then none


def test_url_for_tells_equal_arguments_of_other_types_apart(app):
    """True, 1 and 1.0 are equal dict keys but give other URLs: each is its own kind."""
    with app.test_request_context("/"):
        for _ in range(2):
            for value in (True, 1, 1.0, False, 0, 0.0, -1, -1.0, None, "1"):
                for endpoint, values in (("main.index", {"page": value}),
                                         ("board.detail", {"post_id": 7, "page": value})):
                    assert render.url_for(endpoint, **values) \
                        == flask_url_for(endpoint, **values), (endpoint, values)


def test_url_for_without_arguments_builds_once(app, monkeypatch):
    """A link without arguments (the header's) is built once per request, not checked
    against a second build."""
    calls = []
    real = app.url_for
    monkeypatch.setattr(app, "url_for", lambda *a, **k: calls.append(a) or real(*a, **k))
    with app.test_request_context("/", base_url="http://localhost/koalicje/"):
        urls = {render.url_for("learning.index") for _ in range(3)}
        assert urls == {real("learning.index")} == {"/koalicje/learning/"}
    assert len(calls) == 1


def test_static_urls_are_flasks_built_once_per_application_root(app, monkeypatch):
    """`asset_url` and `vendor_url` give what Flask's `url_for` gives, for each application
    root, and build each URL once per process."""
    asset_url = app.jinja_env.globals["asset_url"]
    vendor_url = app.jinja_env.globals["vendor_url"]
    import koalicje.web.assets as assets

    calls = []
    real = assets.url_for
    monkeypatch.setattr(assets, "url_for", lambda *a, **k: calls.append(a) or real(*a, **k))
    for root in ("", "/koalicje"):
        for _ in range(2):
            with app.test_request_context("/", base_url=f"http://localhost{root}/"):
                css, htmx = asset_url("css/app.css"), vendor_url("htmx.min.js")
                assert css == flask_url_for("static", filename="css/app.css",
                                            v=css.rsplit("v=", 1)[1])
                assert css.startswith(f"{root}/static/css/app.css?v=")
                assert htmx.startswith(f"{root}/static/vendor/htmx")
                assert htmx == flask_url_for("static", filename=htmx.split("/static/", 1)[1])
    assert len(calls) == 4  # two files, two roots


def test_url_for_respects_the_script_root(app):
    with app.test_request_context("/", base_url="http://localhost/koalicje/"):
        assert render.url_for("board.detail", post_id=3) == "/koalicje/board/post/3"


def test_url_for_without_request_context(app):
    app.config["SERVER_NAME"] = "example.org"
    with app.app_context():
        assert render.url_for("board.detail", post_id=3) == "http://example.org/board/post/3"


def test_template_gettext_translates_escapes_and_formats(app):
    template = ('{{ _("Przejdź do treści") }}|{{ _("Wyniki wyszukiwania: „%(q)s”.", q="<b>") }}'
                '|{% trans n=2 %}Strona {{ n }}{% endtrans %}')
    for locale in ("pl", "en"):
        with app.test_request_context("/"), force_locale(locale):
            out = render_template_string(template)
            expected = babel_gettext("Przejdź do treści")
            assert out.split("|")[0] == expected
            assert "&lt;b&gt;" in out.split("|")[1] and "<b>" not in out
    with app.test_request_context("/"), force_locale("en"):
        assert render_template_string('{{ _("Przejdź do treści") }}') == "Skip to content"


def test_template_ngettext(app):
    with app.test_request_context("/"):
        out = render_template_string(
            '{{ ngettext("%(num)d kierunek", "%(num)d kierunki", 3) }}')
        with force_locale("en"):
            out_en = render_template_string(
                '{{ ngettext("%(num)d kierunek", "%(num)d kierunki", 1) }}')
    assert out == "3 kierunki"
    assert out_en == "1 direction"


def test_cached_is_per_request(app):
    made = []
    with app.test_request_context("/"):
        assert render.cached("k", lambda: made.append(1) or len(made)) == 1
        assert render.cached("k", lambda: made.append(1) or len(made)) == 1
    with app.test_request_context("/"):
        assert render.cached("k", lambda: made.append(1) or len(made)) == 2


def test_pages_render_the_same_links(auth, client, app):
    """A board page through the cached helpers links each post to its own address."""
    from bs4 import BeautifulSoup
    from factories import add_member, make_coalition, make_user

    from models import Post, utcnow

    coalition = make_coalition()
    user = make_user(email="m@example.org")
    add_member(user, coalition, role="coordinator")
    posts = [Post.create(coalition=coalition, author=user, category="announcement",
                         title=f"T{i}", body_source="x",
                         body_html="<p>x</p>", created_at=utcnow()) for i in range(3)]
    auth.login("m@example.org")
    page = BeautifulSoup(client.get(f"/board/{coalition.slug}").get_data(as_text=True),
                         "html.parser")
    for post in posts:
        article = page.select_one(f"#post-{post.id}")
        assert article.select_one(".post-title a")["href"] == f"/board/post/{post.id}"
        assert article.select_one(f"form[action='/board/post/{post.id}/pin']") is not None


def test_label_tables_follow_the_language_within_one_request(app):
    from koalicje.web import labels

    with app.test_request_context("/"):
        assert labels.module_status_label("completed") == "Ukończony"
        with force_locale("en"):
            assert labels.module_status_label("completed") == "Completed"
        assert labels.module_status_label("completed") == "Ukończony"
        assert labels.module_status_label("unknown-code") == "unknown-code"
    with app.app_context(), force_locale("en"):  # no request (mails, CLI)
        assert labels.module_status_label("completed") == "Completed"


def test_url_for_never_templates_a_converter_that_formats_ids(app):
    from werkzeug.routing import Rule

    app.url_map.add(Rule("/padded/<int(fixed_digits=6):n>", endpoint="padded"))
    with app.test_request_context("/"):
        assert [render.url_for("padded", n=n) for n in (7, 12)] == ["/padded/000007",
                                                                    "/padded/000012"]


def test_decimalformat_gives_what_flask_babel_gives_in_each_language(app, monkeypatch):
    import flask_babel

    from koalicje.web import render as render_module

    values = [3.5, 3.5, 3, 3.0, 4.25, -1.5, 0, 2.675, 1234.5]
    patterns = ["0.00", "+0.00;−0.00", None]
    template = "{% for v in values %}{% for p in patterns %}[{{ v | decimalformat(p) if p else v | decimalformat }}]{% endfor %}{% endfor %}"
    expected = {}
    for locale in ("pl", "en"):
        with app.test_request_context("/"), force_locale(locale):
            expected[locale] = "".join(
                "[" + flask_babel.format_decimal(v, p) + "]" for v in values for p in patterns)
    assert expected["pl"] != expected["en"]  # the languages do differ: "3,50" and "3.50"
    calls = []
    real = render_module.format_decimal
    monkeypatch.setattr(render_module, "format_decimal",
                        lambda *a: calls.append(a) or real(*a))
    with app.test_request_context("/"):
        flask_babel.get_locale()
        assert render_template_string(template, values=values, patterns=patterns) == expected["pl"]
        with force_locale("en"):  # a change of language within the request
            assert render_template_string(template, values=values, patterns=patterns) \
                == expected["en"]
        assert render_template_string(template, values=values, patterns=patterns) == expected["pl"]
    # each distinct number and pattern once per language (3.5 twice, 3 and 3.0 apart)
    assert len(calls) == (len(values) - 1) * len(patterns) * 3


def test_date_filters_give_what_flask_babel_gives(app):
    """The cached `datetimeformat` and `dateformat` filters: the same strings as Flask-Babel's
    functions, for every format the templates use and the named ones, across two years of
    times (both clock changes), in both languages, a language change within the request
    included, and for plain dates."""
    from datetime import date, datetime, timedelta

    import flask_babel

    values = [datetime(2026, 1, 1, 0, 30) + timedelta(hours=37 * i, minutes=7 * i)
              for i in range(480)]
    values += [datetime(2026, 3, 29, 0, 59), datetime(2026, 3, 29, 1, 0),
               datetime(2026, 10, 25, 0, 59), datetime(2026, 10, 25, 1, 0)]
    days = [date(2026, 1, 1) + timedelta(days=11 * i) for i in range(60)]
    dt_formats = [None, "short", "medium", "long", "full", "EEEE, d MMMM y, HH:mm", "d MMMM, HH:mm"]
    d_formats = [None, "short", "medium", "long", "full", "d MMMM y"]
    template = ("{% for v in values %}{% for f in dt_formats %}[{{ v | datetimeformat(f) if f "
                "else v | datetimeformat }}]{% endfor %}{% for f in d_formats %}[{{ v | "
                "dateformat(f) if f else v | dateformat }}]{% endfor %}{% endfor %}"
                "{% for d in days %}{% for f in d_formats %}[{{ d | dateformat(f) if f else "
                "d | dateformat }}]{% endfor %}{% endfor %}")

    def expected() -> str:
        return "".join(
            [("".join(f"[{flask_babel.format_datetime(v, f)}]" for f in dt_formats)
              + "".join(f"[{flask_babel.format_date(v, f)}]" for f in d_formats)) for v in values]
            + ["".join(f"[{flask_babel.format_date(d, f)}]" for f in d_formats) for d in days])

    context = dict(values=values, days=days, dt_formats=dt_formats, d_formats=d_formats)
    with app.test_request_context("/"):
        flask_babel.get_locale()
        polish = expected()
        assert render_template_string(template, **context) == polish
        with force_locale("en"):  # a change of language within the request
            english = expected()
            assert english != polish
            assert render_template_string(template, **context) == english
        assert render_template_string(template, **context) == polish
        assert "marca 2026" in polish and "March 2026" in english  # the formats did localise


def test_a_zone_zoneinfo_does_not_know_is_converted_as_flask_babel_does(app):
    """`fast_zone` falls back to the zone itself (a pytz fixed offset has no zoneinfo name),
    and the date filters and the matrix's `local_date_of` still give Flask-Babel's dates."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import flask_babel
    import pytz

    from koalicje.trainer.scope import local_date_of
    from koalicje.web.render import fast_zone

    assert isinstance(fast_zone(pytz.timezone("Europe/Warsaw")), ZoneInfo)
    odd = pytz.FixedOffset(-330)
    assert fast_zone(odd) is odd
    value = datetime(2026, 6, 1, 3, 0)
    with app.test_request_context("/"):
        flask_babel.get_locale()
        flask_babel.get_timezone()
        from flask import g
        g._flask_babel.babel_tzinfo = odd
        assert render_template_string("{{ v | datetimeformat('short') }}", v=value) \
            == flask_babel.format_datetime(value, "short")
        assert local_date_of()(value) == flask_babel.to_user_timezone(value).date()
        assert local_date_of()(value).day == 31  # 03:00 UTC is the day before at -05:30


def test_language_is_flask_babels_locale_found_once(app, client, monkeypatch):
    """`current_language()` (module titles, `{pl, en}` content) gives `str(get_locale())`:
    the chosen language, a forced one (mails in the recipient's language), Polish outside a
    request; Flask-Babel is asked once per request, not once per title."""
    import flask_babel

    from koalicje.web import labels

    asked = []
    real = flask_babel.get_locale
    monkeypatch.setattr(flask_babel, "get_locale", lambda: asked.append(1) or real())
    for locale in ("pl", "en"):
        with app.test_request_context("/"):
            from flask import session

            session["locale"] = locale
            assert [labels.current_language() for _ in range(5)] == [str(real())] * 5 \
                == [locale] * 5
            with force_locale("en" if locale == "pl" else "pl"):
                assert labels.current_language() == str(real()) != locale
            assert labels.current_language() == locale
    assert len(asked) == 2  # once per request
    with app.app_context():
        assert labels.current_language() == "pl"
    assert labels.current_language() == "pl"


def test_url_for_fills_plain_texts_into_one_template_per_request(app, monkeypatch):
    """Slugs and plain query values are filled in like ids: one werkzeug build and its check
    per request, the same URL as Flask's for every value (a text that needs quoting, or an
    argument Flask treats itself, is built by Flask)."""
    calls = []
    real = app.url_for
    monkeypatch.setattr(app, "url_for", lambda *a, **k: calls.append(a) or real(*a, **k))
    slugs = ["koalicja-0001", "a.b_c~d", "Gmina-X", "0", "board", "koalicja-0002"]
    with app.test_request_context("/", base_url="http://localhost/intranet/"):
        expected = [flask_url_for("coalitions.detail", slug=slug) for slug in slugs]
        calls.clear()
        assert [render.url_for("coalitions.detail", slug=slug) for slug in slugs] == expected
        assert len(calls) == 2  # the first URL, and the template checked against it
        assert expected[0] == "/intranet/coalitions/koalicja-0001"
        for values in ({"q": "00", "page": 2}, {"q": "abc", "page": 7},
                       {"page": 3, "q": "x"},  # another order: its own template
                       {"q": "a b&c", "page": 2}, {"q": "zażółć"}, {"q": ""},
                       {"q": "x", "_anchor": "results"}, {"q": "y", "_anchor": "results"}):
            for _ in range(2):
                assert render.url_for("coalitions.index", **values) \
                    == flask_url_for("coalitions.index", **values), values
        for slug in ("zażółć", "a/b", "a b", "k-1"):
            for _ in range(2):
                assert render.url_for("board.index", slug=slug) \
                    == flask_url_for("board.index", slug=slug)


def test_url_for_never_templates_a_text_a_rule_could_take_as_its_default(app):
    from werkzeug.routing import Rule

    app.url_map.add(Rule("/kind/", defaults={"kind": "all"}, endpoint="kinds"))
    app.url_map.add(Rule("/kind/<kind>", endpoint="kinds"))
    app.url_map.add(Rule("/number/<int:n>", endpoint="number"))
    with app.test_request_context("/"):
        assert [render.url_for("kinds", kind=k) for k in ("some", "all", "other")] \
            == [flask_url_for("kinds", kind=k) for k in ("some", "all", "other")] \
            == ["/kind/some", "/kind/", "/kind/other"]
        # a text where the rule takes a number: Flask's answer (here its error) each time
        for _ in range(2):
            try:
                expected = flask_url_for("number", n="12")
            except ValueError as error:
                expected = type(error)
            try:
                got = render.url_for("number", n="12")
            except ValueError as error:
                got = type(error)
            assert got == expected


def test_kept_html_fills_each_pages_values_and_keeps_only_what_it_can_fill(app, monkeypatch):
    """`render.kept_html`: made once per key, each later page gets its own values (escaped);
    HTML in which a value does not stand exactly once is never kept; a full store starts
    again."""
    app.jinja_env.auto_reload = False
    made = []

    def maker(html, values):
        return lambda: made.append(html) or (html, values)

    with app.test_request_context():
        first = render.kept_html("t.kept", "a", maker("<i>T1 K1</i>", ("T1", "K1")), None)
        later = render.kept_html("t.kept", "a", maker("unused", ()), lambda: ("T2", "<K2>"))
        assert (str(first), str(later)) == ("<i>T1 K1</i>", "<i>T2 &lt;K2&gt;</i>")
        assert made == ["<i>T1 K1</i>"]
        for _ in range(2):  # the token twice: made every time
            render.kept_html("t.kept", "b", maker("T1 T1", ("T1",)), lambda: ("T9",))
        assert made[1:] == ["T1 T1", "T1 T1"]
        monkeypatch.setattr(render, "KEPT_HTML_ENTRIES", 1)
        render.kept_html("t.kept", "c", maker("c T1", ("T1",)), None)
        assert list(app.extensions["t.kept"]) == ["c"]


def test_templates_globals_are_a_plain_dict_with_the_environments(app):
    """Jinja's ChainMap of globals, read key by key through Python at every render and
    import, is a plain dict: the environment's globals with the template's own over them."""
    import collections

    env = app.jinja_env
    page = env.get_template("base.html")
    assert type(page.globals) is dict
    assert page.globals.keys() == env.globals.keys()
    assert all(page.globals[name] is value for name, value in env.globals.items())
    own = env.from_string("{{ shown }}", globals={"shown": "own", "url_for": "overridden"})
    assert own.globals["shown"] == "own" and own.globals["url_for"] == "overridden"
    assert env.globals["url_for"] is render.url_for  # the environment's own are untouched
    assert env.make_globals(None) == dict(collections.ChainMap({}, env.globals))
    with app.test_request_context("/"):
        assert own.render() == "own"
        assert render_template_string('{% from "_macros.html" import csrf %}{{ csrf() }}') \
            == str(render.csrf_input())


def test_a_global_changed_after_a_template_loaded_is_seen(app):
    """Templates hold a copy of the globals: any change to the environment's drops the
    compiled templates, so the next render sees it (as Jinja's ChainMap showed it)."""
    env = app.jinja_env
    with app.test_request_context("/"):
        assert render_template_string("{{ late_global | default('none') }}") == "none"
        env.globals["late_global"] = "first"
        assert render_template_string("{{ late_global }}") == "first"
        env.globals.update(late_global="second")
        assert render_template_string("{{ late_global }}") == "second"
        assert env.get_template("base.html").globals["late_global"] == "second"
        del env.globals["late_global"]
        assert render_template_string("{{ late_global | default('none') }}") == "none"
        env.globals.setdefault("late_global", "third")
        assert env.get_template("base.html").globals["late_global"] == "third"
        env.globals.pop("late_global")
        assert "late_global" not in env.get_template("base.html").globals


@pytest.mark.parametrize("root", ["", "/intranet"])
def test_url_cut_gives_url_fors_escaped_for_every_value(app, root, monkeypatch):
    """`render.url_cut`: the URL cut once around an id or a plain text, each value joined
    in; any other value (a text that needs quoting or escaping, a negative number, another
    type) is built by url_for: always what url_for writes,
    HTML-escaped."""
    from flask import url_for as flask_url_for
    from markupsafe import escape

    with app.test_request_context("/", environ_base={"SCRIPT_NAME": root}):
        by_id = render.url_cut("coalitions.update_member", "membership_id", slug="ł&k i")
        for membership_id in (0, 1, 42, 2**31 - 1):
            assert by_id(membership_id) == str(escape(flask_url_for(
                "coalitions.update_member", slug="ł&k i", membership_id=membership_id)))
        by_slug = render.url_cut("coalitions.detail", "slug", kind=str)
        slugs = ("laki", "a.b~c-d", "ł&k i", "a<b>", "")
        for slug in slugs:
            assert by_slug(slug) == str(escape(flask_url_for("coalitions.detail", slug=slug)))
        # Each text's URL is made once by the function: asked again, none is checked anew.
        checked = []
        original = render._slot
        monkeypatch.setattr(render, "_slot", lambda *a: checked.append(a) or original(*a))
        for slug in slugs:
            assert by_slug(slug) == str(escape(flask_url_for("coalitions.detail", slug=slug)))
        assert checked == []


@pytest.mark.parametrize("root", ["", "/intranet"])
def test_url_cut_takes_a_text_whose_rule_default_no_text_can_equal(app, root, monkeypatch):
    """board.index has a rule `/board/` with `slug=None` and `/board/<slug>`: no text equals
    None, so a slug always chooses the second rule and the URL is cut around it (one build
    per cut, not one per slug), and url_for fills slugs into one template too. A text
    default (a rule a value could choose) still refuses (test above)."""
    from markupsafe import escape
    from werkzeug.routing import Rule

    app.url_map.add(Rule("/n/", defaults={"n": 0, "flag": False, "x": 1.5}, endpoint="nums"))
    app.url_map.add(Rule("/n/<n>", endpoint="nums"))
    app.url_map.add(Rule("/odd/", defaults={"kind": b"x"}, endpoint="odd"))
    app.url_map.add(Rule("/odd/<kind>", endpoint="odd"))
    calls = []
    real = app.url_for
    monkeypatch.setattr(app, "url_for", lambda *a, **k: calls.append(a) or real(*a, **k))
    slugs = ("koalicja-0001", "a.b~c-d", "0", "None", "ł&k i", "a<b>", "a/b")
    with app.test_request_context("/", base_url=f"http://localhost{root}/"):
        expected = {slug: str(escape(real("board.index", slug=slug))) for slug in slugs}
        assert expected["koalicja-0001"] == f"{root}/board/koalicja-0001"
        calls.clear()
        by_slug = render.url_cut("board.index", "slug", kind=str)
        assert len(calls) == 1
        for slug in ("koalicja-0001", "a.b~c-d", "0", "None"):
            assert by_slug(slug) == expected[slug]
        assert len(calls) == 1  # plain slugs joined in
        for slug in ("ł&k i", "a<b>", "a/b"):
            assert by_slug(slug) == expected[slug]
        for slug in slugs:
            for _ in range(2):
                assert render.url_for("board.index", slug=slug) \
                    == real("board.index", slug=slug)
        for n in ("0", "1", "False", "1.5"):
            assert render.url_cut("nums", "n", kind=str)(n) \
                == str(escape(real("nums", n=n))) == f"{root}/n/{n}"
        assert render.url_cut("odd", "kind", kind=str)("x") == f"{root}/odd/x"
        # cut where no default is a text; a default of another type (bytes) is refused
        assert render._url_template("board.index", ("slug",), {"slug": "x"}) is not None
        assert render._url_template("nums", ("n",), {"n": "x"}) is not None
        assert render._url_template("odd", ("kind",), {"kind": "x"}) is None


def test_csrf_token_and_field_are_flask_wtfs(app):
    """`render.csrf_token()` gives what Flask-WTF's generate_csrf gives (made on first use,
    then the request's own, another after Flask-WTF's is dropped, under another field
    name), and `csrf_input()` the field with it, made again when the token changes."""
    from flask import g
    from flask_wtf.csrf import generate_csrf
    from markupsafe import escape

    def field(token):
        return f'<input type="hidden" name="csrf_token" value="{escape(token)}">'

    for name in ("csrf_token", "my_token"):
        app.config["WTF_CSRF_FIELD_NAME"] = name
        with app.test_request_context("/"):
            first = render.csrf_token()
            assert first == generate_csrf() == getattr(g, name)
            assert str(render.csrf_input()) == field(first)
            assert render.csrf_input() is render.csrf_input()  # made once
            g.pop(name)
            with app.test_request_context("/"):  # another request: its own token
                assert render.csrf_token() == generate_csrf()
            setattr(g, name, "other<&>")  # as if Flask-WTF made another
            assert render.csrf_token() == generate_csrf() == "other<&>"
            assert str(render.csrf_input()) == field("other<&>")
            with render.csrf_placeholder("zzplace"):
                assert str(render.csrf_input()) == field("zzplace")
            assert str(render.csrf_input()) == field("other<&>")
    with app.app_context():  # no request: Flask-WTF's own answer (or its error)
        app.config["WTF_CSRF_FIELD_NAME"] = "csrf_token"
        try:
            expected = generate_csrf()
        except RuntimeError as error:
            expected = type(error)
        try:
            got = render.csrf_token()
        except RuntimeError as error:
            got = type(error)
        assert type(got) is type(expected)


def test_csrf_token_is_signed_once_a_minute_per_session(app, client, auth, monkeypatch):
    """The signed CSRF token of a session is made once and given again for a minute (a
    request no longer signs it afresh); it is accepted, another session gets its own, and
    after a minute a new one is signed while the older one still passes."""
    import flask_wtf.csrf
    from conftest import csrf_from
    from factories import make_user

    made = []
    original = flask_wtf.csrf.generate_csrf

    def counting(*args, **kwargs):
        made.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(flask_wtf.csrf, "generate_csrf", counting)
    make_user(email="a@example.org")
    make_user(email="b@example.org")
    auth.login("a@example.org")
    first = csrf_from(client.get("/").get_data(as_text=True))
    made.clear()
    again = [csrf_from(client.get(path).get_data(as_text=True))
             for path in ("/", "/learning/", "/coalitions/")]
    assert again == [first] * 3 and made == []
    other = app.test_client()
    page = other.get("/login").get_data(as_text=True)
    response = other.post("/login", data={"email": "b@example.org", "password": PASSWORD,
                                          "csrf_token": csrf_from(page)})
    assert response.status_code == 303
    assert csrf_from(other.get("/").get_data(as_text=True)) != first
    # A minute on: signed afresh, and both the older and the newer token are accepted.
    now = render.time.monotonic()
    monkeypatch.setattr(render.time, "monotonic", lambda: now + 61)
    made.clear()
    newer = csrf_from(client.get("/").get_data(as_text=True))
    assert made == [1] and csrf_from(client.get("/").get_data(as_text=True)) == newer
    assert made == [1]
    # The CSRF check runs before the view: 400 for a forged token, the view's 404 for these.
    unknown_post = "/board/post/999999/pin"
    assert client.post(unknown_post, data={"csrf_token": "forged"}).status_code == 400
    assert client.post(unknown_post, data={"csrf_token": first}).status_code == 404
    assert client.post(unknown_post, data={"csrf_token": newer}).status_code == 404
    assert client.post("/logout", data={"csrf_token": newer}).status_code == 303
