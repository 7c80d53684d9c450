"""`flask support due`: due-soon warnings from the command line, idempotent."""
from __future__ import annotations

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Notification, NotificationKind
from support.triage import services


def _due_notices() -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == NotificationKind.TARGET_DUE))


def test_cli_support_due_warns_once_then_nothing(app, ask, staff):
    thread = ask(minutes_ago=50)
    services.take(thread, actor=staff)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["support", "due"])
    assert first.exit_code == 0 and "Sent 1 due-soon warning." in first.output
    again = runner.invoke(args=["support", "due"])
    assert again.exit_code == 0 and "Sent 0 due-soon warnings." in again.output
    assert _due_notices() == 1


def test_cli_support_due_window_setting_respected(make_app, factory):
    app = make_app(SUPPORT_DUE_WARNING_MINUTES=5)
    with app.app_context():
        from datetime import timedelta

        from forum import services as forum_services
        from forum.models import Role, utcnow
        from tests.conftest import _empty_tables

        _empty_tables()
        person = factory.user("due_staff", role=Role.STAFF)
        thread = forum_services.create_thread(
            author=factory.user(), title="Printer jams every morning", body="Since Monday.",
            category=factory.category(), created_at=utcnow() - timedelta(minutes=50))
        services.take(thread, actor=person)
        result = app.test_cli_runner().invoke(args=["support", "due"])
        assert "Sent 0 due-soon warnings." in result.output
