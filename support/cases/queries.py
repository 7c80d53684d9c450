"""Reading private cases: the customer's list and the staff queue with unread counts (one
query for the page, one for its unread counts), a case's messages, what moved out of a
thread."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload

from forum import permissions
from forum.extensions import db
from forum.models import User
from forum.queries import Page
from moderation.models import PrivateConversation, PrivateMessage
from support.cases.models import CaseDetail, CaseRead, MovedPost

PER_PAGE = 25


class CaseFilter(enum.StrEnum):
    """Which cases a list shows."""

    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


@dataclass(frozen=True)
class CaseRow:
    """One case as lists show it."""

    conversation: PrivateConversation
    detail: CaseDetail | None
    last_at: datetime
    messages: int
    unread: int = 0

    @property
    def is_open(self) -> bool:
        """Open until someone closes it."""
        return self.conversation.closed_at is None


def _activity():
    return (select(PrivateMessage.conversation_id.label("cid"),
                   func.max(PrivateMessage.created_at).label("last_at"),
                   func.count(PrivateMessage.id).label("messages"))
            .group_by(PrivateMessage.conversation_id).subquery())


def _mine(viewer: User):
    wrote = exists().where(PrivateMessage.conversation_id == PrivateConversation.id,
                           PrivateMessage.author_id == viewer.id)
    return or_(CaseDetail.opened_by_id == viewer.id, wrote)


def case_page(viewer: User, *, state: CaseFilter = CaseFilter.ALL, mine: bool = False,
              customer_id: int | None = None, page: int = 1,
              per_page: int = PER_PAGE) -> Page:
    """Cases the viewer may read (their own; staff: everyone's), open first, latest
    activity first, with unread counts."""
    activity = _activity()
    last_at = func.coalesce(activity.c.last_at, PrivateConversation.created_at)
    conditions = []
    if not permissions.is_staff(viewer):
        conditions.append(PrivateConversation.customer_id == viewer.id)
    if customer_id is not None:
        conditions.append(PrivateConversation.customer_id == customer_id)
    if state is CaseFilter.OPEN:
        conditions.append(PrivateConversation.closed_at.is_(None))
    elif state is CaseFilter.CLOSED:
        conditions.append(PrivateConversation.closed_at.is_not(None))
    if mine:
        conditions.append(_mine(viewer))
    stmt = (select(PrivateConversation, CaseDetail, last_at,
                   func.coalesce(activity.c.messages, 0))
            .outerjoin(CaseDetail, CaseDetail.conversation_id == PrivateConversation.id)
            .outerjoin(activity, activity.c.cid == PrivateConversation.id)
            .where(*conditions)
            .options(joinedload(PrivateConversation.customer)))
    total = db.session.scalar(
        select(func.count()).select_from(PrivateConversation)
        .outerjoin(CaseDetail, CaseDetail.conversation_id == PrivateConversation.id)
        .where(*conditions)) or 0
    open_first = case((PrivateConversation.closed_at.is_(None), 0), else_=1)
    rows = db.session.execute(
        stmt.order_by(open_first, last_at.desc(), PrivateConversation.id.desc())
        .limit(per_page).offset((max(1, page) - 1) * per_page)).all()
    unread = unread_counts(viewer, [r[0].id for r in rows])
    items = [CaseRow(c, d, when, count, unread.get(c.id, 0)) for c, d, when, count in rows]
    return Page(items=items, page=max(1, page), per_page=per_page, total=total)


def _unread_stmt(viewer: User):
    read = and_(CaseRead.conversation_id == PrivateMessage.conversation_id,
                CaseRead.user_id == viewer.id)
    return (select(PrivateMessage.conversation_id, func.count(PrivateMessage.id))
            .outerjoin(CaseRead, read)
            .where(PrivateMessage.author_id != viewer.id,
                   PrivateMessage.id > func.coalesce(CaseRead.last_read_message_id, 0))
            .group_by(PrivateMessage.conversation_id))


def unread_counts(viewer: User, conversation_ids: list[int]) -> dict[int, int]:
    """{case id: messages from others the viewer has not read}, in one query."""
    if not conversation_ids:
        return {}
    stmt = _unread_stmt(viewer).where(PrivateMessage.conversation_id.in_(conversation_ids))
    return dict(db.session.execute(stmt).all())


def unread_total(viewer: User) -> int:
    """Unread messages over the viewer's own cases (staff: over every open case)."""
    stmt = _unread_stmt(viewer).join(
        PrivateConversation, PrivateConversation.id == PrivateMessage.conversation_id)
    if permissions.is_staff(viewer):
        stmt = stmt.where(PrivateConversation.closed_at.is_(None))
    else:
        stmt = stmt.where(PrivateConversation.customer_id == viewer.id)
    return sum(count for _, count in db.session.execute(stmt).all())


def get_case(case_id: int) -> PrivateConversation | None:
    """A case by id, with its customer (callers check who may read it)."""
    return db.session.scalar(select(PrivateConversation).where(PrivateConversation.id == case_id)
                             .options(joinedload(PrivateConversation.customer),
                                      joinedload(PrivateConversation.thread)))


def detail_of(conversation: PrivateConversation) -> CaseDetail | None:
    """Support's facts about a case (None for a moderation follow-up nobody worked yet)."""
    return db.session.get(CaseDetail, conversation.id)


def messages(conversation: PrivateConversation) -> list[PrivateMessage]:
    """A case's messages, oldest first, with their authors."""
    return list(db.session.scalars(
        select(PrivateMessage).where(PrivateMessage.conversation_id == conversation.id)
        .options(joinedload(PrivateMessage.author)).order_by(PrivateMessage.id)))


@dataclass(frozen=True)
class MovedFromThread:
    """A case that took posts out of a thread, as the thread's banner needs it."""

    conversation_id: int
    customer_id: int
    post_ids: tuple[int, ...]
    summary_post_id: int | None


def moved_from_thread(thread_id: int) -> list[MovedFromThread]:
    """Every case that took posts out of this thread (one query)."""
    rows = db.session.execute(
        select(MovedPost.post_id, PrivateConversation.id, PrivateConversation.customer_id,
               CaseDetail.summary_post_id)
        .join(PrivateConversation, PrivateConversation.id == MovedPost.conversation_id)
        .outerjoin(CaseDetail, CaseDetail.conversation_id == PrivateConversation.id)
        .where(MovedPost.thread_id == thread_id).order_by(PrivateConversation.id)).all()
    found: dict[int, MovedFromThread] = {}
    for post_id, cid, customer_id, summary in rows:
        old = found.get(cid)
        posts = (old.post_ids if old else ()) + (post_id,)
        found[cid] = MovedFromThread(cid, customer_id, posts, summary)
    return list(found.values())


def thread_cases(thread_id: int) -> list[PrivateConversation]:
    """Cases linked to a thread (moved from it or opened about it), newest first."""
    return list(db.session.scalars(
        select(PrivateConversation).where(PrivateConversation.thread_id == thread_id)
        .order_by(PrivateConversation.id.desc()).limit(20)))
