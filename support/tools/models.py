"""The thread tools' tables: staff-only notes on threads, saved replies, and the log of
locks and reopenings."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models import Thread, User, str_enum, utcnow


class ThreadNote(db.Model):
    """An internal note on a thread, for staff only: never shown to customers, never indexed
    for search, never in notifications or feeds."""

    __tablename__ = "support_thread_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    body_source: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(default=None)

    author: Mapped[User | None] = relationship()
    thread: Mapped[Thread] = relationship()


class SavedReply(db.Model):
    """A canned response staff start a reply from, with placeholders filled per thread."""

    __tablename__ = "support_saved_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120), unique=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)

    updated_by: Mapped[User | None] = relationship()


class ToolAction(enum.StrEnum):
    """What the thread tools log (the moderation audit log's actions are its own)."""

    LOCKED = "locked"
    REOPENED = "reopened"


class ToolEvent(db.Model):
    """One lock or reopening of a thread: who, when, under which rule and why."""

    __tablename__ = "support_tool_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    action: Mapped[ToolAction] = mapped_column(str_enum(ToolAction))
    rule_code: Mapped[str | None] = mapped_column(sa.String(40), default=None)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
