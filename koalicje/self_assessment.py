"""The partnership self-assessment: scoring, bands, drafts, history and the coalition profile.

Scale: 1 "zdecydowanie się nie zgadzam" … 5 "zdecydowanie się zgadzam"; 0 stores "nie wiem",
which is left out of the mean. A reverse-worded statement scores 6 − answer. The result is
a mean per dimension (never one total), read in bands defined by the instrument file.
A coalition's profile is shown only when at least MIN_RESPONDENTS members answered.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l
from peewee import JOIN, Case, ModelSelect, fn

from koalicje import activity, kept
from koalicje.permissions import memberships_of
from koalicje.prepared import padded_ids, prepared
from koalicje.web.labels import current_language, localized, sector_label
from models import (
    SECTORS,
    WRITE_LOCK_KEY,
    Coalition,
    CoalitionProfile,
    Instrument,
    InstrumentVersion,
    Membership,
    SelfAssessment,
    TrainerAssignment,
    User,
    db,
    differing_keys,
    is_sqlite,
    utcnow,
    write_transaction,
)

DONT_KNOW = 0
SCALE = (1, 2, 3, 4, 5)
MIN_RESPONDENTS = 3
DISAGREEMENT_SPREAD = 2.0
DEFAULT_INSTRUMENT = "partnerstwo"

SCALE_LABELS = {
    1: _l("zdecydowanie się nie zgadzam"),
    2: _l("raczej się nie zgadzam"),
    3: _l("ani tak, ani nie"),
    4: _l("raczej się zgadzam"),
    5: _l("zdecydowanie się zgadzam"),
    DONT_KNOW: _l("nie wiem"),
}
BAND_CLASSES = {"strong": "band-strong", "discuss": "band-discuss", "attention": "band-attention"}


# --- scoring ------------------------------------------------------------------------------


def item_score(answer: int, reverse: bool) -> int | None:
    """The points one answer gives: None for "nie wiem" or no answer; 6 − a when reversed."""
    if answer not in SCALE:
        return None
    return 6 - answer if reverse else answer


def dimension_scores(definition: dict, answers: dict[str, int]) -> dict[str, float | None]:
    """Mean per dimension over answered statements ("nie wiem" left out), 2 decimals."""
    scores: dict[str, float | None] = {}
    for dimension in definition["dimensions"]:
        points = [
            item_score(answers.get(s["id"], DONT_KNOW), s["reverse"])
            for s in dimension["statements"]
        ]
        points = [p for p in points if p is not None]
        scores[dimension["slug"]] = round(sum(points) / len(points), 2) if points else None
    return scores


def band_of(definition: dict, mean: float | None) -> dict | None:
    """The band a mean falls in (bands sorted from the highest `min`)."""
    if mean is None:
        return None
    value = round(mean, 2)
    for band in definition["bands"]:
        if value >= band["min"]:
            return band
    return definition["bands"][-1]


def band_key(definition: dict, mean: float | None) -> str | None:
    band = band_of(definition, mean)
    return band["key"] if band else None


def band_label(definition: dict, mean: float | None) -> str:
    band = band_of(definition, mean)
    return localized(band["label"]) if band else str(_l("brak danych"))


# --- drafts and answers -------------------------------------------------------------------


def current_version(instrument: Instrument) -> InstrumentVersion:
    version = _version.first(instrument.id, instrument.version)
    if version is None:
        raise InstrumentVersion.DoesNotExist(
            f"instrument {instrument.id} has no version {instrument.version}")
    return version


@prepared
def _version(instrument_id: int, number: int):
    return InstrumentVersion.select().where(
        (InstrumentVersion.instrument == instrument_id) & (InstrumentVersion.number == number)
    ).limit(1)


def current_definition(instrument: Instrument) -> tuple[int, str, dict]:
    """(id, content hash, definition) of the instrument's current version (one query), the
    definition (a 12 KB JSON text) decoded once per process and version: a version's
    definition never changes (a changed instrument is a new version), and the id with the
    content hash names it. Outside an application it is decoded every time. The decoded
    definition is shared by the requests of the process: read it, never change it."""
    rows = _version_text.fetchall(instrument.id, instrument.version)
    if not rows:
        raise InstrumentVersion.DoesNotExist(
            f"instrument {instrument.id} has no version {instrument.version}")
    version_id, content_hash, text = rows[0]  # the definition as stored: JSON text
    definition = kept.value("koalicje.self_assessment.definitions", (version_id, content_hash),
                            lambda: json.loads(text), _KEPT_VERSIONS)
    return version_id, content_hash, definition


@prepared
def _version_text(instrument_id: int, number: int):
    return InstrumentVersion.select(
        InstrumentVersion.id, InstrumentVersion.content_hash, InstrumentVersion.definition,
    ).where(
        (InstrumentVersion.instrument == instrument_id) & (InstrumentVersion.number == number)
    ).limit(1).tuples()


def active_instruments() -> list[Instrument]:
    """Instruments that may be answered, the default one first, each with `.current` (its
    current InstrumentVersion), in one query."""
    return sorted(_active_instruments.rows(),
                  key=lambda i: (i.slug != DEFAULT_INSTRUMENT, i.id))


@prepared
def _active_instruments():
    return (
        Instrument.active().select_extend(*InstrumentVersion._meta.sorted_fields)
        .join(InstrumentVersion, on=(
            (InstrumentVersion.instrument == Instrument.id)
            & (InstrumentVersion.number == Instrument.version)
        ), attr="current")
    )


def instrument_titles(instruments: list[Instrument]) -> dict[int, str]:
    """Each instrument's title in the current language (from its current version, read
    with it by `active_instruments`, else looked up)."""
    return {i.id: localized((getattr(i, "current", None) or current_version(i))
                            .definition["title"]) for i in instruments}


@prepared
def _listed_assessments(user_id: int):
    """The person's self-assessments, newest first, with what the lists show (not the
    answers and scores)."""
    return (
        SelfAssessment.select(
            SelfAssessment.id, SelfAssessment.instrument, SelfAssessment.coalition,
            SelfAssessment.status, SelfAssessment.updated_at, SelfAssessment.submitted_at,
            Instrument.id, Instrument.title, Coalition.id, Coalition.name)
        .join(Instrument).switch(SelfAssessment)
        .join(Coalition, join_type=JOIN.LEFT_OUTER, on=(SelfAssessment.coalition == Coalition.id))
        .where(SelfAssessment.user == user_id)
        .order_by(SelfAssessment.updated_at.desc())
    )


@prepared
def _assignments(trainer_id: int):
    return (TrainerAssignment.select(TrainerAssignment, Coalition).join(Coalition)
            .where(TrainerAssignment.trainer == trainer_id))


@dataclass
class Overview:
    """What a person sees on the self-assessment start page."""

    instruments: list[Instrument]
    titles: dict[int, str]
    memberships: list[Membership]
    drafts: list[SelfAssessment]
    submitted: list[SelfAssessment]
    overseen: list[Coalition]  # coalitions whose profile the person may open


def overview(user: User) -> Overview:
    """The instruments, the person's drafts and submissions (newest first), and the
    coalitions they coordinate or, as a trainer, are assigned to."""
    instruments = active_instruments()
    mine = _listed_assessments.rows(user.id)
    memberships = sorted(memberships_of(user).values(), key=lambda m: m.coalition.name)
    overseen = {m.coalition.id: m.coalition for m in memberships if m.role == "coordinator"}
    if user.role == "trainer":
        for assignment in _assignments.rows(user.id):
            overseen[assignment.coalition.id] = assignment.coalition
    return Overview(
        instruments=instruments, titles=instrument_titles(instruments), memberships=memberships,
        drafts=[a for a in mine if a.status == "draft"],
        submitted=[a for a in mine if a.status == "submitted"],
        overseen=sorted(overseen.values(), key=lambda c: c.name),
    )


def default_sector(user: User, coalition: Coalition | None) -> str | None:
    if coalition is None:
        return None
    membership = Membership.get_or_none(
        (Membership.user == user) & (Membership.coalition == coalition)
    )
    return membership.sector if membership else None


def find_draft(user: User, instrument: Instrument, coalition: Coalition | None) -> SelfAssessment | None:
    query = SelfAssessment.select().where(
        (SelfAssessment.user == user)
        & (SelfAssessment.instrument == instrument)
        & (SelfAssessment.status == "draft")
    )
    query = query.where(
        SelfAssessment.coalition.is_null() if coalition is None
        else SelfAssessment.coalition == coalition
    )
    return query.order_by(SelfAssessment.id.desc()).first()


def start(user: User, instrument: Instrument, coalition: Coalition | None) -> SelfAssessment:
    """Resume the open draft for this instrument and coalition, or begin a new one."""
    with write_transaction():
        draft = find_draft(user, instrument, coalition)
        if draft is not None:
            return draft
        draft = SelfAssessment.create(
            user=user, coalition=coalition, instrument=instrument,
            instrument_version=current_version(instrument),
            sector=default_sector(user, coalition), answers={},
        )
        activity.touch(user, draft.updated_at)
        return draft


def parse_answers(definition: dict, form: Any, statement_ids: list[str] | None = None) -> dict[str, int]:
    """Valid answers in a form (`s-<id>` = 0..5) for the given statements; others ignored."""
    wanted = statement_ids or [s["id"] for d in definition["dimensions"] for s in d["statements"]]
    out: dict[str, int] = {}
    for sid in wanted:
        raw = form.get(f"s-{sid}")
        if raw is None or raw == "":
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            continue
        if value == DONT_KNOW or value in SCALE:
            out[sid] = value
    return out


def save_answers(draft: SelfAssessment, answers: dict[str, int], sector: str | None = None) -> None:
    """Merge answers into a draft (autosave and page-by-page both use this).

    Raises ValueError when the answers are submitted, judged by the stored row inside the
    write transaction: an autosave still in flight when another tab submits is refused.
    """
    if draft.status != "draft":
        raise ValueError("submitted self-assessments are not changed")
    with write_transaction():
        fresh = SelfAssessment.get_by_id(draft.id)
        if fresh.status != "draft":
            draft.status = fresh.status
            raise ValueError("submitted self-assessments are not changed")
        merged = {**(fresh.answers or {}), **answers}
        fields: dict[str, Any] = {"answers": merged, "updated_at": utcnow()}
        if sector in SECTORS:
            fields["sector"] = sector
        SelfAssessment.update(**fields).where(SelfAssessment.id == draft.id).execute()
        activity.touch(fresh.user_id, fields["updated_at"])
    draft.answers = merged
    if sector in SECTORS:
        draft.sector = sector


def unanswered(definition: dict, answers: dict[str, int]) -> list[str]:
    return [
        s["id"] for d in definition["dimensions"] for s in d["statements"]
        if s["id"] not in answers
    ]


def submit(draft: SelfAssessment) -> SelfAssessment:
    definition = draft.instrument_version.definition
    with write_transaction():
        draft.scores = dimension_scores(definition, draft.answers)
        draft.status = "submitted"
        draft.submitted_at = draft.updated_at = utcnow()
        draft.save()
        activity.touch(draft.user_id, draft.updated_at)
        refresh_profiles([draft.coalition_id])
    return draft


def history(user: User, instrument: Instrument) -> list[SelfAssessment]:
    """The user's submitted answers to an instrument, newest first."""
    return list(
        SelfAssessment.select(SelfAssessment, Coalition)
        .join(Coalition, join_type=JOIN.LEFT_OUTER, on=(SelfAssessment.coalition == Coalition.id))
        .where(
            (SelfAssessment.user == user)
            & (SelfAssessment.instrument == instrument)
            & (SelfAssessment.status == "submitted")
        )
        .order_by(SelfAssessment.submitted_at.desc(), SelfAssessment.id.desc())
    )


def previous_of(result: SelfAssessment, items: list[SelfAssessment]) -> SelfAssessment | None:
    """The submission before `result` for the same coalition (or none)."""
    older = [
        a for a in items
        if (a.submitted_at, a.id) < (result.submitted_at, result.id)
        and a.coalition_id == result.coalition_id
    ]
    return older[0] if older else None


# --- reading a result ---------------------------------------------------------------------


@dataclass
class DimensionResult:
    slug: str
    title: str
    mean: float | None
    band: str | None
    band_label: str
    change: float | None = None  # versus the previous attempt
    recommend: list[str] = field(default_factory=list)
    remark: str = ""  # the strength or weakness sentence from the instrument


def read_result(result: SelfAssessment, previous: SelfAssessment | None = None) -> list[DimensionResult]:
    definition = result.instrument_version.definition
    scores = result.scores or dimension_scores(definition, result.answers)
    before = (previous.scores or {}) if previous else {}
    out = []
    for dimension in definition["dimensions"]:
        mean = scores.get(dimension["slug"])
        key = band_key(definition, mean)
        old = before.get(dimension["slug"])
        remark_key = "strength" if key == "strong" else "weakness" if key == "attention" else None
        out.append(DimensionResult(
            slug=dimension["slug"],
            title=localized(dimension["title"]),
            mean=mean,
            band=key,
            band_label=band_label(definition, mean),
            change=round(mean - old, 2) if mean is not None and old is not None else None,
            recommend=list(dimension["recommend"]) if key in ("attention", "discuss") else [],
            remark=localized(dimension[remark_key]) if remark_key else "",
        ))
    return out


def recommendations(dimensions: list[DimensionResult]) -> list[str]:
    """Module slugs to suggest, once each: first for areas needing attention, then for
    areas to discuss, in the instrument's order."""
    slugs = [slug for d in dimensions if d.band == "attention" for slug in d.recommend]
    slugs += [slug for d in dimensions if d.band == "discuss" for slug in d.recommend]
    return list(dict.fromkeys(slugs))


# --- the coalition profile ----------------------------------------------------------------


@dataclass
class DimensionProfile:
    slug: str
    title: str
    mean: float | None
    band: str | None
    disagreement: bool
    spread: float | None = None
    respondents: int = 0
    band_label: str = ""


@dataclass
class SectorProfile:
    sector: str  # a SECTORS value, or "other" for the sectors merged below the threshold
    label: str
    respondents: int
    means: dict[str, float | None]


@dataclass
class Profile:
    instrument: Instrument
    respondents: int
    dimensions: list[DimensionProfile]
    sectors: list[SectorProfile]
    definition: dict


def latest_submissions(coalition: Coalition, instrument: Instrument) -> list[SelfAssessment]:
    """Each current member's latest submitted answers for this coalition (one query)."""
    return latest_submissions_by_coalition([coalition.id], instrument).get(coalition.id, [])


def _of_current_members(query: ModelSelect, coalition_ids: list[int],
                        instrument: Instrument | int) -> ModelSelect:
    """`query` on SelfAssessment narrowed to the submitted answers to `instrument` of the
    coalitions' current members."""
    return query.join(Membership, on=(
        (Membership.user == SelfAssessment.user)
        & (Membership.coalition == SelfAssessment.coalition)
    )).where(
        SelfAssessment.coalition.in_(coalition_ids)
        & (SelfAssessment.instrument == instrument)
        & (SelfAssessment.status == "submitted")
    )


def latest_submissions_by_coalition(
    coalition_ids: list[int], instrument: Instrument
) -> dict[int, list[SelfAssessment]]:
    """Per coalition, each current member's latest submitted answers (two queries for all).

    The instrument versions (a 12 KB definition each) are read once per version, not once
    per answer row.
    """
    if not coalition_ids:
        return {}
    rows = _of_current_members(SelfAssessment.select(SelfAssessment), coalition_ids,
                               instrument).order_by(SelfAssessment.submitted_at, SelfAssessment.id)
    latest: dict[int, dict[int, SelfAssessment]] = defaultdict(dict)
    for row in rows:
        latest[row.coalition_id][row.user_id] = row
    version_ids = {row.instrument_version_id for by_user in latest.values()
                   for row in by_user.values()}
    versions = {v.id: v for v in InstrumentVersion.select().where(
        InstrumentVersion.id.in_(version_ids))} if version_ids else {}
    for by_user in latest.values():
        for row in by_user.values():
            row.instrument_version = versions[row.instrument_version_id]
    return {cid: list(by_user.values()) for cid, by_user in latest.items()}


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def shown_sectors(by_sector: dict[str, int], minimum: int = MIN_RESPONDENTS) -> tuple[list[str], int]:
    """Sectors whose breakdown may be shown, and the size of the "other sectors" group.

    A sector is shown with at least `minimum` respondents. The rest form one "other" group;
    if that group is non-empty but below `minimum`, its answers could be worked out from the
    overall mean, so the smallest shown sector joins it until it is safe (or nothing shows).
    """
    shown = sorted((s for s, n in by_sector.items() if n >= minimum and s in SECTORS),
                   key=lambda s: (-by_sector[s], s))
    rest = sum(n for s, n in by_sector.items() if s not in shown)
    while shown and 0 < rest < minimum:
        smallest = shown.pop()
        rest += by_sector[smallest]
    if len(shown) == 0:
        return [], 0
    if len(shown) == 1 and rest == 0:
        return [], 0  # one sector only: the breakdown would repeat the overall profile
    return shown, rest


def coalition_profile(coalition: Coalition, instrument_slug: str = DEFAULT_INSTRUMENT) -> Profile | None:
    """The coalition's profile, or None when fewer than three members answered."""
    return coalition_profiles([coalition], instrument_slug).get(coalition.id)


def coalition_profiles(
    coalitions: list[Coalition], instrument_slug: str = DEFAULT_INSTRUMENT, *,
    sectors: bool = True,
) -> dict[int, Profile | None]:
    """Profiles of many coalitions at once (a fixed number of queries, e.g. for a page).
    `sectors=False`: without the breakdown by sector (`Profile.sectors` empty), for a page
    that does not show it (the trainer's overview); then the profiles stored at write time
    (`CoalitionProfile`) are read, and only those missing are computed from the answers."""
    instrument = _instrument_of.first(instrument_slug) if coalitions else None
    if instrument is None or not coalitions:
        return {c.id: None for c in coalitions}
    stored = {} if sectors else _stored_texts([c.id for c in coalitions], instrument.id)
    missing = [c.id for c in coalitions if c.id not in stored]
    responses = latest_scores_by_coalition(missing, instrument) if missing else {}
    if (all(respondents < MIN_RESPONDENTS for respondents, _text in stored.values())
            and all(len(responses.get(cid, [])) < MIN_RESPONDENTS for cid in missing)):
        return {c.id: None for c in coalitions}
    version_id, content_hash, definition = current_definition(instrument)
    texts, profiles = _kept_profiles((version_id, content_hash, current_language()),
                                     definition)
    # the stored statistics not kept yet, decoded in one call (after a reset past the
    # bound, every one this call reads)
    needed = list(dict.fromkeys(text for respondents, text in stored.values()
                                if respondents >= MIN_RESPONDENTS))
    unkept = [text for text in needed if text not in profiles]
    if unkept:
        if len(profiles) + len(unkept) > _KEPT_PROFILES:
            profiles.clear()
            unkept = needed
        decoded = json.loads("[" + ",".join(unkept) + "]")
        for text, stats in zip(unkept, decoded, strict=True):
            profiles[text] = _dimensions(definition, stats, texts)
    out: dict[int, Profile | None] = {}
    for c in coalitions:
        if c.id in stored:
            respondents, text = stored[c.id]
            out[c.id] = (Profile(instrument=instrument, respondents=respondents,
                                 dimensions=profiles[text], sectors=[], definition=definition)
                         if respondents >= MIN_RESPONDENTS else None)
        else:
            out[c.id] = _profile(instrument, definition, responses.get(c.id, []), texts,
                                 sectors)
    return out


def _kept_profiles(key: tuple, definition: dict
                   ) -> tuple[_ProfileTexts, dict[str, list[DimensionProfile]]]:
    """For `key` (instrument version, its content hash, the language), kept per process in
    `app.extensions`: the profile texts of `definition` (the version's) in the language, and
    the profile rows (`_dimensions`) built from stored statistics, by the statistics' JSON
    text, filled by the caller. Both are functions of the key alone (a version never
    changes; a changed stored row has another text, so it is never served stale), and
    rebuilding a page's twenty profiles cost half a millisecond per request. They are
    shared between requests: read them, never change them. Outside an application, made
    afresh (nothing kept)."""
    return kept.value("koalicje.self_assessment.dimensions", key,
                      lambda: (_ProfileTexts(definition), {}), _KEPT_VERSIONS)


_KEPT_PROFILES = 4096  # stored statistics kept per version and language; then start again
_KEPT_VERSIONS = 16  # versions and languages kept


def _stored_texts(coalition_ids: list[int], instrument_id: int) -> dict[int, tuple[int, str]]:
    """The stored (respondents, `dimension_stats` as JSON text) of these coalitions that
    have them (one query)."""
    ids = padded_ids(sorted(set(coalition_ids)))
    return {cid: (respondents, text)
            for cid, respondents, text in _stored_rows.rows(instrument_id, *ids, key=len(ids))}


@prepared(keyed=True)
def _stored_rows(count: int, instrument_id: int, *coalition_ids):
    return (CoalitionProfile.select(CoalitionProfile.coalition, CoalitionProfile.respondents,
                                    CoalitionProfile.dimensions)
            .where((CoalitionProfile.instrument == instrument_id)
                   & CoalitionProfile.coalition.in_(list(coalition_ids)))
            .tuples())


@prepared
def _instrument_of(slug: str):
    return Instrument.select().where(Instrument.slug == slug).limit(1)


class _ProfileTexts:
    """The instrument's dimension titles and band labels in the current language, looked up
    once for all the profiles of a page instead of once per coalition and dimension."""

    def __init__(self, definition: dict) -> None:
        self.definition = definition
        lang = current_language()
        self.titles = {d["slug"]: localized(d["title"], lang) for d in definition["dimensions"]}
        self._band_labels = {
            id(band): localized(band["label"], lang) for band in definition["bands"]
        }

    def band_label(self, band: dict) -> str:
        label = self._band_labels.get(id(band))
        return localized(band["label"]) if label is None else label


class ScoredResponse(NamedTuple):
    """What a coalition profile needs of one member's latest submission."""

    sector: str | None
    scores: dict[str, float | None]


def latest_scores_by_coalition(
    coalition_ids: list[int], instrument: Instrument
) -> dict[int, list[ScoredResponse]]:
    """Per coalition, each current member's latest submitted scores and sector.

    The same choice as `latest_submissions_by_coalition` (the latest by submission time,
    then id), made in SQL with a window function (SQL text prepared once per length of the
    padded id list), reading only the columns a profile needs: the answers are read and
    decoded only for a submission stored without scores (`_NO_SCORES`; then its
    instrument version is read too, once per version).
    """
    if not coalition_ids:
        return {}
    ids = padded_ids(sorted(set(coalition_ids)))
    built = _latest_scores.built((instrument.id, *ids), key=len(ids))
    # as the driver gives them; the scores' JSON texts decoded in one call
    rows = db.execute_sql(built.sql, built.bind((instrument.id, *ids))).fetchall()
    decoded = json.loads("[" + ",".join(row[3] or "null" for row in rows) + "]")
    out: dict[int, list[ScoredResponse]] = defaultdict(list)
    unscored: list[tuple[int, int, int, str]] = []  # coalition, index, version, answers
    for (coalition_id, sector, version_id, _text, answers_json), scores in zip(
            rows, decoded, strict=True):
        if not scores:
            unscored.append((coalition_id, len(out[coalition_id]), version_id, answers_json))
        out[coalition_id].append(ScoredResponse(sector, scores or {}))
    if unscored:
        versions = {v.id: v.definition for v in InstrumentVersion.select().where(
            InstrumentVersion.id.in_({version_id for _, _, version_id, _ in unscored}))}
        for coalition_id, position, version_id, answers_json in unscored:
            answers = json.loads(answers_json) if answers_json else {}
            sector = out[coalition_id][position].sector
            out[coalition_id][position] = ScoredResponse(
                sector, dimension_scores(versions[version_id], answers or {}))
    return dict(out)


# How a submission without scores has them stored (NULL reads as ''): JSONField writes an
# empty dict as {}.
_NO_SCORES = ("", "{}", "null")


@prepared(keyed=True)
def _latest_scores(count: int, instrument_id: int, *coalition_ids):
    """(coalition, sector, instrument version, scores as JSON text or '', answers as JSON
    text where no scores were stored, else '') of each current member's latest submission
    to the instrument, in the coalitions `coalition_ids` (as plain tuples)."""
    latest_first = fn.ROW_NUMBER().over(
        partition_by=[SelfAssessment.coalition, SelfAssessment.user],
        order_by=[SelfAssessment.submitted_at.desc(), SelfAssessment.id.desc()],
    )
    scores_json = fn.COALESCE(SelfAssessment.scores, "").coerce(False)
    ranked = _of_current_members(
        SelfAssessment.select(
            SelfAssessment.id, SelfAssessment.coalition, SelfAssessment.submitted_at,
            SelfAssessment.sector, SelfAssessment.instrument_version,
            scores_json.alias("scores_json"),
            # the answers only where no scores were stored (as JSON text, else '')
            Case(None, [(scores_json.in_(_NO_SCORES), SelfAssessment.answers)], "")
            .alias("answers_json"),
            latest_first.alias("position"),
        ), list(coalition_ids), instrument_id,
    ).alias("ranked")
    return (
        SelfAssessment.select(
            ranked.c.coalition_id, ranked.c.sector, ranked.c.instrument_version_id,
            ranked.c.scores_json, ranked.c.answers_json,
        )
        .from_(ranked)
        .where(ranked.c.position == 1)
        .order_by(ranked.c.submitted_at, ranked.c.id)
        .tuples()
    )


def dimension_stats(submissions: list[ScoredResponse]) -> dict[str, list]:
    """Per dimension slug present in the scores, [answers, mean, spread] over the
    submissions' scores ("nie wiem" dimensions left out): what a profile shows of each
    dimension (when enough people answered it), and what `CoalitionProfile` stores."""
    per_dimension: dict[str, list[float]] = defaultdict(list)
    for item in submissions:
        for slug, value in item.scores.items():
            if value is not None:
                per_dimension[slug].append(value)
    return {slug: [len(values), _mean(values), round(max(values) - min(values), 2)]
            for slug, values in per_dimension.items()}


def _dimensions(definition: dict, stats: dict[str, list], texts: _ProfileTexts
                ) -> list[DimensionProfile]:
    """The profile's rows, in the instrument's order, from `dimension_stats`."""
    dimensions = []
    for dimension in definition["dimensions"]:
        answers, mean, spread = stats.get(dimension["slug"]) or (0, None, None)
        if answers < MIN_RESPONDENTS:
            mean = spread = None
        band = band_of(definition, mean)
        dimensions.append(DimensionProfile(
            slug=dimension["slug"],
            title=texts.titles[dimension["slug"]],
            mean=mean,
            band=band["key"] if band else None,
            disagreement=spread is not None and spread >= DISAGREEMENT_SPREAD - 1e-9,
            spread=spread,
            respondents=answers,
            band_label=texts.band_label(band) if band is not None else "",
        ))
    return dimensions


def _profile(instrument: Instrument, definition: dict, submissions: list[ScoredResponse],
             texts: _ProfileTexts | None = None, with_sectors: bool = True) -> Profile | None:
    if len(submissions) < MIN_RESPONDENTS:
        return None
    if texts is None or texts.definition is not definition:
        texts = _ProfileTexts(definition)
    by_sector: dict[str, list[ScoredResponse]] = defaultdict(list)
    for item in submissions:
        by_sector[item.sector or "unknown"].append(item)  # no sector: only in "other"
    dimensions = _dimensions(definition, dimension_stats(submissions), texts)
    sectors: list[SectorProfile] = []
    if not with_sectors:
        return Profile(instrument=instrument, respondents=len(submissions),
                       dimensions=dimensions, sectors=sectors, definition=definition)
    shown, rest = shown_sectors({s: len(items) for s, items in by_sector.items()})
    groups = [(s, by_sector[s]) for s in shown]
    if shown and rest:
        groups.append(("other", [i for s, items in by_sector.items() if s not in shown for i in items]))
    for sector, items in groups:
        means = {}
        for dimension in definition["dimensions"]:
            values = [i.scores.get(dimension["slug"]) for i in items]
            values = [v for v in values if v is not None]
            means[dimension["slug"]] = _mean(values) if len(values) >= MIN_RESPONDENTS else None
        label = sector_label(sector) if sector in SECTORS else str(_l("pozostałe sektory"))
        sectors.append(SectorProfile(sector=sector, label=label, respondents=len(items), means=means))
    return Profile(instrument=instrument, respondents=len(submissions), dimensions=dimensions,
                   sectors=sectors, definition=definition)


# --- the profiles kept at write time ---------------------------------------------------------


def profiles_from_scratch(coalition_ids: list[int] | None = None
                          ) -> dict[tuple[int, int], tuple[int, dict[str, list]]]:
    """What `CoalitionProfile` should hold for these coalitions (all when None), computed
    from the answers and memberships: {(coalition, instrument): (respondents, stats)}, for
    every instrument, also where no one answered."""
    if coalition_ids is None:
        coalition_ids = [cid for (cid,) in Coalition.select(Coalition.id).tuples()]
    ids = sorted(set(coalition_ids))
    out: dict[tuple[int, int], tuple[int, dict[str, list]]] = {}
    for instrument in Instrument.select(Instrument.id):
        for start in range(0, len(ids), 200):
            chunk = ids[start:start + 200]
            responses = latest_scores_by_coalition(chunk, instrument)
            for cid in chunk:
                submissions = responses.get(cid, [])
                out[cid, instrument.id] = (len(submissions), dimension_stats(submissions))
    return out


def _store(values: dict[tuple[int, int], tuple[int, dict[str, list]]]) -> None:
    rows = [(cid, instrument_id, respondents, json.dumps(stats, separators=(",", ":")))
            for (cid, instrument_id), (respondents, stats) in values.items()]
    fields = [CoalitionProfile.coalition, CoalitionProfile.instrument,
              CoalitionProfile.respondents, CoalitionProfile.dimensions]
    for start in range(0, len(rows), 200):
        CoalitionProfile.insert_many(rows[start:start + 200], fields=fields).on_conflict(
            conflict_target=[CoalitionProfile.coalition, CoalitionProfile.instrument],
            preserve=[CoalitionProfile.respondents, CoalitionProfile.dimensions],
        ).execute()


def refresh_profiles(coalition_ids: list[int | None]) -> None:
    """Store the profiles of these coalitions afresh: call it inside the transaction of a
    write that changes what they summarise (a submission, a member joining or leaving),
    after the change. Under PostgreSQL it takes the write lock (which
    `write_transaction` holds already), as the database's triggers do."""
    ids = [cid for cid in set(coalition_ids) if cid is not None]
    if not ids:
        return
    if not is_sqlite():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
    _store(profiles_from_scratch(ids))


def recount_profiles() -> int:
    """Repair the stored profiles from the answers (`flask db recount`, migration 15);
    returns how many (coalition, instrument) entries were wrong or missing."""
    with write_transaction():
        expected = profiles_from_scratch()
        stored = {(cid, instrument_id): (respondents, json.loads(text))
                  for cid, instrument_id, respondents, text in CoalitionProfile.select(
                      CoalitionProfile.coalition, CoalitionProfile.instrument,
                      CoalitionProfile.respondents, CoalitionProfile.dimensions).tuples()}
        wrong = differing_keys(expected, stored)
        extra = [key for key in wrong if key not in expected]
        for cid, instrument_id in extra:
            CoalitionProfile.delete().where((CoalitionProfile.coalition == cid) & (
                CoalitionProfile.instrument == instrument_id)).execute()
        _store({key: expected[key] for key in wrong if key in expected})
    return len(wrong)


def respondent_count(coalition: Coalition, instrument_slug: str = DEFAULT_INSTRUMENT) -> int:
    instrument = Instrument.get_or_none(Instrument.slug == instrument_slug)
    return len(latest_submissions(coalition, instrument)) if instrument else 0
