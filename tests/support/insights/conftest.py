"""A small hand-built community with known timestamps, for exact insights figures."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from forum.extensions import db
from forum.models import Post, Role

UTC_ZONE = ZoneInfo("UTC")
START, END = date(2026, 3, 2), date(2026, 3, 15)  # a Monday to a Sunday: two weeks


class Community:
    """Builds questions whose times are set by hand (services first, then timestamps)."""

    def __init__(self, factory):
        self.factory = factory
        self.customer = factory.user("asker")
        self.staff = factory.user("helper", role=Role.STAFF)
        self.a = factory.category("Billing")
        self.b = factory.category("Wifi")

    def question(self, category, created: datetime, *, first: float | None = None,
                 staff: float | None = None, solved: float | None = None,
                 closed: datetime | None = None, first_at: datetime | None = None):
        """A question asked at `created`; times in minutes after it (or first_at)."""
        thread = self.factory.thread(self.customer, category=category)
        if solved is not None:
            reply = self.factory.reply(thread, self.staff)
            reply.created_at = created + timedelta(minutes=solved)
            thread.accepted_post_id = reply.id
            thread.solved_at = created + timedelta(minutes=solved)
        thread.created_at = created
        db.session.get(Post, _first_post_id(thread)).created_at = created
        thread.first_reply_at = first_at or (
            None if first is None else created + timedelta(minutes=first))
        thread.first_staff_reply_at = None if staff is None else created + timedelta(
            minutes=staff)
        thread.closed_at = closed
        db.session.commit()
        return thread


def _first_post_id(thread) -> int:
    from sqlalchemy import select
    return db.session.scalar(select(Post.id).where(Post.thread_id == thread.id,
                                                   Post.number == 1))


@pytest.fixture
def community(factory):
    """The questions the exact-figure tests count (see the test module for the sums)."""
    c = Community(factory)
    at = datetime
    c.question(c.a, at(2026, 3, 2, 9, 0), first=10, staff=10, solved=120)      # t1
    c.question(c.a, at(2026, 3, 3, 10, 30), first=30)                          # t2
    c.question(c.b, at(2026, 3, 4, 9, 15), first=90, staff=90, solved=300)     # t3
    c.question(c.b, at(2026, 3, 5, 14, 0))                                     # t4 waits
    c.question(c.a, at(2026, 3, 10, 9, 45), first=20, solved=60)               # t5
    c.question(c.a, at(2026, 3, 11, 23, 30), first=180)                        # t6
    c.question(c.b, at(2026, 3, 13, 8, 0), closed=at(2026, 3, 14, 8, 0))       # t8 closed
    # before the window, waiting into it (t7), and one answered before it (not counted)
    c.question(c.b, at(2026, 2, 20, 12, 0), first_at=at(2026, 3, 3, 12, 0))
    c.question(c.b, at(2026, 2, 1, 12, 0), first=60)
    # after the window
    c.question(c.a, at(2026, 3, 20, 12, 0))
    return c
