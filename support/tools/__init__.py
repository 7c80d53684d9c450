"""Thread tools for the support team: internal notes, saved replies, locks and tags."""
from __future__ import annotations

from forum import hooks


def init_app(app) -> None:
    """Register the tools' pages, API endpoints and hooks."""
    from forum import api as forum_api
    from support.tools import api, page_hooks, views  # (their queries import the models)

    app.register_blueprint(views.bp)
    forum_api.extend(app, api.bp, api.contribute_openapi)
    for point in ("thread_banner", "thread_sidebar", "reply_tools", "reply_prefill",
                  "thread_list_extras", "menu_links"):
        hooks.register(app, point, getattr(page_hooks, point))
    from support.cases import customer

    customer.register_section(app, page_hooks.customer_notes)
