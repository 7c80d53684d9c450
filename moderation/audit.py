"""The ONLY writer of the moderation audit log. Rows are added to the caller's transaction
(so an action and its record commit together) and never updated or deleted."""
from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.models import User
from moderation.models import AuditEvent


class AuditAction(enum.StrEnum):
    """Every kind of moderation action that is logged."""

    AUTO_PUBLISH_REDACTED = "auto_publish_redacted"
    AUTO_HOLD = "auto_hold"
    AUTO_REJECT = "auto_reject"
    FLAG = "flag"
    FLAG_HIDE = "flag_hide"
    CLAIM = "claim"
    APPROVE = "approve"
    REJECT = "reject"
    EDIT_APPROVE = "edit_approve"
    HIDE = "hide"
    SANCTION = "sanction"
    LIFT_SANCTION = "lift_sanction"
    NUKE = "nuke_spammer"
    APPEAL = "appeal"
    APPEAL_DECIDED = "appeal_decided"
    RULES_CHANGED = "rules_changed"
    DOMAIN_ADDED = "bad_domain_added"
    DOMAIN_REMOVED = "bad_domain_removed"
    TRUST_CHANGED = "trust_changed"
    MODEL_TRAINED = "model_trained"
    PRIVATE_FOLLOWUP = "private_followup"


def record(
    action: AuditAction,
    *,
    actor: User | None,
    target_type: str,
    target_id: int | None,
    subject_user_id: int | None = None,
    rule_code: str | None = None,
    reason: str = "",
    text_snapshot: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Add one audit row to the current transaction; actor None means the system."""
    row = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=str(action),
        target_type=target_type,
        target_id=target_id,
        subject_user_id=subject_user_id,
        rule_code=rule_code,
        reason=reason,
        text_snapshot=text_snapshot,
        before=before,
        after=after,
    )
    db.session.add(row)
    return row


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, flush_context, instances) -> None:
    """Refuse any update or delete of an audit row, whoever tries it."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("the moderation audit log is append-only")


CSV_COLUMNS = ["id", "created_at", "actor", "action", "target_type", "target_id",
               "subject_user_id", "rule_code", "reason", "text_snapshot", "before", "after"]


def events(*, limit: int | None = None, offset: int = 0, action: str | None = None,
           rule: str | None = None) -> list[AuditEvent]:
    """Audit rows, newest first, optionally filtered."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if rule:
        stmt = stmt.where(AuditEvent.rule_code == rule)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return list(db.session.scalars(stmt))


def to_csv(rows: Iterable[AuditEvent]) -> str:
    """The audit log as CSV for export."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        actor = row.actor.username if row.actor is not None else "system"
        writer.writerow([_cell(v) for v in (
            row.id, row.created_at.isoformat(), actor, row.action, row.target_type,
            row.target_id, row.subject_user_id, row.rule_code or "", row.reason,
            row.text_snapshot, _json(row.before), _json(row.after))])
    return out.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV injection


def _cell(value):
    """A text cell a spreadsheet will not run: a leading formula character gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Change:
    """One field of an audit row's before/after as people read it; old or new is None when
    the row did not record that side."""

    field: str
    old: str | None
    new: str | None


def changes(before: dict | None, after: dict | None) -> list[Change]:
    """An audit row's before/after as "field: old -> new", fields in the order recorded (the
    log page shows these; the CSV export keeps the JSON)."""
    before, after = before or {}, after or {}
    return [Change(name.replace("_", " "),
                   _readable(before[name]) if name in before else None,
                   _readable(after[name]) if name in after else None)
            for name in dict.fromkeys([*before, *after])]


def _readable(value) -> str:
    """A JSON value in words: lists joined, mappings as "key value", nothing as "none"."""
    if value is None or value in ([], {}):
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_readable(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_readable(v)}" for k, v in value.items())
    return str(value)


def _json(value: dict | None) -> str:
    """A before/after value as JSON a spreadsheet or script can parse ("" when absent)."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
