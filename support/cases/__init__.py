"""Private cases and the one view of a customer.

A case is moderation's PrivateConversation (the channel a detected card number already opens)
with support's own rows beside it (support.cases.models): how it began, the posts it took out
of public view, last-read markers. Staff move a post or a thread into a case, customers write
to support privately, both sides see unread counts; /staff/customers/<username> shows staff
and moderators everything about a customer, with sections other features register in
app.extensions["parley.customer_view_sections"] (see support.cases.customer.register_section).
"""
from __future__ import annotations


def init_app(app) -> None:
    """Register the case pages, API, hooks and the customer-view section list."""
    from forum import api as forum_api
    from support.cases import api, customer, hooks, models, views  # noqa: F401  (routes, tables)
    from support.cases.customer import SECTIONS_KEY

    app.register_blueprint(views.bp)
    forum_api.extend(app, api.bp, api.contribute_openapi)
    hooks.register(app)
    app.extensions.setdefault(SECTIONS_KEY, [])
    app.before_request(views.private_pages_are_cases)
