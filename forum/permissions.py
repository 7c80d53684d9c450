"""Every permission question the forum asks, answered in one place.

Views, the API and services all ask here; nothing else compares roles.
"""
from __future__ import annotations

from forum import restrictions
from forum.models import Post, PostStatus, Role, Thread, User
from forum.restrictions import Restriction

STAFF_ROLES = frozenset({Role.STAFF, Role.MODERATOR, Role.ADMIN})
MODERATOR_ROLES = frozenset({Role.MODERATOR, Role.ADMIN})
_UNDER_REVIEW = frozenset({PostStatus.HELD, PostStatus.REJECTED})


def _known(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.id is not None


def is_staff(user: User | None) -> bool:
    """Staff, moderators and admins answer for the brand."""
    return _known(user) and user.role in STAFF_ROLES


def can_moderate(user: User | None) -> bool:
    """Moderators and admins act on other people's content."""
    return _known(user) and user.role in MODERATOR_ROLES


def can_admin(user: User | None) -> bool:
    """Only admins manage categories and roles."""
    return _known(user) and user.role is Role.ADMIN


def can_read_audit_log(user: User | None) -> bool:
    """Moderators read the moderation audit log (their own and others' actions)."""
    return can_moderate(user)


def can_export_audit_log(user: User | None) -> bool:
    """Only admins take the whole log away as a file."""
    return can_admin(user)


def can_post(user: User | None) -> bool:
    """Any signed-in member may ask and reply."""
    return _known(user) and not user.is_placeholder


def can_view_thread(user: User | None, thread: Thread) -> bool:
    """Whether the thread's page opens for this person (never a 404 for someone who could see
    it before).

    Published threads are public. A thread once published whose question is then hidden or
    held for review (flags, a moderator, a held resubmission) keeps its URL and its replies
    for everyone, as in Discourse: anyone could read it, so anyone may already be in the
    conversation; the question is collapsed with a notice citing the rule (see
    can_read_post), and the thread leaves the lists and search until it is back. A thread
    never published (held or rejected on submission) is seen only by its author, who is
    told it is waiting for review, and by moderators. A deleted thread is gone.
    """
    if thread.status is PostStatus.PUBLISHED:
        return True
    if thread.published_at is not None and thread.status in _UNDER_REVIEW:
        return True
    return _known(user) and (user.id == thread.author_id or can_moderate(user))


def can_read_post(user: User | None, post: Post) -> bool:
    """A held or rejected post's text is for its author and moderators; others see a notice."""
    if post.status not in _UNDER_REVIEW:
        return True
    return _known(user) and (user.id == post.author_id or can_moderate(user))


def can_reply(user: User | None, thread: Thread) -> bool:
    """Members reply to published threads that are not closed (e.g. as a duplicate) nor
    locked by staff (locked means no new replies, from anyone)."""
    return (can_post(user) and thread.status is PostStatus.PUBLISHED
            and thread.closed_at is None and thread.locked_at is None)


def can_close(user: User | None) -> bool:
    """Staff and moderators close a thread as a duplicate of a canonical answer."""
    return is_staff(user)


def can_edit(user: User | None, post: Post) -> bool:
    """Authors edit their own live posts; moderators edit anyone's."""
    if not _known(user) or post.is_deleted:
        return False
    return user.id == post.author_id or can_moderate(user)


def can_delete(user: User | None, post: Post) -> bool:
    """Authors delete their own posts; moderators delete anyone's."""
    return can_edit(user, post)


def can_view_history(user: User | None, post: Post) -> bool:
    """Edit history of a visible post is public, like Stack Exchange's."""
    return not post.is_deleted or can_moderate(user)


def restriction(user: User | None) -> Restriction | None:
    """The mute, suspension or ban on this member now (asked once per request)."""
    return restrictions.current(user) if _known(user) else None


def is_unrestricted(user: User | None) -> bool:
    """A signed-in member no sanction stops from acting on other people's content."""
    return _known(user) and restriction(user) is None


def can_accept(user: User | None, thread: Thread, post: Post) -> bool:
    """The asker, or staff, marks one live, published reply as the answer (not while
    sanctioned): a post waiting for review must never be shown to readers as the answer."""
    if (not _known(user) or post.is_question or post.is_deleted or post.thread_id != thread.id
            or post.status is not PostStatus.PUBLISHED):
        return False
    return (user.id == thread.author_id or is_staff(user)) and is_unrestricted(user)


def can_vote(user: User | None, post: Post) -> bool:
    """One helpful vote per member on someone else's live, published post (not while
    sanctioned)."""
    return (can_post(user) and user.id != post.author_id and not post.is_deleted
            and post.status is PostStatus.PUBLISHED and is_unrestricted(user))


def can_flag(user: User | None, post: Post) -> bool:
    """Members flag other people's public posts; muted, suspended and banned members cannot
    (as in Discourse, where silenced users cannot flag: a sanctioned member's flags would be
    a way to retaliate, and they would count toward hiding)."""
    return (can_post(user) and user.id != post.author_id
            and post.status is PostStatus.PUBLISHED and is_unrestricted(user))


def can_edit_profile(user: User | None, target: User) -> bool:
    """Members change their own public profile (name, bio and its links) unless sanctioned;
    admins may edit anyone's (e.g. to remove a spam link)."""
    if can_admin(user):
        return True
    return _known(user) and user.id == target.id and is_unrestricted(user)


def can_create_token(user: User | None, owner: User) -> bool:
    """Members issue API tokens for themselves, admins for anyone; never for an account
    under a sanction (its tokens would act for it)."""
    if not _known(user) or restriction(owner) is not None:
        return False
    return (user.id == owner.id and is_unrestricted(user)) or can_admin(user)


def can_follow(user: User | None, thread: Thread) -> bool:
    """Any member who can see a thread may follow it."""
    return _known(user) and can_view_thread(user, thread)


def can_manage_categories(user: User | None) -> bool:
    """Admins create, rename, describe and reorder categories."""
    return can_admin(user)


def can_set_roles(user: User | None) -> bool:
    """Admins change people's roles."""
    return can_admin(user)


def can_manage_synonyms(user: User | None) -> bool:
    """Staff, moderators and admins edit the search synonym list (they see failed searches)."""
    return is_staff(user)


def can_change_mail_settings(user: User | None, target: User) -> bool:
    """Members choose which e-mail they get, even while sanctioned (less mail is never
    abuse); admins may too (e.g. for a bouncing address)."""
    return can_admin(user) or (_known(user) and user.id == target.id)
