"""Business time: when a response target falls due and how much of it is left, counted only
in the support team's opening hours in its own time zone (stdlib zoneinfo; pure, no Flask).

Hours are a mapping weekday (0 = Monday) -> [(start minute, end minute), ...] of local wall
time; None means around the clock, where business time is simply wall-clock time. All
datetimes in and out are naive UTC, as the database stores them.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Hours = dict[int, list[tuple[int, int]]]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = frozenset({"", "24/7", "always"})
_SPAN = re.compile(r"^([a-z]{3})(?:-([a-z]{3}))?\s+(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$")


class BusinessHoursError(ValueError):
    """Business hours or a time zone that cannot be used; the message says what is wrong."""


def zone(name: str) -> ZoneInfo:
    """The named time zone, or BusinessHoursError naming it."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BusinessHoursError(f"Unknown time zone {name!r} (e.g. 'Europe/London').") from exc


def _minute(text: str) -> int:
    hours, _, minutes = text.partition(":")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or not 0 <= value <= 24 * 60:
        raise BusinessHoursError(f"{text!r} is not a time of day (HH:MM, 00:00 to 24:00).")
    return value


def _interval(text: str) -> tuple[int, int]:
    start, sep, end = text.strip().partition("-")
    if not sep:
        raise BusinessHoursError(f"{text!r} is not a span of time like 09:00-17:00.")
    begin, finish = _minute(start.strip()), _minute(end.strip())
    if finish <= begin:
        raise BusinessHoursError(f"{text!r} ends before it starts.")
    return begin, finish


def _day(name: str) -> int:
    key = name.strip().lower()[:3]
    if key not in DAYS:
        raise BusinessHoursError(f"{name!r} is not a day (Mon, Tue, ... Sun).")
    return DAYS.index(key)


def _days(first: str, last: str | None) -> list[int]:
    start, end = _day(first), _day(last or first)
    return [(start + n) % 7 for n in range(((end - start) % 7) + 1)]


def _from_text(text: str) -> Hours:
    hours: Hours = {}
    for part in filter(None, (p.strip().lower() for p in re.split(r"[;,]", text))):
        found = _SPAN.match(" ".join(part.split()))
        if not found:
            raise BusinessHoursError(f"{part!r} is not like 'Mon-Fri 09:00-17:00'.")
        first, last, start, end = found.groups()
        for day in _days(first, last):
            hours.setdefault(day, []).append(_interval(f"{start}-{end}"))
    return hours


def _from_mapping(mapping: dict) -> Hours:
    hours: Hours = {}
    for name, spans in mapping.items():
        spans = [spans] if isinstance(spans, str) else spans
        if not isinstance(spans, list) or not all(isinstance(s, str) for s in spans):
            raise BusinessHoursError(f"{name!r}: give spans like \"09:00-17:00\" or a list.")
        hours.setdefault(_day(name), []).extend(_interval(s) for s in spans)
    return hours


def parse_hours(spec: str | dict | None) -> Hours | None:
    """'Mon-Fri 09:00-17:00; Sat 10:00-14:00', a JSON mapping {"mon": "09:00-17:00", ...},
    or ''/'24/7' for around the clock (None)."""
    if isinstance(spec, str) and spec.strip().startswith("{"):
        try:
            spec = json.loads(spec)
        except ValueError as exc:
            raise BusinessHoursError("The business hours are not valid JSON.") from exc
    if spec is None or (isinstance(spec, str) and spec.strip().lower() in ALWAYS):
        return None
    hours = _from_mapping(spec) if isinstance(spec, dict) else _from_text(str(spec))
    if not hours:
        raise BusinessHoursError("The business hours name no open time at all.")
    return {day: sorted(_merged(spans)) for day, spans in hours.items()}


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _at(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """Local wall time `minute` of `day`, as naive UTC."""
    local = datetime.combine(day, time(0), tzinfo=tz) + timedelta(minutes=minute)
    local = local.replace(tzinfo=None).replace(tzinfo=tz)  # wall-clock, then resolve the zone
    return local.astimezone(UTC).replace(tzinfo=None)


def _local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.replace(tzinfo=UTC).astimezone(tz).date()


def _windows(day: date, hours: Hours, tz: ZoneInfo):
    for start, end in hours.get(day.weekday(), ()):
        yield _at(day, start, tz), _at(day, end, tz)


def weekly_minutes(hours: Hours) -> int:
    """Open minutes in a week."""
    return sum(end - start for spans in hours.values() for start, end in spans)


def add_business_minutes(start: datetime, minutes: float, hours: Hours | None,
                         tz: ZoneInfo) -> datetime:
    """The moment `minutes` of business time after `start` (the due time of a target)."""
    if hours is None:
        return start + timedelta(minutes=minutes)
    week = weekly_minutes(hours)
    day, remaining = _local_day(start, tz) - timedelta(days=1), float(minutes)
    if remaining > 2 * week:  # skip whole weeks instead of walking them day by day
        skipped = int(remaining // week) - 1
        start, day, remaining = start + timedelta(weeks=skipped), day + timedelta(
            weeks=skipped), remaining - skipped * week
    while True:
        for begin, end in _windows(day, hours, tz):
            begin = max(begin, start)
            available = (end - begin).total_seconds() / 60
            if available <= 0:
                continue
            if remaining <= available:
                return begin + timedelta(minutes=remaining)
            remaining -= available
        day += timedelta(days=1)


def business_minutes_between(start: datetime, end: datetime, hours: Hours | None,
                             tz: ZoneInfo) -> float:
    """Business minutes from start to end (negative when end comes first): time left
    before a due time, or how far past it we are."""
    if end < start:
        return -business_minutes_between(end, start, hours, tz)
    if hours is None:
        return (end - start).total_seconds() / 60
    total, day = 0.0, _local_day(start, tz) - timedelta(days=1)
    full_weeks = max(0, (end - start).days // 7 - 1)
    if full_weeks:
        total, start = full_weeks * weekly_minutes(hours), start + timedelta(weeks=full_weeks)
        day += timedelta(weeks=full_weeks)
    while day <= _local_day(end, tz) + timedelta(days=1):
        for begin, finish in _windows(day, hours, tz):
            overlap = (min(finish, end) - max(begin, start)).total_seconds() / 60
            total += max(0.0, overlap)
        day += timedelta(days=1)
    return total
