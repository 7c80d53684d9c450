"""Following threads and telling people what happened."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, literal, select, update

from forum import mail_queue, permissions
from forum.extensions import db
from forum.models import (
    MailOptOut,
    Notification,
    NotificationKind,
    Post,
    Subscription,
    Thread,
    User,
    utcnow,
)
from forum.services.errors import (
    ValidationError,
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
    # ...and their mail, in one more INSERT ... SELECT (the mentions' came with their flush)
    mail_queue.queue_notifications(Notification.post_id == post.id,
                                   Notification.kind == NotificationKind.REPLY)


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


def set_mail_opt_outs(user: User, *, actor: User, off: set[NotificationKind]) -> None:
    """Choose which kinds of e-mail a person gets (every kind they can get and not in
    `off` is on)."""
    require(permissions.can_change_mail_settings(actor, user))
    kinds = set(mail_queue.kinds_for(user))
    db.session.execute(delete(MailOptOut).where(MailOptOut.user_id == user.id))
    for kind in sorted(kinds & set(off)):
        db.session.add(MailOptOut(user_id=user.id, kind=kind))
    commit()


def unsubscribe(token: str) -> tuple[User, NotificationKind]:
    """Turn off one kind of e-mail from the signed link in a mail (no sign-in needed: the
    token is the proof); once is enough."""
    user, kind = user_for_unsubscribe(token)
    if kind not in mail_queue.opted_out(user.id):
        db.session.add(MailOptOut(user_id=user.id, kind=kind))
    commit()
    return user, kind


def user_for_unsubscribe(token: str) -> tuple[User, NotificationKind]:
    """Whom and what an unsubscribe link is for; raises when it is forged."""
    found = mail_queue.read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found is not None else None
    if user is None:
        raise ValidationError("This unsubscribe link is not valid.")
    return user, found[1]
