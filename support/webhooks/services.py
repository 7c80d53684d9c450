"""Webhook use cases: admins manage endpoints; events become outbox rows (emit); workers
claim due rows, send them signed, and reschedule failures with back-off."""
from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, or_, select, update

from forum.extensions import db
from forum.models import User, utcnow
from forum.services import NotFound, ValidationError
from forum.services.errors import require
from support import permissions
from support.webhooks import addresses, transport
from support.webhooks.models import (
    SUBSCRIBABLE,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)

# Waits after the 1st, 2nd, ... failed attempt; after the last one the delivery has failed.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = timedelta(minutes=2)  # a claimed row's owner has this long before others may retry it
BATCH = 50
WAKE = "parley.webhooks.wake"


def iso(moment: datetime | None) -> str | None:
    """A naive-UTC timestamp as ISO 8601 with a Z."""
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else None


# -- endpoints ----------------------------------------------------------------------------------
def _check_url(url: str) -> str:
    try:
        addresses.check(url, allow_private=current_app.config["WEBHOOKS_ALLOW_PRIVATE"])
    except addresses.AddressRefused as exc:
        raise ValidationError(str(exc), field="url") from None
    return url.strip()


def _check_events(events) -> list[str]:
    known = {e.value for e in SUBSCRIBABLE}
    chosen = [e for e in (events or []) if e in known]
    if not chosen or len(chosen) != len(events):
        raise ValidationError("Choose at least one of the listed events.", field="events")
    return [e.value for e in SUBSCRIBABLE if e.value in chosen]  # in the listed order


def _require_admin(actor: User | None) -> None:
    require(permissions.can_manage_webhooks(actor), "Only admins manage webhooks.")


def new_secret() -> str:
    """A fresh signing secret (shown to the admin once)."""
    return "whsec_" + secrets.token_urlsafe(32)


def create_webhook(*, actor: User, url: str, events, description: str = "",
                   active: bool = True) -> Webhook:
    """Add an endpoint with a new secret; its secret is readable on the returned row now and
    never shown in full again."""
    _require_admin(actor)
    hook = Webhook(url=_check_url(url), events=_check_events(events), active=active,
                   description=(description or "").strip()[:200], secret=new_secret(),
                   created_by_id=actor.id)
    db.session.add(hook)
    db.session.commit()
    return hook


def update_webhook(hook: Webhook, *, actor: User, url: str, events, description: str = "",
                   active: bool = True) -> Webhook:
    """Change where an endpoint is, what it hears, or switch it off (the secret stays)."""
    _require_admin(actor)
    hook.url, hook.events = _check_url(url), _check_events(events)
    hook.description, hook.active = (description or "").strip()[:200], active
    db.session.commit()
    return hook


def rotate_secret(hook: Webhook, *, actor: User) -> str:
    """A new secret for an endpoint (after a leak); returned to be shown once."""
    _require_admin(actor)
    hook.secret = new_secret()
    db.session.commit()
    return hook.secret


def delete_webhook(hook: Webhook, *, actor: User) -> None:
    """Remove an endpoint and its delivery log."""
    _require_admin(actor)
    db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id))
    db.session.delete(hook)
    db.session.commit()


# -- events -> outbox ---------------------------------------------------------------------------
def _default(value: Any):
    if isinstance(value, datetime):
        return iso(value)
    if hasattr(value, "value"):  # enums
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def envelope(event: WebhookEvent, payload: dict, *, event_id: str | None = None,
             now: datetime | None = None) -> str:
    """The JSON body every endpoint gets: {id, event, created_at, data}."""
    body = {"id": event_id or str(uuid.uuid4()), "event": event.value,
            "created_at": iso(now or utcnow()), "data": payload}
    return json.dumps(body, default=_default, separators=(",", ":"), ensure_ascii=False)


def emit(event: WebhookEvent | str, payload: dict) -> list[WebhookDelivery]:
    """Queue an event for every active endpoint that wants it, inside the caller's
    transaction (the caller commits: the rows are saved with the change or not at all);
    the background worker is woken once the transaction commits."""
    event = WebhookEvent(event)
    hooks = [h for h in db.session.scalars(select(Webhook).where(Webhook.active.is_(True)))
             if h.wants(event)]
    if not hooks:
        return []
    body = envelope(event, payload)
    rows = [_delivery(hook, event, body) for hook in hooks]
    db.session.info[WAKE] = True
    return rows


def _delivery(hook: Webhook, event: WebhookEvent, body: str) -> WebhookDelivery:
    row = WebhookDelivery(webhook_id=hook.id, uuid=str(uuid.uuid4()), event=event, body=body,
                          status=DeliveryStatus.PENDING, next_attempt_at=utcnow())
    db.session.add(row)
    return row


def publish(event: WebhookEvent | str, payload: dict) -> list[WebhookDelivery]:
    """emit and commit, for listeners hearing of a change that is already committed."""
    rows = emit(event, payload)
    if rows:
        db.session.commit()
    return rows


def send_test(hook: Webhook, *, actor: User) -> WebhookDelivery:
    """Send a ping to an endpoint now (even a switched-off one), to check the receiver."""
    _require_admin(actor)
    body = envelope(WebhookEvent.PING, {"webhook_id": hook.id,
                                        "message": "A test event from the Parley admin page."})
    row = _delivery(hook, WebhookEvent.PING, body)
    db.session.commit()
    return attempt_now(row)


def redeliver(row: WebhookDelivery, *, actor: User) -> WebhookDelivery:
    """Send a delivery's exact body again as a new delivery (same event id, so receivers can
    tell it is the same event), now."""
    _require_admin(actor)
    copy = _delivery(row.webhook, row.event, row.body)
    db.session.commit()
    return attempt_now(copy)


def webhook_or_404(webhook_id: int) -> Webhook:
    """An endpoint, or NotFound."""
    hook = db.session.get(Webhook, webhook_id)
    if hook is None:
        raise NotFound("That webhook does not exist.")
    return hook


def delivery_or_404(delivery_id: int) -> WebhookDelivery:
    """A delivery, or NotFound."""
    row = db.session.get(WebhookDelivery, delivery_id)
    if row is None:
        raise NotFound("That delivery does not exist.")
    return row


# -- delivery -----------------------------------------------------------------------------------
@dataclass
class Run:
    """What one drain of the outbox did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        """Rows attempted."""
        return self.delivered + self.retrying + self.failed

    def add(self, row: WebhookDelivery) -> None:
        """Count a row's outcome."""
        if row.status is DeliveryStatus.DELIVERED:
            self.delivered += 1
        elif row.status is DeliveryStatus.FAILED:
            self.failed += 1
        else:
            self.retrying += 1


def _due_ids(now: datetime, limit: int) -> list[int]:
    return list(db.session.scalars(
        select(WebhookDelivery.id)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING,
               Webhook.active.is_(True),  # a switched-off endpoint's retries wait for it
               WebhookDelivery.next_attempt_at <= now,
               or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)
    ))


def claim(delivery_id: int, now: datetime) -> bool:
    """Take a due row for one attempt; of two workers racing for it exactly one wins. The
    claim is committed before anything is sent, so no transaction waits on the network."""
    won = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id,
               WebhookDelivery.status == DeliveryStatus.PENDING,
               or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now))
        .values(locked_until=now + LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(won)


def deliver_due(*, now: datetime | None = None, limit: int = BATCH) -> Run:
    """Send every due delivery this worker can claim (a batch at a time)."""
    run = Run()
    now = now or utcnow()
    for delivery_id in _due_ids(now, limit):
        row = db.session.get(WebhookDelivery, delivery_id) if claim(delivery_id, now) else None
        if row is not None:  # None: another worker won it, or its endpoint was just deleted
            run.add(attempt(row, now=now))
    return run


def attempt_now(row: WebhookDelivery) -> WebhookDelivery:
    """Claim and send one row straight away (admin's test and redeliver buttons)."""
    now = utcnow()
    if claim(row.id, now):
        attempt(db.session.get(WebhookDelivery, row.id), now=now)
    return row


def attempt(row: WebhookDelivery, *, now: datetime | None = None) -> WebhookDelivery:
    """One signed POST of a claimed row, its outcome recorded and the next try scheduled."""
    now = now or utcnow()
    hook = row.webhook
    try:
        pin = addresses.check(hook.url,
                              allow_private=current_app.config["WEBHOOKS_ALLOW_PRIVATE"])
    except addresses.LookupFailed as exc:
        return _record(row, now, transport.Outcome(error=str(exc)))
    except addresses.AddressRefused as exc:
        return _record(row, now, transport.Outcome(error=f"Refused: {exc}"), final=True)
    request = {"url": hook.url, "body": row.body.encode(), "secret": hook.secret,
               "event": row.event.value, "delivery": row.uuid, "pin": pin}
    db.session.commit()  # hold no transaction open while waiting on the receiver
    outcome = transport.post(**request, timeout=current_app.config["WEBHOOKS_TIMEOUT"])
    return _record(row, now, outcome)


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed tries; None once they are used up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + BACKOFF[attempts - 1]


def _record(row: WebhookDelivery, now: datetime, outcome: transport.Outcome, *,
            final: bool = False) -> WebhookDelivery:
    row.attempts += 1
    row.last_attempt_at, row.locked_until = now, None
    row.response_status, row.response_body = outcome.status, outcome.body
    row.error = outcome.error[:500]
    if outcome.ok:
        row.status, row.delivered_at, row.next_attempt_at = DeliveryStatus.DELIVERED, now, None
    else:
        row.next_attempt_at = None if final else next_attempt(row.attempts, now)
        if row.next_attempt_at is None:
            row.status = DeliveryStatus.FAILED
    db.session.commit()
    return row
