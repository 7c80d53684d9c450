"""The insights figures for a window: response and resolution times (median, p90) per week
and category, the share answered within target, the unanswered backlog per day, volume by
weekday and hour, moderation per rule and hold precision, deflection and search gaps, and the
tone trend of customer posts.

A fixed number of queries whatever the window, the number of weeks or categories: the
question rows of the window are read once (narrow columns) and bucketed in Python in the
support time zone; tone is counted in SQL per hour; moderation and the knowledge base's
figures come from their own modules' definitions.

Definitions (also on the page):
- first response: the question's first reply by someone other than its author
  (Thread.first_reply_at, as on the staff desk); first staff response: first_staff_reply_at.
- resolution: from asking to the accepted answer (Thread.solved_at; threads solved before
  solved_at existed have none and are left out).
- median: the middle value (mean of the two middle ones); p90: nearest rank, the smallest
  value at least 90% of the values are at or below.
- within target: first response within the category's target (support.triage when it says,
  else RESPONSE_TARGET_MINUTES), out of all questions asked (unanswered ones count as missed).
- backlog on a day: published questions asked before the day ended, with no reply and not
  closed by then (questions answered by a help article without closing are left out: no time
  is recorded for that).
"""
from __future__ import annotations

import math
import statistics
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from forum.extensions import db
from forum.models import Category, Post, PostStatus, Role, Thread, User
from support.insights import targets, tone
from support.insights.window import Window

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def median(values: list[float]) -> float | None:
    """The middle value (mean of the two middle ones), rounded to 0.1; None for no values."""
    return round(statistics.median(values), 1) if values else None


def p90(values: list[float]) -> float | None:
    """Nearest-rank 90th percentile: the smallest value >= 90% of the values; None if none."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[math.ceil(0.9 * len(ordered)) - 1], 1)


def share(part: int, whole: int) -> float | None:
    """part / whole to three places; None when there is nothing to divide by."""
    return round(part / whole, 3) if whole else None


def _minutes(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else max(0.0, (end - start).total_seconds() / 60)


@dataclass
class Bucket:
    """Questions of one week or one category, and how they were answered."""

    label: str
    asked: int = 0
    within_target: int = 0
    solved: int = 0
    first: list[float] = field(default_factory=list)
    staff: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)

    def add(self, times: tuple, target: int) -> None:
        """Count one question: (first, staff, resolution minutes or None, solved)."""
        first, staff, resolution, solved = times
        self.asked += 1
        if first is not None:
            self.first.append(first)
            self.within_target += first <= target
        if staff is not None:
            self.staff.append(staff)
        self.solved += solved
        if resolution is not None:
            self.resolution.append(resolution)

    def as_dict(self) -> dict:
        """The bucket's figures, JSON-ready."""
        return {
            "label": self.label, "asked": self.asked, "answered": len(self.first),
            "within_target": self.within_target,
            "within_target_share": share(self.within_target, self.asked),
            "solved": self.solved, "solved_share": share(self.solved, self.asked),
            "first_response_median": median(self.first), "first_response_p90": p90(self.first),
            "first_staff_response_median": median(self.staff),
            "first_staff_response_p90": p90(self.staff),
            "resolution_median": median(self.resolution), "resolution_p90": p90(self.resolution),
        }


@dataclass
class Responses:
    """Response figures for the window: overall, per week, per category, and the heatmap."""

    total: Bucket
    weeks: list[Bucket]
    categories: list[Bucket]
    heatmap: list[list[int]]  # [weekday 0=Monday][hour 0..23], local time


def _question_rows(window: Window):
    start, end = window.bounds
    stmt = select(Thread.category_id, Thread.created_at, Thread.first_reply_at,
                  Thread.first_staff_reply_at, Thread.solved_at, Thread.accepted_post_id) \
        .where(Thread.status == PostStatus.PUBLISHED, Thread.created_at >= start,
               Thread.created_at < end)
    if window.category_id:
        stmt = stmt.where(Thread.category_id == window.category_id)
    return db.session.execute(stmt).all()


def category_names() -> dict[int, str]:
    """Every category's name by id, in the forum's order (one query)."""
    rows = db.session.execute(select(Category.id, Category.name)
                              .order_by(Category.position, Category.name))
    return dict(rows.all())


def responses(window: Window, names: dict[int, str]) -> Responses:
    """Count, time and bucket every question asked in the window (one query)."""
    target_of = targets.lookup()
    weeks = [Bucket(window.week_start(i).isoformat()) for i in range(window.weeks)]
    total, by_category = Bucket("All"), {}
    heat = [[0] * 24 for _ in DAYS]
    for row in _question_rows(window):
        local = window.local(row.created_at)
        solved = row.accepted_post_id is not None
        times = (_minutes(row.created_at, row.first_reply_at),
                 _minutes(row.created_at, row.first_staff_reply_at),
                 _minutes(row.created_at, row.solved_at) if solved else None, solved)
        category = by_category.get(row.category_id)
        if category is None:
            category = by_category[row.category_id] = Bucket(names.get(row.category_id, "?"))
        target = target_of(row.category_id)
        for bucket in (total, weeks[window.week_of(local.date())], category):
            bucket.add(times, target)
        heat[local.weekday()][local.hour] += 1
    ordered = [by_category[c] for c in names if c in by_category]
    return Responses(total, weeks, ordered, heat)


def backlog(window: Window) -> list[tuple[str, int]]:
    """(local day, questions waiting for a first answer when it ended), for each day."""
    start, end = window.bounds
    stmt = select(Thread.created_at, Thread.first_reply_at, Thread.closed_at).where(
        Thread.status == PostStatus.PUBLISHED, Thread.created_at < end,
        (Thread.canonical_kind.is_(None)) | Thread.closed_at.is_not(None),
        (Thread.first_reply_at.is_(None) | (Thread.first_reply_at >= start)),
        (Thread.closed_at.is_(None) | (Thread.closed_at >= start)),
    )
    if window.category_id:
        stmt = stmt.where(Thread.category_id == window.category_id)
    rows = db.session.execute(stmt).all()
    created = sorted(r.created_at for r in rows)
    ended = sorted(min(t for t in (r.first_reply_at, r.closed_at) if t is not None)
                   for r in rows if r.first_reply_at or r.closed_at)
    out = []
    for offset in range(window.days):
        day = window.start + timedelta(days=offset)
        close = window.utc(day + timedelta(days=1))
        out.append((day.isoformat(), bisect_left(created, close) - bisect_left(ended, close)))
    return out


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _hour_expr(column):
    if _dialect() == "postgresql":
        return func.to_char(column, "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", column)


def tone_trend(window: Window) -> list[dict]:
    """Per week: customer posts, how many read negative/urgent (support.insights.tone), share."""
    start, end = window.bounds
    hour = _hour_expr(Post.created_at).label("hour")
    negative = func.sum(case((tone.negative_condition(Post.body_source, _dialect()), 1), else_=0))
    stmt = (select(hour, func.count(Post.id), negative)
            .join(User, User.id == Post.author_id)
            .where(Post.status == PostStatus.PUBLISHED, User.role == Role.CUSTOMER,
                   Post.created_at >= start, Post.created_at < end)
            .group_by(hour))
    if window.category_id:
        stmt = stmt.join(Thread, Thread.id == Post.thread_id) \
            .where(Thread.category_id == window.category_id)
    counts = [[0, 0] for _ in range(window.weeks)]
    for label, posts, flagged in db.session.execute(stmt):
        moment = window.local(datetime.strptime(label, "%Y-%m-%d %H"))
        week = counts[min(max(window.week_of(moment.date()), 0), window.weeks - 1)]
        week[0] += int(posts)
        week[1] += int(flagged or 0)
    return [{"label": window.week_start(i).isoformat(), "posts": posts, "negative": flagged,
             "negative_share": share(flagged, posts)}
            for i, (posts, flagged) in enumerate(counts)]


# -- moderation (moderation.queries' definitions, over the window) ----------------------------
def moderation_figures(window: Window) -> dict:
    """Moderation actions per rule (the transparency page's action set) and automatic hold
    precision (the moderation dashboard's: upheld / (upheld + released)), decided in the
    window. All categories: the audit log does not record one."""
    from moderation import queries as moderation_queries
    from moderation.models import AuditEvent, ReviewItem, ReviewSource, ReviewStatus
    start, end = window.bounds
    actions = [a.value for a in moderation_queries.TRANSPARENCY_ACTIONS]
    rows = db.session.execute(
        select(AuditEvent.rule_code, AuditEvent.action, func.count(AuditEvent.id))
        .where(AuditEvent.rule_code.is_not(None), AuditEvent.action.in_(actions),
               AuditEvent.created_at >= start, AuditEvent.created_at < end)
        .group_by(AuditEvent.rule_code, AuditEvent.action)).all()
    per_rule: dict[str, dict[str, int]] = defaultdict(dict)
    for rule, action, count in rows:
        per_rule[rule][action] = int(count)
    decisions = dict(db.session.execute(
        select(ReviewItem.decision, func.count(ReviewItem.id))
        .where(ReviewItem.source == ReviewSource.AUTOMATIC,
               ReviewItem.status != ReviewStatus.PENDING,
               ReviewItem.decided_at >= start, ReviewItem.decided_at < end)
        .group_by(ReviewItem.decision)).all())
    upheld = sum(int(decisions.get(d, 0)) for d in moderation_queries.UPHELD)
    released = sum(int(decisions.get(d, 0)) for d in moderation_queries.RELEASED)
    return {
        "actions_per_rule": [{"rule": rule, "total": sum(by.values()), "by_action": by}
                             for rule, by in sorted(per_rule.items())],
        "holds_upheld": upheld, "holds_released": released,
        "hold_precision": share(upheld, upheld + released),
    }


# -- the knowledge base (its own functions, narrowed to the window) ----------------------------
def _deflection(since: datetime, now: datetime, settle: int):
    from knowledgebase import queries as kb_queries
    days = max(0.0, (now - since) / timedelta(days=1))
    return kb_queries.deflection_report(days=days, settle_minutes=settle, now=now)


def deflection_between(start: datetime, end: datetime, *, now: datetime,
                       settle: int = 60) -> dict:
    """knowledgebase.queries.deflection_report for [start, end): its windows run to now, and
    every count it gives is a sum over ask-form views, so the window is the difference of
    the report since start and the report since end."""
    since_start = _deflection(start, now, settle)
    if end >= now:
        shown, opened, deflected, pending = (since_start.shown, since_start.opened,
                                             since_start.deflected, since_start.pending)
    else:
        later = _deflection(end, now, settle)
        shown, opened = since_start.shown - later.shown, since_start.opened - later.opened
        deflected = since_start.deflected - later.deflected
        pending = since_start.pending - later.pending
    settled = shown - pending
    return {"shown": shown, "opened": opened, "deflected": deflected, "pending": pending,
            "deflection_rate": share(deflected, settled)}


def search_figures(window: Window, *, today, limit: int = 10) -> dict:
    """Searches in the window (knowledgebase.queries.search_totals, differenced like
    deflection) and the search gaps since the window began (search_gaps runs to today)."""
    from knowledgebase import queries as kb_queries
    since = kb_queries.search_totals(days=(today - window.start).days)
    after_days = (today - window.end).days - 1
    later = kb_queries.search_totals(days=after_days) if after_days >= 0 else {}
    totals = {key: since[key] - later.get(key, 0) for key in since}
    gaps = kb_queries.search_gaps(days=(today - window.start).days, limit=limit)
    return {**totals, "gaps_since": window.start.isoformat(),
            "gaps": [{"query": g.query, "searches": g.searches, "no_results": g.no_results,
                      "no_clicks": g.no_clicks} for g in gaps]}
