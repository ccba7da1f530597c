"""koalicje/kept.py: the bounded stores a worker keeps on the app between requests."""

from __future__ import annotations

from flask import Flask

from koalicje import kept


def test_outside_an_application_nothing_is_kept():
    made = []

    def make():
        made.append(1)
        return ["value"]

    assert kept.value("test.store", "key", make, 4) == ["value"]
    assert kept.value("test.store", "key", make, 4) == ["value"]
    assert len(made) == 2  # made again each time: no app to keep it on
    first = kept.store("test.store")
    first["key"] = 1
    assert kept.store("test.store") == {}  # a fresh dict each time


def test_a_value_is_made_once_per_key_and_kept_on_the_app():
    app = Flask(__name__)
    made = []

    def make(key):
        def build():
            made.append(key)
            return [key]
        return build

    with app.app_context():
        one = kept.value("test.store", "a", make("a"), 4)
        assert kept.value("test.store", "a", make("a"), 4) is one
        assert kept.value("test.store", "b", make("b"), 4) == ["b"]
        assert made == ["a", "b"]
        assert app.extensions["test.store"] == {"a": ["a"], "b": ["b"]}
        assert kept.store("test.store") is app.extensions["test.store"]
    other = Flask(__name__)
    with other.app_context():  # another app (another process) keeps its own
        assert kept.store("test.store") == {}


def test_a_store_starts_again_at_its_limit():
    app = Flask(__name__)
    with app.app_context():
        for index in range(3):
            kept.value("test.bounded", index, lambda index=index: index * 10, 3)
        assert kept.store("test.bounded") == {0: 0, 1: 10, 2: 20}
        assert kept.value("test.bounded", 3, lambda: 30, 3) == 30
        assert kept.store("test.bounded") == {3: 30}  # cleared, then the new value
        texts: dict = {}
        assert kept.keep(texts, "x", "X", 2) == "X"
        kept.keep(texts, "y", "Y", 2)
        kept.keep(texts, "z", "Z", 2)
        assert texts == {"z": "Z"}
