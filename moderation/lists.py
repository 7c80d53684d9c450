"""Admin-managed lists the engine reads: the blocked link domains. Each use case commits once,
with its audit row in the same transaction."""
from __future__ import annotations

import re

from sqlalchemy import select

from forum import permissions
from forum.extensions import db
from forum.models import User
from forum.services import Conflict, PermissionDenied, ValidationError
from moderation import audit
from moderation.audit import AuditAction
from moderation.engine.text import domain_of
from moderation.models import BadDomain

DOMAIN_RE = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _require_admin(actor: User) -> None:
    if not permissions.can_admin(actor):
        raise PermissionDenied("Only admins manage the blocked domains.")


def normalise_domain(raw: str) -> str:
    """The bare host of what an admin typed ("https://www.Spam.example/x" -> "spam.example")."""
    domain = domain_of(raw or "").strip(".")
    if not DOMAIN_RE.match(domain):
        raise ValidationError("Enter a domain such as spam-shop.example.", field="domain")
    return domain


def add_bad_domain(raw: str, *, actor: User, note: str = "") -> BadDomain:
    """Block links to a domain (and its subdomains) from now on."""
    _require_admin(actor)
    domain = normalise_domain(raw)
    if db.session.scalar(select(BadDomain.id).where(BadDomain.domain == domain)):
        raise Conflict(f"{domain} is already blocked.", field="domain")
    row = BadDomain(domain=domain, note=note.strip()[:1000], added_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record(AuditAction.DOMAIN_ADDED, actor=actor, target_type="bad_domain",
                 target_id=row.id, rule_code="R2", reason=row.note or "Blocked domain.",
                 after={"domain": domain})
    db.session.commit()
    return row


def remove_bad_domain(row: BadDomain, *, actor: User, reason: str = "") -> None:
    """Unblock a domain."""
    _require_admin(actor)
    audit.record(AuditAction.DOMAIN_REMOVED, actor=actor, target_type="bad_domain",
                 target_id=row.id, rule_code="R2", reason=reason.strip() or "Unblocked.",
                 before={"domain": row.domain, "note": row.note})
    db.session.delete(row)
    db.session.commit()
