"""Insights for the support team: response and resolution times, targets, backlog, staffing
heatmap, moderation, deflection and tone, as charts (/staff/insights), a weekly baseline
report and GET /api/v1/metrics."""
from __future__ import annotations

from flask import url_for
from flask_login import current_user
from markupsafe import Markup


def _menu_link() -> Markup | None:
    from support import permissions

    if not permissions.can_view_insights(current_user):
        return None
    return Markup('<a role="menuitem" href="{}">Insights</a>').format(
        url_for("insights.dashboard"))


def init_app(app) -> None:
    """Register the pages, the API endpoint and the menu link."""
    from forum import api as forum_api
    from forum import hooks
    from support.insights import api, views

    app.register_blueprint(views.bp)
    forum_api.extend(app, api.bp, api.contribute_openapi)
    hooks.register(app, "menu_links", _menu_link)
