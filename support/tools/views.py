"""Staff pages and actions of the thread tools: notes, saved replies, locks and tags.

Every route answers 403 to anyone who is not staff (customers and the signed-out alike),
before it looks anything up, so nothing staff-only is revealed by a 404 either.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from forum import permissions as forum_permissions
from forum import queries as forum_queries
from forum.forms import attach_error
from forum.web import FORM_ERRORS, me, thread_url
from support import permissions
from support.tools import forms, placeholders, queries, services

bp = Blueprint("support_tools", __name__, url_prefix="/staff")


def _require(allowed: bool) -> None:
    if not allowed:
        abort(403, "This page is for the support team.")


def _thread(thread_id: int):
    found = forum_queries.get_thread(thread_id)
    if found is None or not forum_permissions.can_view_thread(me(), found):
        abort(404, "This thread does not exist or is no longer available.")
    return found


def _back(thread, anchor: str = "staff-tools"):
    return redirect(thread_url(thread, _anchor=anchor), 303)


# -- internal notes -----------------------------------------------------------------------------
@bp.post("/threads/<id:thread_id>/notes")
def note_add(thread_id: int):
    """Add an internal note; a refused one comes back with the text kept."""
    _require(permissions.can_see_notes(me()))
    thread = _thread(thread_id)
    form = forms.NoteForm()
    if form.validate_on_submit():
        try:
            services.add_note(thread, actor=me(), body=form.body.data)
        except FORM_ERRORS as exc:
            attach_error(form, exc)
        else:
            flash("Note added (staff only).", "success")
            return _back(thread, "staff-notes")
    return render_template("support/tools/note_form.html", form=form, thread=thread,
                           note=None), 400


@bp.route("/notes/<id:note_id>/edit", methods=["GET", "POST"])
def note_edit(note_id: int):
    """Edit one's own note."""
    _require(permissions.can_see_notes(me()))
    found = queries.note(note_id)
    if found is None:
        abort(404, "That note does not exist.")
    _require(permissions.can_change_note(me(), found))
    thread = _thread(found.thread_id)
    form = forms.NoteForm(body=found.body_source)
    if form.validate_on_submit():
        try:
            services.edit_note(found, actor=me(), body=form.body.data)
        except FORM_ERRORS as exc:
            attach_error(form, exc)
        else:
            flash("Note saved.", "success")
            return _back(thread, f"note-{found.id}")
    status = 400 if form.is_submitted() else 200
    return render_template("support/tools/note_form.html", form=form, thread=thread,
                           note=found), status


@bp.post("/notes/<id:note_id>/delete")
def note_delete(note_id: int):
    """Delete one's own note."""
    _require(permissions.can_see_notes(me()))
    found = queries.note(note_id)
    if found is None:
        abort(404, "That note does not exist.")
    _require(permissions.can_change_note(me(), found))
    thread = _thread(found.thread_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400, "The form expired; go back, reload the page and try again.")
    services.delete_note(found, actor=me())
    flash("Note deleted.", "success")
    return _back(thread, "staff-notes")


# -- saved replies ------------------------------------------------------------------------------
def _replies_page(form=None, status: int = 200):
    rows = queries.saved_replies()
    return render_template(
        "support/tools/saved_replies.html", replies=rows, form=form or forms.SavedReplyForm(),
        documented=placeholders.DOCUMENTED,
        unknown={row.id: placeholders.unknown_in(row.body) for row in rows},
    ), status


@bp.get("/saved-replies")
def saved_replies():
    """Every saved reply, the placeholders they may use, and a form to add one."""
    _require(permissions.can_use_saved_replies(me()))
    return _replies_page()


@bp.post("/saved-replies")
def saved_reply_create():
    """Add a saved reply; a refused one comes back with everything typed."""
    _require(permissions.can_use_saved_replies(me()))
    form = forms.SavedReplyForm()
    if form.validate_on_submit():
        try:
            row = services.create_saved_reply(actor=me(), title=form.title.data,
                                              body=form.body.data)
        except FORM_ERRORS as exc:
            attach_error(form, exc)
        else:
            flash(f"Saved reply “{row.title}” added.", "success")
            return redirect(url_for(".saved_replies", _anchor=f"reply-{row.id}"), 303)
    return _replies_page(form, 400)


def _saved_reply(reply_id: int):
    found = queries.saved_reply(reply_id)
    if found is None:
        abort(404, "That saved reply does not exist.")
    return found


@bp.route("/saved-replies/<id:reply_id>/edit", methods=["GET", "POST"])
def saved_reply_edit(reply_id: int):
    """Change a saved reply's title or text."""
    _require(permissions.can_use_saved_replies(me()))
    row = _saved_reply(reply_id)
    form = forms.SavedReplyForm(title=row.title, body=row.body)
    if form.validate_on_submit():
        try:
            services.update_saved_reply(row, actor=me(), title=form.title.data,
                                        body=form.body.data)
        except FORM_ERRORS as exc:
            attach_error(form, exc)
        else:
            flash("Saved reply updated.", "success")
            return redirect(url_for(".saved_replies", _anchor=f"reply-{row.id}"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("support/tools/saved_reply_edit.html", form=form, row=row,
                           documented=placeholders.DOCUMENTED,
                           unknown=placeholders.unknown_in(form.body.data or "")), status


@bp.post("/saved-replies/<id:reply_id>/delete")
def saved_reply_delete(reply_id: int):
    """Remove a saved reply."""
    _require(permissions.can_use_saved_replies(me()))
    row = _saved_reply(reply_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400, "The form expired; go back, reload the page and try again.")
    services.delete_saved_reply(row, actor=me())
    flash("Saved reply deleted.", "success")
    return redirect(url_for(".saved_replies"), 303)


@bp.get("/saved-replies/<id:reply_id>/fill")
def saved_reply_fill(reply_id: int):
    """The saved reply filled in for ?thread=<id>, as JSON {body, unknown}: the reply box's
    picker puts it in the textarea to edit; nothing is sent."""
    _require(permissions.can_use_saved_replies(me()))
    row = _saved_reply(reply_id)
    thread_id = request.args.get("thread", type=forum_queries.as_id)
    if thread_id is None:
        return jsonify({"error": {"code": "missing_field",
                                  "message": "Say which thread: ?thread=<id>."}}), 400
    filled = placeholders.fill(row.body, placeholders.values_for(_thread(thread_id), me()))
    return jsonify({"body": filled.body, "unknown": filled.unknown})


# -- locking ------------------------------------------------------------------------------------
@bp.post("/threads/<id:thread_id>/lock")
def lock(thread_id: int):
    """Lock a thread under a published rule; a refused lock comes back with what was typed."""
    _require(permissions.can_lock(me()))
    thread = _thread(thread_id)
    form = forms.LockForm()
    form.set_rules(services.lock_rules())
    if form.validate_on_submit():
        try:
            services.lock_thread(thread, actor=me(), rule_code=form.rule.data,
                                 reason=form.reason.data)
        except FORM_ERRORS as exc:
            attach_error(form, exc)
        else:
            flash("The thread is locked: no new replies.", "success")
            return _back(thread, "top")
    return render_template("support/tools/lock_form.html", form=form, thread=thread), 400


@bp.post("/threads/<id:thread_id>/reopen")
def reopen(thread_id: int):
    """Open a locked thread for replies again."""
    _require(permissions.can_lock(me()))
    thread = _thread(thread_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400, "The form expired; go back, reload the page and try again.")
    try:
        services.reopen_thread(thread, actor=me())
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash("The thread is open for replies again.", "success")
    return _back(thread, "top")


# -- tags ---------------------------------------------------------------------------------------
def _tags_page(form=None, status: int = 200, rename: dict | None = None):
    return render_template("support/tools/tags.html", tags=forum_queries.all_tags(),
                           form=form or forms.TagForm(), rename=rename or {}), status


@bp.get("/tags")
def tags():
    """The tag list, with forms to add, rename and delete."""
    _require(permissions.can_manage_tags(me()))
    return _tags_page()


@bp.post("/tags")
def tag_create():
    """Add a tag; a refused name comes back as typed."""
    _require(permissions.can_manage_tags(me()))
    form = forms.TagForm()
    if form.validate_on_submit():
        try:
            tag = services.create_tag(actor=me(), name=form.name.data)
        except FORM_ERRORS as exc:
            attach_error(form, exc)
        else:
            flash(f"Tag “{tag.name}” added.", "success")
            return redirect(url_for(".tags"), 303)
    return _tags_page(form, 400)


def _tag(tag_id: int):
    found = queries.tag(tag_id)
    if found is None:
        abort(404, "That tag does not exist.")
    return found


@bp.post("/tags/<id:tag_id>/rename")
def tag_rename(tag_id: int):
    """Rename a tag; a refused name is shown again beside that tag."""
    _require(permissions.can_manage_tags(me()))
    tag = _tag(tag_id)
    form = forms.TagForm(prefix=f"tag{tag.id}")
    if form.validate_on_submit():
        try:
            services.rename_tag(tag, actor=me(), name=form.name.data)
        except FORM_ERRORS as exc:
            attach_error(form, exc)
        else:
            flash(f"Tag renamed to “{tag.name}”.", "success")
            return redirect(url_for(".tags"), 303)
    return _tags_page(status=400, rename={tag.id: form})


@bp.post("/tags/<id:tag_id>/delete")
def tag_delete(tag_id: int):
    """Delete a tag (it comes off every thread)."""
    _require(permissions.can_manage_tags(me()))
    tag = _tag(tag_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400, "The form expired; go back, reload the page and try again.")
    services.delete_tag(tag, actor=me())
    flash(f"Tag “{tag.name}” deleted.", "success")
    return redirect(url_for(".tags"), 303)


@bp.post("/threads/<id:thread_id>/tags")
def thread_tag_add(thread_id: int):
    """Put a tag on a thread from its staff panel."""
    _require(permissions.can_manage_tags(me()))
    thread = _thread(thread_id)
    form = forms.ThreadTagForm()
    form.tag.choices = [("", "")] + [(str(t.id), t.name) for t in forum_queries.all_tags()]
    if not form.validate_on_submit():
        flash("Choose a tag from the list.", "error")
        return _back(thread, "staff-tags")
    services.tag_thread(thread, _tag(int(form.tag.data)), actor=me())
    return _back(thread, "staff-tags")


@bp.post("/threads/<id:thread_id>/tags/<id:tag_id>/delete")
def thread_tag_remove(thread_id: int, tag_id: int):
    """Take a tag off a thread."""
    _require(permissions.can_manage_tags(me()))
    thread = _thread(thread_id)
    tag = _tag(tag_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400, "The form expired; go back, reload the page and try again.")
    services.untag_thread(thread, tag, actor=me())
    return _back(thread, "staff-tags")
