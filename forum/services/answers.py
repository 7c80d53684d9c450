"""Accepted answers, helpful votes, and threads closed as duplicates of a canonical answer."""
from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from forum import permissions, signals
from forum.extensions import db
from forum.models import (
    Notification,
    NotificationKind,
    Post,
    Thread,
    User,
    Vote,
    utcnow,
)
from forum.services.errors import (
    Conflict,
    PermissionDenied,
    ValidationError,
    require,
    require_unrestricted,
)
from forum.services.notifications import notify
from forum.services.transaction import commit


def accept_answer(post: Post, *, actor: User) -> Thread:
    """Mark a reply as the answer; it shows first and the thread counts as solved."""
    thread = post.thread
    require_unrestricted(actor, "accept answers")
    require(permissions.can_accept(actor, thread, post),
             "Only the person who asked, or staff, can accept an answer.")
    if thread.accepted_post_id == post.id:
        return thread
    if thread.accepted_post_id is None:  # switching answers keeps when it was first solved
        thread.solved_at = utcnow()
    thread.accepted_post_id = post.id
    if post.author_id != actor.id:
        notify([post.author_id], NotificationKind.ACCEPTED, actor=actor, thread=thread, post=post)
    signals.send_after_commit(signals.thread_solved, thread=thread, post=post)
    commit(thread)
    return thread


def unaccept_answer(thread: Thread, *, actor: User) -> Thread:
    """Take the accepted mark away again."""
    post = thread.accepted_post
    if post is None:
        return thread
    require_unrestricted(actor, "change the accepted answer")
    require(permissions.can_accept(actor, thread, post))
    thread.accepted_post_id = None
    thread.solved_at = None
    commit(thread)
    return thread


def vote_helpful(post: Post, *, actor: User) -> Post:
    """One helpful vote per person; never on your own post."""
    if actor.id == post.author_id:
        raise PermissionDenied("You cannot vote for your own post.")
    require_unrestricted(actor, "vote")
    require(permissions.can_vote(actor, post), "You cannot vote on this post.")
    if db.session.scalar(select(Vote.id).where(Vote.user_id == actor.id, Vote.post_id == post.id)):
        return post
    db.session.add(Vote(user_id=actor.id, post_id=post.id))
    db.session.execute(
        update(Post).where(Post.id == post.id).values(helpful_count=Post.helpful_count + 1)
    )
    try:
        commit()
    except IntegrityError:  # a concurrent duplicate vote lost the race: one vote stands
        db.session.rollback()
    db.session.refresh(post)
    return post


def remove_vote(post: Post, *, actor: User) -> Post:
    """Take a helpful vote back."""
    removed = db.session.execute(
        delete(Vote).where(Vote.user_id == actor.id, Vote.post_id == post.id)
    ).rowcount
    if removed:
        db.session.execute(
            update(Post).where(Post.id == post.id).values(helpful_count=Post.helpful_count - 1)
        )
    commit()
    db.session.refresh(post)
    return post


def close_as_duplicate(thread: Thread, *, actor: User, kind: str, url: str, title: str) -> Thread:
    """Close a thread as a duplicate of a canonical thread or help article; its author is told
    where the answer is and nobody can reply any more."""
    require(permissions.can_close(actor), "Only staff can close threads as duplicates.")
    if thread.closed_at is not None:
        raise Conflict("This thread is already closed.")
    link_canonical(thread, kind=kind, url=url, title=title)
    thread.closed_at = utcnow()
    db.session.add(Notification(
        user_id=thread.author_id, kind=NotificationKind.MODERATION, actor_id=actor.id,
        thread_id=thread.id,
        message=f"Your question “{thread.title}” was closed as a duplicate: the answer is in "
                f"“{title}”.",
    ))
    commit(thread)
    return thread


def link_canonical(thread: Thread, *, kind: str, url: str, title: str) -> None:
    """Point a thread at where its answer lives (no commit: part of the caller's use case)."""
    if kind not in ("thread", "article"):
        raise ValidationError("A canonical answer is a thread or an article.", field="kind")
    thread.canonical_kind, thread.canonical_url, thread.canonical_title = kind, url, title[:200]
