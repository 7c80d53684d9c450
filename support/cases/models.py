"""Private cases: what support adds to moderation's private conversations (how a case was
opened, by whom, its public summary, which posts it took out of public view) and one
last-read marker per participant, so both sides see unread counts."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models import User, str_enum, utcnow


class CaseOrigin(enum.StrEnum):
    """How a case began (a moderation follow-up gets its row, DETECTED, once worked)."""

    DETECTED = "detected"          # moderation removed private data from a public post
    CUSTOMER = "customer"          # the customer wrote to support privately
    MOVED_POST = "moved_post"      # staff moved one post out of a public thread
    MOVED_THREAD = "moved_thread"  # staff moved a whole thread


class CaseDetail(db.Model):
    """Support's facts about one private conversation (same id)."""

    __tablename__ = "support_cases"

    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("moderation_private_conversations.id", ondelete="CASCADE"),
        primary_key=True)
    origin: Mapped[CaseOrigin] = mapped_column(str_enum(CaseOrigin))
    opened_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    closed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    summary_post_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("posts.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])


class MovedPost(db.Model):
    """A public post whose text now lives only in a private case (the post shows a stub)."""

    __tablename__ = "support_case_posts"

    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"),
                                         primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("moderation_private_conversations.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("threads.id", ondelete="CASCADE"),
                                           index=True)
    moved_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseRead(db.Model):
    """How far one participant has read a case (the highest message id seen)."""

    __tablename__ = "support_case_reads"
    __table_args__ = (sa.UniqueConstraint("conversation_id", "user_id",
                                          name="uq_support_case_reads_conversation_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("moderation_private_conversations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    last_read_message_id: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
