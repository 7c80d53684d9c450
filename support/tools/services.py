"""The thread tools' use cases: notes, saved replies, locks and tags. Each public function
is one use case, takes the acting person keyword-only and commits once."""
from __future__ import annotations

import re

from flask import url_for
from sqlalchemy import delete, select

from forum import services
from forum.extensions import db
from forum.models import NotificationKind, Tag, Thread, ThreadTag, User, utcnow
from forum.services.errors import Conflict, ValidationError, require
from forum.services.transaction import commit
from moderation.runtime import current_rules
from support import permissions
from support.tools.models import SavedReply, ThreadNote, ToolAction, ToolEvent

NOTE_MAX = 10_000
TITLE_MAX = 120
REPLY_MAX = 10_000
REASON_MAX = 500
TAG_MAX = 40


# -- internal notes -----------------------------------------------------------------------------
def _note_body(body: str) -> tuple[str, str]:
    """The note's trimmed Markdown and its sanitised HTML (no @mentions: nobody is told)."""
    body = (body or "").strip()
    if not body:
        raise ValidationError("Write something in the note.", field="body")
    if len(body) > NOTE_MAX:
        raise ValidationError(f"Notes are at most {NOTE_MAX} characters.", field="body")
    return body, services.render_markdown(body)


def add_note(thread: Thread, *, actor: User, body: str) -> ThreadNote:
    """Leave a note on a thread for colleagues; customers never see it."""
    require(permissions.can_see_notes(actor), "Only staff write internal notes.")
    source, html = _note_body(body)
    note = ThreadNote(thread_id=thread.id, author_id=actor.id, body_source=source,
                      body_html=html)
    db.session.add(note)
    commit()
    return note


def edit_note(note: ThreadNote, *, actor: User, body: str) -> ThreadNote:
    """Change one's own note."""
    require(permissions.can_change_note(actor, note), "You can only edit your own notes.")
    note.body_source, note.body_html = _note_body(body)
    note.edited_at = utcnow()
    commit()
    return note


def delete_note(note: ThreadNote, *, actor: User) -> None:
    """Remove one's own note."""
    require(permissions.can_change_note(actor, note), "You can only delete your own notes.")
    db.session.delete(note)
    commit()


# -- saved replies ------------------------------------------------------------------------------
def _reply_fields(title: str, body: str, *, current: SavedReply | None = None) -> tuple[str, str]:
    title, body = " ".join((title or "").split()), (body or "").strip()
    if not 1 <= len(title) <= TITLE_MAX:
        raise ValidationError(f"Give the saved reply a title of 1 to {TITLE_MAX} characters.",
                              field="title")
    if not body:
        raise ValidationError("Write the text of the saved reply.", field="body")
    if len(body) > REPLY_MAX:
        raise ValidationError(f"Saved replies are at most {REPLY_MAX} characters.", field="body")
    clash = db.session.scalar(select(SavedReply.id).where(SavedReply.title == title))
    if clash is not None and (current is None or clash != current.id):
        raise Conflict("A saved reply already has that title.", field="title")
    return title, body


def create_saved_reply(*, actor: User, title: str, body: str) -> SavedReply:
    """Save a reply staff can start from."""
    require(permissions.can_use_saved_replies(actor), "Only staff manage saved replies.")
    title, body = _reply_fields(title, body)
    row = SavedReply(title=title, body=body, updated_by_id=actor.id)
    db.session.add(row)
    commit()
    return row


def update_saved_reply(row: SavedReply, *, actor: User, title: str, body: str) -> SavedReply:
    """Change a saved reply's title or text."""
    require(permissions.can_use_saved_replies(actor), "Only staff manage saved replies.")
    row.title, row.body = _reply_fields(title, body, current=row)
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    commit()
    return row


def delete_saved_reply(row: SavedReply, *, actor: User) -> None:
    """Remove a saved reply."""
    require(permissions.can_use_saved_replies(actor), "Only staff manage saved replies.")
    db.session.delete(row)
    commit()


# -- locking ------------------------------------------------------------------------------------
def lock_rules():
    """The published rules a thread may be locked under (not the ones protecting posts)."""
    return [rule for rule in current_rules().rules if not rule.protective]


def lock_notice(thread: Thread) -> str:
    """The public sentence on a locked thread."""
    who = thread.locked_by
    name = who.name if who is not None else "the team"
    role = f" ({who.role.badge or who.role.value})" if who is not None else ""
    reason = (thread.locked_reason or "").rstrip(" .;:!")  # "refund.; no new" read badly
    return f"Locked by {name}{role} under rule {thread.locked_rule}: {reason}; no new replies"


def lock_thread(thread: Thread, *, actor: User, rule_code: str, reason: str) -> ToolEvent:
    """Walk away from a thread: no new replies, a public notice citing a published rule,
    the log row and the author's notification in the same commit."""
    require(permissions.can_lock(actor), "Only staff and moderators lock threads.")
    if thread.locked_at is not None:
        raise Conflict("This thread is already locked.")
    codes = {rule.code for rule in lock_rules()}
    if rule_code not in codes:
        raise ValidationError("Choose one of the published rules.", field="rule")
    reason = " ".join((reason or "").split())
    if not 1 <= len(reason) <= REASON_MAX:
        raise ValidationError(f"Say why in 1 to {REASON_MAX} characters.", field="reason")
    thread.locked_at, thread.locked_by_id = utcnow(), actor.id
    thread.locked_rule, thread.locked_reason = rule_code, reason
    thread.locked_by = actor
    event = _log(thread, actor, ToolAction.LOCKED, rule_code, reason)
    _tell_author(thread, actor, lock_notice(thread) + ".")
    commit()
    return event


def reopen_thread(thread: Thread, *, actor: User) -> ToolEvent:
    """Open a locked thread for replies again (logged; the author is told)."""
    require(permissions.can_lock(actor), "Only staff and moderators reopen threads.")
    if thread.locked_at is None:
        raise Conflict("This thread is not locked.")
    event = _log(thread, actor, ToolAction.REOPENED, thread.locked_rule, "")
    thread.locked_at = thread.locked_by_id = thread.locked_rule = thread.locked_reason = None
    _tell_author(thread, actor, f"{actor.name} reopened your thread “{thread.title}” for "
                                "replies.")
    commit()
    return event


def _log(thread: Thread, actor: User, action: ToolAction, rule: str | None,
         reason: str) -> ToolEvent:
    event = ToolEvent(thread_id=thread.id, actor_id=actor.id, action=action, rule_code=rule,
                      reason=reason)
    db.session.add(event)
    return event


def _tell_author(thread: Thread, actor: User, message: str) -> None:
    if thread.author_id != actor.id:
        services.add_notice(thread.author_id, NotificationKind.MODERATION, actor=actor,
                            message=message, url=url_for("forum.thread", thread_id=thread.id),
                            thread=thread)


# -- tags ---------------------------------------------------------------------------------------
def _tag_name(name: str, *, current: Tag | None = None) -> tuple[str, str]:
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= TAG_MAX:
        raise ValidationError(f"Tag names are 1 to {TAG_MAX} characters.", field="name")
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:TAG_MAX].strip("-")
    if not slug:
        raise ValidationError("Use at least one letter or digit in a tag name.", field="name")
    clash = db.session.scalar(select(Tag.id).where((Tag.slug == slug) | (Tag.name == name)))
    if clash is not None and (current is None or clash != current.id):
        raise Conflict(f"A tag called “{name}” (or “{slug}”) already exists.", field="name")
    return name, slug


def create_tag(*, actor: User, name: str) -> Tag:
    """Add a tag to the staff-managed list."""
    require(permissions.can_manage_tags(actor), "Only staff manage tags.")
    name, slug = _tag_name(name)
    tag = Tag(name=name, slug=slug)
    db.session.add(tag)
    commit()
    return tag


def rename_tag(tag: Tag, *, actor: User, name: str) -> Tag:
    """Rename a tag (its slug follows, so old ?tag= links stop matching)."""
    require(permissions.can_manage_tags(actor), "Only staff manage tags.")
    tag.name, tag.slug = _tag_name(name, current=tag)
    commit()
    return tag


def delete_tag(tag: Tag, *, actor: User) -> None:
    """Remove a tag and take it off every thread."""
    require(permissions.can_manage_tags(actor), "Only staff manage tags.")
    db.session.execute(delete(ThreadTag).where(ThreadTag.tag_id == tag.id))
    db.session.delete(tag)
    commit()


def tag_thread(thread: Thread, tag: Tag, *, actor: User) -> bool:
    """Put a tag on a thread; False when it already had it."""
    require(permissions.can_manage_tags(actor), "Only staff tag threads.")
    if db.session.get(ThreadTag, (tag.id, thread.id)) is not None:
        return False
    db.session.add(ThreadTag(tag_id=tag.id, thread_id=thread.id))
    commit()
    return True


def untag_thread(thread: Thread, tag: Tag, *, actor: User) -> bool:
    """Take a tag off a thread; False when it did not have it."""
    require(permissions.can_manage_tags(actor), "Only staff tag threads.")
    removed = db.session.execute(delete(ThreadTag).where(
        ThreadTag.tag_id == tag.id, ThreadTag.thread_id == thread.id)).rowcount
    commit()
    return bool(removed)
