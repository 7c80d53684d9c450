"""Moderators are told about new work: one unread in-app notice per page (queue, appeals, each
private follow-up) that keeps its count current, and a header count re-counted at most once a
minute per process."""
from __future__ import annotations

from unittest import mock

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Notification, Role
from moderation import alerts
from moderation import services as moderation
from moderation.models import PrivateConversation, PrivateMessage
from tests.moderation.test_views import (
    flagged_item,
    html,
    signed_in,
)


@pytest.fixture
def moderator(factory):
    """A moderator."""
    return factory.user("mod_one", role=Role.MODERATOR)


@pytest.fixture
def mod_client(app, moderator):
    """A client signed in as the moderator."""
    return signed_in(app, moderator)


def _unread(user) -> list[tuple[str, str]]:
    return [tuple(row) for row in db.session.execute(
        select(Notification.url, Notification.message)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .order_by(Notification.id))]


def _followup(customer, text="I was charged twice, please call me.") -> PrivateConversation:
    conversation = PrivateConversation(customer_id=customer.id, subject="Charged twice")
    db.session.add(conversation)
    db.session.flush()
    db.session.add(PrivateMessage(conversation_id=conversation.id, author_id=customer.id,
                                  body_source=text, body_html=f"<p>{text}</p>"))
    db.session.commit()
    return conversation


def test_new_queue_items_leave_one_notice_per_moderator_with_current_count(app, factory,
                                                                           moderator):
    admin, customer = factory.user(role=Role.ADMIN), factory.user()
    flagged_item(app, factory)
    flagged_item(app, factory)
    message = "2 items are waiting in the review queue."
    assert _unread(moderator) == [("/moderation/queue", message)]
    assert _unread(admin) == [("/moderation/queue", message)]
    assert _unread(customer) == []


def test_new_appeal_notifies_moderators(app, factory, moderator):
    author = factory.user()
    item = flagged_item(app, factory, author=author)
    moderation.reject(item, actor=moderator, rule="R2", message="Advertising.")
    moderation.appeal(actor=author, text="It was not an ad.", item=item)
    assert ("/moderation/appeals", "1 appeal is waiting for a decision.") in _unread(moderator)


def test_private_followup_notifies_staff_until_staff_reply(app, factory, moderator):
    staff, customer = factory.user(role=Role.STAFF), factory.user()
    conversation = _followup(customer)
    url = f"/private/{conversation.id}"
    assert [u for u, _ in _unread(staff)] == [url] and [u for u, _ in _unread(moderator)] == [url]
    moderation.post_private_message(conversation, actor=staff, body="We are on it.")
    moderation.post_private_message(conversation, actor=customer, body="Thanks, any news?")
    assert [u for u, _ in _unread(moderator)] == [url]  # one notice per conversation
    assert _unread(customer)[-1][0] is None  # the customer's own "Support replied"


def test_rolled_back_work_notifies_nobody(app, factory, moderator):
    customer = factory.user()
    conversation = PrivateConversation(customer_id=customer.id, subject="Never saved")
    db.session.add(conversation)
    db.session.flush()
    db.session.add(PrivateMessage(conversation_id=conversation.id, author_id=customer.id,
                                  body_source="x", body_html="<p>x</p>"))
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert _unread(moderator) == []


def test_opening_a_moderator_notice_goes_to_its_page(app, factory, moderator, mod_client):
    flagged_item(app, factory)
    notice = db.session.scalar(select(Notification).where(Notification.user_id == moderator.id))
    response = mod_client.get(f"/notifications/{notice.id}")
    assert response.status_code == 302 and response.headers["Location"] == "/moderation/queue"


def test_header_counts_queue_appeals_and_followups(app, factory, moderator, mod_client):
    author = factory.user()
    item = flagged_item(app, factory, author=author)
    moderation.reject(item, actor=moderator, rule="R2", message="Advertising.")
    moderation.appeal(actor=author, text="It was not an ad.", item=item)
    flagged_item(app, factory)
    _followup(factory.user())
    page = html(mod_client.get("/"))
    assert "Moderation (3)" in page
    assert "1 in the review queue · 1 appeal · 1 private follow-up" in page
    tabs = html(mod_client.get("/moderation/queue"))
    assert "Appeals (1)" in tabs and "Private follow-ups (1)" in tabs


def test_header_counts_are_cached_for_a_minute(app, factory, mod_client):
    clock = [1000.0]
    with mock.patch.object(alerts.time, "monotonic", lambda: clock[0]):
        assert "Moderation (0)" in html(mod_client.get("/"))
        flagged_item(app, factory)
        assert "Moderation (0)" in html(mod_client.get("/"))
        clock[0] += alerts.COUNTS_SECONDS + 1
        assert "Moderation (1)" in html(mod_client.get("/"))
