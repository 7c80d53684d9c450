"""Outbound webhooks: admins point the brand's systems at forum, moderation and case events;
deliveries are signed, queued in an outbox and retried with back-off.

Other features send an event with ``support.webhooks.emit(event, payload)`` inside their use
case (the rows commit with it), e.g. ``emit("case.opened", {...})``.
"""
from __future__ import annotations


def emit(event, payload: dict):
    """Queue an event for every endpoint that wants it, in the caller's transaction."""
    from support.webhooks.services import emit as _emit

    return _emit(event, payload)


def init_app(app) -> None:
    """Tables, the admin pages, the background worker, the CLI and the signal listeners."""
    from support.webhooks import cli, models, receivers, views, worker  # noqa: F401

    app.register_blueprint(views.bp)
    worker.init_app(app)
    app.cli.add_command(cli.group)
    receivers.connect()
