"""The period and category an insights page or the metrics API is about, read from ?from=
&to=&category= and checked, with the support team's time zone for days and weeks."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

log = logging.getLogger(__name__)
MAX_DAYS = 366
DEFAULT_WEEKS = 8


class WindowError(ValueError):
    """A period or category that cannot be used; the message says why, `field` which one."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class Window:
    """Local dates from `start` to `end` (both included) in `tz`, optionally one category."""

    start: date
    end: date
    tz: ZoneInfo
    category_id: int | None = None

    @property
    def days(self) -> int:
        """How many days the window covers."""
        return (self.end - self.start).days + 1

    def utc(self, day: date) -> datetime:
        """The naive UTC instant at which a local day begins (how timestamps are stored)."""
        return datetime.combine(day, time(), tzinfo=self.tz).astimezone(UTC).replace(tzinfo=None)

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[first instant, first instant after) the window, naive UTC."""
        return self.utc(self.start), self.utc(self.end + timedelta(days=1))

    def local(self, moment: datetime) -> datetime:
        """A stored naive-UTC timestamp in the support time zone."""
        return moment.replace(tzinfo=UTC).astimezone(self.tz)

    @property
    def weeks(self) -> int:
        """Seven-day weeks counted back from `end` (the earliest may be shorter)."""
        return -(-self.days // 7)

    def week_of(self, day: date) -> int:
        """Index of the week a local day falls in, 0 the earliest, weeks ending on `end`."""
        return self.weeks - 1 - (self.end - day).days // 7

    def week_start(self, index: int) -> date:
        """The first day of week `index` (clipped to the window)."""
        return max(self.start, self.end - timedelta(days=7 * (self.weeks - index) - 1))

    def as_args(self) -> dict:
        """Query-string arguments that give this window again."""
        args = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.category_id:
            args["category"] = self.category_id
        return args


def support_timezone() -> ZoneInfo:
    """SUPPORT_TIMEZONE as a zone (UTC when unset or unknown, so pages never fail on it)."""
    name = current_app.config.get("SUPPORT_TIMEZONE") or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("SUPPORT_TIMEZONE %r is not a known time zone; using UTC", name)
        return ZoneInfo("UTC")


def today(tz: ZoneInfo, now: datetime | None = None) -> date:
    """Today's date for the support team."""
    moment = (now or datetime.now(UTC).replace(tzinfo=None)).replace(tzinfo=UTC)
    return moment.astimezone(tz).date()


def _date(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise WindowError(f"“{raw[:40]}” is not a date: use YYYY-MM-DD, e.g. 2026-01-31.",
                          field) from exc


def _category(raw: str, known: set[int]) -> int | None:
    if not raw.strip():
        return None
    if not raw.strip().isdigit() or int(raw) not in known:
        raise WindowError("No such category: pick one from the list.", "category")
    return int(raw)


def parse_window(args, *, categories: set[int], tz: ZoneInfo, now: datetime | None = None,
                 weeks: int = DEFAULT_WEEKS) -> Window:
    """The window ?from=&to=&category= ask for; the last `weeks` weeks by default."""
    end_raw, start_raw = args.get("to") or "", args.get("from") or ""
    end = _date(end_raw, "to") if end_raw.strip() else today(tz, now)
    start = _date(start_raw, "from") if start_raw.strip() \
        else end - timedelta(days=7 * weeks - 1)
    if end < start:
        raise WindowError("“to” must be on or after “from”.", "to")
    if (end - start).days + 1 > MAX_DAYS:
        raise WindowError(f"Pick at most {MAX_DAYS} days (from {start} to {end} is "
                          f"{(end - start).days + 1}).", "from")
    return Window(start, end, tz, _category(args.get("category") or "", categories))
