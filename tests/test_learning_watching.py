"""Watch tracking: the watched share is a union of played ranges; resume position."""

from __future__ import annotations

import pytest
from conftest import make_user
from factories import make_module

from koalicje.learning import watching
from koalicje.learning.watching import Report, ReportError, merge_intervals, parse_report
from models import ModuleProgress, WatchState


def report(ranges, position=0.0, duration=100.0, session="a", seq=1, source="rec.mp4"):
    return Report(source=source, position=position, duration=duration, ranges=ranges,
                  session=session, seq=seq)


def test_merge_joins_overlaps_sorts_and_clips():
    merged = merge_intervals([(50, 60), (0, 10), (5, 20), (20.2, 30), (90, 150), (-5, 1)], 100)
    assert merged == [[0, 30], [50, 60], [90, 100]]
    assert merge_intervals([(10, 10), (30, 20)], 100) == []


@pytest.fixture
def learner_and_module(database):
    return make_user(), make_module(kind="film")


def test_repeated_reports_do_not_inflate_the_share(learner_and_module):
    user, module = learner_and_module
    for seq in range(1, 6):
        state = watching.record(user, module, report([[0, 30]], 30, seq=seq), threshold=0.9)
    assert state.watched_seconds == 30
    assert state.share == pytest.approx(0.3)
    assert not ModuleProgress.get(ModuleProgress.user == user).watched


def test_out_of_order_reports_merge_and_keep_the_newest_position(learner_and_module):
    user, module = learner_and_module
    watching.record(user, module, report([[40, 60]], 60, seq=3), threshold=0.9)
    state = watching.record(user, module, report([[0, 20]], 20, seq=1), threshold=0.9)
    state = watching.record(user, module, report([[20, 40]], 40, seq=2), threshold=0.9)
    assert state.intervals == [[0, 60]]
    assert state.watched_seconds == 60
    assert state.position == 60  # the late reports (seq 1 and 2) did not move it back


def test_reports_beyond_the_duration_are_clipped(learner_and_module):
    user, module = learner_and_module
    state = watching.record(user, module, report([[80, 500]], 500), threshold=0.9)
    assert state.intervals == [[80, 100]]
    assert state.watched_seconds == 20
    assert state.position == 100
    # A later report claiming another (longer) duration cannot stretch the recording.
    state = watching.record(user, module, report([[0, 400]], 10, duration=400, seq=2), 0.9)
    assert state.duration == 100 and state.watched_seconds == 100


def test_threshold_marks_watched_and_completes_a_module_without_quiz(learner_and_module):
    user, module = learner_and_module
    watching.record(user, module, report([[0, 50]], 50), threshold=0.9)
    row = ModuleProgress.get(ModuleProgress.user == user)
    assert row.status == "in_progress" and not row.watched
    watching.record(user, module, report([[50, 89]], 89, seq=2), threshold=0.9)
    assert not ModuleProgress.get(ModuleProgress.user == user).watched
    watching.record(user, module, report([[89, 90]], 90, seq=3), threshold=0.9)
    row = ModuleProgress.get(ModuleProgress.user == user)
    assert row.watched and row.status == "completed"


def test_threshold_is_configurable(learner_and_module):
    user, module = learner_and_module
    watching.record(user, module, report([[0, 50]], 50), threshold=0.5)
    assert ModuleProgress.get(ModuleProgress.user == user).watched


def test_resume_on_another_device(learner_and_module):
    user, module = learner_and_module
    watching.record(user, module, report([[0, 42]], 42, session="laptop", seq=7), 0.9)
    # The other device starts a new page load: its first report is newer, whatever its seq.
    state = watching.state_for(user, module)
    assert watching.resume_position(state, "rec.mp4") == 42
    watching.record(user, module, report([[42, 55]], 55, session="phone", seq=1), 0.9)
    state = watching.state_for(user, module)
    assert watching.resume_position(state, "rec.mp4") == 55
    # Near the end, the next visit starts from the beginning; another recording too.
    watching.record(user, module, report([[55, 99]], 99, session="phone", seq=2), 0.9)
    state = watching.state_for(user, module)
    assert watching.resume_position(state, "rec.mp4") == 0
    assert watching.resume_position(state, "other.mp4") == 0


def test_another_recording_starts_counting_afresh(learner_and_module):
    user, module = learner_and_module
    watching.record(user, module, report([[0, 60]], 60), 0.9)
    state = watching.record(user, module, report([[0, 5]], 5, source="new.mp4", seq=2), 0.9)
    assert state.source == "new.mp4" and state.watched_seconds == 5
    assert WatchState.select().count() == 1


def test_progress_is_per_user(learner_and_module):
    user, module = learner_and_module
    other = make_user()
    watching.record(user, module, report([[0, 95]], 95), 0.9)
    assert watching.state_for(other, module) is None


@pytest.mark.parametrize("data", [
    {"duration": "abc", "ranges": []},
    {"duration": "0", "ranges": []},
    {"duration": "nan", "ranges": []},
    {"duration": "10", "ranges": "not json"},
    {"duration": "10", "ranges": [[1, 2, 3]]},
    {"duration": "10", "ranges": [[0, 1]] * 500},
    {"duration": "10", "position": "inf", "ranges": []},
])
def test_malformed_reports_are_refused(data):
    with pytest.raises(ReportError):
        parse_report(data)


def test_form_encoded_report_from_send_beacon():
    parsed = parse_report({"duration": "12.5", "position": "3", "ranges": "[[0, 3]]",
                           "session": "s", "seq": "4", "source": "x.wav"})
    assert parsed.ranges == [(0.0, 3.0)] and parsed.seq == 4 and parsed.duration == 12.5


def test_two_first_reports_at_once_merge_into_one_row(learner_and_module, monkeypatch):
    """Two tabs send their first report together: both saw no row, one insert loses the
    race (unique user+module), and its report is merged into the winner's row on retry."""
    user, module = learner_and_module
    watching.record(user, module, report([[0, 30]], 30, session="tab-1"), 0.9)  # the winner
    real = WatchState.get_or_none
    reads = []

    def read_before_the_other_tab_wrote(*args, **kwargs):
        reads.append(args)
        return None if len(reads) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(WatchState, "get_or_none", read_before_the_other_tab_wrote)
    state = watching.record(user, module, report([[50, 70]], 70, session="tab-2"), 0.9)
    assert len(reads) == 2  # the stale read, then the retry's fresh one
    monkeypatch.undo()
    assert WatchState.select().count() == 1
    stored = WatchState.get()
    assert stored.intervals == state.intervals == [[0, 30], [50, 70]]
    assert stored.watched_seconds == 50
    assert stored.session == "tab-2" and stored.position == 70


def test_stored_intervals_are_capped(learner_and_module):
    """Scattered seeking cannot grow the stored state without bound."""
    user, module = learner_and_module
    cap = watching.MAX_STORED_INTERVALS
    count = cap + 100
    duration = 2.0 * count
    gaps = [(2.0 * n, 2.0 * n + 1) for n in range(count)]  # 1 s played, 1 s skipped
    per_report = watching.MAX_RANGES_PER_REPORT
    for seq, start in enumerate(range(0, count, per_report), start=1):
        state = watching.record(user, module, report(gaps[start:start + per_report],
                                                     duration=duration, seq=seq), 0.9)
    assert len(state.intervals) == cap
    stored = WatchState.get()
    assert len(stored.intervals) == cap
    assert stored.intervals[0] == [0, 1] and stored.intervals[-1] == [2.0 * (cap - 1), 2.0 * cap - 1]
    assert stored.watched_seconds == cap  # the share counts what is stored, nothing more
