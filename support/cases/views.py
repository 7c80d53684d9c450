"""Pages of private cases: a customer's cases and the contact-support form, one case (only its
customer and staff; anyone else gets a 404, as if it did not exist), the staff queue and
staff's buttons that move a post or a thread into a case."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import login_required

from forum import queries as forum_queries
from forum.extensions import db, limiter
from forum.forms import attach_error
from forum.services import Conflict, PermissionDenied, ValidationError
from forum.web import me, page_arg, thread_url
from moderation.models import PrivateConversation
from support import permissions
from support.cases import forms, queries, services
from support.cases.queries import CaseFilter

bp = Blueprint("support_cases", __name__)
REFUSALS = (ValidationError, Conflict, PermissionDenied)


def _opener_key() -> str:
    """One budget per signed-in member (API callers without a session: per address)."""
    viewer = me()
    return f"case-opener:{viewer.id}" if viewer is not None else get_remote_address()


# Each new case notifies every staff member: the HTML form and the API share one budget.
opening_limit = limiter.shared_limit(lambda: current_app.config["CASE_OPEN_LIMIT"],
                                     scope="case-open", key_func=_opener_key, methods=["POST"])


def _refused(form, exc) -> None:
    db.session.rollback()
    attach_error(form, exc)


def _readable_case(case_id: int):
    conversation = queries.get_case(case_id)
    if conversation is None or not permissions.can_read_case(me(), conversation.customer_id):
        abort(404, "There is no such case.")
    g.no_store = True
    return conversation


def _staff_only() -> None:
    if not permissions.can_work_cases(me()):
        abort(403, "Only the support team can open this page.")
    g.no_store = True


# -- the customer's side ---------------------------------------------------------------------
@bp.get("/cases")
@login_required
def my_cases():
    """The signed-in member's private cases, open first, with unread counts."""
    g.no_store = True
    page = queries.case_page(me(), customer_id=me().id, page=page_arg())
    return render_template("support/cases/list.html", page=page)


def _own_thread(raw):
    if not raw or not str(raw).isdigit():
        return None
    thread = forum_queries.get_thread(int(raw))
    return thread if thread is not None and thread.author_id == me().id else None


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
@opening_limit
def new_case():
    """Contact support privately: a subject and a Markdown message."""
    g.no_store = True
    form = forms.CaseForm()
    if not form.is_submitted():
        form.thread_id.data = request.args.get("thread", "")
    thread = _own_thread(form.thread_id.data)
    if form.validate_on_submit():
        try:
            conversation = services.open_case(actor=me(), subject=form.subject.data,
                                              body=form.body.data, thread=thread)
        except REFUSALS as exc:
            _refused(form, exc)
        else:
            flash("Your message was sent to our support team.", "success")
            return redirect(url_for("support_cases.case", case_id=conversation.id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("support/cases/new.html", form=form, thread=thread), status


# -- one case ----------------------------------------------------------------------------------
def _case_page(conversation, form=None, summary_form=None, status: int = 200):
    viewer = me()
    services.mark_read(conversation, reader=viewer)
    detail = queries.detail_of(conversation)
    return render_template(
        "support/cases/case.html", conversation=conversation, detail=detail,
        messages=queries.messages(conversation), form=form or forms.CaseReplyForm(),
        summary_form=summary_form or forms.SummaryForm(), action=forms.ActionForm(),
        staff=permissions.can_work_cases(viewer),
        thread=conversation.thread, thread_link=thread_url(conversation.thread)
        if conversation.thread is not None else None,
    ), status


@bp.get("/cases/<id:case_id>")
def case(case_id: int):
    """One case, read by its customer or staff (reading marks it read for the reader)."""
    return _case_page(_readable_case(case_id))


@bp.post("/cases/<id:case_id>/messages")
def reply(case_id: int):
    """Write in a case; the other side is notified."""
    conversation = _readable_case(case_id)
    form = forms.CaseReplyForm()
    if form.validate_on_submit():
        try:
            message = services.add_message(conversation, actor=me(), body=form.body.data)
        except REFUSALS as exc:
            _refused(form, exc)
        else:
            flash("Your message was sent.", "success")
            return redirect(url_for("support_cases.case", case_id=case_id,
                                    _anchor=f"message-{message.id}"), 303)
    return _case_page(conversation, form=form, status=400)


@bp.post("/cases/<id:case_id>/close")
def close(case_id: int):
    """Close a case (staff, or its customer)."""
    conversation = _readable_case(case_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400, "The form expired; please try again.")
    services.close_case(conversation, actor=me())
    flash("The case is closed.", "success")
    return redirect(url_for("support_cases.case", case_id=case_id), 303)


@bp.post("/cases/<id:case_id>/reopen")
def reopen(case_id: int):
    """Reopen a closed case (staff)."""
    conversation = _readable_case(case_id)
    _staff_only()
    if not forms.ActionForm().validate_on_submit():
        abort(400, "The form expired; please try again.")
    services.reopen_case(conversation, actor=me())
    flash("The case is open again.", "success")
    return redirect(url_for("support_cases.case", case_id=case_id), 303)


@bp.post("/cases/<id:case_id>/summary")
def summary(case_id: int):
    """Post the public summary of a resolved case on its thread (staff)."""
    conversation = _readable_case(case_id)
    _staff_only()
    form = forms.SummaryForm()
    if form.validate_on_submit():
        try:
            post = services.post_summary(conversation, actor=me(), body=form.body.data)
        except REFUSALS as exc:
            _refused(form, exc)
        else:
            flash("The summary is on the public thread.", "success")
            return redirect(url_for("forum.post", post_id=post.id), 303)
    return _case_page(conversation, summary_form=form, status=400)


# -- staff -------------------------------------------------------------------------------------
@bp.get("/staff/cases")
def queue():
    """Every case for staff: open first, unread counts, filters open/closed/mine."""
    _staff_only()
    try:
        state = CaseFilter(request.args.get("state", "open"))
    except ValueError:
        state = CaseFilter.OPEN
    mine = request.args.get("mine") == "1"
    page = queries.case_page(me(), state=state, mine=mine, page=page_arg())
    return render_template("support/cases/queue.html", page=page, state=state, mine=mine)


def _move(found, mover, *, what: str, back: str):
    """One move-to-a-case action (staff): the form checked, a refusal back where it came
    from, success to the new case."""
    _staff_only()
    if found is None:
        abort(404, f"There is no such {what}.")
    if not forms.ActionForm().validate_on_submit():
        abort(400, "The form expired; please try again.")
    try:
        conversation = mover(found, actor=me())
    except REFUSALS as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back, 303)
    flash(f"The {what} moved to a private case; its author was told.", "success")
    return redirect(url_for("support_cases.case", case_id=conversation.id), 303)


@bp.post("/staff/cases/move/post/<id:post_id>")
def move_post(post_id: int):
    """Move one post to a private case with its author (staff)."""
    return _move(forum_queries.get_post(post_id), services.move_post_to_case, what="post",
                 back=url_for("forum.post", post_id=post_id))


@bp.post("/staff/cases/move/thread/<id:thread_id>")
def move_thread(thread_id: int):
    """Move a whole thread to a private case with its author (staff)."""
    thread = forum_queries.get_thread(thread_id)
    return _move(thread, services.move_thread_to_case, what="thread",
                 back=thread_url(thread) if thread is not None else "/")


# Moderation's own pages for the same conversations: with cases registered they are the case
# pages, so read markers, closed cases and CASE_REPLY notices are the same whichever link a
# person followed (old notifications and mails point at /private/<id>).
_PRIVATE_PAGES = {"moderation_public.private_list", "moderation_public.private"}


def private_pages_are_cases():
    """Send /private and /private/<id> to the case pages; a reply posted there is the case's."""
    if request.endpoint not in _PRIVATE_PAGES or me() is None:
        return None  # moderation's own view sends strangers to sign in
    case_id = (request.view_args or {}).get("conversation_id")
    if case_id is not None:
        conversation = db.session.get(PrivateConversation, case_id)
        if conversation is None or not permissions.can_read_case(me(), conversation.customer_id):
            return None  # ...and refuses the others exactly as before
    if case_id is None:
        staff = permissions.can_work_cases(me())
        return redirect(url_for("support_cases.queue" if staff else "support_cases.my_cases"), 302)
    if request.method == "POST":  # a reply from the old page: the case's own reply answers it
        return reply(case_id)
    return redirect(url_for("support_cases.case", case_id=case_id), 302)
