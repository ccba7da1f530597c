"""What every signed-in page pays before its own content: the session's user, memberships,
the header's board navigation. Each is looked up once per request, with SQL text built once
per process, and the session cookie is not signed again when nothing in it changed."""

from __future__ import annotations

from conftest import add_member, assign, count_queries, make_coalition, make_user, soup
from flask_login import current_user

from koalicje import permissions, prepared
from koalicje.board import posts
from models import Post


def _followed_world():
    anna = make_user(name="Anna")
    boards = [make_coalition(name=f"Koalicja {n}") for n in range(3)]
    for board in boards[:2]:
        add_member(anna, board)
    for n, board in enumerate(boards):
        for k in range(n + 1):
            Post.create(coalition=board, author=make_user(), title=f"t{n}{k}",
                        body_source="x", body_html="<p>x</p>")
    return anna, boards


def test_navigation_and_memberships_once_per_request(app, client, auth):
    with app.app_context():
        anna, boards = _followed_world()
    auth.as_user(anna)
    client.get("/")  # warm: prepared queries built
    with count_queries() as home:
        page = client.get("/")
    statements = home.statements
    assert sum('FROM "membership"' in s for s in statements) == 1
    assert sum('FROM "board_visit"' in s for s in statements) == 1
    assert sum("UNION ALL" in s for s in statements) == 1
    assert sum('FROM "user_session"' in s for s in statements) == 1
    # the header shows each followed board with its count of new posts
    links = {a["data-board"]: a.get_text(" ", strip=True) for a in soup(page).select(".board-nav a")}
    assert set(links) == {"programme", boards[0].slug, boards[1].slug}
    assert "1 nowy" in links[boards[0].slug] and "2 nowe" in links[boards[1].slug]


def test_navigation_is_computed_once_even_when_asked_twice(app, client, auth):
    with app.app_context():
        anna, _ = _followed_world()
    auth.as_user(anna)
    with app.test_request_context("/"):
        from flask_login import login_user

        login_user(anna)
        user = current_user._get_current_object()
        with count_queries() as first:
            entries = posts.navigation(user)
            permissions.memberships_of(user)
        with count_queries() as again:
            assert posts.navigation(user) is entries
            permissions.memberships_of(user)
            permissions.is_member(user, entries[1].coalition)
        assert len(first.statements) == 3  # memberships, visits, counts
        assert again.statements == []


def test_the_headers_queries_are_built_once_per_process(app, client, auth):
    with app.app_context():
        anna, boards = _followed_world()
        trainer = make_user(role="trainer")
        for board in boards:
            assign(trainer, board)
    auth.as_user(anna)
    client.get("/")
    client.get("/coalitions/")  # the directory's own prepared queries: built on its first visit
    built = dict(app.extensions[prepared.EXTENSION])
    names = {key[0].name.rsplit(".", 1)[-1] for key in built}
    assert {"_session_of", "_memberships", "_visit_rows", "_new_counts"} <= names
    client.get("/")
    client.get("/coalitions/")
    assert app.extensions[prepared.EXTENSION] == built  # nothing new built
    client.post("/logout", data={"csrf_token": auth.csrf()})
    auth.as_user(trainer)
    page = client.get("/")  # another number of boards: its own text for the count
    assert len(app.extensions[prepared.EXTENSION]) > len(built)
    assert "_assigned_coalitions" in {k[0].name.rsplit(".", 1)[-1]
                                      for k in app.extensions[prepared.EXTENSION]}
    shown = {a["data-board"] for a in soup(page).select(".board-nav a")}
    assert shown == {"programme", *(b.slug for b in boards)}


def test_a_signed_in_page_does_not_sign_the_cookie_again(app, client, auth):
    with app.app_context():
        anna = make_user()
    login = auth.login(anna.email)
    assert login.status_code == 303
    assert "session=" in login.headers.get("Set-Cookie", "")  # signing in writes it
    client.get("/")  # shows (and so removes) the sign-in's flash message: the cookie changes
    for path in ("/", "/coalitions/", "/self-assessment/"):
        response = client.get(path)
        assert response.status_code == 200
        assert "session=" not in response.headers.get("Set-Cookie", ""), path
    # the cookie still works, and still ends where the server ends the session
    assert soup(client.get("/")).select_one(".account-name").get_text() == anna.name


def test_healthz_still_loads_no_user(app, client, auth):
    with app.app_context():
        anna = make_user()
    auth.as_user(anna)
    with count_queries() as health:
        assert client.get("/healthz").status_code == 200
    assert len(health.statements) == 1
    assert not any("user_session" in s for s in health.statements)



def test_the_new_post_counts_bind_few_parameters_however_many_boards(app):
    """A trainer's header counts new posts on every followed board in one statement whose
    text and number of bound parameters do not grow with the boards (they go in one JSON
    list), and whose counts equal the plain count of others' visible posts."""
    from conftest import captured_sql

    from models import User

    with app.app_context():
        trainer, author = make_user(role="trainer"), make_user()
    seen = []
    for total in (3, 12):
        with app.test_request_context("/"):
            while len(seen) < total:
                board = make_coalition(name=f"Koalicja {len(seen)}")
                assign(trainer, board)
                for k in range(len(seen) % 3):
                    Post.create(coalition=board, author=author, title=f"t{k}", body_source="x",
                                body_html="<p>x</p>")
                seen.append(board)
            user = User.get_by_id(trainer.id)
            found = []
            captured = captured_sql(lambda found=found, user=user: found.append(
                posts.navigation(user)))
            [(sql, params)] = [(s, p) for s, p in captured if "UNION ALL" in s]
            assert len(params) <= 9, params
            [entries] = found
            assert len(entries) == total + 1  # the programme board first
            for entry in entries[1:]:
                assert entry.new == Post.select().where(
                    (Post.coalition == entry.coalition.id) & (Post.author != trainer.id)).count()
            assert sum(entry.new for entry in entries) == sum(n % 3 for n in range(total))
        if total == 3:
            first_sql = sql
    assert sql == first_sql


def test_memberships_from_the_drivers_rows_are_peewees(app):
    """Each membership and its coalition, made from the driver's row, hold what Peewee's
    join wrapper gives: the same fields, the coalition joined (no query on access), nothing
    marked changed; several memberships of both roles."""
    from models import Membership

    with app.test_request_context("/"):
        anna, boards = _followed_world()
        add_member(anna, boards[2], role="coordinator")
        Membership.update(sector="ngo").where(Membership.coalition == boards[0].id).execute()
        expected = permissions._memberships.rows(anna.id)
        made = permissions._membership_rows(anna.id)
        assert len(made) == len(expected) == 3
        for ours, peewees in zip(made, expected, strict=True):
            assert vars(ours) == vars(peewees)
            assert type(ours.__rel__["coalition"]) is type(peewees.__rel__["coalition"])
            with count_queries() as queries:
                assert vars(ours.coalition) == vars(peewees.coalition)
                assert ours.coalition.name and ours.coalition.created_at == peewees.coalition.created_at
            assert queries.statements == []
            assert not ours.is_dirty() and not ours.coalition.is_dirty()


def test_signed_in_user_is_current_users_object(app):
    """`permissions.signed_in_user()` is `current_user._get_current_object()`: before the
    user is loaded, for a visitor, after signing in and out, and outside a request."""
    from flask import g
    from flask_login import login_user, logout_user

    with app.app_context():
        anna = make_user(name="Anna")
    with app.test_request_context("/"):
        assert "_login_user" not in g
        user = permissions.signed_in_user()  # loads it, as current_user would
        assert user is current_user._get_current_object()
        assert not user.is_authenticated
        login_user(anna)
        assert permissions.signed_in_user() is current_user._get_current_object() is anna
        assert permissions.can("learn") == permissions.can("learn", None, anna)
        logout_user()
        assert permissions.signed_in_user() is current_user._get_current_object()
        assert not permissions.signed_in_user().is_authenticated
    with app.app_context():
        assert permissions.signed_in_user() is current_user._get_current_object() is None
