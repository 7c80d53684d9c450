"""Moderation's tables: rule-set versions, the review queue, flags, sanctions, appeals, the
append-only audit log, members' standing (trust), bad domains, training examples and private
follow-ups. Models never commit; moderation/services.py does."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from forum.extensions import db
from forum.models import Post, PostStatus, Thread, User, str_enum, utcnow
from moderation.engine.pii import mask_payment_numbers


def _masked(value):
    """Card, IBAN and account numbers keep only their kind and last four digits in every
    stored copy of a member's text (strings inside JSON values included)."""
    if isinstance(value, str):
        return mask_payment_numbers(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


class ReviewSource(enum.StrEnum):
    """Why an item is in the queue."""

    AUTOMATIC = "automatic"
    FLAGS = "flags"


class ReviewStatus(enum.StrEnum):
    """Where a queue item stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class FlagReason(enum.StrEnum):
    """What a member says is wrong with a post."""

    SPAM = "spam"
    ABUSE = "abuse"
    PRIVATE_DATA = "private_data"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


class FlagOutcome(enum.StrEnum):
    """Whether moderators agreed with a flag (feeds the flagger's accuracy)."""

    PENDING = "pending"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class SanctionKind(enum.StrEnum):
    """The escalation ladder, mildest first."""

    WARNING = "warning"
    MUTE = "mute"
    SUSPENSION = "suspension"
    BAN = "ban"


class TrainingTask(enum.StrEnum):
    """Which classifier a moderator's decision teaches."""

    SPAM = "spam"
    ABUSE = "abuse"


class AppealStatus(enum.StrEnum):
    """An appeal's state; a different moderator decides it."""

    PENDING = "pending"
    UPHELD = "upheld"  # the original decision stands
    OVERTURNED = "overturned"


class RuleSetVersion(db.Model):
    """One published version of the community rules (the whole set, as JSON)."""

    __tablename__ = "moderation_ruleset_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    rules: Mapped[list] = mapped_column(sa.JSON)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()


class ReviewItem(db.Model):
    """A held submission or a flagged post, with everything a moderator needs to decide."""

    __tablename__ = "moderation_review_items"
    __table_args__ = (
        sa.Index("ix_moderation_review_items_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("threads.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    source: Mapped[ReviewSource] = mapped_column(str_enum(ReviewSource))
    status: Mapped[ReviewStatus] = mapped_column(
        str_enum(ReviewStatus), default=ReviewStatus.PENDING
    )
    suggested_action: Mapped[str] = mapped_column(sa.String(20), default="hold")
    rules: Mapped[list] = mapped_column(sa.JSON, default=list)
    scores: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    text_snapshot: Mapped[str] = mapped_column(sa.Text, default="")
    flag_weight: Mapped[float] = mapped_column(default=0.0)
    claimed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decision: Mapped[str | None] = mapped_column(sa.String(30), default=None)
    decision_rule: Mapped[str | None] = mapped_column(sa.String(10), default=None)
    decision_message: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post] = relationship()
    thread: Mapped[Thread] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @validates("text_snapshot", "explanation", "decision_message")
    def _mask_snapshot(self, _key, value):
        return _masked(value)

    @property
    def appealable(self) -> bool:
        """A decision its author may appeal: a rejection, or a hold that keeps the post from
        readers while it waits (the rules page promises both). A flagged post still up, or a
        held edit beside a published post, has taken nothing down yet."""
        return self.status is ReviewStatus.REJECTED or (
            self.status is ReviewStatus.PENDING and self.post.status is PostStatus.HELD)


class Flag(db.Model):
    """A member's report on a post; one per member per post, weighted by their accuracy."""

    __tablename__ = "moderation_flags"
    __table_args__ = (
        sa.UniqueConstraint("post_id", "user_id", name="uq_moderation_flags_post_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[FlagReason] = mapped_column(str_enum(FlagReason))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    weight: Mapped[float] = mapped_column(default=1.0)
    outcome: Mapped[FlagOutcome] = mapped_column(str_enum(FlagOutcome), default=FlagOutcome.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    @validates("text")
    def _mask_text(self, _key, value):
        return _masked(value)


class Sanction(db.Model):
    """A warning, mute, suspension or ban, always citing a rule."""

    __tablename__ = "moderation_sanctions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SanctionKind] = mapped_column(str_enum(SanctionKind))
    rule_code: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.Text)
    ends_at: Mapped[datetime | None] = mapped_column(default=None)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class Appeal(db.Model):
    """An author's one appeal against a rejection or a sanction."""

    __tablename__ = "moderation_appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    review_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("moderation_review_items.id", ondelete="CASCADE"), unique=True, default=None
    )
    sanction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("moderation_sanctions.id", ondelete="CASCADE"), unique=True, default=None
    )
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[AppealStatus] = mapped_column(
        str_enum(AppealStatus), default=AppealStatus.PENDING
    )
    original_moderator_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id"), default=None
    )
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    review_item: Mapped[ReviewItem | None] = relationship()
    sanction: Mapped[Sanction | None] = relationship()

    @validates("text")
    def _mask_text(self, _key, value):
        return _masked(value)


class AuditEvent(db.Model):
    """Append-only record of every automatic and human moderation action (written only by
    moderation/audit.py, in the same transaction as the change)."""

    __tablename__ = "moderation_audit_events"
    __table_args__ = (sa.Index("ix_moderation_audit_events_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    action: Mapped[str] = mapped_column(sa.String(40))
    target_type: Mapped[str] = mapped_column(sa.String(20))
    target_id: Mapped[int | None] = mapped_column(default=None)
    subject_user_id: Mapped[int | None] = mapped_column(default=None)
    rule_code: Mapped[str | None] = mapped_column(sa.String(10), default=None)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    text_snapshot: Mapped[str] = mapped_column(sa.Text, default="")
    before: Mapped[dict | None] = mapped_column(sa.JSON, default=None)
    after: Mapped[dict | None] = mapped_column(sa.JSON, default=None)

    actor: Mapped[User | None] = relationship()

    @validates("reason", "text_snapshot", "before", "after")
    def _mask_text(self, _key, value):
        return _masked(value)


class MemberStanding(db.Model):
    """Trust level and track record of one member (created on first need)."""

    __tablename__ = "moderation_member_standing"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    trust_level: Mapped[int] = mapped_column(default=0)
    accepted_answers: Mapped[int] = mapped_column(default=0)
    flags_upheld: Mapped[int] = mapped_column(default=0)
    flags_dismissed: Mapped[int] = mapped_column(default=0)
    violations: Mapped[int] = mapped_column(default=0)
    muted_until: Mapped[datetime | None] = mapped_column(default=None)
    suspended_until: Mapped[datetime | None] = mapped_column(default=None)
    banned: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class BadDomain(db.Model):
    """A link domain admins have banned (spam, scams)."""

    __tablename__ = "moderation_bad_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(sa.String(253), unique=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrainingExample(db.Model):
    """A moderator's latest verdict on one text by one author, for one classifier: a flood of
    one text is one example, and a later decision on the same text replaces the earlier one."""

    __tablename__ = "moderation_training_examples"
    __table_args__ = (
        sa.UniqueConstraint("task", "text_hash", "author_id",
                            name="uq_moderation_training_examples_task_text_author"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[TrainingTask] = mapped_column(str_enum(TrainingTask))
    text: Mapped[str] = mapped_column(sa.Text)
    text_hash: Mapped[str] = mapped_column(sa.String(64))
    label: Mapped[bool] = mapped_column()  # True: must not be published (spam / abuse)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    rule: Mapped[str | None] = mapped_column(sa.String(10), default=None)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    review_item_id: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    @validates("text")
    def _mask_text(self, _key, value):
        return _masked(value)


class PrivateConversation(db.Model):
    """A private channel between a customer and staff, opened when private data was removed
    from a public post; the public thread says the conversation moved here."""

    __tablename__ = "moderation_private_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                             index=True)
    thread_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="SET NULL"), default=None
    )
    post_id: Mapped[int | None] = mapped_column(sa.ForeignKey("posts.id", ondelete="SET NULL"),
                                                default=None)
    subject: Mapped[str] = mapped_column(sa.String(200))
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[User] = relationship()
    thread: Mapped[Thread | None] = relationship()


class PrivateMessage(db.Model):
    """One message in a private conversation (only the customer and staff can read it)."""

    __tablename__ = "moderation_private_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("moderation_private_conversations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    body_source: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()

    @validates("body_source", "body_html")
    def _mask_body(self, _key, value):
        return _masked(value)
