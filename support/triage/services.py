"""Triage use cases: set a category's targets, assign or take a thread (logged, the new
assignee told), tell assignees when a customer replies, warn of targets about to be missed."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from forum.extensions import db
from forum.models import Category, NotificationKind, Post, PostStatus, Thread, User, utcnow
from forum.services import add_notice
from forum.services.errors import NotFound, PermissionDenied, ValidationError, require
from forum.services.transaction import commit
from support import permissions
from support.triage import targets
from support.triage.models import (
    Assignment,
    AssignmentEvent,
    CategoryTarget,
    DueWarning,
    EventKind,
    TargetKind,
)
from support.triage.priority import duration


def thread_path(thread_id: int) -> str:
    """The thread's site-relative URL, also outside a request (the CLI)."""
    return current_app.url_map.bind("localhost").build("forum.thread",
                                                       {"thread_id": thread_id})


# -- targets -----------------------------------------------------------------------------------
def _minutes(value: int | None, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or \
            not 1 <= value <= targets.MAX_MINUTES:
        raise ValidationError(f"Give whole minutes from 1 to {targets.MAX_MINUTES}, or leave "
                              "it empty for the default.", field=field)
    return value


def set_targets(category: Category, *, actor: User, first_response_minutes: int | None,
                resolution_minutes: int | None) -> CategoryTarget:
    """Give a category its own targets (None: back to the default for that target)."""
    require(permissions.can_set_targets(actor), "Only staff change response targets.")
    first = _minutes(first_response_minutes, "first_response")
    resolution = _minutes(resolution_minutes, "resolution")
    row = db.session.get(CategoryTarget, category.id)
    if row is None:
        row = CategoryTarget(category_id=category.id)
        db.session.add(row)
    row.first_response_minutes, row.resolution_minutes = first, resolution
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    commit()
    return row


# -- assignment --------------------------------------------------------------------------------
def _event_kind(before: int | None, after: int | None) -> EventKind:
    if after is None:
        return EventKind.UNASSIGNED
    return EventKind.ASSIGNED if before is None else EventKind.REASSIGNED


def assign(thread: Thread, *, actor: User, assignee: User | None) -> Assignment | None:
    """Give a thread to a staff member (None: unassign). The change is logged and the new
    assignee told (unless they took it themselves); the same assignee again changes nothing."""
    require(permissions.can_triage(actor), "Only staff assign threads.")
    if thread.status is PostStatus.DELETED:
        raise NotFound("That thread is gone.")
    if assignee is not None and not permissions.can_be_assigned(assignee):
        raise ValidationError(f"{assignee.name} is not on the support team, so cannot be "
                              "assigned a thread.", field="assignee")
    current = db.session.get(Assignment, thread.id)
    before = current.assignee_id if current is not None else None
    after = assignee.id if assignee is not None else None
    if before == after:
        return current
    db.session.add(AssignmentEvent(thread_id=thread.id, kind=_event_kind(before, after),
                                   actor_id=actor.id, from_user_id=before, to_user_id=after))
    if current is not None and after is None:
        db.session.delete(current)
        current = None
    elif after is not None:
        current = current or Assignment(thread_id=thread.id, assignee_id=after)
        current.assignee_id, current.assigned_by_id, current.assigned_at = after, actor.id, \
            utcnow()
        db.session.add(current)
        _tell_assignee(thread, assignee, actor)
    commit()
    return current


def take(thread: Thread, *, actor: User) -> Assignment | None:
    """Assign a thread to yourself."""
    if not permissions.can_be_assigned(actor):
        raise PermissionDenied("Only the support team takes threads.")
    return assign(thread, actor=actor, assignee=actor)


def _tell_assignee(thread: Thread, assignee: User, actor: User) -> None:
    if assignee.id == actor.id:
        return
    add_notice(assignee.id, NotificationKind.ASSIGNED, actor=actor, thread=thread,
               message=f"{actor.name} assigned you “{thread.title}”.",
               url=thread_path(thread.id))


def on_post_published(sender, post: Post, **_extra) -> None:
    """A customer replied in an assigned thread: tell the assignee (in the posting use case's
    own transaction; nothing is committed here)."""
    if post.number == 1 or post.author is None or post.author.is_staff_side:
        return
    row = db.session.get(Assignment, post.thread_id)
    if row is None or row.assignee_id == post.author_id:
        return
    thread = post.thread
    add_notice(row.assignee_id, NotificationKind.CUSTOMER_REPLIED, actor=post.author,
               thread=thread, message=f"{post.author.name} replied in “{thread.title}”, "
               "assigned to you.", url=thread_path(thread.id) + f"#p{post.number}")


# -- due soon ----------------------------------------------------------------------------------
def _assigned_open_threads():
    return db.session.execute(
        select(Thread, Assignment.assignee_id).join(Assignment,
                                                    Assignment.thread_id == Thread.id)
        .where(Thread.status == PostStatus.PUBLISHED)).all()


def _already_warned(thread_ids: list[int]) -> set[tuple[int, TargetKind]]:
    if not thread_ids:
        return set()
    return set(db.session.execute(select(DueWarning.thread_id, DueWarning.target)
                                  .where(DueWarning.thread_id.in_(thread_ids))).all())


def _warning_text(thread: Thread, state: targets.TargetState) -> str:
    left = state.minutes_left or 0
    when = f"is due in {duration(left)}" if left > 0 else f"was missed {duration(left)} ago"
    return f"The {state.label} target of “{thread.title}” {when}."


def warn_due(*, now: datetime | None = None) -> int:
    """Tell each assignee of threads within SUPPORT_DUE_WARNING_MINUTES of missing a target
    (or past it), once per thread and target; returns how many were told."""
    now, the_clock = now or utcnow(), targets.clock()
    window = current_app.config["SUPPORT_DUE_WARNING_MINUTES"]
    rows = _assigned_open_threads()
    minutes = targets.minutes_for({thread.category_id for thread, _ in rows})
    warned, sent = _already_warned([thread.id for thread, _ in rows]), 0
    for thread, assignee_id in rows:
        for state in targets.states(targets.thread_facts(thread), minutes[thread.category_id],
                                    now, the_clock):
            if state.done or state.minutes_left > window or (thread.id, state.kind) in warned:
                continue
            db.session.add(DueWarning(thread_id=thread.id, target=state.kind,
                                      user_id=assignee_id))
            add_notice(assignee_id, NotificationKind.TARGET_DUE, actor=None, thread=thread,
                       message=_warning_text(thread, state), url=thread_path(thread.id))
            sent += 1
    commit()
    return sent
