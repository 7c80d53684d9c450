"""What the thread tools add to the forum's pages. Staff-only parts check
support.permissions themselves and return nothing to anyone else; tags and the lock notice
are public."""
from __future__ import annotations

from flask import flash, render_template, request, url_for
from markupsafe import Markup

from forum import queries as forum_queries
from forum.web import me
from support import permissions
from support.tools import forms, placeholders, queries, services


def thread_banner(thread) -> Markup | None:
    """Everyone: the thread's tags, and the lock notice citing the rule."""
    tags = forum_queries.tags_for_threads([thread.id]).get(thread.id, [])
    if not tags and thread.locked_at is None:
        return None
    notice = services.lock_notice(thread) if thread.locked_at is not None else None
    return Markup(render_template("support/tools/_banner.html", thread=thread, tags=tags,
                                  notice=notice))


def thread_sidebar(thread) -> Markup | None:
    """Staff: notes, tags and the lock in the thread's staff panel."""
    viewer = me()
    if not permissions.can_see_notes(viewer):
        return None
    lock_form = forms.LockForm(formdata=None)
    lock_form.set_rules(services.lock_rules())
    tag_form = forms.ThreadTagForm(formdata=None)
    tags = forum_queries.tags_for_threads([thread.id]).get(thread.id, [])
    on = {t.id for t in tags}
    tag_form.tag.choices = [("", "Choose a tag…")] + [
        (str(t.id), t.name) for t in forum_queries.all_tags() if t.id not in on]
    return Markup(render_template(
        "support/tools/_sidebar.html", thread=thread, notes=queries.notes_for(thread),
        note_form=forms.NoteForm(formdata=None), lock_form=lock_form, tag_form=tag_form,
        tags=tags, confirm=forms.ConfirmForm(formdata=None), viewer=viewer,
        can_lock=permissions.can_lock(viewer), events=queries.tool_events(thread, limit=5),
    ))


def reply_tools(thread) -> Markup | None:
    """Staff: the saved-reply picker beside the reply box (inserts, never sends)."""
    if not permissions.can_use_saved_replies(me()):
        return None
    rows = queries.saved_replies()
    if not rows:
        return None
    return Markup(render_template("support/tools/_picker.html", thread=thread, replies=rows))


def reply_prefill(thread) -> str | None:
    """Staff without JavaScript: ?saved=<id> starts the reply box with that reply filled."""
    reply_id = forum_queries.id_or_none(request.args.get("saved"))
    if reply_id is None or not permissions.can_use_saved_replies(me()):
        return None
    row = queries.saved_reply(reply_id)
    if row is None:
        return None
    filled = placeholders.fill(row.body, placeholders.values_for(thread, me()))
    if filled.unknown:  # said on the page it is put on, before anything is posted
        flash("Unknown placeholders were left as typed; fix them before posting: "
              + ", ".join(filled.unknown), "error")
    return filled.body


def thread_list_extras(threads) -> dict[int, Markup]:
    """Everyone: each listed thread's tags, in one query for the whole page."""
    found = forum_queries.tags_for_threads(t.id for t in threads)
    return {thread_id: tag_chips(tags) for thread_id, tags in found.items() if tags}


def tag_chips(tags) -> Markup:
    """Tags as links to their thread lists (escaped; built here, not per-row templates)."""
    chip = Markup('<a class="tag" href="{}" rel="tag">{}</a>')
    return Markup('<span class="tags">') + Markup(" ").join(
        chip.format(url_for("forum.threads", tag=t.slug), t.name) for t in tags
    ) + Markup("</span>")


def menu_links() -> Markup | None:
    """Staff: the saved replies and tag pages in the account menu."""
    if not permissions.can_use_saved_replies(me()):
        return None
    return Markup(render_template("support/tools/_menu.html"))


def customer_notes(user):
    """The customer view's section of internal notes on the member's threads (staff only)."""
    if not permissions.can_see_notes(me()):
        return None
    return Markup(render_template("support/tools/_customer_notes.html",
                                  notes=queries.notes_about(user)))
