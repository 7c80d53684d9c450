"""The thread tools' reads: each a fixed number of queries."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import Tag, Thread
from support.tools.models import SavedReply, ThreadNote, ToolEvent


def notes_for(thread: Thread) -> list[ThreadNote]:
    """A thread's internal notes, oldest first, authors joined (staff only: callers check)."""
    return list(db.session.scalars(
        select(ThreadNote).where(ThreadNote.thread_id == thread.id)
        .options(joinedload(ThreadNote.author)).order_by(ThreadNote.id)))


def note(note_id: int) -> ThreadNote | None:
    """One note by id."""
    return db.session.get(ThreadNote, note_id)


def saved_replies() -> list[SavedReply]:
    """Every saved reply by title."""
    return list(db.session.scalars(
        select(SavedReply).options(joinedload(SavedReply.updated_by))
        .order_by(SavedReply.title)))


def saved_reply(reply_id: int) -> SavedReply | None:
    """One saved reply by id."""
    return db.session.get(SavedReply, reply_id)


def tag(tag_id: int) -> Tag | None:
    """One tag by id."""
    return db.session.get(Tag, tag_id)


def tool_events(thread: Thread, *, limit: int = 20) -> list[ToolEvent]:
    """A thread's locks and reopenings, newest first."""
    return list(db.session.scalars(
        select(ToolEvent).where(ToolEvent.thread_id == thread.id)
        .options(joinedload(ToolEvent.actor)).order_by(ToolEvent.id.desc()).limit(limit)))


def notes_about(user, *, limit: int = 20) -> list[ThreadNote]:
    """The latest internal notes on a member's own threads, threads and authors joined (for
    the customer view; staff only: callers check)."""
    return list(db.session.scalars(
        select(ThreadNote).join(Thread, Thread.id == ThreadNote.thread_id)
        .where(Thread.author_id == user.id)
        .options(joinedload(ThreadNote.author), joinedload(ThreadNote.thread))
        .order_by(ThreadNote.id.desc()).limit(limit)))
