"""The staff desk: questions waiting for a first answer (overdue ones first) and the
response measures staff are judged by; the search synonym list."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import forms, metrics, permissions
from forum.extensions import db
from forum.models import SearchSynonym
from forum.search import synonyms

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
@login_required
def dashboard():
    """Waiting questions and response times over a window of days."""
    if not permissions.is_staff(current_user):
        abort(403)
    days = request.args.get("days", 30, type=int)
    days = days if days in (1, 7, 30, 90) else 30
    target = current_app.config["RESPONSE_TARGET_MINUTES"]
    return render_template(
        "staff/dashboard.html",
        report=metrics.response_report(days=days, target_minutes=target),
        waiting=metrics.unanswered_queue(target_minutes=target),
        days=days,
    )


# -- search synonyms ---------------------------------------------------------------------------
def _require_synonyms() -> None:
    if not permissions.can_manage_synonyms(current_user):
        abort(403)


def _synonyms_page(form=None, status: int = 200, editing: int | None = None):
    return render_template(
        "staff/synonyms.html", groups=synonyms.groups(db.session),
        form=form or forms.SynonymForm(), editing=editing,
    ), status


@bp.get("/synonyms")
@login_required
def synonym_list():
    """The synonym groups search applies, and a form to add one."""
    _require_synonyms()
    return _synonyms_page()


@bp.post("/synonyms")
@login_required
def synonym_create():
    """Add a group; a group search cannot use is shown again with the reason."""
    _require_synonyms()
    return _save_synonym(None)


@bp.post("/synonyms/<id:group_id>")
@login_required
def synonym_update(group_id: int):
    """Change a group's words."""
    _require_synonyms()
    return _save_synonym(_group(group_id))


@bp.post("/synonyms/<id:group_id>/delete")
@login_required
def synonym_delete(group_id: int):
    """Remove a group."""
    _require_synonyms()
    group = _group(group_id)
    synonyms.delete_group(db.session, group, actor=current_user)
    flash(f"Removed “{', '.join(group.words)}”.", "success")
    return redirect(url_for("staff.synonym_list"), 303)


def _group(group_id: int) -> SearchSynonym:
    return db.get_or_404(SearchSynonym, group_id, description="That synonym group is gone.")


def _save_synonym(group: SearchSynonym | None):
    form = forms.SynonymForm()
    if not form.validate_on_submit():
        return _synonyms_page(form, 400, editing=group.id if group else None)
    try:
        saved = synonyms.save_group(db.session, form.terms.data, actor=current_user, group=group)
    except synonyms.SynonymError as exc:
        db.session.rollback()
        form.terms.errors = [str(exc)]
        return _synonyms_page(form, 400, editing=group.id if group else None)
    flash(f"Search now treats {', '.join(saved.words)} as one word.", "success")
    return redirect(url_for("staff.synonym_list"), 303)
