"""Triage and response: per-category response targets in business time, the staff inbox
sorted by priority, assigning threads, due-soon warnings; for staff only."""
from __future__ import annotations


def init_app(app) -> None:
    """Register triage: tables, pages, API, hooks on the forum's pages, CLI, listeners."""
    from forum import api as forum_api
    from forum import hooks as forum_hooks
    from forum import signals
    from support.triage import api, cli, hooks, models, priority, services, targets, views  # noqa: F401

    targets.make_clock(app.config)  # bad business hours or time zone: fail at start-up
    app.register_blueprint(views.bp)
    forum_api.extend(app, api.bp, api.contribute_openapi)
    forum_hooks.register(app, "thread_sidebar", hooks.thread_sidebar)
    forum_hooks.register(app, "thread_list_extras", hooks.thread_list_extras)
    forum_hooks.register(app, "menu_links", hooks.menu_links)
    app.add_template_global(hooks.inbox_link, "triage_inbox_link")
    app.add_template_global(priority.duration, "triage_duration")
    cli.register(app)
    signals.post_going_public.connect(services.on_post_published, app)


def category_target_minutes() -> dict[int, int]:
    """{category id: first-response target in minutes} for every category, in two queries:
    the insights pages measure the share answered within each category's own target."""
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Category
    from support.triage import targets

    ids = list(db.session.scalars(select(Category.id)))
    return {cid: minutes.first_response for cid, minutes in targets.minutes_for(ids).items()}
