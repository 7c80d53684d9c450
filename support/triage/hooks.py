"""What triage adds to the forum's pages, for staff only: the thread's assignee and targets
in its sidebar, an "assigned" / "overdue" chip in thread lists, the inbox in the menu."""
from __future__ import annotations

from flask import render_template, url_for
from markupsafe import Markup, escape
from sqlalchemy import select

from forum import web
from forum.extensions import db
from forum.models import Thread, User, utcnow
from support import permissions
from support.triage import queries, targets
from support.triage.forms import AssignForm
from support.triage.models import Assignment, CategoryTarget


def thread_sidebar(thread: Thread) -> Markup | None:
    """The staff panel: assignee, Take / Assign to, both targets with time left, the log."""
    if not permissions.can_triage(web.me()):
        return None
    minutes = targets.minutes_for([thread.category_id])[thread.category_id]
    pair = targets.states(targets.thread_facts(thread), minutes, utcnow(), targets.clock())
    row = queries.assignment(thread.id)
    staff = queries.assignable_staff()
    form = AssignForm(formdata=None).set_people(staff)
    form.assignee.data = str(row.assignee_id) if row else ""
    return Markup(render_template(
        "support/triage/_sidebar.html", thread=thread, assignment=row, pair=pair, form=form,
        events=queries.events(thread.id), me=web.me()))


def _chip(assignee: User | None, overdue: bool) -> Markup | None:
    parts = []
    if assignee is not None:
        parts.append(Markup('<span class="chip chip-assigned">assigned: {}</span>').format(
            escape(assignee.name)))
    if overdue:
        parts.append(Markup('<span class="badge badge-warn">overdue</span>'))
    return Markup(" ").join(parts) if parts else None


def thread_list_extras(threads) -> dict[int, Markup]:
    """{thread id: chips} for staff, from one query for the whole page."""
    if not permissions.can_triage(web.me()) or not threads:
        return {}
    rows = db.session.execute(
        select(Thread.id, User, CategoryTarget.first_response_minutes,
               CategoryTarget.resolution_minutes)
        .select_from(Thread)
        .outerjoin(Assignment, Assignment.thread_id == Thread.id)
        .outerjoin(User, User.id == Assignment.assignee_id)
        .outerjoin(CategoryTarget, CategoryTarget.category_id == Thread.category_id)
        .where(Thread.id.in_([t.id for t in threads]))).all()
    found = {row[0]: row[1:] for row in rows}
    default, now, the_clock = targets.default_minutes(), utcnow(), targets.clock()
    out = {}
    for thread in threads:
        assignee, first, resolution = found.get(thread.id, (None, None, None))
        running = targets.current(targets.states(
            targets.thread_facts(thread), targets.merged(default, first, resolution), now,
            the_clock))
        chip = _chip(assignee, running is not None and running.overdue)
        if chip:
            out[thread.id] = chip
    return out


def menu_links() -> Markup | None:
    """The inbox in the signed-in staff member's menu."""
    if not permissions.can_triage(web.me()):
        return None
    return Markup('<a role="menuitem" href="{}">Staff inbox</a>').format(
        url_for("triage.inbox"))


def inbox_link() -> str | None:
    """The inbox's URL for staff (the staff desk links to it), else None."""
    return url_for("triage.inbox") if permissions.can_triage(web.me()) else None
