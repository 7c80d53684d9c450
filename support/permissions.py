"""Every permission question the support workspace asks, answered in one place (small pure
functions over forum.permissions; each feature appends its own)."""
from __future__ import annotations

from forum import permissions
from forum.models import User


# -- private cases -----------------------------------------------------------------------------
def can_read_case(user: User | None, customer_id: int) -> bool:
    """A private case is for its customer and staff: nobody else learns it exists."""
    return permissions.is_staff(user) or (
        user is not None and getattr(user, "is_authenticated", False)
        and user.id == customer_id)


def can_work_cases(user: User | None) -> bool:
    """Staff (and moderators, admins) work the case queue, move posts and reopen cases."""
    return permissions.is_staff(user)


def can_close_case(user: User | None, customer_id: int) -> bool:
    """Staff close any case; a customer closes their own."""
    return can_read_case(user, customer_id)


def can_open_case(user: User | None) -> bool:
    """Any signed-in member may write to support privately."""
    return permissions.can_post(user)


def can_view_customer(user: User | None) -> bool:
    """Staff and moderators see the one view of a customer."""
    return permissions.is_staff(user)


# -- webhooks ----------------------------------------------------------------------------------
def can_manage_webhooks(user: User | None) -> bool:
    """Webhooks send community events (and moderation verdicts) to other systems: admins only."""
    return permissions.can_admin(user)
def can_view_insights(user: User | None) -> bool:
    """Staff, moderators and admins see the insights dashboard and the metrics API."""
    return permissions.is_staff(user)
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
