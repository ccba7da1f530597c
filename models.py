"""Peewee models, the database proxy, schema creation and migrations.

The engine varies (SQLite by default, PostgreSQL for larger deployments), so the models
bind to a `DatabaseProxy` that `init_db` points at the real database.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from peewee import (
    BooleanField,
    CharField,
    DatabaseProxy,
    DateField,
    DateTimeField,
    Field,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)
from playhouse.db_url import connect
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate
from werkzeug.security import check_password_hash, generate_password_hash

db = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": 1,
    "cache_size": -16000,
}


def utcnow() -> datetime:
    """Naive UTC timestamp, as stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


class JSONField(TextField):
    """JSON stored as text, so the same model works on SQLite and PostgreSQL."""

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


# --- accounts and coalitions -------------------------------------------------------------

ROLES = ("admin", "trainer", "user")
MEMBERSHIP_ROLES = ("coordinator", "member")
SECTORS = ("library", "local_government", "education_culture", "ngo", "business", "resident")
VOIVODESHIPS = (
    "dolnośląskie", "kujawsko-pomorskie", "lubelskie", "lubuskie", "łódzkie", "małopolskie",
    "mazowieckie", "opolskie", "podkarpackie", "podlaskie", "pomorskie", "śląskie",
    "świętokrzyskie", "warmińsko-mazurskie", "wielkopolskie", "zachodniopomorskie",
)
ROUNDS = (1, 2, 3)

# Polish letters with diacritics and the plain letters people type instead.
POLISH_FOLDS = {
    "ą": "a", "ć": "c", "ę": "e", "ł": "l", "ń": "n", "ó": "o", "ś": "s", "ź": "z", "ż": "z",
    "Ą": "a", "Ć": "c", "Ę": "e", "Ł": "l", "Ń": "n", "Ó": "o", "Ś": "s", "Ź": "z", "Ż": "z",
}
_FOLD_TABLE = str.maketrans(POLISH_FOLDS)


def fold(text: str) -> str:
    """Lower-case and without Polish diacritics: 'Łódź' -> 'lodz'."""
    return text.translate(_FOLD_TABLE).lower()


class User(BaseModel):
    email = CharField(unique=True)
    name = CharField()
    password_hash = CharField()
    role = CharField(default="user", index=True)
    locale = CharField(default="pl")
    active = BooleanField(default=True)
    # Unused since sign-ins became UserSession rows (kept: a column stays with its data).
    session_token = CharField(unique=True, default=lambda: secrets.token_urlsafe(24))
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)
    # The latest thing the person did (progress, watching, a quiz attempt, a self-assessment,
    # a post, a comment), kept by the writes themselves (koalicje/activity.py; migration 7).
    last_active_at = DateTimeField(null=True, index=True)

    @classmethod
    def enabled(cls, alias=None):
        """The filter "the account is not switched off", for `cls` or an alias of it."""
        return (alias or cls).active == True  # noqa: E712

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: the token of this device's UserSession."""
        return self.__dict__.get("session_key", "")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_token = secrets.token_urlsafe(24)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_trainer(self) -> bool:
        return self.role == "trainer"

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return cls.get_or_none(cls.email == normalize_email(email))


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


class Coalition(BaseModel):
    slug = CharField(unique=True)
    name = CharField()
    gmina = CharField(index=True)
    voivodeship = CharField(index=True)
    library = CharField()
    round = IntegerField(index=True)
    founded = DateField(null=True)
    goals = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    # What the directory's search matches: fold(gmina), fold(library), kept by save() and
    # `folded()` (issue 10: folding 450 rows in SQL cost more than the rest of the search).
    gmina_folded = CharField(default="")
    library_folded = CharField(default="")

    FOLDED = {"gmina": "gmina_folded", "library": "library_folded"}

    @classmethod
    def folded(cls, values: dict[str, Any]) -> dict[str, Any]:
        """`values` (field name -> value, as for `update()`) with the folded columns of the
        gmina and library among them added."""
        extra = {cls.FOLDED[name]: fold(value or "") for name, value in values.items()
                 if name in cls.FOLDED}
        return {**values, **extra}

    def save(self, *args: Any, **kwargs: Any) -> Any:
        self.gmina_folded = fold(self.gmina or "")
        self.library_folded = fold(self.library or "")
        only = kwargs.get("only")
        if only is not None:
            names = {getattr(f, "name", f) for f in only}
            if names & set(self.FOLDED):
                kwargs["only"] = [*only, Coalition.gmina_folded, Coalition.library_folded]
        return super().save(*args, **kwargs)


class Membership(BaseModel):
    user = ForeignKeyField(User, backref="memberships", on_delete="CASCADE")
    coalition = ForeignKeyField(Coalition, backref="memberships", on_delete="CASCADE")
    role = CharField(default="member")
    sector = CharField(default="resident")
    joined_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "coalition"), True),)


class TrainerAssignment(BaseModel):
    trainer = ForeignKeyField(User, backref="assignments", on_delete="CASCADE")
    coalition = ForeignKeyField(Coalition, backref="trainer_assignments", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("trainer", "coalition"), True),)


class Invite(BaseModel):
    """A single-use invitation. Only the SHA-256 of the token is stored."""

    token_hash = CharField(unique=True)
    email = CharField(default="")
    role = CharField(default="user")
    coalition = ForeignKeyField(Coalition, null=True, backref="invites", on_delete="CASCADE")
    membership_role = CharField(null=True)
    sector = CharField(null=True)
    created_by = ForeignKeyField(User, backref="invites_sent", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    used_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")


class PasswordReset(BaseModel):
    token_hash = CharField(unique=True)
    user = ForeignKeyField(User, backref="resets", on_delete="CASCADE")
    created_by = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)


class LoginAttempt(BaseModel):
    """Failed sign-ins, counted per account and per address for throttling."""

    email = CharField(index=True)
    address = CharField(index=True)
    at = DateTimeField(default=utcnow, index=True)


class AuditLog(BaseModel):
    """Who did what: role changes, deactivations, moderation, backups."""

    actor = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    action = CharField(index=True)
    target = CharField(default="")
    detail = TextField(default="")
    at = DateTimeField(default=utcnow, index=True)

    @classmethod
    def record(cls, actor: User | None, action: str, target: str = "", detail: str = "") -> None:
        cls.create(actor=actor, action=action, target=target, detail=detail)


# --- signed-in devices ----------------------------------------------------------------------


class UserSession(BaseModel):
    """One signed-in device: the session cookie carries a random token, only its hash is here.

    Logging out deletes the row (a copied cookie stops working); password change, reset and
    deactivation delete all of a user's rows. A row also ends after SESSION_IDLE_MINUTES
    without a request and SESSION_MAX_DAYS after sign-in (see koalicje/sessions.py).
    """

    token_hash = CharField(unique=True)
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow, index=True)
    last_seen_at = DateTimeField(default=utcnow, index=True)
    # Shown once on the page after a redirect (a new invite or reset link), kept here rather
    # than in the signed but readable cookie.
    pending = JSONField(default=dict)


SESSION_MODELS: list[type[BaseModel]] = [UserSession]


class SchemaVersion(BaseModel):
    version = IntegerField()
    applied_at = DateTimeField(default=utcnow)


# --- learning path (content/modules, progress) ------------------------------------------

MODULE_KINDS = ("webinar", "film", "reading")


class Archivable:
    """Query helpers of curriculum rows that content sync archives instead of deleting
    (Module, Quiz, Instrument): "active" means not archived."""

    @classmethod
    def not_archived(cls, alias=None):
        """The filter "not archived", for `cls` or an alias of it (`Module.alias()`)."""
        return (alias or cls).archived == False  # noqa: E712

    @classmethod
    def active(cls):
        return cls.select().where(cls.not_archived())

    @classmethod
    def get_active(cls, slug: str):
        """The active row with this slug, or None."""
        return cls.get_or_none((cls.slug == slug) & cls.not_archived())


class Module(Archivable, BaseModel):
    """A module of the learning path, synced from content/modules/*.md by its slug."""

    slug = CharField(unique=True)
    position = IntegerField(index=True)
    kind = CharField()  # one of MODULE_KINDS
    title_pl = CharField()
    title_en = CharField()
    summary_pl = TextField(default="")
    summary_en = TextField(default="")
    body = TextField(default="")  # Markdown source (trusted: written by the programme team)
    meta = JSONField(default=dict)  # the rest of the front matter (presenters, materials, ...)
    quiz_slug = CharField(null=True)
    prerequisites = JSONField(default=list)  # slugs
    required = BooleanField(default=True)
    estimated_minutes = IntegerField(default=0)
    duration_seconds = IntegerField(null=True)
    content_hash = CharField(default="")
    archived = BooleanField(default=False, index=True)
    updated_at = DateTimeField(default=utcnow)

    @classmethod
    def active(cls):
        """The learning path: active modules in order."""
        return super().active().order_by(cls.position)

    @classmethod
    def required_and_active(cls, alias=None):
        """The filter "counts towards completing the path": active and required."""
        return cls.not_archived(alias) & ((alias or cls).required == True)  # noqa: E712


MODULE_STATUSES = ("not_started", "in_progress", "completed")


class ModuleProgress(BaseModel):
    """One learner's progress in one module. Rows are never deleted by content sync."""

    user = ForeignKeyField(User, backref="progress", on_delete="CASCADE")
    module = ForeignKeyField(Module, backref="progress", on_delete="CASCADE")
    status = CharField(default="in_progress", index=True)
    watched = BooleanField(default=False)  # watched or read: the content half of completion
    started_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow, index=True)
    completed_at = DateTimeField(null=True)

    class Meta:
        # (user, module, status): a learner's statuses read from the index alone (the
        # progress matrix, its exports, the overview's completions; issue 10). Created by
        # create_tables on every start, so migration 15 brings it to existing databases.
        indexes = ((("user", "module"), True), (("user", "module", "status"), False))


class WatchState(BaseModel):
    """What a learner actually played of a module's local recording, and where they stopped.

    `intervals` holds merged [start, end] pairs in seconds, so the watched share is a union
    of what was played, however often or out of order the player reported it.
    """

    user = ForeignKeyField(User, backref="watch_states", on_delete="CASCADE")
    module = ForeignKeyField(Module, backref="watch_states", on_delete="CASCADE")
    source = CharField(default="")  # which recording (file name) the intervals refer to
    duration = FloatField(default=0)
    intervals = JSONField(default=list)
    watched_seconds = FloatField(default=0)
    position = FloatField(default=0)
    session = CharField(default="")  # the page load that sent the newest position
    seq = IntegerField(default=0)  # its report counter (older reports do not move position)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "module"), True),)

    @property
    def share(self) -> float:
        return min(1.0, self.watched_seconds / self.duration) if self.duration else 0.0


MEDIA_ROLES = ("recording", "light", "captions", "transcript", "handout", "material")


class MediaFile(BaseModel):
    """A file uploaded by a trainer or admin and attached to a module.

    Stored under UPLOAD_DIR with a generated name; `original_name` is only shown and offered
    as the download name.
    """

    module = ForeignKeyField(Module, backref="files", on_delete="CASCADE")
    role = CharField(index=True)  # one of MEDIA_ROLES
    title = CharField(default="")
    original_name = CharField()
    stored_name = CharField(unique=True)
    content_type = CharField()
    size = IntegerField()
    uploaded_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    deleted_at = DateTimeField(null=True)


class LearningPreference(BaseModel):
    """Per-user choices of the learning area (the light version for slow connections)."""

    user = ForeignKeyField(User, unique=True, backref="+", on_delete="CASCADE")
    light = BooleanField(default=False)
    updated_at = DateTimeField(default=utcnow)


class Certificate(BaseModel):
    """Issued when every required module is completed; anyone may verify it by its code."""

    user = ForeignKeyField(User, unique=True, backref="+", on_delete="CASCADE")
    code = CharField(unique=True)
    name = CharField()  # the learner's name when it was issued
    modules = JSONField(default=list)  # [{slug, title_pl, title_en, completed_at}]
    issued_at = DateTimeField(default=utcnow)


LEARNING_MODELS: list[type[BaseModel]] = [
    Module, ModuleProgress, WatchState, MediaFile, LearningPreference, Certificate,
]


# --- quizzes and self-assessment ----------------------------------------------------------


class Quiz(Archivable, BaseModel):
    slug = CharField(unique=True)
    module_slug = CharField(null=True, index=True)
    title = CharField()
    pass_mark = FloatField(default=0.7)  # share of points needed, 0..1
    version = IntegerField(default=1)  # the current QuizVersion.number
    archived = BooleanField(default=False)


class QuizVersion(BaseModel):
    """An immutable snapshot of a quiz's questions; attempts point at the one they took."""

    quiz = ForeignKeyField(Quiz, backref="versions", on_delete="CASCADE")
    number = IntegerField()
    content_hash = CharField()
    definition = JSONField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("quiz", "number"), True),)


class QuizAttempt(BaseModel):
    user = ForeignKeyField(User, backref="quiz_attempts", on_delete="CASCADE")
    quiz = ForeignKeyField(Quiz, backref="attempts", on_delete="CASCADE")
    quiz_version = ForeignKeyField(QuizVersion, backref="attempts", on_delete="CASCADE")
    answers = JSONField(default=dict)  # question id -> chosen option ids
    results = JSONField(default=dict)  # question id -> true/false (answered correctly)
    score = FloatField(default=0)  # share of points, 0..1
    passed = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        # each learner's best score per quiz (what keeps `QuizBest`) read from the index
        # alone: no visit to the rows and their answers
        indexes = ((("user", "quiz", "score"), False),)


class Instrument(Archivable, BaseModel):
    """A self-assessment instrument (content/self_assessment/<slug>.yaml), kept by slug."""

    slug = CharField(unique=True)
    title = CharField()  # Polish title; both languages are in the version's definition
    version = IntegerField(default=1)  # the current InstrumentVersion.number
    archived = BooleanField(default=False)


class InstrumentVersion(BaseModel):
    """An immutable snapshot of an instrument; answers point at the version they used."""

    instrument = ForeignKeyField(Instrument, backref="versions", on_delete="CASCADE")
    number = IntegerField()
    content_hash = CharField()
    definition = JSONField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("instrument", "number"), True),)


SELF_ASSESSMENT_STATUSES = ("draft", "submitted")


class SelfAssessment(BaseModel):
    """One person's answers to an instrument: a draft until submitted, then kept as history."""

    user = ForeignKeyField(User, backref="self_assessments", on_delete="CASCADE")
    coalition = ForeignKeyField(
        Coalition, null=True, backref="self_assessments", on_delete="SET NULL"
    )
    instrument = ForeignKeyField(Instrument, backref="answers", on_delete="CASCADE")
    instrument_version = ForeignKeyField(
        InstrumentVersion, backref="answers", on_delete="CASCADE"
    )
    sector = CharField(null=True)
    answers = JSONField(default=dict)  # statement id -> 1..5, or 0 for "nie wiem"
    scores = JSONField(default=dict)  # dimension slug -> mean (None: no usable answers)
    status = CharField(default="draft", index=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    submitted_at = DateTimeField(null=True, index=True)


# --- quizzes: each coalition's self-assessment profile kept at write time (issue 10) ---------


class CoalitionProfile(BaseModel):
    """What a coalition's self-assessment profile summarises, per instrument: how many current
    members submitted answers (their latest submission counts) and, per dimension slug,
    [answers, mean, spread] (`koalicje.self_assessment.dimension_stats`), as JSON text.

    Written by the writes that change it, in their transaction (`self_assessment.
    refresh_profiles`: submitting, joining, leaving). Database triggers on `self_assessment`
    and `membership` (`create_profile_triggers`) delete a coalition's rows whenever anything
    else changes what they summarise (bulk loads, cascades, direct updates), so a row is
    either right or missing, and a missing one is computed from the answers when read.
    `flask db recount` (`self_assessment.recount_profiles`) rebuilds them.
    """

    coalition = ForeignKeyField(Coalition, backref="+", on_delete="CASCADE")
    instrument = ForeignKeyField(Instrument, backref="+", on_delete="CASCADE")
    respondents = IntegerField(default=0)
    dimensions = TextField(default="{}")

    class Meta:
        table_name = "coalition_profile"
        indexes = ((("coalition", "instrument"), True),)


def _profile_triggers_sqlite() -> list[str]:
    forget = "DELETE FROM coalition_profile WHERE coalition_id IN ({});"
    submitted = "{0}.status = 'submitted'"
    return [
        "CREATE TRIGGER IF NOT EXISTS coalition_profile_answers_insert "
        f"AFTER INSERT ON self_assessment WHEN {submitted.format('NEW')} "
        f"BEGIN {forget.format('NEW.coalition_id')} END",
        "CREATE TRIGGER IF NOT EXISTS coalition_profile_answers_delete "
        f"AFTER DELETE ON self_assessment WHEN {submitted.format('OLD')} "
        f"BEGIN {forget.format('OLD.coalition_id')} END",
        "CREATE TRIGGER IF NOT EXISTS coalition_profile_answers_update "
        "AFTER UPDATE ON self_assessment "
        f"WHEN {submitted.format('OLD')} OR {submitted.format('NEW')} "
        f"BEGIN {forget.format('OLD.coalition_id, NEW.coalition_id')} END",
        "CREATE TRIGGER IF NOT EXISTS coalition_profile_members_insert "
        f"AFTER INSERT ON membership BEGIN {forget.format('NEW.coalition_id')} END",
        "CREATE TRIGGER IF NOT EXISTS coalition_profile_members_delete "
        f"AFTER DELETE ON membership BEGIN {forget.format('OLD.coalition_id')} END",
        "CREATE TRIGGER IF NOT EXISTS coalition_profile_members_update "
        "AFTER UPDATE OF user_id, coalition_id ON membership "
        f"BEGIN {forget.format('OLD.coalition_id, NEW.coalition_id')} END",
    ]


def _profile_triggers_postgres() -> list[str]:
    # The write lock of `write_transaction` first: a profile being stored by a write that
    # holds it is then either deleted after it commits or computed after this one commits.
    return [
        f"""CREATE OR REPLACE FUNCTION coalition_profile_forget() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_advisory_xact_lock({WRITE_LOCK_KEY});
          IF TG_OP <> 'INSERT' THEN
            DELETE FROM coalition_profile WHERE coalition_id = OLD.coalition_id;
          END IF;
          IF TG_OP <> 'DELETE' THEN
            DELETE FROM coalition_profile WHERE coalition_id = NEW.coalition_id;
          END IF;
          RETURN NULL;
        END $$""",
        "CREATE OR REPLACE TRIGGER coalition_profile_answers_insert AFTER INSERT "
        "ON self_assessment FOR EACH ROW WHEN (NEW.status = 'submitted') "
        "EXECUTE FUNCTION coalition_profile_forget()",
        "CREATE OR REPLACE TRIGGER coalition_profile_answers_delete AFTER DELETE "
        "ON self_assessment FOR EACH ROW WHEN (OLD.status = 'submitted') "
        "EXECUTE FUNCTION coalition_profile_forget()",
        "CREATE OR REPLACE TRIGGER coalition_profile_answers_update AFTER UPDATE "
        "ON self_assessment FOR EACH ROW "
        "WHEN (OLD.status = 'submitted' OR NEW.status = 'submitted') "
        "EXECUTE FUNCTION coalition_profile_forget()",
        "CREATE OR REPLACE TRIGGER coalition_profile_members AFTER INSERT OR DELETE "
        "OR UPDATE OF user_id, coalition_id ON membership "
        "FOR EACH ROW EXECUTE FUNCTION coalition_profile_forget()",
    ]


def create_profile_triggers() -> None:
    """Create the triggers that delete a coalition's stored profiles when what they summarise
    changes (when missing; the table comes with `create_tables`)."""
    for statement in (_profile_triggers_sqlite() if is_sqlite()
                      else _profile_triggers_postgres()):
        db.execute_sql(statement)


# --- quizzes: each learner's best score kept at write time (issue 10) ------------------------


class QuizBest(BaseModel):
    """A learner's best score at a quiz: the highest `QuizAttempt.score` of their attempts
    at it (a learner without attempts at a quiz has no row). The trainer's progress matrix
    and its exports read one row per learner and quiz from the (user, quiz, score) index,
    not every attempt grouped (`koalicje.trainer.progress_matrix`).

    Kept by database triggers on `quiz_attempt` (`create_quiz_best`), so every write keeps
    it, whatever writes: a submission, a bulk load, an attempt moved, rescored or deleted,
    the cascades of a deleted learner, quiz or version. An attempt added raises its pair's
    best; any other write recomputes the pairs it touched from their attempts. `flask db
    recount` (`recount_quiz_best`) repairs it.
    """

    user = ForeignKeyField(User, backref="+", on_delete="CASCADE", index=False)  # below
    quiz = ForeignKeyField(Quiz, backref="+", on_delete="CASCADE")
    score = FloatField()

    class Meta:
        table_name = "quiz_best"
        # the pair's one row (what the triggers' upsert finds), and the matrix's reads
        # from the index alone, in its order
        indexes = ((("user", "quiz"), True), (("user", "quiz", "score"), False))


def _best_of(row: str) -> str:
    """The SQL condition "the pair of `row`" (NEW or OLD, in a trigger on `quiz_attempt`)."""
    return f"user_id = {row}.user_id AND quiz_id = {row}.quiz_id"


def _best_recompute(row: str) -> str:
    """SQL statements (in a trigger) setting the best score of `row`'s pair to the highest
    of its attempts, or deleting it when none is left. Never an insert: during a deleted
    learner's or quiz's cascade the pair's user or quiz may be gone already."""
    pair = _best_of(row)
    return (f"DELETE FROM quiz_best WHERE {pair} AND NOT EXISTS "
            f"(SELECT 1 FROM quiz_attempt WHERE {pair}); "
            f"UPDATE quiz_best SET score = (SELECT MAX(score) FROM quiz_attempt WHERE {pair}) "
            f"WHERE {pair};")


def _best_raise(row: str, greatest: str) -> str:
    """The SQL statement (in a trigger) raising the best score of `row`'s pair to its score
    (the pair's row made when missing); `greatest` is the engine's two-argument maximum."""
    return ("INSERT INTO quiz_best (user_id, quiz_id, score) "
            f"VALUES ({row}.user_id, {row}.quiz_id, {row}.score) "
            "ON CONFLICT (user_id, quiz_id) DO UPDATE "
            f"SET score = {greatest}(quiz_best.score, excluded.score);")


def _best_triggers_sqlite() -> list[str]:
    return [
        "CREATE TRIGGER IF NOT EXISTS quiz_best_insert AFTER INSERT ON quiz_attempt "
        f"BEGIN {_best_raise('NEW', 'MAX')} END",
        "CREATE TRIGGER IF NOT EXISTS quiz_best_delete AFTER DELETE ON quiz_attempt "
        f"BEGIN {_best_recompute('OLD')} END",
        "CREATE TRIGGER IF NOT EXISTS quiz_best_update "
        "AFTER UPDATE OF user_id, quiz_id, score ON quiz_attempt "
        f"BEGIN {_best_recompute('OLD')} {_best_raise('NEW', 'MAX')} END",
    ]


def _best_triggers_postgres() -> list[str]:
    return [
        f"""CREATE OR REPLACE FUNCTION quiz_best_keep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            -- the pair's row locked first: the recount below then sees every other
            -- writer's committed attempts
            PERFORM 1 FROM quiz_best WHERE {_best_of('OLD')} FOR UPDATE;
            {_best_recompute('OLD')}
          END IF;
          IF TG_OP IN ('UPDATE', 'INSERT') THEN
            {_best_raise('NEW', 'GREATEST')}
          END IF;
          RETURN NULL;
        END $$""",
        "CREATE OR REPLACE TRIGGER quiz_best_keep "
        "AFTER INSERT OR DELETE OR UPDATE OF user_id, quiz_id, score "
        "ON quiz_attempt FOR EACH ROW EXECUTE FUNCTION quiz_best_keep()",
    ]


_BEST_FROM_ATTEMPTS = ("SELECT user_id, quiz_id, MAX(score) FROM quiz_attempt "
                       "GROUP BY user_id, quiz_id")


def differing_keys(expected: dict, stored: dict, missing: Any = None) -> set:
    """The keys whose value differs between what a summary kept by the database should
    hold and what it holds (`missing`: the value of a key one side lacks); for the
    recounts of `flask db recount`."""
    return {key for key in expected.keys() | stored.keys()
            if expected.get(key, missing) != stored.get(key, missing)}


def quiz_best_from_scratch() -> dict[tuple[int, int], float]:
    """What `QuizBest` should hold, computed from the attempts: {(user, quiz): best}."""
    return {(user, quiz): best for user, quiz, best in
            db.execute_sql(_BEST_FROM_ATTEMPTS).fetchall()}


def recount_quiz_best() -> int:
    """Repair `QuizBest` from the attempts (for `flask db recount`); returns how many
    (learner, quiz) pairs were wrong."""
    return _recount(quiz_best_from_scratch,
                    lambda: _by_key(QuizBest.select(QuizBest.user, QuizBest.quiz,
                                                    QuizBest.score)),
                    lambda _expected: fill_quiz_best())


def _recount(expected: Callable[[], dict], stored: Callable[[], dict],
             refill: Callable[[dict], Any], missing: Any = None) -> int:
    """Compare a summary the database keeps with what it should hold, in one write
    transaction, and refill it when they differ: `expected()` and `stored()` give {key:
    value}, `refill(expected)` writes it all again. Returns how many keys were wrong
    (`missing`: the value of a key one side lacks)."""
    with write_transaction():
        want = expected()
        wrong = differing_keys(want, stored(), missing)
        if wrong:
            refill(want)
    return len(wrong)


def _by_key(query: Any) -> dict:
    """{the row's other columns: its last column} of a selection's rows."""
    return {tuple(row[:-1]): row[-1] for row in query.tuples()}


def fill_quiz_best() -> None:
    """`QuizBest` computed afresh from the attempts."""
    QuizBest.delete().execute()
    db.execute_sql(f"INSERT INTO quiz_best (user_id, quiz_id, score) {_BEST_FROM_ATTEMPTS}")


def create_quiz_best(fill: bool) -> None:
    """Create the triggers that keep `QuizBest` (when missing; the table comes with
    `create_tables`), and with `fill` fill it from the attempts."""
    QuizBest.create_table(safe=True)
    for statement in (_best_triggers_sqlite() if is_sqlite() else _best_triggers_postgres()):
        db.execute_sql(statement)
    if fill:
        fill_quiz_best()


def drop_quiz_best_triggers() -> None:
    """Drop what keeps `QuizBest` (a database as it was before migration 18, for tests)."""
    if is_sqlite():
        for event in ("insert", "delete", "update"):
            db.execute_sql(f"DROP TRIGGER IF EXISTS quiz_best_{event}")
    else:
        db.execute_sql("DROP FUNCTION IF EXISTS quiz_best_keep() CASCADE")


QUIZ_MODELS: list[type[BaseModel]] = [
    Quiz, QuizVersion, QuizAttempt, QuizBest, Instrument, InstrumentVersion, SelfAssessment,
    CoalitionProfile,
]


# --- noticeboard ----------------------------------------------------------------------------

POST_CATEGORIES = ("announcement", "event", "need", "offer", "success")


class Post(BaseModel):
    """A post on a coalition's board, or on the programme-wide board (coalition is NULL)."""

    coalition = ForeignKeyField(Coalition, null=True, backref="posts", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="posts", on_delete="CASCADE")
    category = CharField(default="announcement", index=True)
    title = CharField(max_length=200)
    body_source = TextField()  # Markdown as written
    body_html = TextField()  # rendered and sanitized (nh3)
    pinned = BooleanField(default=False)
    must_read = BooleanField(default=False)
    event_at = DateTimeField(null=True, index=True)
    event_place = CharField(default="")
    module_slug = CharField(null=True, index=True)  # a learning-path task this post answers
    created_at = DateTimeField(default=utcnow, index=True)
    edited_at = DateTimeField(null=True)
    deleted_at = DateTimeField(null=True)
    hidden_at = DateTimeField(null=True)
    hidden_reason = TextField(default="")
    hidden_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = (
            # The header's unread counts on every page: posts of a board newer than the last
            # visit, counted from the index alone (no reads of the posts' bodies).
            (("coalition", "created_at", "author", "deleted_at", "hidden_at"), False),
            # A board's pinned and must-read posts (the top of the board: the flag first, so
            # the programme board's `coalition IS NULL` works inside an OR too) and its
            # upcoming events, read from small index ranges, not every post of the board.
            (("pinned", "coalition"), False),
            (("must_read", "coalition"), False),
            (("coalition", "category", "event_at"), False),
            # The posting rate check reads one author's posts of the last minute, not all
            # of them.
            (("author", "created_at"), False),
        )


# The learning path's course-task posts of one author: a partial index holds only task
# posts, so it stays small and the planner picks it even when an author wrote hundreds.
Post.add_index(Post.index(Post.author, Post.module_slug).where(Post.module_slug.is_null(False)))


class Comment(BaseModel):
    post = ForeignKeyField(Post, backref="comments", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="comments", on_delete="CASCADE")
    body_source = TextField()
    body_html = TextField()
    created_at = DateTimeField(default=utcnow, index=True)
    edited_at = DateTimeField(null=True)
    deleted_at = DateTimeField(null=True)
    hidden_at = DateTimeField(null=True)
    hidden_reason = TextField(default="")
    hidden_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        # The posting rate check counts an author's comments of the last minute; a board's
        # comment counts (`posts.extras`: ~40 posts, ~3 comments each) read who may see each
        # comment from the index alone, not from every comment's row (~0.25 -> 0.09 ms on
        # the full data set). Existing databases get it at `flask db upgrade` (create_tables).
        indexes = ((("author", "created_at"), False),
                   (("post", "deleted_at", "hidden_at", "author"), False))


class BoardVisit(BaseModel):
    """When a user last looked at a board ("new since your last visit").

    `board_key` is "programme" for the programme-wide board, else the coalition id as text;
    it makes (user, board) unique even though `coalition` is NULL for the programme board.
    """

    user = ForeignKeyField(User, backref="board_visits", on_delete="CASCADE")
    coalition = ForeignKeyField(Coalition, null=True, backref="+", on_delete="CASCADE")
    board_key = CharField()
    seen_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "board_key"), True),)


class ReadConfirmation(BaseModel):
    """A reader confirmed a must-read post ("przeczytane")."""

    post = ForeignKeyField(Post, backref="confirmations", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="read_confirmations", on_delete="CASCADE")
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("post", "user"), True),)


class FeedToken(BaseModel):
    """A user's random secret for private board feeds (Atom, iCalendar); reset replaces it.

    Feed URLs carry `<user id>.<HMAC of the board with this secret>`, so one leaked URL opens
    one board's feed only, and a reset invalidates them all.
    """

    user = ForeignKeyField(User, backref="+", unique=True, on_delete="CASCADE")
    secret = CharField(default=lambda: secrets.token_urlsafe(32))
    created_at = DateTimeField(default=utcnow)


# --- board: new-post counts kept at write time (issue 10) -------------------------------------


class PostTally(BaseModel):
    """How many posts of a board, created in one calendar month, everyone may see (neither
    deleted nor hidden): the header's new-post counts add up whole months from here and count
    only the first, partial month from the posts (`koalicje.board.posts.navigation`).

    Kept by database triggers on `post` (`create_post_tally`), so every write keeps it,
    whatever writes: the board's functions, bulk loads, cascades. `board` is the coalition id,
    0 for the programme board; `month` is year * 100 + month of `created_at`, and 0 for the
    board's total of all months (`TALLY_TOTAL`): the months after a visit are the total less
    the months up to it, whichever of the two ranges is shorter (a reader who has not looked
    at a board for two years adds up one or two rows, not twenty-four).
    """

    board = IntegerField()
    month = IntegerField()
    posts = IntegerField(default=0)

    class Meta:
        table_name = "post_tally"
        indexes = ((("board", "month"), True),)


TALLY_TOTAL = 0  # `PostTally.month` of a board's row of all its months

# The reader's own posts, which the new-post counts take away from `PostTally`'s months:
# counted from this index alone, the author's posts on one board from a month on.
Post.add_index(Post.index(Post.author, Post.coalition, Post.created_at, Post.deleted_at,
                          Post.hidden_at))


def _tally_month(row: str) -> str:
    """The SQL of a post row's tally month (`row` is NEW or OLD in a trigger)."""
    if is_sqlite():  # as the text is stored, so it agrees with the text comparisons of reads
        return (f"CAST(substr({row}.created_at, 1, 4) || substr({row}.created_at, 6, 2) "
                "AS INTEGER)")
    return (f"CAST(EXTRACT(YEAR FROM {row}.created_at) * 100 "
            f"+ EXTRACT(MONTH FROM {row}.created_at) AS INTEGER)")


def _tally_triggers_sqlite() -> list[str]:
    def visible(row: str) -> str:
        return f"{row}.deleted_at IS NULL AND {row}.hidden_at IS NULL"

    def key(row: str) -> str:  # the post's month and the board's total
        return (f"board = IFNULL({row}.coalition_id, 0) "
                f"AND month IN ({_tally_month(row)}, {TALLY_TOTAL})")

    def add(row: str) -> str:
        return (f"INSERT OR IGNORE INTO post_tally (board, month, posts) "
                f"SELECT IFNULL({row}.coalition_id, 0), {_tally_month(row)}, 0 "
                f"WHERE {visible(row)} UNION ALL "
                f"SELECT IFNULL({row}.coalition_id, 0), {TALLY_TOTAL}, 0 WHERE {visible(row)}; "
                f"UPDATE post_tally SET posts = posts + 1 WHERE {visible(row)} AND {key(row)};")

    def remove(row: str) -> str:
        return f"UPDATE post_tally SET posts = posts - 1 WHERE {visible(row)} AND {key(row)};"

    return [
        f"CREATE TRIGGER IF NOT EXISTS post_tally_insert AFTER INSERT ON post "
        f"BEGIN {add('NEW')} END",
        f"CREATE TRIGGER IF NOT EXISTS post_tally_delete AFTER DELETE ON post "
        f"BEGIN {remove('OLD')} END",
        f"CREATE TRIGGER IF NOT EXISTS post_tally_update "
        f"AFTER UPDATE OF coalition_id, created_at, deleted_at, hidden_at ON post "
        f"BEGIN {remove('OLD')} {add('NEW')} END",
    ]


def _tally_triggers_postgres() -> list[str]:
    def visible(row: str) -> str:
        return f"{row}.deleted_at IS NULL AND {row}.hidden_at IS NULL"

    # Each write takes its board's total row first, then the month's, one statement each:
    # concurrent writes to one board lock the two rows in the same order (no deadlock
    # between, say, a new post and a post of the same month hidden meanwhile).
    def remove(month: str) -> str:
        return ("UPDATE post_tally SET posts = posts - 1 "
                f"WHERE board = COALESCE(OLD.coalition_id, 0) AND month = {month};")

    def add(month: str) -> str:
        return ("INSERT INTO post_tally (board, month, posts) "
                f"VALUES (COALESCE(NEW.coalition_id, 0), {month}, 1) "
                "ON CONFLICT (board, month) DO UPDATE SET posts = post_tally.posts + 1;")

    return [
        f"""CREATE OR REPLACE FUNCTION post_tally_keep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') AND {visible('OLD')} THEN
            {remove(str(TALLY_TOTAL))}
            {remove(_tally_month('OLD'))}
          END IF;
          IF TG_OP IN ('UPDATE', 'INSERT') AND {visible('NEW')} THEN
            {add(str(TALLY_TOTAL))}
            {add(_tally_month('NEW'))}
          END IF;
          RETURN NULL;
        END $$""",
        "CREATE OR REPLACE TRIGGER post_tally_keep "
        "AFTER INSERT OR DELETE OR UPDATE OF coalition_id, created_at, deleted_at, hidden_at "
        "ON post FOR EACH ROW EXECUTE FUNCTION post_tally_keep()",
    ]


def post_tally_from_scratch() -> dict[tuple[int, int], int]:
    """What `PostTally` should hold, computed from the posts: {(board, month): posts},
    each board's total of all months among them (month `TALLY_TOTAL`)."""
    rows = db.execute_sql(
        f"SELECT COALESCE(post.coalition_id, 0), {_tally_month('post')}, COUNT(*) FROM post "
        "WHERE post.deleted_at IS NULL AND post.hidden_at IS NULL GROUP BY 1, 2").fetchall()
    tally = {(int(board), int(at)): count for board, at, count in rows}
    for (board, _at), count in list(tally.items()):
        tally[(board, TALLY_TOTAL)] = tally.get((board, TALLY_TOTAL), 0) + count
    return tally


def recount_post_tally() -> int:
    """Repair `PostTally` from the posts (for `flask db recount`); returns how many
    (board, month) entries were wrong."""
    def refill(expected: dict[tuple[int, int], int]) -> None:
        PostTally.delete().execute()
        PostTally.insert_many(
            [(board, at, posts) for (board, at), posts in expected.items()],
            fields=[PostTally.board, PostTally.month, PostTally.posts]).execute()

    return _recount(post_tally_from_scratch,
                    lambda: _by_key(PostTally.select(PostTally.board, PostTally.month,
                                                     PostTally.posts)),
                    refill, missing=0)


def create_post_tally(fill: bool) -> None:
    """Create the triggers that keep `PostTally` (when missing), and with `fill` fill the
    table from the posts: when it is new, in the transaction that created it, so no post is
    written in between."""
    PostTally.create_table(safe=True)
    for statement in (_tally_triggers_sqlite() if is_sqlite() else _tally_triggers_postgres()):
        db.execute_sql(statement)
    if fill:
        rows = [(board, at, posts) for (board, at), posts in post_tally_from_scratch().items()]
        for start in range(0, len(rows), 300):
            PostTally.insert_many(rows[start:start + 300],
                                  fields=[PostTally.board, PostTally.month, PostTally.posts]
                                  ).execute()


BOARD_MODELS: list[type[BaseModel]] = [Post, Comment, BoardVisit, ReadConfirmation, FeedToken,
                                       PostTally]


# --- workshop: partners' map, research meeting, priorities and action plan ------------------

PARTNER_STATUSES = ("potential", "approached", "partner", "declined")
RESOURCE_KINDS = ("premises", "people", "money", "know_how", "reach", "equipment")
MEETING_STEPS = ("preparation", "invitations", "agenda", "questions", "after")
ACTION_STATUSES = ("planned", "in_progress", "done", "dropped")


class PartnerEntry(BaseModel):
    """An institution or person in the gmina on the coalition's partners' map."""

    coalition = ForeignKeyField(Coalition, backref="partner_entries", on_delete="CASCADE")
    name = CharField(max_length=200)
    sector = CharField()  # one of SECTORS
    resources = JSONField(default=list)  # RESOURCE_KINDS it could bring
    contribution = TextField(default="")  # what it could bring, in words
    status = CharField(default="potential", index=True)  # one of PARTNER_STATUSES
    email = CharField(default="")  # for an invite, when the partner has or gets an account
    invite = ForeignKeyField(Invite, null=True, backref="+", on_delete="SET NULL")
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow, index=True)


class Meeting(BaseModel):
    """A partnership research meeting, planned from the framework scenario's steps."""

    coalition = ForeignKeyField(Coalition, backref="meetings", on_delete="CASCADE")
    title = CharField(max_length=200)
    starts_at = DateTimeField(null=True)
    place = CharField(default="")
    checklist = JSONField(default=list)  # [{"step": MEETING_STEPS item, "text", "done"}]
    post = ForeignKeyField(Post, null=True, backref="+", on_delete="SET NULL")  # board event
    votes_per_person = IntegerField(default=3)
    held = BooleanField(default=False)
    vote_closed_at = DateTimeField(null=True)
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow, index=True)


class MeetingParticipant(BaseModel):
    """Someone invited to a meeting (by sector; an account is optional), present or not."""

    meeting = ForeignKeyField(Meeting, backref="participants", on_delete="CASCADE")
    name = CharField(max_length=200)
    sector = CharField()
    user = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    present = BooleanField(default=False)


class Need(BaseModel):
    """A need or problem of the gmina noted at a meeting: a theme, a short text, the sector
    that raised it (not necessarily a person)."""

    meeting = ForeignKeyField(Meeting, backref="needs", on_delete="CASCADE")
    theme = CharField(max_length=100)
    text = CharField(max_length=500)
    sector = CharField(null=True)
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)


class NeedVote(BaseModel):
    """One dot: a participant with an account supports a need. The unique index makes a
    repeated or concurrent vote count once."""

    meeting = ForeignKeyField(Meeting, backref="+", on_delete="CASCADE")
    need = ForeignKeyField(Need, backref="votes", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("need", "user"), True), (("meeting", "user"), False))


class Priority(BaseModel):
    """A direction the coalition chose (usually from a voted need); retired ones stay."""

    coalition = ForeignKeyField(Coalition, backref="priorities", on_delete="CASCADE")
    need = ForeignKeyField(Need, null=True, backref="+", on_delete="SET NULL")
    title = CharField(max_length=200)
    position = IntegerField(default=0)
    active = BooleanField(default=True, index=True)
    created_at = DateTimeField(default=utcnow)

    @classmethod
    def current(cls, alias=None):
        """The filter "a direction the coalition still follows" (retired ones stay stored)."""
        return (alias or cls).active == True  # noqa: E712


class PlanAction(BaseModel):
    """An action of the plan under a direction: who is responsible, by when, how far."""

    priority = ForeignKeyField(Priority, backref="actions", on_delete="CASCADE")
    title = CharField(max_length=200)
    partner = ForeignKeyField(PartnerEntry, null=True, backref="+", on_delete="SET NULL")
    responsible = CharField(default="")  # when no partner from the map is responsible
    due_date = DateField(null=True, index=True)
    status = CharField(default="planned", index=True)  # one of ACTION_STATUSES
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow, index=True)


class GoalsRevision(BaseModel):
    """The coalition's goals as they were before a change: the goals' history."""

    coalition = ForeignKeyField(Coalition, backref="goals_revisions", on_delete="CASCADE")
    goals = TextField()
    author = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    reason = CharField(default="")
    created_at = DateTimeField(default=utcnow, index=True)


class WorkshopComment(BaseModel):
    """A remark on the workshop (a meeting or the plan), e.g. from the coalition's trainer."""

    coalition = ForeignKeyField(Coalition, backref="+", on_delete="CASCADE")
    meeting = ForeignKeyField(Meeting, null=True, backref="comments", on_delete="CASCADE")
    author = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    body = TextField()
    created_at = DateTimeField(default=utcnow, index=True)


WORKSHOP_MODELS: list[type[BaseModel]] = [
    PartnerEntry, Meeting, MeetingParticipant, Need, NeedVote, Priority, PlanAction,
    GoalsRevision, WorkshopComment,
]


def _post_search_model(table: str = "post_search"):
    """The FTS5 index of posts (SQLite only; PostgreSQL searches with LIKE instead).

    Each word is indexed with its post's board in front of it (`board_words`), so a board's
    search, a prefix query of that board's words, reads only that board's postings: with
    the board as a separate column, a common word's prefix query read and merged the
    postings of every board (~2 ms on the full data set) before keeping one board's."""
    from playhouse.sqlite_ext import FTS5Model, SearchField

    class PostSearch(FTS5Model):
        title_words = SearchField()
        body_words = SearchField()

        class Meta:
            database = db
            table_name = table
            options = {"tokenize": "unicode61 remove_diacritics 2"}

    return PostSearch


PostSearch = _post_search_model()
# The same rows as `PostSearch` for the posts that may go on top of a board (pinned or
# must-read: `is_top_candidate`), so a search finds the few on top among the matches
# without FTS5 merging every posting of a common word's prefix (~0.6 ms on a big board):
# the top's MATCH reads this small index, the stream's the whole one.
PostTopSearch = _post_search_model("post_top_search")
# The same rows as `PostSearch` for each board's newest posts (those not deleted among the
# board's RECENT_SEARCH_POSTS newest), so a search's first page is read from a small index:
# FTS5 merges every posting of a prefix query (~5k posts of "biblioteka" on the big board)
# before the page's ORDER BY rowid DESC LIMIT can stop. It holds all of a board's posts
# from some post on, so a page it fills is the page the whole index gives; a page it does
# not fill is read from the whole index (`koalicje.board.posts._search_page`).
PostRecentSearch = _post_search_model("post_recent_search")
RECENT_SEARCH_POSTS = 200


def is_top_candidate(post: Post) -> bool:
    """A post `PostTopSearch` holds (when not deleted): pinned or must-read."""
    return bool(post.pinned or post.must_read)

# A word of a post or of a search, as the index stores it: letters and digits, with the
# combining diacritics and private-use characters that FTS5's unicode61 also keeps inside
# a word (it drops the diacritics). An underscore separates words, as for unicode61.
_IN_WORD = r"\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\ue000-\uf8ff"
SEARCH_WORD = re.compile(rf"[^\W_](?:[^\W_]|[{_IN_WORD}])*")
# A word of a search as typed: words joined by underscores are one phrase.
SEARCH_PHRASE = re.compile(rf"\w(?:\w|[{_IN_WORD}])*")


def board_word_prefix(coalition_id: int | None) -> str:
    """What every indexed word of a board's posts starts with: "b<id>x" ("b0x" for the
    programme board; coalition ids start at 1). The letter after the digits ends the id, so
    no board's prefix starts another's ("b1x" is not a prefix of "b12x...")."""
    return f"b{coalition_id or 0}x"


def board_words(text: str | None, coalition_id: int | None) -> str:
    """`text` as the index stores it: its words in order, each with the board's prefix
    (FTS5 still folds case and diacritics)."""
    prefix = board_word_prefix(coalition_id)
    return " ".join(prefix + word for word in SEARCH_WORD.findall(text or ""))


def _has_board_words() -> bool:
    return "title_words" in {c.name for c in db.get_columns("post_search")}


# The posts each FTS5 table holds (`is_top_candidate` for the top's).
_SEARCH_TABLES = {
    "post_search": "deleted_at IS NULL",
    "post_top_search": "deleted_at IS NULL AND (pinned OR must_read)",
    "post_recent_search": "deleted_at IS NULL AND id IN (SELECT id FROM (SELECT id, "
                          "row_number() OVER (PARTITION BY coalition_id ORDER BY id DESC) "
                          f"AS newer FROM post) AS numbered WHERE newer <= {RECENT_SEARCH_POSTS})",
}


def fill_board_search_index(tables: tuple[str, ...] = tuple(_SEARCH_TABLES)) -> None:
    """(Re)fill the FTS5 tables from every post not deleted (hidden ones included: who may
    see them is decided by the listing, as for every other post). One transaction: not a
    commit per post when the caller has none open."""
    with db.atomic():
        for table in tables:
            db.execute_sql(f"DELETE FROM {table}")
            rows = db.execute_sql("SELECT id, title, body_source, coalition_id FROM post "
                                  f"WHERE {_SEARCH_TABLES[table]}").fetchall()
            db.cursor().executemany(
                f"INSERT INTO {table} (rowid, title_words, body_words) VALUES (?, ?, ?)",
                [(post_id, board_words(title, board), board_words(body, board))
                 for post_id, title, body, board in rows])


def create_board_search_index() -> None:
    """Create the FTS5 tables on SQLite and fill each from existing posts when it is new."""
    if not is_sqlite():
        return
    missing = [model for model in (PostSearch, PostTopSearch, PostRecentSearch)
               if not db.table_exists(model._meta.table_name)]
    for model in missing:
        model.create_table()
    if missing:
        fill_board_search_index(tuple(model._meta.table_name for model in missing))


# --- trainer: visits, next steps, digests ---------------------------------------------------

VISIT_PURPOSES = ("local_need", "partner_potential", "workshop", "study_visit")


class Visit(BaseModel):
    """A trainer's visit to a coalition, as the programme's animators logged them."""

    coalition = ForeignKeyField(Coalition, backref="visits", on_delete="CASCADE")
    trainer = ForeignKeyField(User, null=True, backref="visits", on_delete="SET NULL")
    date = DateField(index=True)
    purpose = CharField()  # one of VISIT_PURPOSES
    notes = TextField(default="")
    # `notes` rendered when written (migration 13; nullable: added without a table rebuild)
    notes_html = TextField(null=True, default="")
    created_at = DateTimeField(default=utcnow)
    # What the visit worked on in the coalition's workshop (migration 6).
    meeting = ForeignKeyField(Meeting, null=True, backref="visits", on_delete="SET NULL")
    action = ForeignKeyField(PlanAction, null=True, backref="visits", on_delete="SET NULL")


class NextStep(BaseModel):
    """Something agreed at a visit: who does it (a member or a named person) and by when."""

    visit = ForeignKeyField(Visit, backref="next_steps", on_delete="CASCADE")
    description = TextField()
    owner_user = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    owner_name = CharField(default="")  # when the owner has no account (e.g. "wójt")
    due_date = DateField(null=True, index=True)
    done = BooleanField(default=False, index=True)
    done_at = DateTimeField(null=True)
    done_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    @property
    def owner_label(self) -> str:
        return self.owner_user.name if self.owner_user_id else self.owner_name


class DigestSubscription(BaseModel):
    """A user's weekly-digest choices; no row means the defaults (see digest.py)."""

    user = ForeignKeyField(User, backref="+", unique=True, on_delete="CASCADE")
    posts = BooleanField(default=False)  # members: new posts on their boards (opt-in)
    nudges = BooleanField(default=True)  # trainers: learners who need a nudge
    last_sent_at = DateTimeField(null=True)
    updated_at = DateTimeField(default=utcnow)


class CoalitionFigures(BaseModel):
    """What the trainer's overview shows of a coalition's members, kept at write time
    (issue 10): how many enabled members it has, the latest of their activity stamps
    (`User.last_active_at`) and how many modules of the path they completed between them
    (required, not archived). A page of twenty coalitions reads twenty rows instead of
    walking every member's progress.

    Kept by database triggers on `membership`, `user` (enabled, stamp), `module_progress`
    (completed rows) and `module` (required, archived), so every write keeps it, whatever
    writes; each trigger recomputes the coalitions it touches from the data in its own
    transaction (on PostgreSQL after locking their rows, so two writers never keep a figure
    the other changed). A coalition without a row has no members. `flask db recount`
    (`recount_coalition_figures`) repairs it.
    """

    coalition = ForeignKeyField(Coalition, primary_key=True, backref="+", on_delete="CASCADE")
    members = IntegerField(default=0)
    last_active_at = DateTimeField(null=True)
    completed = IntegerField(default=0)

    class Meta:
        table_name = "coalition_figures"


def _figure_columns(coalition: str) -> tuple[str, str, str]:
    """The three figures of the coalition whose id is the SQL `coalition`, as scalar
    subqueries over the memberships, accounts, progress and modules: enabled members,
    their latest stamp, their completions of required modules not archived."""
    yes, no = ("1", "0") if is_sqlite() else ("TRUE", "FALSE")
    members = ('FROM membership m JOIN "user" u ON u.id = m.user_id '
               f"WHERE m.coalition_id = {coalition} AND u.active = {yes}")
    return (f"(SELECT COUNT(*) {members})", f"(SELECT MAX(u.last_active_at) {members})",
            "(SELECT COUNT(*) FROM membership m "
            'JOIN "user" u ON u.id = m.user_id '
            "JOIN module_progress p ON p.user_id = m.user_id "
            "JOIN module mo ON mo.id = p.module_id "
            f"WHERE m.coalition_id = {coalition} AND u.active = {yes} "
            f"AND p.status = 'completed' AND mo.required = {yes} AND mo.archived = {no})")


def _figures_sql(where: str) -> str:
    """The UPDATE that recomputes the `coalition_figures` rows matching `where` (SQL on
    the table `coalition_figures`) from the memberships, accounts, progress and modules."""
    members, last, completed = _figure_columns("coalition_figures.coalition_id")
    return (f"UPDATE coalition_figures SET members = {members}, last_active_at = {last}, "
            f"completed = {completed} WHERE {where}")


def _stamp_forwards() -> str:
    """The SQL condition (in a trigger on `user`) "the account's enabled state is unchanged
    and its stamp moved forwards" (from none to one, or to a later one)."""
    same = "OLD.active IS NOT DISTINCT FROM NEW.active" if not is_sqlite() else \
        "OLD.active IS NEW.active"
    return (f"({same} AND NEW.last_active_at IS NOT NULL AND (OLD.last_active_at IS NULL "
            "OR NEW.last_active_at > OLD.last_active_at))")


def _figures_triggers_sqlite() -> list[str]:
    def keep(ids: str) -> str:
        """Recompute the coalitions `ids` (a SQL list), creating their rows if missing."""
        return (f"INSERT OR IGNORE INTO coalition_figures (coalition_id, members, completed) "
                f"SELECT id, 0, 0 FROM coalition WHERE id IN ({ids}); "
                f"{_figures_sql(f'coalition_id IN ({ids})')};")

    def of_user(row: str) -> str:
        return f"SELECT coalition_id FROM membership WHERE user_id = {row}.user_id"

    def trigger(name: str, event: str, when: str, body: str) -> str:
        return (f"CREATE TRIGGER IF NOT EXISTS coalition_figures_{name} AFTER {event} "
                f"{when} BEGIN {body} END")

    completed = "'completed'"
    return [
        trigger("members_insert", "INSERT ON membership", "", keep("NEW.coalition_id")),
        trigger("members_delete", "DELETE ON membership", "", keep("OLD.coalition_id")),
        trigger("members_update", "UPDATE OF user_id, coalition_id ON membership", "",
                keep("NEW.coalition_id, OLD.coalition_id")),
        # an enabled member's stamp moving forwards (every activity): only the latest
        # stamp can change, and only upwards; anything else is recomputed
        trigger("user_stamp", 'UPDATE OF active, last_active_at ON "user"',
                f"FOR EACH ROW WHEN {_stamp_forwards()} AND NEW.active = 1",
                "UPDATE coalition_figures SET last_active_at = NEW.last_active_at "
                "WHERE coalition_id IN "
                "(SELECT coalition_id FROM membership WHERE user_id = NEW.id) "
                "AND (last_active_at IS NULL OR last_active_at < NEW.last_active_at);"),
        trigger("user_update", 'UPDATE OF active, last_active_at ON "user"',
                "FOR EACH ROW WHEN (OLD.active IS NOT NEW.active "
                f"OR OLD.last_active_at IS NOT NEW.last_active_at) AND NOT {_stamp_forwards()}",
                keep("SELECT coalition_id FROM membership WHERE user_id = NEW.id")),
        trigger("progress_insert", "INSERT ON module_progress",
                f"FOR EACH ROW WHEN NEW.status = {completed}", keep(of_user("NEW"))),
        trigger("progress_delete", "DELETE ON module_progress",
                f"FOR EACH ROW WHEN OLD.status = {completed}", keep(of_user("OLD"))),
        trigger("progress_update", "UPDATE OF user_id, module_id, status ON module_progress",
                f"FOR EACH ROW WHEN OLD.status = {completed} OR NEW.status = {completed}",
                keep(f"{of_user('NEW')} UNION {of_user('OLD')}")),
        trigger("module_update", "UPDATE OF required, archived ON module",
                "FOR EACH ROW WHEN OLD.required IS NOT NEW.required "
                "OR OLD.archived IS NOT NEW.archived", f"{_figures_sql('1 = 1')};"),
    ]


def _figures_triggers_postgres() -> list[str]:
    completed = "'completed'"
    return [
        f"""CREATE OR REPLACE FUNCTION coalition_figures_refresh(ids integer[]) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
          IF ids IS NULL OR cardinality(ids) = 0 THEN RETURN; END IF;
          INSERT INTO coalition_figures (coalition_id, members, completed)
            SELECT id, 0, 0 FROM coalition WHERE id = ANY(ids) ORDER BY id
            ON CONFLICT (coalition_id) DO NOTHING;
          -- locked first: the recount below then sees every other writer's committed rows
          PERFORM 1 FROM coalition_figures WHERE coalition_id = ANY(ids)
            ORDER BY coalition_id FOR UPDATE;
          {_figures_sql('coalition_figures.coalition_id = ANY(ids)')};
        END $$""",
        f"""CREATE OR REPLACE FUNCTION coalition_figures_keep() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE ids integer[] := ARRAY[]::integer[];
        BEGIN
          IF TG_TABLE_NAME = 'membership' THEN
            IF TG_OP IN ('INSERT', 'UPDATE') THEN ids := ids || NEW.coalition_id; END IF;
            IF TG_OP IN ('DELETE', 'UPDATE') THEN ids := ids || OLD.coalition_id; END IF;
          ELSIF TG_TABLE_NAME = 'user' THEN
            IF {_stamp_forwards()} THEN
              -- an enabled member's stamp moving forwards (every activity): only the
              -- latest stamp can change, and only upwards (the row lock orders writers)
              IF NEW.active THEN
                -- locked in the order every writer locks them
                PERFORM 1 FROM coalition_figures WHERE coalition_id IN
                  (SELECT coalition_id FROM membership WHERE user_id = NEW.id)
                  ORDER BY coalition_id FOR UPDATE;
                UPDATE coalition_figures SET last_active_at = NEW.last_active_at
                 WHERE coalition_id IN (SELECT coalition_id FROM membership
                                        WHERE user_id = NEW.id)
                   AND (last_active_at IS NULL OR last_active_at < NEW.last_active_at);
              END IF;
              RETURN NULL;
            END IF;
            ids := ARRAY(SELECT coalition_id FROM membership WHERE user_id = NEW.id);
          ELSIF TG_TABLE_NAME = 'module_progress' THEN
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
              ids := ids || ARRAY(SELECT coalition_id FROM membership
                                  WHERE user_id = NEW.user_id);
            END IF;
            IF TG_OP IN ('DELETE', 'UPDATE') THEN
              ids := ids || ARRAY(SELECT coalition_id FROM membership
                                  WHERE user_id = OLD.user_id);
            END IF;
          ELSIF TG_TABLE_NAME = 'module' THEN
            ids := ARRAY(SELECT coalition_id FROM coalition_figures);
          END IF;
          PERFORM coalition_figures_refresh(ARRAY(SELECT DISTINCT unnest(ids)));
          RETURN NULL;
        END $$""",
        "CREATE OR REPLACE TRIGGER coalition_figures_members AFTER INSERT OR DELETE "
        "OR UPDATE OF user_id, coalition_id ON membership "
        "FOR EACH ROW EXECUTE FUNCTION coalition_figures_keep()",
        'CREATE OR REPLACE TRIGGER coalition_figures_user AFTER UPDATE OF active, '
        'last_active_at ON "user" FOR EACH ROW WHEN (OLD.active IS DISTINCT FROM NEW.active '
        "OR OLD.last_active_at IS DISTINCT FROM NEW.last_active_at) "
        "EXECUTE FUNCTION coalition_figures_keep()",
        "CREATE OR REPLACE TRIGGER coalition_figures_progress_insert AFTER INSERT "
        f"ON module_progress FOR EACH ROW WHEN (NEW.status = {completed}) "
        "EXECUTE FUNCTION coalition_figures_keep()",
        "CREATE OR REPLACE TRIGGER coalition_figures_progress_delete AFTER DELETE "
        f"ON module_progress FOR EACH ROW WHEN (OLD.status = {completed}) "
        "EXECUTE FUNCTION coalition_figures_keep()",
        "CREATE OR REPLACE TRIGGER coalition_figures_progress_update AFTER UPDATE OF "
        "user_id, module_id, status ON module_progress FOR EACH ROW "
        f"WHEN (OLD.status = {completed} OR NEW.status = {completed}) "
        "EXECUTE FUNCTION coalition_figures_keep()",
        "CREATE OR REPLACE TRIGGER coalition_figures_module AFTER UPDATE OF required, "
        "archived ON module FOR EACH ROW WHEN (OLD.required IS DISTINCT FROM NEW.required "
        "OR OLD.archived IS DISTINCT FROM NEW.archived) "
        "EXECUTE FUNCTION coalition_figures_keep()",
    ]


def coalition_figures_from_scratch() -> dict[int, tuple[int, Any, int]]:
    """What `CoalitionFigures` should hold, computed from the data by the triggers' own
    rule (`_figure_columns`): {coalition id: (members, latest stamp, completions)},
    coalitions without enabled members left out."""
    rows = db.execute_sql(f"SELECT c.id, {', '.join(_figure_columns('c.id'))} "
                          "FROM coalition c").fetchall()
    return {cid: (members, last, completed)
            for cid, members, last, completed in rows if members}


def recount_coalition_figures() -> int:
    """Repair `CoalitionFigures` from the data (for `flask db recount`); returns how many
    coalitions' rows were wrong (a missing row counts as no members)."""
    def stored() -> dict:
        return {cid: (members, last, completed) for cid, members, last, completed in
                CoalitionFigures.select(CoalitionFigures.coalition, CoalitionFigures.members,
                                        CoalitionFigures.last_active_at,
                                        CoalitionFigures.completed).tuples()}

    def expected() -> dict:
        return {cid: (members, CoalitionFigures.last_active_at.python_value(last), completed)
                for cid, (members, last, completed) in coalition_figures_from_scratch().items()}

    return _recount(expected, stored, lambda _expected: fill_coalition_figures(),
                    missing=(0, None, 0))


def fill_coalition_figures() -> None:
    """Every coalition's row of `CoalitionFigures`, computed afresh from the data."""
    db.execute_sql("INSERT INTO coalition_figures (coalition_id, members, completed) "
                   "SELECT id, 0, 0 FROM coalition WHERE id NOT IN "
                   "(SELECT coalition_id FROM coalition_figures)")
    db.execute_sql(_figures_sql("1 = 1"))


def create_coalition_figures(fill: bool) -> None:
    """Create the triggers that keep `CoalitionFigures` (when missing; the table comes with
    `create_tables`), and with `fill` fill it from the data."""
    CoalitionFigures.create_table(safe=True)
    for statement in (_figures_triggers_sqlite() if is_sqlite()
                      else _figures_triggers_postgres()):
        db.execute_sql(statement)
    if fill:
        fill_coalition_figures()


def drop_coalition_figures_triggers() -> None:
    """Drop what keeps `CoalitionFigures` (its triggers, and on PostgreSQL their functions):
    a database as it was before migration 17, for tests that rebuild one (a column the
    triggers read cannot be dropped while they exist)."""
    if is_sqlite():
        names = db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                               "AND name LIKE 'coalition_figures_%'").fetchall()
        for (name,) in names:
            db.execute_sql(f'DROP TRIGGER "{name}"')
    else:
        db.execute_sql("DROP FUNCTION IF EXISTS coalition_figures_keep() CASCADE")
        db.execute_sql("DROP FUNCTION IF EXISTS coalition_figures_refresh(integer[])")


TRAINER_MODELS: list[type[BaseModel]] = [Visit, NextStep, DigestSubscription, CoalitionFigures]


# --- mail -------------------------------------------------------------------------------------


class OutboxMessage(BaseModel):
    """An e-mail to send (invite, password reset, digest): stored first, then delivered, and
    kept with its last error until it is; `flask mail send` (cron) retries (koalicje/mail.py)."""

    kind = CharField(index=True)
    recipient = CharField()
    subject = CharField()
    message = TextField()  # the whole RFC 5322 message
    created_at = DateTimeField(default=utcnow)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow, index=True)
    last_error = TextField(default="")
    sent_at = DateTimeField(null=True, index=True)


MAIL_MODELS: list[type[BaseModel]] = [OutboxMessage]


# Every model, in creation order (referenced tables first).
MODELS: list[type[BaseModel]] = [
    SchemaVersion,
    User,
    Coalition,
    Membership,
    TrainerAssignment,
    Invite,
    PasswordReset,
    LoginAttempt,
    AuditLog,
    *SESSION_MODELS,
    *LEARNING_MODELS,
    *QUIZ_MODELS,
    *BOARD_MODELS,
    *WORKSHOP_MODELS,
    *TRAINER_MODELS,
    *MAIL_MODELS,
]


# --- connection ---------------------------------------------------------------------------


def make_database(url: str):
    """Open the database named by a URL (sqlite:///path or postgresql://...)."""
    if url.startswith("sqlite"):
        database = connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    else:
        database = connect(url)
    return database


def init_db(url: str) -> None:
    db.initialize(make_database(url))


def keeps_connection() -> bool:
    """SQLite: one connection per worker, kept open across requests (its PRAGMAs run once).

    PostgreSQL connections are opened per request, so a restarted server or a dropped
    connection never poisons a worker.
    """
    return is_sqlite()


def _file_identity() -> tuple[int, int] | None:
    try:
        stat = os.stat(db.obj.database)
    except (OSError, TypeError):
        return None
    return (stat.st_dev, stat.st_ino)


def open_connection() -> None:
    """Connect for a request; on SQLite keep the worker's open connection if it still
    points at the database file (a file replaced or removed meanwhile gets a new one)."""
    if keeps_connection():
        if not db.is_closed():
            if getattr(db.obj, "koalicje_file", None) == _file_identity():
                return
            db.close()
        db.connect()
        db.obj.koalicje_file = _file_identity()
        return
    db.connect(reuse_if_open=True)


def analyze() -> None:
    """Fresh statistics for the query planner (after migrations, after bulk loads)."""
    db.execute_sql("ANALYZE")


def optimize() -> None:
    """The periodic statistics refresh SQLite recommends for long-lived connections.

    PostgreSQL's autovacuum keeps its statistics fresh by itself.
    """
    if is_sqlite():
        db.execute_sql("PRAGMA optimize")


def is_sqlite() -> bool:
    return isinstance(db.obj, SqliteDatabase)


# Transaction plumbing, not queries: savepoints (which peewee adds on PostgreSQL where an
# insert may conflict) and PostgreSQL's write lock (see write_transaction).
NOT_COUNTED = ("SELECT pg_advisory_xact_lock", "SAVEPOINT", "RELEASE SAVEPOINT",
               "ROLLBACK TO SAVEPOINT")


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_queries():
    """Count SQL statements run inside the block: `with count_queries() as q: ...; q.count`.

    Transaction control is not counted (NOT_COUNTED), so the same page costs the same count
    on both engines. Used by the tests and by `make bench`.
    """
    counter = QueryCounter()
    original = db.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        if not sql.startswith(NOT_COUNTED):
            counter.statements.append(sql)
        return original(sql, params, *args, **kwargs)

    db.obj.execute_sql = counting
    try:
        yield counter
    finally:
        db.obj.execute_sql = original


# Any constant: the key of the PostgreSQL advisory lock that write transactions share.
WRITE_LOCK_KEY = 0x4B6F616C  # "Koal"


@contextmanager
def write_transaction():
    """A write transaction that holds the database's single write lock from its start.

    On SQLite that is BEGIN IMMEDIATE. On PostgreSQL a transaction-scoped advisory lock gives
    the same guarantee, so read-then-write code (merging watched intervals, counting a
    rate limit, keeping the last coordinator) cannot lose an update under READ COMMITTED.
    """
    if is_sqlite():
        with db.atomic("IMMEDIATE") as transaction:
            yield transaction
        return
    with db.atomic() as transaction:
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
        yield transaction


# --- schema and migrations ------------------------------------------------------------------


def _add_column(migrator, table: str, name: str, field: Field) -> list:
    existing = {c.name for c in db.get_columns(table)}
    return [] if name in existing else [migrator.add_column(table, name, field)]


def _migration_2(migrator) -> list:
    """0.1 → 0.2: remember when each user last signed in."""
    return _add_column(migrator, "user", "last_login_at", DateTimeField(null=True))


def _migration_6(migrator) -> list:
    """A visit may link to a workshop meeting or plan action (issue 14)."""
    if not db.table_exists("visit"):
        return []  # created afterwards, already with the columns
    db.create_tables(WORKSHOP_MODELS, safe=True)  # the tables the new columns point at
    return (
        _add_column(migrator, "visit", "meeting_id",
                    ForeignKeyField(Meeting, null=True, field=Meeting.id, on_delete="SET NULL"))
        + _add_column(migrator, "visit", "action_id",
                      ForeignKeyField(PlanAction, null=True, field=PlanAction.id,
                                      on_delete="SET NULL"))
    )


def _migration_7(migrator) -> list:
    """Work done at write time (issue 10): each user's last-activity stamp, filled from the
    existing rows. The board's new indexes come with `create_tables` (as every index does)."""
    operations = _add_column(migrator, "user", "last_active_at", DateTimeField(null=True))
    if operations:
        migrate(*operations)
    db.create_tables(MODELS, safe=True)  # the tables the stamp is computed from
    from koalicje.activity import recount

    recount()
    return []


def _migration_8(migrator) -> list:
    """The board's search index gets the post's board as a column (issue 10), so a board's
    search reads only that board's matches: rebuilt from the posts (it holds nothing else)."""
    if not is_sqlite() or not db.table_exists("post_search"):
        return []  # PostgreSQL has no index; a missing one is created and filled afterwards
    if "coalition_id" in {c.name for c in db.get_columns("post_search")} or _has_board_words():
        return []  # already with the board (in migration 14's form: the words carry it)
    db.execute_sql("DROP TABLE post_search")
    create_board_search_index()
    return []


def _migration_10(migrator) -> list:
    """The directory's search reads folded copies of the gmina and library (issue 10),
    filled here from the existing rows and kept by every write afterwards."""
    existing = {c.name for c in db.get_columns("coalition")}
    for name in ("gmina_folded", "library_folded"):
        if name not in existing:
            # Plain SQL: the migrator would make a NOT NULL column on SQLite by rebuilding
            # the table, and dropping the old one cascades to every membership.
            db.execute_sql(f'ALTER TABLE "coalition" ADD COLUMN "{name}" '
                           "VARCHAR(255) NOT NULL DEFAULT ''")
    rows = Coalition.select(Coalition.id, Coalition.gmina, Coalition.library).tuples()
    for coalition_id, gmina, library in list(rows):
        Coalition.update(gmina_folded=fold(gmina or ""), library_folded=fold(library or "")
                         ).where(Coalition.id == coalition_id).execute()
    return []


def _migration_13(migrator) -> list:
    """Work done at write time (issue 10): a visit's notes are rendered from Markdown once,
    when the visit is recorded, not at every view of the visit log. Filled from the notes
    of the existing visits."""
    if not db.table_exists("visit"):
        return []  # created afterwards, already with the column
    # Nullable: a NOT NULL column would make SQLite's migrator rebuild the table, and
    # dropping the old one would cascade to every next step.
    operations = _add_column(migrator, "visit", "notes_html", TextField(null=True))
    if operations:
        migrate(*operations)
    from koalicje.web.markdown import render_markdown

    written = Visit.select(Visit.id, Visit.notes).where(Visit.notes != "").tuples()
    for visit_id, notes in list(written):
        Visit.update(notes_html=render_markdown(notes)).where(Visit.id == visit_id).execute()
    Visit.update(notes_html="").where(Visit.notes_html.is_null()).execute()
    return []


def _migration_14(migrator) -> list:
    """The board's search index stores each word with its post's board in front of it
    (issue 10), so a board's prefix query reads only that board's postings: rebuilt from
    the posts (it holds nothing else). Nothing to do on PostgreSQL, on an index already in
    this form, or without one (created and filled afterwards)."""
    if not is_sqlite() or not db.table_exists("post_search") or _has_board_words():
        return []
    db.execute_sql("DROP TABLE post_search")
    create_board_search_index()
    return []


def _migration_15(migrator) -> list:
    """Work done at write time (issue 10): each coalition's self-assessment profile, stored
    (`CoalitionProfile`) and filled here from the existing answers and memberships; and
    the index (user, module, status) of module progress (created with the tables)."""
    db.create_tables(MODELS, safe=True)  # the table, and those it is computed from
    create_profile_triggers()
    from koalicje.self_assessment import recount_profiles

    recount_profiles()
    return []


def _migration_16(migrator) -> list:
    """A search's first page reads each board's newest posts from a small index (issue 10,
    `PostRecentSearch`): created and filled from the posts. Nothing on PostgreSQL (it
    searches with LIKE)."""
    create_board_search_index()
    return []


def _migration_17(migrator) -> list:
    """Work done at write time (issue 10): each coalition's members, their latest activity
    and their completions (`CoalitionFigures`), filled here from the existing data and kept
    by triggers afterwards."""
    db.create_tables(MODELS, safe=True)  # the table, and those it is computed from
    create_coalition_figures(fill=True)
    return []


def _migration_18(migrator) -> list:
    """Work done at write time (issue 10): each learner's best score per quiz (`QuizBest`),
    filled here from the existing attempts and kept by triggers afterwards."""
    db.create_tables(MODELS, safe=True)  # the table, and those it is computed from
    create_quiz_best(fill=True)
    return []


def _migration_19(migrator) -> list:
    """`PostTally` keeps each board's total of all months (month `TALLY_TOTAL`, issue 10):
    the header's counts read the shorter of the months after a visit and those up to it.
    The totals are added from the existing months; SQLite's triggers are dropped here and
    made again in their new form by `create_post_tally` (PostgreSQL's function is
    replaced there). Nothing to do without the table (created and filled afterwards)."""
    if not db.table_exists("post_tally"):
        return []
    if is_sqlite():
        for trigger in ("post_tally_insert", "post_tally_delete", "post_tally_update"):
            db.execute_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    PostTally.delete().where(PostTally.month == TALLY_TOTAL).execute()
    db.execute_sql(
        f"INSERT INTO post_tally (board, month, posts) SELECT board, {TALLY_TOTAL}, "
        f"SUM(posts) FROM post_tally GROUP BY board")
    return []


# version → function returning playhouse.migrate operations; keep them forever.
MIGRATIONS: dict[int, Callable[[Any], list]] = {
    2: _migration_2,
    6: _migration_6,
    7: _migration_7,
    8: _migration_8,
    10: _migration_10,
    13: _migration_13,
    14: _migration_14,
    15: _migration_15,
    16: _migration_16,
    17: _migration_17,
    18: _migration_18,
    19: _migration_19,
}
SCHEMA_VERSION = max(MIGRATIONS)


def current_version() -> int | None:
    if not db.table_exists("schema_version"):
        return None
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else 1


def create_or_migrate() -> list[int]:
    """Create missing tables and run pending migrations, keeping all data.

    Returns the migration versions applied (empty for a fresh or current database).
    """
    applied: list[int] = []
    with db.atomic():
        version = current_version()
        fresh = version is None and not db.table_exists("user")
        if version is None:
            version = SCHEMA_VERSION if fresh else 1
        # asked before the migrations: some create every missing table (`create_tables`),
        # and the tally is filled from the posts only when it is new
        tally_new = not db.table_exists("post_tally")
        if not fresh:
            migrator = (
                SqliteMigrator(db.obj) if is_sqlite() else PostgresqlMigrator(db.obj)
            )
            for number in sorted(MIGRATIONS):
                if number > version:
                    operations = MIGRATIONS[number](migrator)
                    if operations:
                        migrate(*operations)
                    applied.append(number)
        db.create_tables(MODELS, safe=True)
        create_board_search_index()
        create_post_tally(fill=tally_new)
        create_profile_triggers()
        create_coalition_figures(fill=False)
        create_quiz_best(fill=False)
        if fresh or applied or not SchemaVersion.select().exists():
            SchemaVersion.create(version=SCHEMA_VERSION)
    if not fresh:  # an empty database has no statistics worth keeping
        analyze()
    return applied
