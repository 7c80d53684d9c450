"""The staff desk: questions waiting for a first answer (overdue ones first) and the
response measures staff are judged by."""
from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required

from forum import metrics, permissions

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
