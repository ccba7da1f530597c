"""Prepared queries (koalicje/prepared.py): SQL text built once per engine, same rows as
the Peewee query they replace, and builders whose shape depends on a value refused."""

from __future__ import annotations

from datetime import datetime, timedelta

import peewee
import pytest
from conftest import add_member, make_coalition, make_user
from peewee import PostgresqlDatabase, SqliteDatabase

from koalicje import prepared as prepared_module
from koalicje.prepared import Prepared, padded_ids, prepared
from models import Coalition, Membership, Post, User, db, utcnow


def _membership_query(user_id):
    return (Membership.select(Membership, Coalition).join(Coalition)
            .where(Membership.user == user_id).order_by(Membership.id))


def _posts_since(board_id, since, title):
    return (Post.select(Post.id, Post.title, Post.created_at)
            .where((Post.coalition == board_id) & (Post.created_at > since)
                   & (Post.title != title) & Post.deleted_at.is_null())
            .order_by(Post.id))


@pytest.fixture
def world(app, database):
    with app.app_context():
        anna, bea = make_user(name="Anna"), make_user(name="Bea")
        one, two = make_coalition(name="Jeden"), make_coalition(name="Dwa")
        add_member(anna, one, role="coordinator")
        add_member(anna, two)
        add_member(bea, two)
        start = utcnow() - timedelta(days=10)
        for day in range(10):
            Post.create(coalition=one if day % 3 else two, author=bea if day % 2 else anna,
                        title=f"wpis {day}", body_source="x", body_html="<p>x</p>",
                        created_at=start + timedelta(days=day))
        yield {"anna": anna, "bea": bea, "one": one, "two": two, "start": start}


def _same_models(left, right) -> None:
    assert [type(r) for r in left] == [type(r) for r in right]
    assert [r.__data__ for r in left] == [r.__data__ for r in right]


def test_rows_are_what_peewee_returns_models_with_their_joins(app, world):
    query = Prepared(_membership_query)
    with app.app_context():
        for person in (world["anna"], world["bea"], make_user()):
            plain = list(_membership_query(person.id))
            rows = query.rows(person.id)
            _same_models(rows, plain)
            # the joined coalition comes with the row, as with Peewee: no query to read it
            assert [r.coalition.__data__ for r in rows] == [p.coalition.__data__ for p in plain]
            assert all("coalition" in r.__rel__ for r in rows)


def test_rows_as_dicts_tuples_and_named_tuples_with_datetime_and_string_parameters(app, world):
    since = world["start"] + timedelta(days=2, hours=1)
    board = world["one"].id
    with app.app_context():
        for shape in ("dicts", "tuples", "namedtuples"):
            def build(board_id, since, title, shape=shape):
                return getattr(_posts_since(board_id, since, title), shape)()

            plain = list(build(board, since, "wpis 4"))
            assert len(plain) == 3  # days 4, 5, 7, 8 on board one, less "wpis 4"
            query = Prepared(build)
            assert query.rows(board, since, "wpis 4") == plain
            assert query.rows(board, since, "wpis 4") == plain  # with the columns kept
            assert query.first(board, since, "wpis 4") == plain[0]
            assert query.first(board, datetime(2999, 1, 1), "") is None
            assert query.rows(world["two"].id, world["start"], "") == list(
                build(world["two"].id, world["start"], ""))
        assert isinstance(plain[0].created_at, datetime)  # converted like Peewee converts it


def test_first_returns_the_joined_row_or_none(app, world):
    def session_like(email):
        return User.select(User).where((User.email == email) & User.enabled()).limit(1)

    query = Prepared(session_like)
    with app.app_context():
        found = query.first(world["anna"].email)
        assert found.__data__ == User.get_by_id(world["anna"].id).__data__
        assert query.first("nobody@example.org") is None


def test_a_second_call_builds_no_sql(app, world, monkeypatch):
    calls = {"builder": 0, "sql": 0}

    def build(user_id):
        calls["builder"] += 1
        return _membership_query(user_id)

    original_sql, original_columns = peewee.Context.sql, peewee._resolve_model_columns

    def counting_sql(self, obj):
        calls["sql"] += 1
        return original_sql(self, obj)

    def counting_columns(*args):
        calls["columns"] = calls.get("columns", 0) + 1
        return original_columns(*args)

    monkeypatch.setattr(peewee.Context, "sql", counting_sql)
    monkeypatch.setattr(peewee, "_resolve_model_columns", counting_columns)
    query = Prepared(build)
    with app.app_context():
        query.rows(world["anna"].id)
        assert calls["builder"] == 2 and calls["sql"] > 0  # built once (two sentinel sets)
        assert calls["columns"] == 1  # the result's columns resolved once
        calls.update(builder=0, sql=0, columns=0)
        _same_models(query.rows(world["anna"].id), list(_membership_query(world["anna"].id)))
        calls.update(builder=0, sql=0, columns=0)
        query.rows(world["anna"].id)
        query.rows(world["bea"].id)
        assert calls == {"builder": 0, "sql": 0, "columns": 0}
        assert len(app.extensions[prepared_module.EXTENSION]) == 1


def test_each_app_keeps_its_own_built_queries(app, world, monkeypatch):
    calls = []
    query = Prepared(lambda user_id: calls.append(1) or _membership_query(user_id))
    with app.app_context():
        query.rows(world["anna"].id)
        prepared_module.forget(app)
        query.rows(world["anna"].id)
    assert len(calls) == 4


def test_each_engine_gets_its_own_sql_text(app, world):
    query = Prepared(_membership_query)
    real = db.obj
    with app.app_context():
        built = {}
        try:
            for engine in (SqliteDatabase(":memory:"), PostgresqlDatabase("koalicje_unused")):
                db.initialize(engine)  # building SQL needs no connection
                built[type(engine)] = query.built((1,))
        finally:
            db.initialize(real)
        sqlite, postgres = built[SqliteDatabase], built[PostgresqlDatabase]
        assert sqlite.sql != postgres.sql
        assert "?" in sqlite.sql and "%s" in postgres.sql
        keys = {key[1] for key in app.extensions[prepared_module.EXTENSION]}
        assert keys == {SqliteDatabase, PostgresqlDatabase}
        # and the live engine still runs its own text
        _same_models(query.rows(world["anna"].id), list(_membership_query(world["anna"].id)))


def test_a_shape_that_depends_on_a_value_is_refused(app, world):
    def branching(user_id):
        query = User.select()
        return query.where(User.id == user_id) if user_id > 0 else query

    def transformed(user_id):
        return User.select().where(User.id == user_id + 1)

    def inlined(user_id):
        return User.select(peewee.SQL(str(user_id)))

    def unused(user_id, name):
        return User.select().where(User.id == user_id)

    def hidden_clock(user_id):
        return User.select().where((User.id == user_id) & (User.created_at < datetime.now()))

    with app.app_context():
        for build in (branching, transformed, inlined, hidden_clock):
            with pytest.raises(TypeError):
                Prepared(build).rows(world["anna"].id)
        with pytest.raises(TypeError):
            Prepared(unused).rows(world["anna"].id, "Anna")


def test_a_shape_decided_by_a_key_gets_one_text_per_key(app, world):
    @prepared(keyed=True)
    def users(count, *ids):
        assert len(ids) == count
        return User.select().where(User.id.in_(ids)).order_by(User.id)

    anna, bea = world["anna"].id, world["bea"].id
    with app.app_context():
        assert [u.id for u in users.rows(anna, key=1)] == [anna]
        assert [u.id for u in users.rows(anna, bea, key=2)] == [anna, bea]
        texts = {key[2]: built.sql for key, built in app.extensions[prepared_module.EXTENSION].items()}
        assert set(texts) == {1, 2} and texts[1] != texts[2]
        with pytest.raises(TypeError):
            users.rows(anna)  # a keyed query needs its key
        with pytest.raises(TypeError):
            Prepared(_membership_query).rows(anna, key=1)  # and an unkeyed one takes none


@pytest.mark.parametrize("value", [True, None, 1.5, [1, 2], b"x"])
def test_parameters_it_cannot_bind_are_refused(app, world, value):
    with app.app_context(), pytest.raises(TypeError):
        Prepared(_membership_query).rows(value)


@pytest.mark.parametrize("value", [True, 1.5, "nikt"])
def test_a_kept_query_still_refuses_what_it_cannot_bind(app, world, value):
    """Once built for an int, a call with another type is checked again (the kept text is
    found by the parameters' exact types only when they are int, str or datetime): a
    bool or a float is refused, a str gets a text of its own."""
    query = Prepared(_membership_query)
    anna = world["anna"].id
    with app.app_context():
        query.rows(anna)
        if isinstance(value, str):  # built, not run: PostgreSQL refuses an int = text
            assert query.built((value,)) is not query.built((anna,))
            assert query.built((value,)) is query.built(("inny",))
        else:
            with pytest.raises(TypeError):
                query.rows(value)


def test_fetchall_gives_the_driver_rows_of_a_tuples_query(app, world):
    query = Prepared(lambda board_id, since, title: _posts_since(board_id, since, title)
                     .select(Post.id, Post.title).tuples())
    args = (world["one"].id, world["start"], "wpis 4")
    with app.app_context():
        assert query.fetchall(*args) == query.rows(*args)
        assert [tuple(map(type, row)) for row in query.fetchall(*args)] == [(int, str)] * 5


def test_a_model_is_refused_pass_its_id(app, world):
    with app.app_context(), pytest.raises(TypeError):
        Prepared(_membership_query).rows(world["anna"])


def test_outside_an_app_context_it_builds_every_time(app, database):
    from flask import has_app_context

    with app.app_context():
        anna = make_user()
        add_member(anna, make_coalition())
        plain = list(_membership_query(anna.id))
    calls = []
    query = Prepared(lambda user_id: calls.append(1) or _membership_query(user_id))
    assert not has_app_context()
    _same_models(query.rows(anna.id), plain)
    _same_models(query.rows(anna.id), plain)
    assert len(calls) == 4 and len(plain) == 1


def test_padded_ids_keep_the_condition_with_few_lengths():
    assert padded_ids([]) == ()
    assert padded_ids([5]) == (5,)
    assert padded_ids([5, 9, 2]) == (5, 9, 2, 2)
    lengths = {len(padded_ids(list(range(n)))) for n in range(1, 65)}
    assert lengths == {1, 2, 4, 8, 16, 32, 64}
    for n in range(1, 40):
        ids = list(range(100, 100 + n))
        assert set(padded_ids(ids)) == set(ids) and padded_ids(ids)[:n] == tuple(ids)
