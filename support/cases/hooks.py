"""What private cases add to the forum's pages: the stub banner on a thread that moved, the
staff buttons that move a post or a thread, the author's link to contact support, the menu
links with unread counts, and staff's link from a profile to the customer view. Each checks
its own permissions: nothing about a case reaches anyone but its customer and staff."""
from __future__ import annotations

from flask import g, render_template
from markupsafe import Markup

from forum import hooks
from forum.models import PostStatus
from forum.web import me
from support import permissions
from support.cases import queries

_CACHE = "_support_moved"


def _moved(thread_id: int) -> list[queries.MovedFromThread]:
    """The thread's moved posts, looked up once per request (post_tools runs per post)."""
    cache = g.setdefault(_CACHE, {})
    if thread_id not in cache:
        cache[thread_id] = queries.moved_from_thread(thread_id)
    return cache[thread_id]


def thread_banner(thread) -> Markup | None:
    """The public stub: this conversation continues privately (and links for those in it)."""
    moved = _moved(thread.id)
    if not moved:
        return None
    viewer = me()
    mine = [m for m in moved if permissions.can_read_case(viewer, m.customer_id)]
    summaries = [m.summary_post_id for m in moved if m.summary_post_id]
    return Markup(render_template("support/cases/_banner.html", mine=mine,
                                  summaries=summaries))


def post_tools(post) -> Markup | None:
    """Staff: move this post to a private case; its author and staff: open the case."""
    viewer = me()
    staff = permissions.can_work_cases(viewer)
    if not staff and not (viewer is not None and viewer.id == post.author_id):
        return None
    case_id = next((m.conversation_id for m in _moved(post.thread_id)
                    if post.id in m.post_ids), None)
    movable = (staff and case_id is None and post.status is PostStatus.PUBLISHED
               and not post.author.role.is_staff_side)
    if case_id is None and not movable:
        return None
    return Markup(render_template("support/cases/_post_tools.html", post=post,
                                  case_id=case_id, movable=movable))


def thread_sidebar(thread) -> Markup | None:
    """Staff: move the whole thread, cases about it; the author: contact support privately."""
    viewer = me()
    staff = permissions.can_work_cases(viewer)
    author = viewer is not None and viewer.id == thread.author_id
    if not staff and not author:
        return None
    cases = queries.thread_cases(thread.id) if staff else [
        c for c in queries.thread_cases(thread.id) if c.customer_id == viewer.id]
    return Markup(render_template(
        "support/cases/_sidebar.html", thread=thread, cases=cases, staff=staff,
        movable=staff and thread.status is PostStatus.PUBLISHED
        and not thread.author.role.is_staff_side))


def menu_links() -> Markup | None:
    """My support cases (with unread count); staff: the case queue."""
    viewer = me()
    if viewer is None:
        return None
    return Markup(render_template("support/cases/_menu.html",
                                  unread=queries.unread_total(viewer),
                                  staff=permissions.can_work_cases(viewer)))


def profile_extras(user) -> Markup | None:
    """Staff and moderators: a link from a member's profile to the one view of them."""
    if not permissions.can_view_customer(me()):
        return None
    return Markup(render_template("support/cases/_profile_link.html", member=user))


def register(app) -> None:
    """Add the case hooks to the forum's extension points."""
    for point, function in (("thread_banner", thread_banner), ("post_tools", post_tools),
                            ("thread_sidebar", thread_sidebar), ("menu_links", menu_links),
                            ("profile_extras", profile_extras)):
        hooks.register(app, point, function)
