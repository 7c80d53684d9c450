"""Triage use cases: targets, assignment and its log, notices to the assignee, the inbox's
content and order, due-soon warnings (a frozen clock: `now` is passed in)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import services as forum_services
from forum.extensions import db
from forum.models import Notification, NotificationKind, Post, Role, utcnow
from moderation.models import Flag, FlagReason
from support.triage import queries, services, targets
from support.triage.models import Assignment, AssignmentEvent, DueWarning, EventKind, TargetKind


def _notices(user, kind):
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)))


def _close(thread, canonical, actor):
    forum_services.close_as_duplicate(thread, actor=actor, kind="thread",
                                      url=f"/t/{canonical.id}", title=canonical.title)


# -- targets -----------------------------------------------------------------------------------
def test_targets_defaults_from_settings(app, factory):
    category = factory.category()
    minutes = targets.minutes_for([category.id])[category.id]
    assert (minutes.first_response, minutes.resolution) == (60, 1440)
    assert not minutes.custom_first and not minutes.custom_resolution


def test_set_targets_category_override_used_and_empty_means_default(app, factory, staff):
    category = factory.category()
    services.set_targets(category, actor=staff, first_response_minutes=30,
                         resolution_minutes=None)
    minutes = targets.minutes_for([category.id])[category.id]
    assert (minutes.first_response, minutes.resolution) == (30, 1440)
    assert minutes.custom_first and not minutes.custom_resolution


def test_set_targets_customer_refused(app, factory, customer):
    with pytest.raises(forum_services.PermissionDenied):
        services.set_targets(factory.category(), actor=customer, first_response_minutes=5,
                             resolution_minutes=None)


@pytest.mark.parametrize("bad", [0, -5, targets.MAX_MINUTES + 1])
def test_set_targets_out_of_range_refused_with_field(app, factory, staff, bad):
    with pytest.raises(forum_services.ValidationError) as caught:
        services.set_targets(factory.category(), actor=staff, first_response_minutes=None,
                             resolution_minutes=bad)
    assert caught.value.field == "resolution"


def test_states_first_response_running_then_met(app, ask, staff):
    thread = ask(minutes_ago=50)
    now = utcnow()
    minutes = targets.default_minutes()
    first, resolution = targets.states(targets.thread_facts(thread), minutes, now,
                                       targets.clock())
    assert first.minutes_left == pytest.approx(10, abs=0.1) and not first.overdue
    forum_services.reply(thread, author=staff, body="On it.")
    first, resolution = targets.states(targets.thread_facts(thread), minutes, now,
                                       targets.clock())
    assert first.done and first.met is True and not resolution.done


def test_states_business_hours_setting_moves_due_time(make_app, factory):
    app = make_app(SUPPORT_BUSINESS_HOURS="Mon-Fri 09:00-17:00", SUPPORT_TIMEZONE="UTC")
    with app.app_context():
        from datetime import datetime
        facts = targets.ThreadClockFacts(datetime(2026, 12, 4, 16, 30), None, False)
        first, _ = targets.states(facts, targets.default_minutes(),
                                  datetime(2026, 12, 4, 17, 0), targets.clock())
        assert first.due == datetime(2026, 12, 7, 9, 30)
        assert first.minutes_left == 30


def test_app_bad_business_hours_fail_at_start_up(make_app):
    from support.triage.business import BusinessHoursError

    with pytest.raises(BusinessHoursError, match="ends before it starts"):
        make_app(SUPPORT_BUSINESS_HOURS="Mon-Fri 17:00-09:00")


# -- assignment --------------------------------------------------------------------------------
def test_assign_logs_event_and_notifies_assignee(app, ask, staff, factory):
    boss = factory.user("boss", role=Role.ADMIN)
    thread = ask()
    services.assign(thread, actor=boss, assignee=staff)
    row = db.session.get(Assignment, thread.id)
    assert row.assignee_id == staff.id and row.assigned_by_id == boss.id
    event = db.session.scalar(select(AssignmentEvent))
    assert (event.kind, event.actor_id, event.from_user_id, event.to_user_id) == (
        EventKind.ASSIGNED, boss.id, None, staff.id)
    notice, = _notices(staff, NotificationKind.ASSIGNED)
    assert notice.url == f"/t/{thread.id}" and thread.title in notice.message


def test_assign_reassign_and_unassign_logged_from_to(app, ask, staff, factory):
    other = factory.user("olga", role=Role.STAFF)
    thread = ask()
    services.assign(thread, actor=staff, assignee=staff)
    services.assign(thread, actor=staff, assignee=other)
    services.assign(thread, actor=other, assignee=None)
    kinds = [(e.kind, e.from_user_id, e.to_user_id) for e in queries.events(thread.id)]
    assert kinds == [(EventKind.UNASSIGNED, other.id, None),
                     (EventKind.REASSIGNED, staff.id, other.id),
                     (EventKind.ASSIGNED, None, staff.id)]
    assert db.session.get(Assignment, thread.id) is None


def test_assign_same_person_again_changes_nothing(app, ask, staff):
    thread = ask()
    services.take(thread, actor=staff)
    services.take(thread, actor=staff)
    assert len(queries.events(thread.id)) == 1


def test_take_yourself_sends_no_notice(app, ask, staff):
    services.take(ask(), actor=staff)
    assert _notices(staff, NotificationKind.ASSIGNED) == []


def test_assign_customer_as_assignee_refused(app, ask, staff, customer):
    with pytest.raises(forum_services.ValidationError, match="not on the support team"):
        services.assign(ask(), actor=staff, assignee=customer)


def test_assign_by_customer_refused(app, ask, staff, customer):
    with pytest.raises(forum_services.PermissionDenied):
        services.assign(ask(), actor=customer, assignee=staff)
    with pytest.raises(forum_services.PermissionDenied):
        services.take(ask(), actor=customer)


# -- customer replied --------------------------------------------------------------------------
def test_customer_reply_in_assigned_thread_notifies_assignee(app, ask, staff, customer):
    thread = ask(author=customer)
    services.take(thread, actor=staff)
    post = forum_services.reply(thread, author=customer, body="Still broken, sorry.")
    notice, = _notices(staff, NotificationKind.CUSTOMER_REPLIED)
    assert notice.url == f"/t/{thread.id}#p{post.number}" and notice.actor_id == customer.id


def test_staff_reply_or_unassigned_thread_sends_no_customer_replied(app, ask, staff, factory):
    assigned, loose = ask(), ask()
    services.take(assigned, actor=staff)
    forum_services.reply(assigned, author=factory.user("colleague", role=Role.STAFF),
                         body="Looking into it.")
    forum_services.reply(loose, author=factory.user(), body="Me too.")
    assert _notices(staff, NotificationKind.CUSTOMER_REPLIED) == []


# -- the inbox ---------------------------------------------------------------------------------
def test_inbox_holds_unanswered_and_customer_last_threads_only(app, ask, staff, factory):
    unanswered, answered, customer_last = ask(), ask(), ask()
    closed, solved = ask(), ask()
    forum_services.reply(answered, author=staff, body="Here is how.")
    forum_services.reply(customer_last, author=staff, body="Try this.")
    forum_services.reply(customer_last, author=customer_last.author, body="Did not help.")
    _close(closed, answered, staff)
    answer = forum_services.reply(solved, author=staff, body="Fixed.")
    forum_services.reply(solved, author=solved.author, body="Thanks!")
    forum_services.accept_answer(answer, actor=solved.author)
    ids = {row.thread_id for row in queries.inbox_rows(queries.InboxFilters())}
    assert ids == {unanswered.id, customer_last.id}


def test_inbox_orders_by_priority_with_reasons(app, ask, factory):
    calm = ask(minutes_ago=5, title="How do I change my avatar?")
    late = ask(minutes_ago=90, title="Where is the manual for X?")
    angry = ask(minutes_ago=5, title="Cancel my account and refund me now")
    rows = queries.inbox_rows(queries.InboxFilters())
    assert [r.thread_id for r in rows] == [late.id, angry.id, calm.id]
    assert "past first response target by 30 min" in rows[0].reasons
    assert "urgent tone: cancel, refund" in rows[1].reasons


def test_inbox_first_time_poster_only_for_their_first_question(app, ask, factory):
    person = factory.user()
    first = ask(minutes_ago=30, author=person)
    second = ask(minutes_ago=10, author=person)
    reasons = {r.thread_id: r.reasons for r in queries.inbox_rows(queries.InboxFilters())}
    assert "first-time poster" in reasons[first.id]
    assert "first-time poster" not in reasons[second.id]


def test_inbox_reach_and_open_flags_are_reasons(app, ask, factory, staff):
    known = factory.user("known")
    old = ask(minutes_ago=600, author=known)
    answer = forum_services.reply(old, author=staff, body="Answer.")
    forum_services.accept_answer(answer, actor=known)
    for n in range(10):
        forum_services.follow(old, actor=factory.user(f"fan{n}"))
    thread = ask(author=known)
    question = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    db.session.add(Flag(post_id=question.id, user_id=factory.user("flagger").id,
                        reason=FlagReason.ABUSE))
    db.session.commit()
    row, = [r for r in queries.inbox_rows(queries.InboxFilters()) if r.thread_id == thread.id]
    assert "reach: 11 followers" in row.reasons  # ten fans and the staff member who replied
    assert "1 open flag" in row.reasons


def test_inbox_filters_category_assignee_overdue(app, ask, factory, staff):
    billing = factory.category("Billing")
    in_billing = ask(category=billing)
    late = ask(minutes_ago=120)
    mine = ask()
    services.take(mine, actor=staff)

    def ids(**kw):
        return {r.thread_id for r in queries.inbox_rows(queries.InboxFilters(**kw))}

    assert ids(category_id=billing.id) == {in_billing.id}
    assert ids(assignee=queries.NONE) == {in_billing.id, late.id}
    assert ids(assignee=staff.id) == {mine.id}
    assert ids(overdue=True) == {late.id}


def test_inbox_category_target_override_changes_overdue(app, ask, factory, staff):
    strict = factory.category("Outages")
    thread = ask(minutes_ago=20, category=strict)
    assert queries.inbox_rows(queries.InboxFilters(overdue=True)) == []
    services.set_targets(strict, actor=staff, first_response_minutes=15,
                         resolution_minutes=None)
    assert [r.thread_id for r in queries.inbox_rows(queries.InboxFilters(overdue=True))] == [
        thread.id]


def test_inbox_after_staff_answer_resolution_target_runs(app, ask, staff):
    thread = ask(minutes_ago=30)
    forum_services.reply(thread, author=staff, body="Try this.")
    forum_services.reply(thread, author=thread.author, body="No luck.")
    row, = queries.inbox_rows(queries.InboxFilters())
    assert row.target.kind is TargetKind.RESOLUTION


# -- due-soon warnings -------------------------------------------------------------------------
def test_warn_due_tells_assignee_once_per_thread_and_target(app, ask, staff):
    soon, later = ask(minutes_ago=50), ask(minutes_ago=10)
    services.take(soon, actor=staff)
    services.take(later, actor=staff)
    assert services.warn_due() == 1
    assert services.warn_due() == 0
    notice, = _notices(staff, NotificationKind.TARGET_DUE)
    assert notice.thread_id == soon.id and "first response target" in notice.message
    assert [(w.thread_id, w.target) for w in db.session.scalars(select(DueWarning))] == [
        (soon.id, TargetKind.FIRST_RESPONSE)]


def test_warn_due_resolution_target_warned_separately(app, ask, staff):
    thread = ask(minutes_ago=1430)
    services.take(thread, actor=staff)
    forum_services.reply(thread, author=staff, body="Working on it.")
    assert services.warn_due() == 1
    notice, = _notices(staff, NotificationKind.TARGET_DUE)
    assert "resolution target" in notice.message


def test_warn_due_unassigned_or_resolved_threads_ignored(app, ask, staff):
    ask(minutes_ago=55)
    done = ask(minutes_ago=55)
    services.take(done, actor=staff)
    _close(done, ask(), staff)
    assert services.warn_due(now=utcnow() + timedelta(minutes=1)) == 0


def test_category_target_minutes_gives_every_category_its_own_or_default(app, factory):
    import support.triage as triage
    from forum.models import Role
    from support.insights import targets as insight_targets
    from support.triage import services as triage_services

    app.config["RESPONSE_TARGET_MINUTES"] = 45
    billing, wifi = factory.category("Billing"), factory.category("Wi-Fi")
    triage_services.set_targets(billing, actor=factory.user("lead", role=Role.STAFF),
                                first_response_minutes=15, resolution_minutes=None)
    assert triage.category_target_minutes() == {billing.id: 15, wifi.id: 45}
    lookup = insight_targets.lookup()  # the insights pages read the same targets
    assert (lookup(billing.id), lookup(wifi.id)) == (15, 45)
