"""What the triage pages read: the staff inbox (threads awaiting a staff answer, scored and
sorted), assignments and their log. A page costs a fixed number of queries, whatever its
row count: facts are read for all waiting threads at once, grouped, never row by row."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from forum.extensions import db
from forum.models import Post, PostStatus, Role, Subscription, Thread, User, utcnow
from forum.queries import Page
from moderation.models import Flag, FlagOutcome
from support.triage import priority, targets
from support.triage.models import Assignment, AssignmentEvent

# Waiting threads scored per request: the most recently active ones, so that threads
# abandoned long ago (the customer spoke last, then nobody) never crowd out today's.
INBOX_LIMIT = 1000
ANY, NONE = "any", "none"


@dataclass(frozen=True)
class InboxFilters:
    """What the inbox is narrowed to: a category, an assignee (ANY, NONE or a user id)
    and only threads past a target."""

    category_id: int | None = None
    assignee: str | int = ANY
    overdue: bool = False


@dataclass
class InboxRow:
    """A waiting thread with its priority, targets and assignee."""

    thread_id: int
    priority: priority.Priority
    first_response: targets.TargetState
    resolution: targets.TargetState
    assignee_id: int | None
    waiting_since: datetime
    thread: Thread | None = None
    assignee: User | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def target(self) -> targets.TargetState | None:
        """The target running now."""
        return targets.current((self.first_response, self.resolution))


def _last_post_id():
    return (select(Post.id).where(Post.thread_id == Thread.id,
                                  Post.status == PostStatus.PUBLISHED)
            .order_by(Post.number.desc()).limit(1).correlate(Thread).scalar_subquery())


def _waiting(filters: InboxFilters):
    """Open, public, unsolved threads whose latest public post is a customer's."""
    last = aliased(Post)
    last_author = aliased(User)
    stmt = (
        select(Thread.id, Thread.title, Thread.category_id, Thread.author_id, Thread.created_at,
               Thread.first_staff_reply_at, last.id, last.body_source, last.created_at,
               Assignment.assignee_id)
        .select_from(Thread)
        .join(last, last.id == _last_post_id())
        .join(last_author, last_author.id == last.author_id)
        .outerjoin(Assignment, Assignment.thread_id == Thread.id)
        .where(Thread.status == PostStatus.PUBLISHED, Thread.closed_at.is_(None),
               Thread.canonical_kind.is_(None), Thread.accepted_post_id.is_(None),
               last_author.role == Role.CUSTOMER)
        .order_by(Thread.last_activity_at.desc(), Thread.id.desc()).limit(INBOX_LIMIT)
    )
    if filters.category_id is not None:
        stmt = stmt.where(Thread.category_id == filters.category_id)
    if filters.assignee == NONE:
        stmt = stmt.where(Assignment.assignee_id.is_(None))
    elif filters.assignee != ANY:
        stmt = stmt.where(Assignment.assignee_id == int(filters.assignee))
    return db.session.execute(stmt).all()


def _grouped(stmt) -> dict[int, int]:
    return {key: int(value or 0) for key, value in db.session.execute(stmt).all()}


@dataclass(frozen=True)
class AuthorFacts:
    """What the inbox knows of a thread's author: their first public post and their reach."""

    first_post_at: datetime | None = None
    followers: int = 0  # people following the author's threads (besides the author)
    accepted: int = 0  # their answers accepted
    helpful: int = 0  # helpful votes on their posts


# Reach changes slowly and costs a scan of each author's posts, so each worker keeps what it
# read for a few minutes (like forum.metrics' overdue count); a new author is read at once.
AUTHOR_FACTS_SECONDS = 300
_AUTHOR_CACHE = "parley.triage.author-facts"


def _read_author_facts(author_ids: set[int]) -> dict[int, AuthorFacts]:
    published = Post.status == PostStatus.PUBLISHED
    first = dict(db.session.execute(
        select(Post.author_id, func.min(Post.created_at))
        .where(Post.author_id.in_(author_ids), published).group_by(Post.author_id)).all())
    followers = _grouped(
        select(Thread.author_id, func.count(Subscription.id))
        .join(Subscription, Subscription.thread_id == Thread.id)
        .where(Thread.author_id.in_(author_ids), Subscription.user_id != Thread.author_id,
               Thread.status == PostStatus.PUBLISHED).group_by(Thread.author_id))
    accepted = _grouped(
        select(Post.author_id, func.count(Thread.id))
        .join(Thread, Thread.accepted_post_id == Post.id)
        .where(Post.author_id.in_(author_ids)).group_by(Post.author_id))
    helpful = _grouped(
        select(Post.author_id, func.sum(Post.helpful_count))
        .where(Post.author_id.in_(author_ids), published).group_by(Post.author_id))
    return {a: AuthorFacts(first.get(a), followers.get(a, 0), accepted.get(a, 0),
                           helpful.get(a, 0)) for a in author_ids}


def author_facts(author_ids: set[int], *, now: datetime | None = None) -> dict[int, AuthorFacts]:
    """{author id: facts}, from this worker's few-minutes-old copy where it has one."""
    now = now or utcnow()
    cache = current_app.extensions.setdefault(_AUTHOR_CACHE, {})
    fresh = {a for a in author_ids if a in cache
             and 0 <= (now - cache[a][0]).total_seconds() <= AUTHOR_FACTS_SECONDS}
    missing = set(author_ids) - fresh
    if missing:
        cache.update({a: (now, facts) for a, facts in _read_author_facts(missing).items()})
    return {a: cache[a][1] for a in author_ids}


def _open_flags(thread_ids: set[int]) -> dict[int, int]:
    if not thread_ids:
        return {}
    return _grouped(
        select(Post.thread_id, func.count(Flag.id)).join(Flag, Flag.post_id == Post.id)
        .where(Post.thread_id.in_(thread_ids), Flag.outcome == FlagOutcome.PENDING)
        .group_by(Post.thread_id))


# The tone of a post's text, per worker, by post: the inbox re-reads the same latest posts on
# every view, and their words only change with an edit (the key holds the lengths).
TONE_CACHE_SIZE = 20_000
_TONE_CACHE = "parley.triage.tone"


def _tone(post_id: int, title: str, body: str) -> tuple[str, ...]:
    cache = current_app.extensions.setdefault(_TONE_CACHE, {})
    key = (post_id, len(title), len(body))
    words = cache.get(key)
    if words is None:
        if len(cache) >= TONE_CACHE_SIZE:
            cache.clear()
        words = cache[key] = tuple(priority.tone(f"{title}\n{body}"))
    return words


def _row(raw, minutes: targets.Minutes, authors: dict[int, AuthorFacts], flags: dict[int, int],
         now: datetime, the_clock: targets.Clock) -> InboxRow:
    (thread_id, title, _category, author_id, created_at, staff_reply, post_id, body, last_at,
     assignee_id) = raw
    pair = targets.states(targets.ThreadClockFacts(created_at, staff_reply, False), minutes,
                          now, the_clock)
    running = targets.current(pair)
    author = authors[author_id]
    first_post = author.first_post_at
    facts = priority.Facts(
        minutes_left=running.minutes_left, target_minutes=running.minutes,
        target_name=running.label,
        first_time_poster=first_post is not None and first_post >= created_at,
        tone_words=_tone(post_id, title, body), followers=author.followers,
        accepted_answers=author.accepted, helpful_votes=author.helpful,
        open_flags=flags.get(thread_id, 0))
    scored = priority.score(facts)
    return InboxRow(thread_id, scored, pair[0], pair[1], assignee_id, last_at,
                    reasons=scored.reasons)


def inbox_rows(filters: InboxFilters, *, now: datetime | None = None) -> list[InboxRow]:
    """Every waiting thread matching the filters, highest priority first (then the one
    waiting longest)."""
    now, the_clock = now or utcnow(), targets.clock()
    raw = _waiting(filters)
    minutes = targets.minutes_for({r[2] for r in raw})
    authors = author_facts({r[3] for r in raw}, now=now)
    flags = _open_flags({r[0] for r in raw})
    rows = [_row(r, minutes[r[2]], authors, flags, now, the_clock) for r in raw]
    if filters.overdue:
        rows = [row for row in rows if row.target is not None and row.target.overdue]
    rows.sort(key=lambda row: (-row.priority.score, row.waiting_since, row.thread_id))
    return rows


def inbox(filters: InboxFilters, *, page: int = 1, per_page: int = 20,
          now: datetime | None = None) -> Page:
    """A page of the inbox, with each row's thread (author, category) and assignee loaded."""
    rows = inbox_rows(filters, now=now)
    items = rows[(page - 1) * per_page: page * per_page]
    _load(items)
    return Page(items, page, per_page, len(rows))


def _load(items: list[InboxRow]) -> None:
    if not items:
        return
    threads = {t.id: t for t in db.session.scalars(
        select(Thread).where(Thread.id.in_([i.thread_id for i in items]))
        .options(joinedload(Thread.author), joinedload(Thread.category)))}
    people = staff_by_id({i.assignee_id for i in items if i.assignee_id})
    for item in items:
        item.thread, item.assignee = threads[item.thread_id], people.get(item.assignee_id)


def staff_by_id(ids: set[int]) -> dict[int, User]:
    """{id: User} for these people (one query; none for no ids)."""
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def assignable_staff() -> list[User]:
    """Everyone a thread may be assigned to, by name."""
    return list(db.session.scalars(
        select(User).where(User.role.in_([Role.STAFF, Role.MODERATOR, Role.ADMIN]),
                           User.is_placeholder.is_(False)).order_by(User.username_key)))


def assignment(thread_id: int) -> Assignment | None:
    """The thread's assignment, with its assignee."""
    return db.session.scalar(select(Assignment).where(Assignment.thread_id == thread_id)
                             .options(joinedload(Assignment.assignee)))


def assignees_for(thread_ids) -> dict[int, User]:
    """{thread id: assignee} for a page of threads, in one query."""
    ids = list(thread_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(Assignment.thread_id, User).join(
        User, User.id == Assignment.assignee_id).where(Assignment.thread_id.in_(ids))).all()
    return dict(rows)


def events(thread_id: int, limit: int = 20) -> list[AssignmentEvent]:
    """The thread's assignment log, newest first."""
    return list(db.session.scalars(
        select(AssignmentEvent).where(AssignmentEvent.thread_id == thread_id)
        .options(joinedload(AssignmentEvent.actor), joinedload(AssignmentEvent.from_user),
                 joinedload(AssignmentEvent.to_user))
        .order_by(AssignmentEvent.created_at.desc(), AssignmentEvent.id.desc()).limit(limit)))
