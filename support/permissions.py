"""Every permission question the support workspace asks, answered in one place (small pure
functions over forum.permissions; each feature appends its own)."""
from __future__ import annotations

from forum import permissions
from forum.models import User


# -- triage ------------------------------------------------------------------------------------
def can_triage(user: User | None) -> bool:
    """Staff, moderators and admins work the inbox, see assignees and targets, and assign."""
    return permissions.is_staff(user)


def can_set_targets(user: User | None) -> bool:
    """Staff and admins change a category's response targets."""
    return permissions.is_staff(user)


def can_be_assigned(user: User | None) -> bool:
    """Only people answering for the brand take threads (never a customer or a placeholder)."""
    return user is not None and user.is_staff_side and not user.is_placeholder
