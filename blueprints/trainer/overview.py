"""The trainer's overview page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel.numbers import format_decimal
from flask import render_template, request
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from blueprints.trainer import bp
from koalicje import kept
from koalicje.permissions import requires
from koalicje.trainer import nudges, overview
from koalicje.web import render
from koalicje.web.labels import workshop_stage_label
from koalicje.web.render import dateformat, decimalformat


def _visits_url() -> Callable[[str], str]:
    """A coalition's visits page by slug, HTML-escaped, as `url_for("trainer.visits",
    slug=slug)` writes it (`render.url_cut`: the URL cut once per request around a plain
    slug, each slug's URL made once; any other slug built by url_for)."""
    return render.url_cut("trainer.visits", "slug", str)


def _matrix_url() -> Callable[[str], str]:
    """The progress matrix of one coalition by slug, HTML-escaped, as
    `url_for("trainer.matrix", coalition=slug)` writes it (`render.url_cut`)."""
    return render.url_cut("trainer.matrix", "coalition", str)


def mean_text() -> Callable[[float | None], str]:
    """A profile's mean as the `decimalformat("0.00")` filter writes it, "—" for None.
    The means lie between 1 and 5 with two decimal places (`self_assessment._mean`): each
    hundredth from 0.00 to 6.00 is formatted by Babel once per process and locale (number
    formats do not change while the process lives), not once per request for each of the
    page's ~240 means. Anything else goes to the filter."""
    locale = get_locale()
    table = kept.value("koalicje.trainer.means", str(locale), lambda: [
        format_decimal(hundredths / 100, format="0.00", locale=locale)
        for hundredths in range(_MEANS)], kept.BY_LANGUAGE)

    def text(value: float | None) -> str:
        if value is None:
            return "—"
        if type(value) is float and 0 <= value < 6.005:
            hundredths = round(value * 100)
            if hundredths / 100 == value:  # a two-place value: the table's own number
                return table[hundredths]
        return decimalformat(value, "0.00")

    return text


_MEANS = 601  # hundredths from 0.00 to 6.00


def _escaper() -> Callable[[Any], str]:
    """`escape` as text, each value escaped once (the page repeats names, dates, labels)."""
    escaped: dict[Any, str] = {}

    def text(value: Any) -> str:
        done = escaped.get(value)
        if done is None:
            done = escaped[value] = str(escape(value))
        return done

    return text


def profile_rows(mean_of: Callable[[float | None], str]) -> Callable[..., Markup]:
    """The rows of one coalition profile's table (`profile_articles`), written out here:
    a page shows 20 profiles of 12 dimensions, and each row done by Jinja costs a
    dozen escapes and lookups. Each title, label and mean is escaped once per request;
    `band_texts` and `disagreement` are the page's own translated texts (as the template
    renders them: translations are not escaped). The markup is what the loop it replaces
    wrote (`tests/test_trainer_overview.py` compares the two).

    The rows of a profile whose rows list is kept per process (the profiles built from
    stored statistics, `self_assessment._kept_profiles`) are written once per process
    and language, kept in `app.extensions` with the list they were written from (a list
    is never changed once built; a new one is written afresh)."""
    text = _escaper()
    written = kept.store("koalicje.trainer.profile_rows")
    locale = render.language()

    def rows(profile: Any, band_texts: dict[str, str], disagreement: str) -> Markup:
        dimensions = profile.dimensions
        key = (id(dimensions), locale, disagreement, *band_texts.items())
        done = written.get(key)
        if done is not None and done[0] is dimensions:
            return done[1]
        tag = f' <span class="tag">{disagreement}</span>'
        out = []
        for d in dimensions:
            row = f'\n        <tr class="band-{text(d.band)}">' if d.band else "\n        <tr>"
            label = text(d.band_label) if d.band_label else band_texts.get(d.band) or "—"
            out.append(f'{row}<th scope="row">{text(d.title)}</th>'
                       f'<td>{text(mean_of(d.mean))}</td><td>{label}'
                       f'{tag if d.disagreement else ""}</td></tr>')
        markup = Markup("".join(out))
        # the list kept with its markup: its id is not reused while the entry holds it
        kept.keep(written, key, (dimensions, markup), _KEPT_PROFILES)
        return markup

    return rows


_KEPT_PROFILES = 4096  # profiles' rows kept per process; then start again


def profile_articles(rows: Callable[..., Markup]) -> Callable[[list], Markup]:
    """The overview's coalition self-assessment profiles (`trainer/_profile.html` as it
    was, included per coalition), written out here; each profile's table rows by `rows`
    (`profile_rows`). The markup is what the template loop wrote
    (`tests/test_trainer_overview.py` compares the two); the page's translated texts are
    not escaped, as the template wrote them."""
    text = _escaper()

    def articles(summaries: list) -> Markup:
        band_texts = {"strong": _("mocna strona"), "discuss": _("do omówienia"),
                      "attention": _("wymaga uwagi")}
        disagreement = _("rozbieżne odpowiedzi")
        no_profile = _("Profil pojawi się, gdy samoocenę wypełnią co najmniej trzy osoby z "
                       "koalicji.")
        head = (f'<thead><tr><th scope="col">{_("Obszar")}</th><th scope="col">'
                f'{_("Średnia")}</th><th scope="col">{_("Ocena")}</th></tr></thead>')
        answers: dict[int, str] = {}
        out = []
        for s in summaries:
            c, profile = s.coalition, s.profile
            out.append(f'\n    \n<article class="coalition-profile" data-coalition='
                       f'"{text(c.slug)}">\n  <h3>{text(c.name)}</h3>\n  ')
            if profile:
                answered = answers.get(profile.respondents)
                if answered is None:
                    answered = answers[profile.respondents] = ngettext(
                        "Odpowiedziała %(num)d osoba.", "Odpowiedziało %(num)d osób.",
                        profile.respondents)
                out.append(f'<p>{answered}</p>\n    <div class="overflow-auto"><table '
                           f'class="compact">\n      {head}\n      <tbody>'
                           f'{rows(profile, band_texts, disagreement)}\n      </tbody>\n'
                           f'    </table></div>\n</article>')
            else:
                out.append(f'\n    <p class="muted">{no_profile}</p>\n</article>')
        return Markup("".join(out))

    return articles


def _kept_days(format: str) -> dict[Any, str]:
    """The `<time>` elements of the days (dates, not datetimes: no time zone) already
    written in `format` in this language, kept per process (a day's text does not change
    while the process lives; the overdue steps' ~70 due dates are the same on every
    request). Kept in `app.extensions`, per language and format."""
    return _kept_texts("koalicje.trainer.days", format)


def _kept_rows(kind: str) -> dict[Any, str]:
    """The rows of `kind` already written in this language, by what they show, kept per
    process in `app.extensions` (a row shows only the values of its key, so a changed value
    is written afresh and an unchanged one is the same text). Kept per language."""
    return _kept_texts("koalicje.trainer.rows", kind)


def _kept_texts(name: str, kind: str) -> dict[Any, str]:
    """The texts kept in `app.extensions[name]` for this language and `kind`."""
    return kept.value(name, (render.language(), kind), dict, kept.BY_LANGUAGE * 4)


_KEPT_TEXTS = 4096  # rows or days per language and kind kept; then start again


def overdue_items(visits_url: Callable[[str], str]) -> Callable[[list], Markup]:
    """The items of the overview's overdue next steps (`overview.OverdueStep`), written out
    here: a trainer's scope has dozens of them, each a dozen template operations. The
    markup is what the loop it replaces wrote (`tests/test_trainer_overview.py` compares
    the two); "termin" is the page's translated text (not escaped, as the template wrote
    it). `visits_url` gives HTML-escaped URLs (`_visits_url`)."""
    text = _escaper()
    days = _kept_days("medium")

    def day(value: Any) -> str:
        done = days.get(value)
        if done is None:
            # the machine-readable attribute: a date's str is its ISO text (YYYY-MM-DD)
            done = (f'<time datetime="{escape(str(value))}">'
                    f'{escape(dateformat(value, "medium"))}</time>')
            kept.keep(days, value, done, _KEPT_TEXTS)
        return done

    written = _kept_rows("overdue")

    def items(steps: list) -> Markup:
        due = _("termin")
        out = []
        for step in steps:
            url = visits_url(step.coalition_slug)
            # the item is a function of the step's values (a frozen dataclass), its link and
            # the language: written once per process
            key = (step, url, due)
            item = written.get(key)
            if item is None:
                owner = f" ({text(step.owner_label)})" if step.owner_label else ""
                item = (f'\n        <li><a href="{url}">'
                        f'{text(step.coalition_name)}</a>:\n          {text(step.description)}'
                        f'{owner} —\n          {due} {day(step.due_date)}</li>')
                kept.keep(written, key, item, _KEPT_TEXTS)
            out.append(item)
        return Markup("".join(out))

    return items


def coalition_rows(visits_url: Callable[[str], str],
                   matrix_url: Callable[[str], str]) -> Callable[[list], Markup]:
    """The rows of the overview's coalition table (`overview.CoalitionSummary`), written
    out here, with each coalition's workshop stage: a page shows twenty, each a few dozen
    template operations and an include. The markup is what the template loop and the
    `workshop/_stage.html` it included wrote; `tests/test_trainer_overview.py` compares the
    two, for every workshop stage. The page's translated texts are not escaped, as the template
    wrote them. `visits_url` and `matrix_url` give HTML-escaped URLs (`_visits_url`,
    `_matrix_url`)."""
    text = _escaper()
    written = _kept_rows("coalitions")

    def rows(summaries: list) -> Markup:
        completion_text, progress_text, visits_text = (
            _("Ukończenie ścieżki"), _("postępy"), _("wizyty"))
        figures_text = Markup(_("partnerzy: %(p)d · działania: %(done)d/%(all)d"))
        round_text = Markup(_("runda %(n)s"))
        rounds: dict[Any, str] = {}
        stages: dict[str, str] = {}
        out = []
        for s in summaries:
            c, st = s.coalition, s.workshop
            # the row is a function of these values and the language: written once per
            # process (until one of them changes)
            visits, matrix = visits_url(c.slug), matrix_url(c.slug)
            key = (c.slug, c.name, c.gmina, c.voivodeship, c.round, s.members,
                   s.completed_modules, s.required, s.last_activity, s.nudges, s.overdue,
                   st.reached, st.partners, st.actions_done, st.actions, st.last_activity,
                   visits, matrix, progress_text)
            row = written.get(key)
            if row is not None:
                out.append(row)
                continue
            slug = text(c.slug)
            round_name = rounds.get(c.round)
            if round_name is None:
                round_name = rounds[c.round] = str(round_text % {"n": c.round})
            if s.completion is not None:
                percent = int(round(s.completion * 100, 0))
                completion = (f'\n              <progress value="{percent}" max="100" '
                              f'aria-label="{completion_text}"></progress>\n'
                              f'              {percent}%')
            else:
                completion = "—"
            last = text(dateformat(s.last_activity)) if s.last_activity else "—"
            reached = st.reached
            stage = stages.get(reached)
            if stage is None:
                stage = stages[reached] = (
                    f'<span class="workshop-stage stage-{text(reached)}">'
                    f'{text(workshop_stage_label(reached))}</span>')
            figures = figures_text % {
                "p": st.partners, "done": st.actions_done, "all": st.actions}
            if st.last_activity:
                figures = f"{figures} · {text(dateformat(st.last_activity))}"
            row = (
                f'\n        <tr data-coalition="{slug}">\n          <th scope="row">'
                f'{text(c.name)}<br><small>{text(c.gmina)}, {text(c.voivodeship)}, '
                f'{round_name}</small></th>\n'
                f'          <td data-col="members">{text(s.members)}</td>\n'
                f'          <td data-col="completion">{completion}</td>\n'
                f'          <td data-col="last">{last}</td>\n'
                f'          <td data-col="nudges">{text(s.nudges)}</td>\n'
                f'          <td data-col="overdue">{text(s.overdue)}</td>\n'
                f'          <td data-col="workshop">\n\n{stage}\n<br><small>{figures}</small></td>\n'
                f'          <td><a href="{matrix}">{progress_text}</a> ·\n'
                f'            <a href="{visits}">{visits_text}</a></td>\n'
                f'        </tr>')
            kept.keep(written, key, row, _KEPT_TEXTS)
            out.append(row)
        return Markup("".join(out))

    return rows


@bp.get("/")
@requires("trainer_area")
def index():
    page = request.args.get("page", "1")
    summary = overview.build(current_user, page=int(page) if page.isdigit() else 1)
    visits_url = _visits_url()
    return render_template("trainer/overview.html", overview=summary,
                           stopped_text=nudges.stopped_text,
                           overdue_items=overdue_items(visits_url),
                           coalition_rows=coalition_rows(visits_url, _matrix_url()),
                           profile_articles=profile_articles(profile_rows(mean_text())))
