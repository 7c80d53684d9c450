"""The support workspace's permission questions, one small pure function each."""
from __future__ import annotations

from forum import permissions
from forum.models import User


def can_manage_webhooks(user: User | None) -> bool:
    """Webhooks send community events (and moderation verdicts) to other systems: admins only."""
    return permissions.can_admin(user)
