"""The demo community (what `make run` seeds on first start) shows the support workspace in
use: tags, a saved reply, an assigned thread with an internal note, a private case."""
from __future__ import annotations

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Tag, Thread, ThreadTag
from moderation.models import PrivateConversation
from support import demo
from support.tools.models import SavedReply, ThreadNote
from support.triage.models import Assignment


def test_seed_demo_fills_the_support_workspace(app):
    result = app.test_cli_runner().invoke(args=["forum", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert "a private case" in result.stdout
    assert set(db.session.scalars(select(Tag.name))) == set(demo.TAGS)
    assert db.session.scalar(select(func.count()).select_from(ThreadTag)) == len(demo.TAGS)
    assert db.session.scalar(select(SavedReply.title)) == demo.SAVED_REPLY[0]
    assigned = db.session.scalar(select(Thread).where(Thread.title == demo.ASSIGNED))
    row = db.session.get(Assignment, assigned.id)
    assert row is not None and row.assignee.username == "sam"
    assert db.session.scalar(select(ThreadNote.body_source)) == demo.NOTE
    case = db.session.scalar(select(PrivateConversation).where(
        PrivateConversation.subject == demo.CASE[0]))
    assert case is not None and case.customer.username == "grace"
