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


def test_a_sized_store_drops_the_least_recently_used_past_its_entries():
    store = kept.Sized(entries=3, size=1_000)
    for key in "abc":
        assert store.put(key, key.upper(), 10) == key.upper()
    assert store.get("a") == "A"  # now the most recently used
    store.put("d", "D", 10)
    assert store.keys() == ["c", "a", "d"] and store.get("b") is None  # b was the oldest
    assert store.held == 30 and len(store) == 3 and "a" in store and "b" not in store


def test_a_sized_store_drops_by_size_and_counts_a_value_once():
    store = kept.Sized(entries=10, size=1_000)
    store.put("a", "x", 100)
    store.put("a", "y", 240)  # made again (another thread meanwhile): replaces, counted once
    assert store.held == 240 and store.get("a") == "y" and len(store) == 1
    store.put("b", "z", 800)  # over the size: the least recently used go first
    assert store.keys() == ["b"] and store.held == 800
    store.put("c", "w", 1_200)  # more than the whole budget alone: not kept, nothing dropped
    assert store.keys() == ["b"] and store.held == 800 and store.get("c") is None
    store.put("b", "z2", 1_001)  # made again too big: the earlier value goes too
    assert not store.keys() and store.held == 0 and store.get("b") is None
    store.put("d", "v", 1)
    assert store.items() == [("d", "v", 1)]
    store.clear()
    assert len(store) == 0 and store.held == 0


def test_a_sized_store_lives_on_the_app_and_follows_its_limits():
    assert kept.sized("test.sized", 4, 100).put("k", "v", 1) == "v"
    assert kept.sized("test.sized", 4, 100).get("k") is None  # no app: nothing kept
    app = Flask(__name__)
    with app.app_context():
        store = kept.sized("test.sized", 4, 100)
        store.put("k", "v", 50)
        assert kept.sized("test.sized", 4, 100) is store and store.get("k") == "v"
        smaller = kept.sized("test.sized", 4, 60)  # a changed setting: from the next put on
        smaller.put("m", "w", 20)
        assert smaller is store and store.keys() == ["m"] and store.held == 20
