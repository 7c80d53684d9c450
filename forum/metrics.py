"""Response measures staff live by: how fast questions get a first answer, how many are
solved, and which ones nobody has answered yet (oldest first, overdue past the target)."""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import PostStatus, Thread, utcnow


@dataclass(frozen=True)
class ResponseReport:
    """Counts and medians over the questions asked in a window of days."""

    days: int
    target_minutes: int
    asked: int
    answered: int
    answered_within_target: int
    staff_answered: int
    solved: int
    unanswered: int
    median_first_reply_minutes: float | None
    median_first_staff_reply_minutes: float | None

    def share(self, part: int) -> float | None:
        """part / asked, or None when nothing was asked."""
        return round(part / self.asked, 3) if self.asked else None

    def as_dict(self) -> dict:
        """A JSON-ready form, with the shares worked out."""
        out = dict(self.__dict__)
        out["answered_share"] = self.share(self.answered)
        out["within_target_share"] = self.share(self.answered_within_target)
        out["solved_share"] = self.share(self.solved)
        return out


def _minutes(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else max(0.0, (end - start).total_seconds() / 60)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def response_report(*, days: int = 30, target_minutes: int = 60,
                    now: datetime | None = None) -> ResponseReport:
    """Measure first-reply times and resolution for questions asked in the last `days`."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Thread.created_at, Thread.first_reply_at, Thread.first_staff_reply_at,
               Thread.accepted_post_id)
        .where(Thread.status == PostStatus.PUBLISHED,
               Thread.created_at >= now - timedelta(days=days))
    ).all()
    first = [m for m in (_minutes(r[0], r[1]) for r in rows) if m is not None]
    staff = [m for m in (_minutes(r[0], r[2]) for r in rows) if m is not None]
    return ResponseReport(
        days=days,
        target_minutes=target_minutes,
        asked=len(rows),
        answered=len(first),
        answered_within_target=sum(1 for m in first if m <= target_minutes),
        staff_answered=len(staff),
        solved=sum(1 for r in rows if r[3] is not None),
        unanswered=len(rows) - len(first),
        median_first_reply_minutes=_median(first),
        median_first_staff_reply_minutes=_median(staff),
    )


# The ask page's promise, per database: re-measured every few minutes, not on every view.
_TYPICAL: dict[str, tuple[datetime, float | None]] = {}
TYPICAL_SECONDS = 300
TYPICAL_MIN_ANSWERED = 5


def typical_first_answer_minutes(*, days: int = 30, now: datetime | None = None) -> float | None:
    """The median minutes to a first answer over the last `days`, for the ask page to promise
    honestly; None until at least TYPICAL_MIN_ANSWERED questions were answered."""
    now = now or utcnow()
    key = db.engine.url.render_as_string(hide_password=True)
    cached = _TYPICAL.get(key)
    if cached is None or (now - cached[0]).total_seconds() > TYPICAL_SECONDS \
            or now < cached[0]:
        report = response_report(days=days, now=now)
        value = report.median_first_reply_minutes \
            if report.answered >= TYPICAL_MIN_ANSWERED else None
        cached = _TYPICAL[key] = (now, value)
    return cached[1]


# The header's overdue count for staff, per database: one count a minute, not one a page.
_OVERDUE: dict[str, tuple[datetime, int]] = {}
OVERDUE_SECONDS = 60


def overdue_count(*, target_minutes: int = 60, now: datetime | None = None) -> int:
    """Questions still waiting for a first answer after target_minutes (the staff desk's
    'Overdue'), re-counted at most once a minute per process."""
    now = now or utcnow()
    key = f"{db.engine.url.render_as_string(hide_password=True)}|{target_minutes}"
    cached = _OVERDUE.get(key)
    if cached is None or not 0 <= (now - cached[0]).total_seconds() <= OVERDUE_SECONDS:
        count = db.session.scalar(
            select(func.count()).select_from(Thread).where(
                Thread.awaiting_first_answer,
                Thread.created_at < now - timedelta(minutes=target_minutes),
            )
        ) or 0
        cached = _OVERDUE[key] = (now, count)
    return cached[1]


def duration_words(minutes: float) -> str:
    """'12 minutes', '3 hours', '2 days': rounded the way a person would say it."""
    if minutes < 60:
        count, unit = max(1, round(minutes)), "minute"
    elif minutes < 48 * 60:
        count, unit = round(minutes / 60), "hour"
    else:
        count, unit = round(minutes / (24 * 60)), "day"
    return f"{count} {unit}{'s' if count != 1 else ''}"


@dataclass(frozen=True)
class WaitingQuestion:
    """A question still waiting for its first answer."""

    thread: Thread
    waiting_minutes: float
    overdue: bool


def unanswered_queue(*, target_minutes: int = 60, limit: int = 50,
                     now: datetime | None = None) -> list[WaitingQuestion]:
    """Questions still waiting for a first answer (not closed as duplicates nor answered by
    a help article), longest-waiting first."""
    now = now or utcnow()
    threads = db.session.scalars(
        select(Thread)
        .where(Thread.awaiting_first_answer)
        .options(joinedload(Thread.author), joinedload(Thread.category))
        .order_by(Thread.created_at)
        .limit(limit)
    )
    out = []
    for thread in threads:
        waited = _minutes(thread.created_at, now) or 0.0
        out.append(WaitingQuestion(thread, round(waited, 1), waited > target_minutes))
    return out
