"""Triage pages for staff: the inbox, per-category targets, assigning and taking threads."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from forum import services as forum_services
from forum import web
from forum.extensions import db
from forum.models import Category, Thread, User
from support import permissions
from support.triage import queries, services, targets
from support.triage.forms import AssignForm, TargetForm

bp = Blueprint("triage", __name__, url_prefix="/staff")


def _require_staff() -> None:
    if not permissions.can_triage(web.me()):
        abort(403)


def _filters() -> tuple[queries.InboxFilters, dict]:
    """The inbox filters from the query string (anything unknown is ignored), and the args
    to keep them in page links."""
    args = request.args
    category = args.get("category", type=int)
    assignee = args.get("assignee", queries.ANY)
    if args.get("mine") == "1":
        assignee = web.me().id
    elif assignee not in (queries.ANY, queries.NONE):
        assignee = int(assignee) if assignee.isdigit() else queries.ANY
    overdue = args.get("overdue") == "1"
    kept = {k: v for k, v in {"category": category, "assignee": args.get("assignee"),
                              "overdue": "1" if overdue else None,
                              "mine": "1" if args.get("mine") == "1" else None}.items() if v}
    return queries.InboxFilters(category, assignee, overdue), kept


@bp.get("/inbox")
def inbox():
    """Threads awaiting a staff answer, highest priority first, with the reasons."""
    _require_staff()
    filters, kept = _filters()
    page = queries.inbox(filters, page=web.page_arg(),
                         per_page=current_app.config["THREADS_PER_PAGE"])
    return render_template(
        "support/triage/inbox.html", page=page, filters=filters, kept=kept,
        categories=forum_services.list_categories(), staff=queries.assignable_staff(),
        mine=request.args.get("mine") == "1")


# -- targets -----------------------------------------------------------------------------------
def _targets_page(forms: dict[int, TargetForm] | None = None, status: int = 200):
    categories = forum_services.list_categories()
    minutes = targets.minutes_for(c.id for c in categories)
    forms = forms or {}
    for category in categories:
        if category.id not in forms:
            own = minutes[category.id]
            forms[category.id] = TargetForm(
                formdata=None, prefix=f"c{category.id}",
                first_response=own.first_response if own.custom_first else None,
                resolution=own.resolution if own.custom_resolution else None)
    return render_template("support/triage/targets.html", categories=categories,
                           minutes=minutes, forms=forms, default=targets.default_minutes(),
                           clock=current_app.config), status


@bp.get("/inbox/targets")
def target_list():
    """Every category's response targets, editable."""
    if not permissions.can_set_targets(web.me()):
        abort(403)
    return _targets_page()


@bp.post("/inbox/targets/<id:category_id>")
def target_save(category_id: int):
    """Save one category's targets; bad input is shown again beside what was typed."""
    if not permissions.can_set_targets(web.me()):
        abort(403)
    category = db.get_or_404(Category, category_id, description="That category is gone.")
    form = TargetForm(prefix=f"c{category.id}")
    if not form.validate_on_submit():
        return _targets_page({category.id: form}, 400)
    try:
        services.set_targets(category, actor=web.me(),
                             first_response_minutes=form.first_response.data,
                             resolution_minutes=form.resolution.data)
    except forum_services.ValidationError as exc:
        db.session.rollback()
        getattr(form, exc.field or "first_response").errors = [exc.message]
        return _targets_page({category.id: form}, 400)
    flash(f"Saved the response targets of {category.name}.", "success")
    return redirect(url_for("triage.target_list"), 303)


# -- assigning ---------------------------------------------------------------------------------
def _thread(thread_id: int) -> Thread:
    return db.get_or_404(Thread, thread_id, description="That thread is gone.")


def _back(thread: Thread):
    return redirect(web.safe_next(web.thread_url(thread)), 303)


@bp.post("/threads/<id:thread_id>/take")
def take(thread_id: int):
    """Assign the thread to yourself."""
    _require_staff()
    thread = _thread(thread_id)
    try:
        services.take(thread, actor=web.me())
    except forum_services.ServiceError as exc:
        return web.service_error_page(exc)
    flash("You took this thread.", "success")
    return _back(thread)


@bp.post("/threads/<id:thread_id>/assign")
def assign(thread_id: int):
    """Assign the thread to a member of the support team, or to nobody."""
    _require_staff()
    thread = _thread(thread_id)
    form = AssignForm().set_people(queries.assignable_staff())
    if not form.validate_on_submit():
        flash("Choose someone on the support team (or nobody).", "error")
        return _back(thread)
    person = db.session.get(User, int(form.assignee.data)) if form.assignee.data else None
    try:
        services.assign(thread, actor=web.me(), assignee=person)
    except forum_services.ServiceError as exc:
        return web.service_error_page(exc)
    flash(f"Assigned to {person.name}." if person else "Unassigned.", "success")
    return _back(thread)
