"""Outbound webhooks: endpoints admins configure, and the delivery outbox (one row per event
per endpoint, written in the event's transaction or right after it commits)."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models import User, str_enum, utcnow


class WebhookEvent(enum.StrEnum):
    """What an endpoint can subscribe to; the value is the X-Parley-Event header."""

    THREAD_CREATED = "thread.created"
    POST_CREATED = "post.created"
    THREAD_SOLVED = "thread.solved"
    POST_HELD = "post.held"
    POST_REJECTED = "post.rejected"
    CASE_OPENED = "case.opened"
    PING = "ping"  # the admin page's "send test event"; never subscribed, always sent

    @property
    def label(self) -> str:
        """How the admin page names the event."""
        return _LABELS[self]


_LABELS = {
    WebhookEvent.THREAD_CREATED: "A question was published",
    WebhookEvent.POST_CREATED: "A reply was published",
    WebhookEvent.THREAD_SOLVED: "An answer was accepted",
    WebhookEvent.POST_HELD: "A post was held for review (moderation)",
    WebhookEvent.POST_REJECTED: "A post was rejected (moderation)",
    WebhookEvent.CASE_OPENED: "A private case was opened",
    WebhookEvent.PING: "Test event",
}
SUBSCRIBABLE = tuple(e for e in WebhookEvent if e is not WebhookEvent.PING)


class DeliveryStatus(enum.StrEnum):
    """Where a delivery stands: waiting (first try or a retry), delivered, or given up."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Webhook(db.Model):
    """An endpoint the brand's systems listen on, with the secret deliveries are signed with
    (kept to sign; shown in full only once, when it is made)."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    secret: Mapped[str] = mapped_column(sa.String(128))
    events: Mapped[list] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()

    @property
    def secret_hint(self) -> str:
        """What the admin page shows of the secret: its last four characters."""
        return "…" + self.secret[-4:]

    def wants(self, event: WebhookEvent) -> bool:
        """Whether this endpoint is sent an event (a test event always)."""
        return event is WebhookEvent.PING or event.value in (self.events or [])


class WebhookDelivery(db.Model):
    """One event for one endpoint: the outbox row a worker claims, sends and reschedules.
    body is the exact JSON sent (and signed), so a redelivery sends the same bytes."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhooks.id", ondelete="CASCADE"), index=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    event: Mapped[WebhookEvent] = mapped_column(str_enum(WebhookEvent))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus),
                                                   default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column()
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    response_status: Mapped[int | None] = mapped_column()
    response_body: Mapped[str] = mapped_column(sa.Text, default="")
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column()

    webhook: Mapped[Webhook] = relationship()
