"""Triage tables: per-category response targets, who a thread is assigned to, the log of
assignment changes, and which due-soon warnings were already sent."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models import User, str_enum, utcnow


class TargetKind(enum.StrEnum):
    """The two promises made to a customer."""

    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"

    @property
    def label(self) -> str:
        """How the target is named to staff."""
        return "first response" if self is TargetKind.FIRST_RESPONSE else "resolution"


class EventKind(enum.StrEnum):
    """What changed about a thread's assignment."""

    ASSIGNED = "assigned"
    REASSIGNED = "reassigned"
    UNASSIGNED = "unassigned"


class CategoryTarget(db.Model):
    """A category's own response targets; a missing row or a null value is the default."""

    __tablename__ = "triage_category_targets"

    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True)
    first_response_minutes: Mapped[int | None] = mapped_column(default=None)
    resolution_minutes: Mapped[int | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)


class Assignment(db.Model):
    """The staff member a thread is assigned to (at most one)."""

    __tablename__ = "triage_assignments"

    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    assignee_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])


class AssignmentEvent(db.Model):
    """One change of a thread's assignee: who did it, when, from whom, to whom (append-only)."""

    __tablename__ = "triage_events"
    __table_args__ = (sa.Index("ix_triage_events_thread", "thread_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("threads.id", ondelete="CASCADE"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    from_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    to_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    from_user: Mapped[User | None] = relationship(foreign_keys=[from_user_id])
    to_user: Mapped[User | None] = relationship(foreign_keys=[to_user_id])


class DueWarning(db.Model):
    """A due-soon warning already sent for a thread's target, so `support due` sends it once."""

    __tablename__ = "triage_due_warnings"
    __table_args__ = (
        sa.UniqueConstraint("thread_id", "target", name="uq_triage_due_warnings_thread_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("threads.id", ondelete="CASCADE"))
    target: Mapped[TargetKind] = mapped_column(str_enum(TargetKind))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
