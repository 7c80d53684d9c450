"""Private cases as use cases: moving a post or a thread, a customer's own case, messages and
notifications to the other side, unread counts, close/reopen, the public summary."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from forum import services as forum_services
from forum.extensions import db
from forum.models import Notification, NotificationKind, PostRevision, Role
from moderation.models import PrivateConversation, PrivateMessage
from support.cases import queries, services
from support.cases.models import CaseOrigin, MovedPost
from support.cases.queries import CaseFilter


def _notes(user, kind):
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)))


def test_move_post_by_staff_hides_text_and_keeps_it_in_case(factory):
    staff = factory.user("agent", role=Role.STAFF)
    thread = factory.thread(body="My order 4417 never came, here is my address.")
    case = services.move_post_to_case(_question(thread), actor=staff)
    post = _question(thread)
    assert post.body_source == services.STUB
    assert "4417" not in post.body_html
    bodies = [m.body_source for m in queries.messages(case)]
    assert bodies[0] == "My order 4417 never came, here is my address."
    assert bodies[1] == services.MOVED_NOTE
    assert queries.detail_of(case).origin is CaseOrigin.MOVED_POST
    assert case.customer_id == thread.author_id


def _question(thread):
    from forum.models import Post
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


def test_move_post_clears_revision_history(factory):
    staff = factory.user("agent", role=Role.STAFF)
    thread = factory.thread(body="First version with secretword.")
    post = _question(thread)
    forum_services.edit_post(post, actor=thread.author, body="Second version secretword2.")
    services.move_post_to_case(post, actor=staff)
    revisions = db.session.scalars(select(PostRevision).where(PostRevision.post_id == post.id))
    assert {r.body_source for r in revisions} == {services.STUB}


def test_move_post_notifies_author_with_case_link(factory):
    staff = factory.user("agent", role=Role.STAFF)
    thread = factory.thread()
    case = services.move_post_to_case(_question(thread), actor=staff)
    [note] = _notes(thread.author, NotificationKind.CASE_OPENED)
    assert note.url == f"/cases/{case.id}"


def test_move_post_by_customer_is_refused(factory):
    thread = factory.thread()
    other = factory.user()
    with pytest.raises(forum_services.PermissionDenied):
        services.move_post_to_case(_question(thread), actor=other)
    assert _question(thread).body_source == "Body text here."


def test_move_post_twice_is_a_conflict(factory):
    staff = factory.user("agent", role=Role.STAFF)
    post = _question(factory.thread())
    services.move_post_to_case(post, actor=staff)
    with pytest.raises(forum_services.Conflict):
        services.move_post_to_case(post, actor=staff)


def test_move_staff_post_is_refused(factory):
    staff = factory.user("agent", role=Role.STAFF)
    reply = factory.reply(factory.thread(), author=staff)
    with pytest.raises(forum_services.PermissionDenied):
        services.move_post_to_case(reply, actor=staff)


def test_move_thread_moves_every_published_post(factory):
    staff = factory.user("agent", role=Role.STAFF)
    thread = factory.thread(body="Question with words.")
    factory.reply(thread, body="A reply from someone else.")
    case = services.move_thread_to_case(thread, actor=staff)
    moved = db.session.scalars(select(MovedPost).where(MovedPost.conversation_id == case.id))
    assert len(list(moved)) == 2
    assert [m.body_source for m in queries.messages(case)][:2] == [
        "Question with words.", "A reply from someone else."]
    assert queries.detail_of(case).origin is CaseOrigin.MOVED_THREAD


def test_open_case_notifies_every_staff_side_user(factory):
    staff = factory.user("agent", role=Role.STAFF)
    mod = factory.user("mod", role=Role.MODERATOR)
    customer = factory.user("cust")
    other = factory.user("other")
    case = services.open_case(actor=customer, subject="Refund", body="Please refund me.")
    assert len(_notes(staff, NotificationKind.CASE_OPENED)) == 1
    assert len(_notes(mod, NotificationKind.CASE_OPENED)) == 1
    assert _notes(other, NotificationKind.CASE_OPENED) == []
    assert queries.detail_of(case).origin is CaseOrigin.CUSTOMER


@pytest.mark.parametrize("subject", ["", "  ab  ", "x" * 201])
def test_open_case_bad_subject_is_validation_error(factory, subject):
    with pytest.raises(forum_services.ValidationError) as caught:
        services.open_case(actor=factory.user(), subject=subject, body="Hello")
    assert caught.value.field == "subject"


def test_open_case_masks_card_numbers(factory):
    case = services.open_case(actor=factory.user(), subject="Payment",
                              body="My card is 4111 1111 1111 1111 thanks")
    [message] = queries.messages(case)
    assert "4111 1111 1111 1111" not in message.body_source


def test_add_message_notifies_other_side_and_counts_unread(factory):
    staff = factory.user("agent", role=Role.STAFF)
    customer = factory.user("cust")
    case = services.open_case(actor=customer, subject="Refund", body="Please refund me.")
    assert queries.unread_counts(staff, [case.id]) == {case.id: 1}
    assert queries.unread_counts(customer, [case.id]) == {}
    services.add_message(case, actor=staff, body="On it.")
    assert len(_notes(customer, NotificationKind.CASE_REPLY)) == 1
    assert queries.unread_counts(customer, [case.id]) == {case.id: 1}
    services.mark_read(case, reader=customer)
    assert queries.unread_counts(customer, [case.id]) == {}
    services.add_message(case, actor=customer, body="Thanks!")
    # the customer's reply goes to the staff who worked the case, not everyone
    assert len(_notes(staff, NotificationKind.CASE_REPLY)) == 1


def test_add_message_by_another_customer_is_refused(factory):
    case = services.open_case(actor=factory.user(), subject="Refund", body="Please.")
    with pytest.raises(forum_services.PermissionDenied):
        services.add_message(case, actor=factory.user(), body="Let me in")
    assert db.session.scalar(select(PrivateMessage).where(
        PrivateMessage.body_source == "Let me in")) is None


def test_close_by_customer_then_reopen_by_staff(factory):
    staff = factory.user("agent", role=Role.STAFF)
    customer = factory.user("cust")
    case = services.open_case(actor=customer, subject="Refund", body="Please.")
    services.close_case(case, actor=customer)
    assert case.closed_at is not None
    with pytest.raises(forum_services.Conflict):
        services.add_message(case, actor=customer, body="More")
    with pytest.raises(forum_services.PermissionDenied):
        services.reopen_case(case, actor=customer)
    services.reopen_case(case, actor=staff)
    assert case.closed_at is None


def test_post_summary_needs_closed_case_then_signs_reply(factory):
    staff = factory.user("agent", role=Role.STAFF, display_name="Dana")
    thread = factory.thread()
    case = services.move_post_to_case(_question(thread), actor=staff)
    with pytest.raises(forum_services.Conflict):
        services.post_summary(case, actor=staff, body="Refunded.")
    services.close_case(case, actor=staff)
    post = services.post_summary(case, actor=staff, body="Refunded in full.")
    assert post.thread_id == thread.id
    assert "Dana" in post.body_source and "Support team" in post.body_source
    assert queries.detail_of(case).summary_post_id == post.id


def test_case_page_staff_filters_open_closed_mine(factory):
    staff = factory.user("agent", role=Role.STAFF)
    other_staff = factory.user("agent2", role=Role.STAFF)
    customer = factory.user("cust")
    first = services.open_case(actor=customer, subject="First", body="One.")
    second = services.open_case(actor=customer, subject="Second", body="Two.")
    services.add_message(second, actor=staff, body="Mine now.")
    services.close_case(first, actor=other_staff)
    open_ids = [r.conversation.id for r in queries.case_page(staff, state=CaseFilter.OPEN).items]
    closed = [r.conversation.id for r in queries.case_page(staff, state=CaseFilter.CLOSED).items]
    mine = [r.conversation.id for r in queries.case_page(staff, mine=True).items]
    every = [r.conversation.id for r in queries.case_page(staff).items]
    assert (open_ids, closed, mine, every) == ([second.id], [first.id], [second.id],
                                               [second.id, first.id])


def test_case_page_customer_sees_only_own(factory):
    mine = services.open_case(actor=(me := factory.user()), subject="Mine", body="One.")
    services.open_case(actor=factory.user(), subject="Theirs", body="Two.")
    assert [r.conversation.id for r in queries.case_page(me).items] == [mine.id]


def test_detected_followup_is_in_staff_queue_and_can_be_closed(factory):
    staff = factory.user("agent", role=Role.STAFF)
    customer = factory.user("cust")
    followup = PrivateConversation(customer_id=customer.id, subject="Card number removed")
    db.session.add(followup)
    db.session.flush()
    db.session.add(PrivateMessage(conversation_id=followup.id, author_id=customer.id,
                                  body_source="My card", body_html="<p>My card</p>"))
    db.session.commit()
    [row] = queries.case_page(staff, state=CaseFilter.OPEN).items
    assert row.conversation.id == followup.id and row.detail is None and row.unread == 1
    services.close_case(followup, actor=staff)
    assert queries.detail_of(followup).origin is CaseOrigin.DETECTED
    assert queries.case_page(staff, state=CaseFilter.OPEN).items == []
