"""Response targets: the defaults and each category's own, and where a thread stands against
them (due, met, time left in business time)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from forum.extensions import db
from support.triage import business
from support.triage.models import CategoryTarget, TargetKind

MAX_MINUTES = 60 * 24 * 365  # a target is at most a year
_CLOCK = "parley.triage.clock"


@dataclass(frozen=True)
class Clock:
    """The support team's opening hours and time zone (None hours: around the clock)."""

    hours: business.Hours | None
    tz: business.ZoneInfo

    def due(self, start: datetime, minutes: int) -> datetime:
        """When a target of `minutes` business minutes from start falls due."""
        return business.add_business_minutes(start, minutes, self.hours, self.tz)

    def left(self, now: datetime, due: datetime) -> float:
        """Business minutes from now until due (negative once past)."""
        return business.business_minutes_between(now, due, self.hours, self.tz)


def make_clock(config) -> Clock:
    """The clock a config describes; BusinessHoursError says what is wrong with it."""
    return Clock(business.parse_hours(config.get("SUPPORT_BUSINESS_HOURS")),
                 business.zone(config.get("SUPPORT_TIMEZONE") or "UTC"))


def clock() -> Clock:
    """This app's clock, parsed once (init_app checks it at start-up)."""
    found = current_app.extensions.get(_CLOCK)
    if found is None:
        found = current_app.extensions[_CLOCK] = make_clock(current_app.config)
    return found


@dataclass(frozen=True)
class Minutes:
    """A category's targets in business minutes, and whether each is its own or the default."""

    first_response: int
    resolution: int
    custom_first: bool = False
    custom_resolution: bool = False

    def of(self, kind: TargetKind) -> int:
        """The minutes of one target."""
        return self.first_response if kind is TargetKind.FIRST_RESPONSE else self.resolution


def default_minutes() -> Minutes:
    """The targets every category has unless staff set its own."""
    config = current_app.config
    return Minutes(int(config["RESPONSE_TARGET_MINUTES"]),
                   int(config["SUPPORT_RESOLUTION_MINUTES"]))


def merged(default: Minutes, first: int | None, resolution: int | None) -> Minutes:
    """A category's own values over the defaults."""
    return Minutes(first or default.first_response, resolution or default.resolution,
                   first is not None, resolution is not None)


def minutes_for(category_ids) -> dict[int, Minutes]:
    """{category id: its targets} for these categories, in one query."""
    default, ids = default_minutes(), set(category_ids)
    rows = db.session.execute(
        select(CategoryTarget.category_id, CategoryTarget.first_response_minutes,
               CategoryTarget.resolution_minutes).where(CategoryTarget.category_id.in_(ids))
    ).all() if ids else []
    found = {row[0]: merged(default, row[1], row[2]) for row in rows}
    return {cid: found.get(cid, default) for cid in ids}


@dataclass(frozen=True)
class TargetState:
    """Where a thread stands against one target."""

    kind: TargetKind
    minutes: int
    due: datetime
    done: bool  # the target no longer runs (answered / resolved)
    met: bool | None  # answered in time? None while running or when not known
    minutes_left: float | None  # None once done

    @property
    def overdue(self) -> bool:
        """Still running and past its due time."""
        return self.minutes_left is not None and self.minutes_left <= 0

    @property
    def label(self) -> str:
        """The target's name for staff."""
        return self.kind.label


@dataclass(frozen=True)
class ThreadClockFacts:
    """What the targets need to know about a thread."""

    created_at: datetime
    first_staff_reply_at: datetime | None
    resolved: bool


def thread_facts(thread) -> ThreadClockFacts:
    """The facts of a Thread (resolved: solved, closed or answered elsewhere)."""
    resolved = (thread.accepted_post_id is not None or thread.closed_at is not None
                or thread.canonical_kind is not None)
    return ThreadClockFacts(thread.created_at, thread.first_staff_reply_at, resolved)


def states(facts: ThreadClockFacts, minutes: Minutes, now: datetime,
           the_clock: Clock) -> tuple[TargetState, TargetState]:
    """The first-response and resolution targets of a thread, now."""
    first_due = the_clock.due(facts.created_at, minutes.first_response)
    answered = facts.first_staff_reply_at
    first = TargetState(
        TargetKind.FIRST_RESPONSE, minutes.first_response, first_due,
        done=answered is not None or facts.resolved,
        met=None if answered is None else answered <= first_due,
        minutes_left=None if answered is not None or facts.resolved
        else the_clock.left(now, first_due))
    resolution_due = the_clock.due(facts.created_at, minutes.resolution)
    resolution = TargetState(
        TargetKind.RESOLUTION, minutes.resolution, resolution_due, done=facts.resolved,
        met=None, minutes_left=None if facts.resolved else the_clock.left(now, resolution_due))
    return first, resolution


def current(pair: tuple[TargetState, TargetState]) -> TargetState | None:
    """The target that runs now: the first response until staff answered, then resolution."""
    return next((state for state in pair if not state.done), None)
