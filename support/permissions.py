"""The support workspace's permission questions, one small pure function each (every
feature of support/ adds its own here)."""
from __future__ import annotations

from forum import permissions
from forum.models import User


def can_view_insights(user: User | None) -> bool:
    """Staff, moderators and admins see the insights dashboard and the metrics API."""
    return permissions.is_staff(user)
