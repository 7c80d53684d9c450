"""Following threads and telling people what happened."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, literal, select, update

from forum import permissions
from forum.extensions import db
from forum.models import (
    Notification,
    NotificationKind,
    Post,
    Subscription,
    Thread,
    User,
    utcnow,
)
from forum.services.errors import (
    require,
)
from forum.services.transaction import commit


def subscribe(user: User, thread: Thread) -> None:
    """Follow a thread (inside the caller's use case); once is enough."""
    exists = db.session.scalar(
        select(Subscription.id).where(
            Subscription.user_id == user.id, Subscription.thread_id == thread.id
        )
    )
    if exists is None:
        db.session.add(Subscription(user_id=user.id, thread_id=thread.id))


def notify(user_ids, kind: NotificationKind, *, actor: User, thread: Thread, post: Post,
            when: datetime | None = None) -> None:
    """Add one notification per person (inside the caller's use case)."""
    for uid in user_ids:
        db.session.add(
            Notification(user_id=uid, kind=kind, actor_id=actor.id, thread_id=thread.id,
                         post_id=post.id, created_at=when or utcnow())
        )


def notify_reply(thread: Thread, post: Post, author: User, mentioned: list[User]) -> None:
    """Tell mentioned people and every other follower of a new reply."""
    mentioned_ids = {u.id for u in mentioned} - {author.id}
    # dated like the post: an imported or back-dated reply is not news from "just now"
    notify(mentioned_ids, NotificationKind.MENTION, actor=author, thread=thread, post=post,
            when=post.created_at)
    # Every other follower in one INSERT ... SELECT: a popular thread has hundreds, and an
    # object (and a row of parameters) each made a reply cost more the more people followed.
    columns = Notification.__table__.c
    db.session.execute(insert(Notification).from_select(
        ["user_id", "kind", "actor_id", "thread_id", "post_id", "message", "created_at"],
        select(
            Subscription.user_id,
            literal(NotificationKind.REPLY, columns.kind.type),
            literal(author.id), literal(thread.id), literal(post.id), literal(""),
            literal(post.created_at, columns.created_at.type),
        ).where(Subscription.thread_id == thread.id,
                Subscription.user_id.not_in(mentioned_ids | {author.id})),
    ))


def follow(thread: Thread, *, actor: User) -> None:
    """Hear about every reply in a thread."""
    require(permissions.can_follow(actor, thread))
    subscribe(actor, thread)
    commit()


def unfollow(thread: Thread, *, actor: User) -> None:
    """Stop hearing about a thread."""
    db.session.execute(
        delete(Subscription).where(
            Subscription.user_id == actor.id, Subscription.thread_id == thread.id
        )
    )
    commit()


def mark_notifications_read(user: User, ids: list[int] | None = None) -> int:
    """Mark some (or all) of a person's notifications read; returns how many changed."""
    stmt = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    changed = db.session.execute(stmt.values(read_at=utcnow())).rowcount
    commit()
    return changed


def add_notice(user_id: int, kind: NotificationKind, *, actor: User | None, message: str,
               url: str, thread: Thread | None = None) -> None:
    """Tell someone of a feature's event, linking to its page (no commit: caller's use case)."""
    db.session.add(Notification(
        user_id=user_id, kind=kind, actor_id=actor.id if actor is not None else None,
        thread_id=thread.id if thread is not None else None, message=message, url=url,
    ))
