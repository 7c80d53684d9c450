"""Moderators hear about new work: a new item in the review queue, a new appeal, a new private
follow-up or a customer's message in one. In-app, whoever creates those rows (any service):
new rows are noted after each flush, and the notices join the same transaction just before
it commits. Unread notices coalesce, one per moderator per page, so a spam wave is one notice
that keeps its count current. In the header, three counts re-counted at most once a minute
per process (like the staff desk's overdue count)."""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

from forum import permissions
from forum.models import Notification, NotificationKind, User
from moderation.models import (
    Appeal,
    AppealStatus,
    PrivateConversation,
    PrivateMessage,
    ReviewItem,
    ReviewStatus,
)

COUNTS_SECONDS = 60.0
_NOTED = "parley.moderation.new_work"


@dataclass(frozen=True)
class Counts:
    """What is waiting for moderators right now."""

    queue: int
    appeals: int
    private: int

    @property
    def total(self) -> int:
        """Everything waiting, for the header badge."""
        return self.queue + self.appeals + self.private

    def describe(self) -> str:
        """'3 in the review queue · 1 appeal · 2 private follow-ups'."""
        return " · ".join([
            f"{self.queue} in the review queue",
            f"{self.appeals} appeal{'s' if self.appeals != 1 else ''}",
            f"{self.private} private follow-up{'s' if self.private != 1 else ''}",
        ])


def counts(session: Session) -> Counts:
    """Pending queue items, pending appeals, and open follow-ups whose last word is the
    customer's (staff owe a reply)."""
    last = (select(PrivateMessage.conversation_id, func.max(PrivateMessage.id).label("last_id"))
            .group_by(PrivateMessage.conversation_id).subquery())
    private = session.scalar(
        select(func.count()).select_from(PrivateConversation)
        .join(last, last.c.conversation_id == PrivateConversation.id)
        .join(PrivateMessage, PrivateMessage.id == last.c.last_id)
        .where(PrivateConversation.closed_at.is_(None),
               PrivateMessage.author_id == PrivateConversation.customer_id)
    ) or 0
    return Counts(
        queue=session.scalar(select(func.count(ReviewItem.id))
                             .where(ReviewItem.status == ReviewStatus.PENDING)) or 0,
        appeals=session.scalar(select(func.count(Appeal.id))
                               .where(Appeal.status == AppealStatus.PENDING)) or 0,
        private=private,
    )


def header_counts(session: Session) -> Counts:
    """counts(), re-counted at most once every COUNTS_SECONDS in this process."""
    cache = current_app.extensions.setdefault("parley.moderation.counts", {})
    now = time.monotonic()
    if "value" not in cache or not 0 <= now - cache["at"] <= COUNTS_SECONDS:
        cache["value"], cache["at"] = counts(session), now
    return cache["value"]


# -- noticing new work ------------------------------------------------------------------------
@event.listens_for(Session, "after_flush")
def _note_new_work(session: Session, _context) -> None:
    """Remember which new rows mean work for moderators (ids are known after the flush)."""
    for obj in session.new:
        place = _place(obj)
        if place is not None:
            session.info.setdefault(_NOTED, {})[place[0]] = place[1]


def _place(obj) -> tuple[str, object] | None:
    if isinstance(obj, ReviewItem) and obj.status in (None, ReviewStatus.PENDING):
        return "queue", None
    if isinstance(obj, Appeal):
        return "appeals", None
    if isinstance(obj, PrivateMessage):
        return f"private:{obj.conversation_id}", obj
    return None


@event.listens_for(Session, "before_commit")
def _tell_moderators(session: Session) -> None:
    """Add (or refresh) each moderator's unread notice for every place with new work."""
    if not has_app_context():
        return
    session.flush()  # rows added since the last flush are noted now
    noted = session.info.pop(_NOTED, {})
    if not noted:
        return
    with session.no_autoflush:
        for place, obj in noted.items():
            notice = _notice(session, place, obj)
            if notice is None:
                continue
            roles = permissions.STAFF_ROLES if place.startswith("private:") \
                else permissions.MODERATOR_ROLES  # support staff answer follow-ups too
            people = list(session.scalars(select(User.id).where(User.role.in_(roles))))
            if people:
                _replace_unread(session, people, *notice)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous) -> None:
    session.info.pop(_NOTED, None)


def _notice(session: Session, place: str, obj) -> tuple[str, str] | None:
    """(url, message) for a place, or None when there is nothing for moderators."""
    urls = current_app.url_map.bind("")
    if place == "queue":
        n = counts(session).queue
        return urls.build("moderation.queue"), (
            f"{n} {'item is' if n == 1 else 'items are'} waiting in the review queue.")
    if place == "appeals":
        n = counts(session).appeals
        return urls.build("moderation.appeals"), (
            f"{n} {'appeal is' if n == 1 else 'appeals are'} waiting for a decision.")
    conversation = session.get(PrivateConversation, obj.conversation_id)
    if conversation is None or obj.author_id != conversation.customer_id:
        return None  # staff wrote it: nothing new for staff
    return (urls.build("moderation_public.private", {"conversation_id": conversation.id}),
            f"A customer is waiting in the private follow-up “{conversation.subject}”.")


def _replace_unread(session: Session, moderators: list[int], url: str, message: str) -> None:
    session.execute(delete(Notification).where(
        Notification.user_id.in_(moderators), Notification.url == url,
        Notification.read_at.is_(None)).execution_options(synchronize_session=False))
    session.add_all(Notification(user_id=uid, kind=NotificationKind.MODERATION, url=url,
                                 message=message) for uid in moderators)
