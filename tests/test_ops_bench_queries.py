"""Queries per page do not grow with the data: every page, partial and write of `make bench`
at two sizes of the generated data set (about 10 and 100 rows of each kind: posts on a
board, learners and coalitions in a trainer's scope, visits, comments...)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import ON_POSTGRES, TEST_DATABASE_URL, _reset_postgres_schema

from app import create_app
from koalicje.ops import bench, bench_data
from models import create_or_migrate, db

SMALL = bench_data.Sizes(
    coalitions=4, users=12, trainers=2, progress=20, quiz_attempts=20, self_assessments=6,
    posts=50, big_board_posts=25, programme_posts=10, comments=30, trainer_coalitions=2,
    trainer_learners=10, visits=4, next_steps=10, days=60,
)
LARGE = replace(
    SMALL, coalitions=16, users=120, progress=200, quiz_attempts=200, self_assessments=60,
    posts=400, big_board_posts=100, programme_posts=100, comments=300, trainer_coalitions=8,
    trainer_learners=100, visits=40, next_steps=100,
)


def _queries(sizes: bench_data.Sizes, tmp_path, name: str) -> dict[str, int]:
    url = TEST_DATABASE_URL if ON_POSTGRES else f"sqlite:///{tmp_path / (name + '.sqlite3')}"
    app = create_app({
        "TESTING": True, "SECRET_KEY": bench.SECRET_KEY, "DATABASE_URL": url,
        "INSTANCE_PATH": str(tmp_path / "instance"), "UPLOAD_DIR": str(tmp_path / "uploads"),
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"), "SESSION_COOKIE_SECURE": False,
        "PREFERRED_URL_SCHEME": "http", "BOARD_POSTS_PER_MINUTE": 10**6,
    })
    with app.app_context():
        db.connect(reuse_if_open=True)
        if ON_POSTGRES:
            _reset_postgres_schema()
        create_or_migrate()
        bench_data.generate(sizes, seed=2)
        db.close()
    clients: dict[str, bench.TestClient] = {}

    def client_for(role: str) -> bench.TestClient:
        if role not in clients:
            clients[role] = bench.TestClient(app)
            bench.sign_in(clients[role], role)
        return clients[role]

    targets = bench.targets(bench.discover(app, client_for))
    measured = bench.measure_in_process(app, targets)
    if not db.is_closed():
        db.close()
    for target in targets:
        assert measured[target.name]["status"] in (200, 303), target
    return {name: row["queries"] for name, row in measured.items()}


@pytest.fixture(scope="module")
def counts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("queries")
    return _queries(SMALL, tmp, "small"), _queries(LARGE, tmp, "large")


@pytest.mark.parametrize("target", [t.name for t in bench.targets({
    "board": "b", "module": "m", "quiz": "q", "post": 1, "draft": 1, "more": "/x",
    "quiz_answers": {}, "autosave": {}, "last_comment": 0})])
def test_queries_per_request_do_not_grow_with_the_data(counts, target):
    small, large = counts
    assert small[target] == large[target], (target, small[target], large[target])
