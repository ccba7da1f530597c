"""Watch tracking for local recordings: what share was really played, and where to resume.

The player (static/js/player.js) reports every few seconds while playing: the position, the
media duration and the ranges it played since the last report. Reports may arrive twice,
late or out of order (slow connections, several tabs, another device); the stored state is
the union of all played ranges, so none of that inflates the share. A report from an older
point of the same page load never moves the resume position back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from peewee import IntegrityError

from koalicje import activity
from koalicje.learning import progress
from koalicje.prepared import prepared
from models import (
    LearningPreference,
    Module,
    ModuleProgress,
    User,
    WatchState,
    utcnow,
    write_transaction,
)

MAX_RANGES_PER_REPORT = 200
MAX_STORED_INTERVALS = 500
# Gaps shorter than this between played ranges are seeking jitter, not skipped content.
JOIN_GAP_SECONDS = 0.5


class ReportError(ValueError):
    """A report that cannot be used (bad numbers or shape)."""


@dataclass
class Report:
    source: str
    position: float
    duration: float
    ranges: list[tuple[float, float]]
    session: str = ""
    seq: int = 0


def _number(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ReportError(f"{name} is not a number") from None
    if math.isnan(number) or math.isinf(number):
        raise ReportError(f"{name} is not a finite number")
    return number


def parse_report(data: dict[str, Any]) -> Report:
    """Build a Report from the player's JSON or form fields (raises ReportError)."""
    ranges_raw = data.get("ranges") or []
    if isinstance(ranges_raw, str):
        import json

        try:
            ranges_raw = json.loads(ranges_raw)
        except ValueError:
            raise ReportError("ranges is not JSON") from None
    if not isinstance(ranges_raw, list) or len(ranges_raw) > MAX_RANGES_PER_REPORT:
        raise ReportError("ranges must be a short list of [start, end] pairs")
    ranges = []
    for pair in ranges_raw:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ReportError("each range must be [start, end]")
        ranges.append((_number(pair[0], "range start"), _number(pair[1], "range end")))
    duration = _number(data.get("duration"), "duration")
    if duration <= 0 or duration > 24 * 3600:
        raise ReportError("duration is out of range")
    try:
        seq = int(data.get("seq") or 0)
    except (TypeError, ValueError):
        raise ReportError("seq is not a whole number") from None
    return Report(
        source=str(data.get("source") or "")[:200],
        position=_number(data.get("position", 0), "position"),
        duration=duration,
        ranges=ranges,
        session=str(data.get("session") or "")[:64],
        seq=seq,
    )


def merge_intervals(intervals: list[tuple[float, float]] | list[list[float]],
                    duration: float) -> list[list[float]]:
    """Clip to [0, duration], drop empty ranges, sort and join overlapping/adjacent ones."""
    clipped = []
    for start, end in intervals:
        # Rounded before anything else, so a range shorter than the rounding never becomes
        # an empty [x, x] and merging the result again changes nothing.
        start = round(max(0.0, float(start)), 2)
        end = round(min(float(duration), float(end)), 2)
        if end > start:
            clipped.append((start, end))
    clipped.sort()
    merged: list[list[float]] = []
    for start, end in clipped:
        if merged and start <= merged[-1][1] + JOIN_GAP_SECONDS:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def covered_seconds(intervals: list[list[float]]) -> float:
    return sum(end - start for start, end in intervals)


def record(user: User, module: Module, report: Report, threshold: float) -> WatchState:
    """Merge a report into the learner's state; mark the module watched at the threshold."""
    try:
        state = _merge(user, module, report)
    except IntegrityError:
        # Two first reports at once (e.g. two tabs on PostgreSQL): the other one created the
        # row; merging into it now loses nothing.
        state = _merge(user, module, report)
    if state.share >= threshold:
        row = ModuleProgress.get_or_none(
            (ModuleProgress.user == user) & (ModuleProgress.module == module)
        )
        if row is None or not row.watched:
            progress.set_watched(user, module, True)
    return state


def _merge(user: User, module: Module, report: Report) -> WatchState:
    with write_transaction():
        state = WatchState.get_or_none((WatchState.user == user) & (WatchState.module == module))
        if state is None:
            state = WatchState(user=user, module=module, source=report.source,
                               duration=report.duration)
            progress.touch(user, module)
        elif state.source != report.source:
            # Another recording was attached: what was watched of the old one no longer counts.
            state.source, state.duration, state.intervals = report.source, report.duration, []
            state.watched_seconds, state.position, state.session, state.seq = 0, 0, "", 0
        elif not state.duration:
            state.duration = report.duration
        duration = state.duration
        state.intervals = merge_intervals(list(state.intervals or []) + report.ranges, duration)
        if len(state.intervals) > MAX_STORED_INTERVALS:
            state.intervals = state.intervals[:MAX_STORED_INTERVALS]
        state.watched_seconds = round(covered_seconds(state.intervals), 2)
        newer = report.session != state.session or report.seq >= state.seq
        if newer:
            state.position = round(min(max(0.0, report.position), duration), 2)
            state.session, state.seq = report.session, report.seq
        state.updated_at = utcnow()
        state.save()
        activity.touch(user, state.updated_at)
    return state


def state_for(user: User, module: Module) -> WatchState | None:
    return WatchState.get_or_none((WatchState.user == user) & (WatchState.module == module))


def resume_position(state: WatchState | None, source: str) -> float:
    """Where the player should start: the last position, unless it was at the very end."""
    if state is None or state.source != source or not state.duration:
        return 0.0
    if state.position >= state.duration - 3:
        return 0.0
    return state.position


# --- the light version (slow connections) --------------------------------------------------


def prefers_light(user: User) -> bool:
    """Does the learner want the light version of recordings?"""
    preference = _preference.first(user.id)
    return bool(preference and preference.light)


@prepared
def _preference(user_id: int):
    return LearningPreference.select().where(LearningPreference.user == user_id).limit(1)


def set_prefers_light(user: User, light: bool) -> None:
    """Remember the learner's choice of the light version."""
    with write_transaction():
        preference, created = LearningPreference.get_or_create(
            user=user.id, defaults={"light": light}
        )
        if not created and preference.light != light:
            preference.light = light
            preference.updated_at = utcnow()
            preference.save()
