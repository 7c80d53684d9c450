"""The insights pages for staff: the dashboard (/staff/insights), the weekly baseline report
(HTML and CSV)."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user, login_required

from support import permissions
from support.insights import charts, report
from support.insights.queries import category_names
from support.insights.window import WindowError, parse_window, support_timezone, today

bp = Blueprint("insights", __name__, url_prefix="/staff/insights")


@bp.before_request
@login_required
def _staff_only():
    if not permissions.can_view_insights(current_user):
        abort(403)


def _window_or_error(names: dict[int, str], weeks: int = 8):
    try:
        return parse_window(request.args, categories=set(names), tz=support_timezone(),
                            weeks=weeks), None
    except WindowError as exc:
        return None, exc


@bp.get("/")
def dashboard():
    """Charts and tables of response, backlog, staffing, moderation, deflection and tone."""
    names = category_names()
    window, error = _window_or_error(names)
    if error is not None:
        return render_template("support/insights/dashboard.html", error=error, data=None,
                               charts=[], names=names, args=request.args,
                               counted_at=None), 400
    counted_at, data = report.cached_insights(window, current_app)
    return render_template("support/insights/dashboard.html", error=None, data=data,
                           charts=charts.dashboard_charts(data), names=names,
                           args=window.as_args(), counted_at=counted_at)


def _baseline():
    names = category_names()
    try:
        window = parse_window({"to": request.args.get("to", ""),
                               "category": request.args.get("category", "")},
                              categories=set(names), tz=support_timezone(), weeks=1)
    except WindowError as exc:
        return names, None, exc
    return names, report.baseline(window.end, window.tz, window.category_id), None


@bp.get("/weekly")
def weekly():
    """This week against the average of the four weeks before, on the main numbers."""
    names, found, error = _baseline()
    status = 400 if error else 200
    return render_template("support/insights/weekly.html", report=found, error=error,
                           names=names, args=request.args,
                           today=today(support_timezone()).isoformat()), status


@bp.get("/weekly.csv")
def weekly_csv():
    """The weekly baseline report as CSV (one main number a row)."""
    _names, found, error = _baseline()
    if error is not None:
        return Response(f"{error.field}: {error.message}\n", 400, mimetype="text/plain")
    out = io.StringIO()
    csv.writer(out).writerows(report.baseline_csv_rows(found))
    filename = f"parley-weekly-{found['window']['to']}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
