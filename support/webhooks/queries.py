"""Reads for the admin pages: endpoints with their latest outcome, and a delivery log."""
from __future__ import annotations

from sqlalchemy import func, select

from forum.extensions import db
from forum.queries import Page
from support.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery


def list_webhooks() -> list[tuple[Webhook, dict]]:
    """Every endpoint with its deliveries counted by status: two statements in all."""
    hooks = list(db.session.scalars(select(Webhook).order_by(Webhook.id)))
    counts: dict[int, dict] = {h.id: {s: 0 for s in DeliveryStatus} for h in hooks}
    rows = db.session.execute(
        select(WebhookDelivery.webhook_id, WebhookDelivery.status, func.count())
        .group_by(WebhookDelivery.webhook_id, WebhookDelivery.status)
    )
    for webhook_id, status, count in rows:
        if webhook_id in counts:
            counts[webhook_id][status] = count
    return [(h, counts[h.id]) for h in hooks]


def deliveries(webhook_id: int, *, page: int = 1, per_page: int = 50) -> Page:
    """An endpoint's deliveries, newest first."""
    total = db.session.scalar(select(func.count()).select_from(WebhookDelivery)
                              .where(WebhookDelivery.webhook_id == webhook_id)) or 0
    items = list(db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ))
    return Page(items=items, page=page, per_page=per_page, total=total)
