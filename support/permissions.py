"""Every permission question the support workspace asks, answered in one place (small pure
functions over forum.permissions; each feature appends its own)."""
from __future__ import annotations

from forum import permissions
from forum.models import User


# -- thread tools (support/tools) --------------------------------------------------------------
def can_see_notes(user: User | None) -> bool:
    """Internal notes are for staff, moderators and admins only."""
    return permissions.is_staff(user)


def can_change_note(user: User | None, note) -> bool:
    """Staff edit and delete their own notes, nobody else's."""
    return can_see_notes(user) and note.author_id == user.id


def can_use_saved_replies(user: User | None) -> bool:
    """Staff manage saved replies and start their replies from them."""
    return permissions.is_staff(user)


def can_lock(user: User | None) -> bool:
    """Staff and moderators lock a thread citing a rule, and reopen it."""
    return permissions.is_staff(user)


def can_manage_tags(user: User | None) -> bool:
    """Staff keep the list of tags and tag threads."""
    return permissions.is_staff(user)
