"""The one view of a customer for staff and moderators: profile, threads and posts of every
status, accepted answers, flags raised and received, moderation history and sanctions (the
moderation workspace's own queries), private cases, the response times they had, and the
sections other features register (internal notes...). Every list is capped; the page's query
count does not grow with its rows.

Other features add a section with ``register_section(app, fn)``: fn(user) returns Markup (or
None), is called only for staff and moderators, and is rendered in registration order."""
from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import abort, current_app, g, render_template
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import Post, Thread, User
from forum.services import get_user
from forum.web import me
from moderation import queries as moderation_queries
from moderation.models import Flag
from support import permissions
from support.cases import queries
from support.cases.views import bp

SECTIONS_KEY = "parley.customer_view_sections"
LIMIT = 20
RESPONSE_SAMPLE = 200  # the median is over the customer's latest questions, capped


def register_section(app, function: Callable[[User], Markup | None]) -> None:
    """Add a section (fn(user) -> HTML or None) to the customer view."""
    app.extensions.setdefault(SECTIONS_KEY, []).append(function)


@dataclass
class ResponseTimes:
    """First staff response on the customer's questions, in minutes."""

    median: float | None
    last: list[tuple[Thread, float | None]]
    waiting: int


@dataclass
class CustomerView:
    """Everything staff see about one customer."""

    user: User
    history: moderation_queries.AuthorHistory
    threads: list[Thread]
    accepted: list[Post]
    accepted_total: int
    flags_raised: list[tuple[Flag, Post]]
    cases: queries.Page
    responses: ResponseTimes
    sections: list[Markup] = field(default_factory=list)


def _threads(user: User) -> list[Thread]:
    return list(db.session.scalars(
        select(Thread).where(Thread.author_id == user.id).options(joinedload(Thread.category))
        .order_by(Thread.created_at.desc(), Thread.id.desc()).limit(LIMIT)))


def _accepted(user: User) -> tuple[list[Post], int]:
    base = select(Post).join(Thread, Thread.accepted_post_id == Post.id).where(
        Post.author_id == user.id)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.session.scalars(base.options(joinedload(Post.thread))
                              .order_by(Post.created_at.desc()).limit(10))
    return list(rows), total


def _flags_raised(user: User) -> list[tuple[Flag, Post]]:
    return list(db.session.execute(
        select(Flag, Post).join(Post, Post.id == Flag.post_id).where(Flag.user_id == user.id)
        .options(joinedload(Post.thread)).order_by(Flag.id.desc()).limit(LIMIT)))


def _minutes(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else round((end - start).total_seconds() / 60, 1)


def _responses(user: User) -> ResponseTimes:
    threads = list(db.session.scalars(
        select(Thread).where(Thread.author_id == user.id, Thread.published_at.is_not(None))
        .order_by(Thread.created_at.desc(), Thread.id.desc()).limit(RESPONSE_SAMPLE)))
    timed = [(t, _minutes(t.created_at, t.first_staff_reply_at)) for t in threads]
    answered = [m for _, m in timed if m is not None]
    return ResponseTimes(median=statistics.median(answered) if answered else None,
                         last=timed[:10], waiting=sum(1 for _, m in timed if m is None))


def customer_view(user: User, *, viewer: User) -> CustomerView:
    """The whole view of one customer (staff and moderators only: the caller checks)."""
    accepted, accepted_total = _accepted(user)
    sections = [Markup(part) for function in current_app.extensions.get(SECTIONS_KEY, [])
                if (part := function(user))]
    return CustomerView(
        user=user, history=moderation_queries.author_history(user, limit=LIMIT),
        threads=_threads(user), accepted=accepted, accepted_total=accepted_total,
        flags_raised=_flags_raised(user),
        cases=queries.case_page(viewer, customer_id=user.id, per_page=LIMIT),
        responses=_responses(user), sections=sections)


@bp.get("/staff/customers/<username>")
def customer(username: str):
    """One view of a customer, for staff and moderators."""
    viewer = me()
    if not permissions.can_view_customer(viewer):
        abort(403, "Only staff and moderators can open this page.")
    g.no_store = True
    user = get_user(username)
    if user is None:
        abort(404, "There is no such member.")
    return render_template("support/cases/customer.html",
                           view=customer_view(user, viewer=viewer))
