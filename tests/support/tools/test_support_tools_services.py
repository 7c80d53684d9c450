"""Service tests for the thread tools: notes, saved replies and placeholders, locks, tags."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from forum import permissions, services
from forum.extensions import db
from forum.models import Notification, NotificationKind, Tag, ThreadTag
from support.tools import placeholders
from support.tools import services as tools
from support.tools.models import ThreadNote, ToolAction, ToolEvent


# -- notes --------------------------------------------------------------------------------------
def test_add_note_staff_stores_markdown_and_sanitised_html(staff, thread):
    note = tools.add_note(thread, actor=staff, body="Called **Cara**<script>x()</script>")

    assert note.author_id == staff.id
    assert "<strong>Cara</strong>" in note.body_html
    assert "<script>" not in note.body_html


def test_add_note_customer_is_refused(customer, thread):
    with pytest.raises(services.PermissionDenied):
        tools.add_note(thread, actor=customer, body="sneaky")
    assert db.session.scalar(select(ThreadNote.id)) is None


def test_add_note_empty_body_is_a_validation_error_on_body(staff, thread):
    with pytest.raises(services.ValidationError) as caught:
        tools.add_note(thread, actor=staff, body="   ")
    assert caught.value.field == "body"


def test_add_note_mentioning_customer_notifies_nobody(staff, thread, customer):
    tools.add_note(thread, actor=staff, body="@cara_customer is on the old firmware")

    assert db.session.scalar(select(Notification.id).where(
        Notification.user_id == customer.id)) is None


def test_edit_note_by_author_changes_text_and_marks_edited(staff, thread):
    note = tools.add_note(thread, actor=staff, body="first")
    tools.edit_note(note, actor=staff, body="second")

    assert note.body_source == "second" and note.edited_at is not None


def test_edit_note_by_other_staff_is_refused(staff, moderator, thread):
    note = tools.add_note(thread, actor=staff, body="mine")
    with pytest.raises(services.PermissionDenied):
        tools.edit_note(note, actor=moderator, body="theirs")
    with pytest.raises(services.PermissionDenied):
        tools.delete_note(note, actor=moderator)


def test_delete_note_by_author_removes_it(staff, thread):
    note = tools.add_note(thread, actor=staff, body="gone soon")
    tools.delete_note(note, actor=staff)

    assert db.session.scalar(select(ThreadNote.id)) is None


# -- saved replies and placeholders -------------------------------------------------------------
def test_create_saved_reply_duplicate_title_conflicts_on_title(staff):
    tools.create_saved_reply(actor=staff, title="Reset", body="Hold the button.")
    with pytest.raises(services.Conflict) as caught:
        tools.create_saved_reply(actor=staff, title="Reset", body="Other text.")
    assert caught.value.field == "title"


def test_create_saved_reply_customer_is_refused(customer):
    with pytest.raises(services.PermissionDenied):
        tools.create_saved_reply(actor=customer, title="Mine", body="Text")


def test_fill_known_placeholders_replaced_unknown_kept_and_listed(app, staff, thread):
    text = ("Hi {customer_name} (@{customer_username}), about {thread_title}: see {thread_url}."
            " {agent_name} {link:rules} {cusomer_name} {link:nowhere} {cusomer_name}")
    with app.test_request_context():
        filled = placeholders.fill(text, placeholders.values_for(thread, staff))

    assert filled.body.startswith("Hi Cara (@cara_customer), about Router keeps dropping")
    assert f"/t/{thread.id}/" in filled.body and "Amy Agent" in filled.body
    assert "[Community rules](http://localhost/rules)" in filled.body
    assert "{cusomer_name}" in filled.body and "{link:nowhere}" in filled.body
    assert filled.unknown == ["{cusomer_name}", "{link:nowhere}"]


def test_unknown_in_documented_placeholders_are_not_flagged():
    text = " ".join("{" + name + "}" for name, _doc in placeholders.DOCUMENTED) + " {oops}"

    assert placeholders.unknown_in(text) == ["{oops}"]


# -- locking ------------------------------------------------------------------------------------
def test_lock_thread_sets_columns_logs_and_notifies_author(staff, thread, customer):
    tools.lock_thread(thread, actor=staff, rule_code="R1", reason="Heated, going in circles")

    assert thread.locked_at is not None and thread.locked_rule == "R1"
    assert thread.locked_by_id == staff.id
    event = db.session.scalar(select(ToolEvent))
    assert (event.action, event.rule_code, event.actor_id) == (ToolAction.LOCKED, "R1", staff.id)
    notice = db.session.scalar(select(Notification).where(Notification.user_id == customer.id))
    assert notice.kind is NotificationKind.MODERATION
    assert "Locked by Amy Agent (Support team) under rule R1" in notice.message


def test_lock_thread_refuses_replies_through_forum_permission(staff, thread, factory):
    tools.lock_thread(thread, actor=staff, rule_code="R5", reason="Off topic now")
    other = factory.user()

    assert not permissions.can_reply(other, thread)
    assert not permissions.can_reply(staff, thread)
    with pytest.raises(services.PermissionDenied):
        services.reply(thread, author=other, body="One more thing")


def test_lock_thread_unknown_or_protective_rule_is_refused(staff, thread):
    for code in ("R99", "R7", ""):  # R7 protects criticism: never a reason to lock
        with pytest.raises(services.ValidationError) as caught:
            tools.lock_thread(thread, actor=staff, rule_code=code, reason="Because")
        assert caught.value.field == "rule"
    assert thread.locked_at is None


def test_lock_thread_customer_is_refused(customer, thread):
    with pytest.raises(services.PermissionDenied):
        tools.lock_thread(thread, actor=customer, rule_code="R1", reason="I want quiet")


def test_reopen_thread_allows_replies_again_and_logs(moderator, staff, thread, factory):
    tools.lock_thread(thread, actor=staff, rule_code="R1", reason="Cooling off")
    tools.reopen_thread(thread, actor=moderator)

    assert thread.locked_at is None and thread.locked_rule is None
    assert permissions.can_reply(factory.user(), thread)
    actions = list(db.session.scalars(select(ToolEvent.action).order_by(ToolEvent.id)))
    assert actions == [ToolAction.LOCKED, ToolAction.REOPENED]


def test_reopen_thread_not_locked_conflicts(staff, thread):
    with pytest.raises(services.Conflict):
        tools.reopen_thread(thread, actor=staff)


# -- tags ---------------------------------------------------------------------------------------
def test_create_tag_makes_slug_and_refuses_same_slug(staff):
    tag = tools.create_tag(actor=staff, name="Feature Request")
    assert tag.slug == "feature-request"
    with pytest.raises(services.Conflict):
        tools.create_tag(actor=staff, name="feature  request")


def test_create_tag_without_letters_is_refused(staff):
    with pytest.raises(services.ValidationError):
        tools.create_tag(actor=staff, name="!!!")


def test_rename_tag_changes_name_and_slug(staff):
    tag = tools.create_tag(actor=staff, name="Outage")
    tools.rename_tag(tag, actor=staff, name="Service outage")

    assert (tag.name, tag.slug) == ("Service outage", "service-outage")


def test_tag_thread_twice_adds_once_and_untag_removes(staff, thread):
    tag = tools.create_tag(actor=staff, name="Billing")

    assert tools.tag_thread(thread, tag, actor=staff) is True
    assert tools.tag_thread(thread, tag, actor=staff) is False
    assert tools.untag_thread(thread, tag, actor=staff) is True
    assert db.session.scalar(select(ThreadTag.thread_id)) is None


def test_delete_tag_takes_it_off_threads(staff, thread):
    tag = tools.create_tag(actor=staff, name="Billing")
    tools.tag_thread(thread, tag, actor=staff)
    tools.delete_tag(tag, actor=staff)

    assert db.session.scalar(select(Tag.id)) is None
    assert db.session.scalar(select(ThreadTag.thread_id)) is None


def test_tag_thread_customer_is_refused(customer, staff, thread):
    tag = tools.create_tag(actor=staff, name="Billing")
    with pytest.raises(services.PermissionDenied):
        tools.tag_thread(thread, tag, actor=customer)


def test_lock_notice_reason_ending_in_a_full_stop_reads_once(staff, thread):
    tools.lock_thread(thread, actor=staff, rule_code="R1", reason="Answered in the case.")
    assert tools.lock_notice(thread).endswith("under rule R1: Answered in the case; no new replies")
