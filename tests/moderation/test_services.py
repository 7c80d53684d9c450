"""Moderation use cases, one by one: flags, the queue's decisions, sanctions, appeals, rules,
blocked domains, private follow-ups, training and the audit rows each one writes.

Nothing here depends on a borderline classifier score: content is created with screening
switched off (flags then put it in the queue), and "held automatically" items come from a
stand-in engine that holds everything under R2.
"""
from __future__ import annotations

import contextlib
import dataclasses
from datetime import timedelta
from unittest import mock

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from forum import services
from forum.extensions import db
from forum.models import Notification, NotificationKind, Post, PostStatus, Role, utcnow
from moderation import audit, engine, lists, queries
from moderation import services as moderation
from moderation.models import (
    Appeal,
    AppealStatus,
    AuditEvent,
    BadDomain,
    Flag,
    FlagOutcome,
    MemberStanding,
    PrivateConversation,
    PrivateMessage,
    ReviewItem,
    ReviewSource,
    ReviewStatus,
    RuleSetVersion,
    Sanction,
    SanctionKind,
    TrainingExample,
    TrainingTask,
)
from moderation.runtime import current_config, current_rules

CLEAN = ("Thanks, that worked for me as well. I held the reset button for thirty seconds, "
         "waited for the lights to settle and then set the wireless name again.")


# -- helpers -----------------------------------------------------------------------------------
@contextlib.contextmanager
def screening_off(app):
    """Create set-up content as if moderation were off (same database, same app)."""
    app.config["MODERATION_ENABLED"] = False
    try:
        yield
    finally:
        app.config["MODERATION_ENABLED"] = True


def _hold_everything(submission, author, **_):
    hit = engine.RuleHit("R2", "spam.classifier", 0.8, engine.Action.HOLD,
                         "It looks like advertising.")
    return engine.Verdict(action=engine.Action.HOLD, hits=(hit,), scores={"spam.classifier": 0.8},
                          title=submission.title, body=submission.body,
                          explanation="Held for review under R2: it looks like advertising.")


@contextlib.contextmanager
def engine_holds_everything():
    """A stand-in engine that holds every submission under R2 (no classifier involved)."""
    with mock.patch.object(engine, "screen", _hold_everything):
        yield


def published_reply(app, factory, author=None, body=CLEAN, thread=None):
    """A published reply, posted with screening off."""
    with screening_off(app):
        thread = thread or factory.thread(body=CLEAN)
        return factory.reply(thread, author or factory.user(), body=body)


def flagged_item(app, factory, *, author=None, flagger=None, reason="spam", body=CLEAN,
                 thread=None) -> ReviewItem:
    """A published post flagged once by a member: a FLAGS item in the queue."""
    post = published_reply(app, factory, author, body, thread)
    moderation.flag_post(post, actor=flagger or factory.user(), reason=reason)
    return db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))


def held_item(app, factory, *, author=None, body="Visit my shop for great deals on cables."):
    """A reply the (stand-in) engine held automatically: an AUTOMATIC item."""
    with screening_off(app):
        thread = factory.thread(body=CLEAN)
    author = author or factory.user()
    with engine_holds_everything():
        post = services.reply(thread, author=author, body=body)
    return db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))


def audit_rows(action: str) -> list[AuditEvent]:
    """Audit rows of one kind, oldest first."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def notices(user) -> list[str]:
    """A member's moderation notifications, oldest first."""
    return list(db.session.scalars(
        select(Notification.message).where(Notification.user_id == user.id,
                                           Notification.kind == NotificationKind.MODERATION)
        .order_by(Notification.id)))


@pytest.fixture
def moderator(factory):
    """A moderator."""
    return factory.user("mod_one", role=Role.MODERATOR)


@pytest.fixture
def other_moderator(factory):
    """A second moderator."""
    return factory.user("mod_two", role=Role.MODERATOR)


# -- flags -------------------------------------------------------------------------------------
def test_flag_post_opens_item_with_rule_and_audit_row(app, factory):
    flagger = factory.user()
    item = flagged_item(app, factory, flagger=flagger, reason="abuse")
    assert item.source is ReviewSource.FLAGS and item.status is ReviewStatus.PENDING
    assert item.rules == ["R1"] and item.flag_weight > 0
    (row,) = audit_rows("flag")
    assert row.actor_id == flagger.id and row.rule_code == "R1"
    assert row.text_snapshot == CLEAN and row.target_id == item.post_id


def test_flag_post_item_shows_what_automatic_checks_make_of_the_text(app, factory):
    """A flagged complaint is scored as brand criticism (allowed), not as an attack."""
    complaint = ("Your billing is a joke. I was charged twice for March and nobody answers "
                 "the phone. I'm seriously thinking about leaving.")
    insult = "You are a complete idiot and everyone here knows it."

    criticised = flagged_item(app, factory, reason="abuse", body=complaint)
    attacked = flagged_item(app, factory, reason="abuse", body=insult)
    clean = flagged_item(app, factory, reason="spam")

    assert criticised.scores.get("abuse.brand_criticism", 0) >= 0.5
    assert criticised.scores.get("abuse.attack", 0) < 0.5
    assert attacked.scores.get("abuse.attack", 0) >= 0.5
    assert not any(v >= 0.5 for v in clean.scores.values())


def test_flag_post_twice_by_same_member_conflicts(app, factory):
    flagger = factory.user()
    item = flagged_item(app, factory, flagger=flagger)
    with pytest.raises(services.Conflict, match="already flagged"):
        moderation.flag_post(item.post, actor=flagger, reason="abuse")
    assert db.session.scalar(select(func.count(Flag.id))) == 1


def test_flag_post_own_post_conflicts(app, factory):
    author = factory.user()
    post = published_reply(app, factory, author)
    with pytest.raises(services.Conflict, match="your own post"):
        moderation.flag_post(post, actor=author, reason="spam")


def test_flag_post_other_without_text_is_invalid(app, factory):
    post = published_reply(app, factory)
    with pytest.raises(services.ValidationError) as err:
        moderation.flag_post(post, actor=factory.user(), reason="other", text="  ")
    assert err.value.field == "text"


def test_flag_post_enough_weight_hides_post_and_tells_author(app, factory):
    author = factory.user()
    post = published_reply(app, factory, author)
    replies_before = post.thread.reply_count
    for _ in range(3):  # trust-2 members weigh 1.0 each (new accounts only 0.5)
        flagger = factory.user()
        moderation.standing(flagger).trust_level = 2
        moderation.flag_post(post, actor=flagger, reason="spam")
    assert post.status is PostStatus.HELD
    assert post.thread.reply_count == replies_before - 1
    (hide,) = audit_rows("flag_hide")
    assert hide.before == {"status": "published"} and hide.after == {"status": "held"}
    assert any("hidden while a moderator reviews" in m for m in notices(author))


def test_flag_weight_trusted_accurate_flagger_counts_more(app, factory, moderator):
    veteran, newcomer = factory.user(), factory.user()
    row = moderation.standing(veteran)
    row.trust_level, row.flags_upheld = 3, 8
    db.session.commit()
    assert moderation.flag_weight(veteran) > moderation.flag_weight(newcomer)
    assert moderation.flag_weight(moderator) == 3.0


# -- claims and decisions ----------------------------------------------------------------------
def test_claim_records_claimer_and_blocks_other_moderator(app, factory, moderator,
                                                          other_moderator):
    item = flagged_item(app, factory)
    moderation.claim(item, actor=moderator)
    assert item.claimed_by_id == moderator.id and audit_rows("claim")
    with pytest.raises(services.Conflict):
        moderation.claim(item, actor=other_moderator)
    with pytest.raises(services.Conflict):
        moderation.approve(item, actor=other_moderator)
    assert item.status is ReviewStatus.PENDING


def test_claim_stale_claim_can_be_taken_over(app, factory, moderator, other_moderator):
    item = flagged_item(app, factory)
    moderation.claim(item, actor=moderator)
    item.claimed_at = utcnow() - timedelta(minutes=moderation.CLAIM_MINUTES + 1)
    db.session.commit()
    moderation.approve(item, actor=other_moderator)
    assert item.status is ReviewStatus.APPROVED and item.decided_by_id == other_moderator.id


def test_approve_held_post_publishes_counts_notifies_learns_and_logs(app, factory, moderator):
    author = factory.user()
    item = held_item(app, factory, author=author)
    post, thread = item.post, item.thread
    assert post.status is PostStatus.HELD and thread.reply_count == 0
    moderation.approve(item, actor=moderator, note="Fine.")
    assert post.status is PostStatus.PUBLISHED and thread.reply_count == 1
    assert author.post_count == 1
    assert item.status is ReviewStatus.APPROVED and item.decided_by_id == moderator.id
    assert any("approved your post" in m for m in notices(author))
    example = db.session.scalar(select(TrainingExample))
    assert example.label is False and example.review_item_id == item.id
    assert (example.task, example.rule, example.decided_by_id) == (TrainingTask.SPAM, "R2",
                                                                  moderator.id)
    (row,) = audit_rows("approve")
    assert row.before == {"status": "held"} and row.after == {"status": "published"}
    assert row.text_snapshot == post.body_source and row.actor_id == moderator.id


def test_approve_flagged_post_dismisses_flags(app, factory, moderator):
    flagger = factory.user()
    item = flagged_item(app, factory, flagger=flagger)
    moderation.approve(item, actor=moderator)
    assert db.session.scalar(select(Flag.outcome)) is FlagOutcome.DISMISSED
    assert db.session.get(MemberStanding, flagger.id).flags_dismissed == 1


def test_approve_by_customer_is_denied(app, factory):
    item = flagged_item(app, factory)
    with pytest.raises(services.PermissionDenied):
        moderation.approve(item, actor=factory.user())


def test_reject_cites_rule_upholds_flags_counts_violation_and_logs(app, factory, moderator):
    author, flagger = factory.user(), factory.user()
    item = flagged_item(app, factory, author=author, flagger=flagger)
    post, thread = item.post, item.thread
    moderation.reject(item, actor=moderator, rule="R2", message="No advertising, please.")
    assert post.status is PostStatus.REJECTED and thread.reply_count == 0
    assert item.decision == "reject" and item.decision_rule == "R2"
    assert db.session.get(MemberStanding, author.id).violations == 1
    assert db.session.get(MemberStanding, flagger.id).flags_upheld == 1
    assert db.session.scalar(select(TrainingExample.label)) is True
    (row,) = audit_rows("reject")
    assert row.rule_code == "R2" and row.reason == "No advertising, please."
    assert row.text_snapshot == CLEAN and row.after == {"status": "rejected"}
    assert "R2 (No spam or advertising): No advertising, please." in notices(author)[-1]


def test_reject_unknown_rule_or_empty_message_is_invalid(app, factory, moderator):
    item = flagged_item(app, factory)
    with pytest.raises(services.ValidationError) as err:
        moderation.reject(item, actor=moderator, rule="R99", message="x")
    assert err.value.field == "rule"
    with pytest.raises(services.ValidationError) as err:
        moderation.reject(item, actor=moderator, rule="R2", message=" ")
    assert err.value.field == "message"
    assert item.status is ReviewStatus.PENDING


def test_reject_hide_only_hides_without_violation(app, factory, moderator):
    author = factory.user()
    item = flagged_item(app, factory, author=author, reason="off_topic")
    moderation.reject(item, actor=moderator, rule="R5", message="Please start a new thread.",
                      hide_only=True)
    assert item.post.status is PostStatus.REJECTED and item.decision == "hide"
    assert queries.standing_of(author).violations == 0
    (row,) = audit_rows("hide")
    assert row.rule_code == "R5" and row.text_snapshot == CLEAN


def test_edit_and_approve_publishes_new_text_with_revision_and_log(app, factory, moderator):
    item = held_item(app, factory, body="Good answer. Also buy my cables at my shop.")
    post = item.post
    moderation.edit_and_approve(item, actor=moderator, body="Good answer.", note="Removed ad.")
    assert post.status is PostStatus.PUBLISHED and post.body_source == "Good answer."
    assert post.revision_count == 2
    (row,) = audit_rows("edit_approve")
    assert row.before == {"body": "Good answer. Also buy my cables at my shop."}
    assert row.after == {"body": "Good answer."}
    assert audit_rows("approve")


def test_pending_count_counts_only_pending(app, factory, moderator):
    first, _second = flagged_item(app, factory), flagged_item(app, factory)
    assert moderation.pending_count() == 2
    moderation.approve(first, actor=moderator)
    assert moderation.pending_count() == 1


# -- sanctions ---------------------------------------------------------------------------------
def test_suggested_sanction_climbs_the_ladder(app, factory, moderator):
    member = factory.user()
    seen = []
    for _ in range(5):
        kind, days = moderation.suggested_sanction(member)
        seen.append((kind, days))
        moderation.sanction(member, kind, actor=moderator, rule="R1", reason="Insults.",
                            days=days)
    assert seen == [(SanctionKind.WARNING, None), (SanctionKind.MUTE, 1),
                    (SanctionKind.SUSPENSION, 7), (SanctionKind.BAN, None),
                    (SanctionKind.BAN, None)]


@pytest.mark.parametrize("kind,days,restricts", [
    (SanctionKind.WARNING, None, False), (SanctionKind.MUTE, 2, True),
    (SanctionKind.SUSPENSION, 7, True), (SanctionKind.BAN, None, True),
])
def test_sanction_each_kind_notifies_logs_and_restricts(app, factory, moderator, kind, days,
                                                        restricts):
    member = factory.user()
    row = moderation.sanction(member, kind, actor=moderator, rule="R1", reason="Insults.",
                              days=days)
    assert (row.ends_at is not None) == (days is not None)
    assert (moderation.active_restriction(member) is not None) == restricts
    (event,) = audit_rows("sanction")
    assert event.rule_code == "R1" and event.after["kind"] == kind.value
    assert event.subject_user_id == member.id and event.actor_id == moderator.id
    assert f"{kind.value}" in notices(member)[-1] and "R1 (Be respectful)" in notices(member)[-1]
    assert db.session.get(MemberStanding, member.id).banned is (kind is SanctionKind.BAN)


def test_sanction_mute_without_days_is_invalid(app, factory, moderator):
    with pytest.raises(services.ValidationError) as err:
        moderation.sanction(factory.user(), SanctionKind.MUTE, actor=moderator, rule="R1",
                            reason="x")
    assert err.value.field == "days"


def test_sanction_staff_only_by_admin(app, factory, moderator):
    staff = factory.user(role=Role.STAFF)
    with pytest.raises(services.PermissionDenied):
        moderation.sanction(staff, SanctionKind.WARNING, actor=moderator, rule="R1",
                            reason="Tone.")
    admin = factory.user(role=Role.ADMIN)
    assert moderation.sanction(staff, SanctionKind.WARNING, actor=admin, rule="R1",
                               reason="Tone.").id


def test_sanction_expired_mute_no_longer_restricts(app, factory, moderator):
    member = factory.user()
    row = moderation.sanction(member, SanctionKind.MUTE, actor=moderator, rule="R1",
                              reason="Cool off.", days=1)
    assert moderation.active_restriction(member, utcnow() + timedelta(days=2)) is None
    assert moderation.active_restriction(member) == row


def test_lift_sanction_ends_ban_and_logs(app, factory, moderator):
    member = factory.user()
    row = moderation.sanction(member, SanctionKind.BAN, actor=moderator, rule="R2",
                              reason="Spam.")
    moderation.lift_sanction(row, actor=moderator, reason="Mistake.")
    assert moderation.active_restriction(member) is None
    assert db.session.get(MemberStanding, member.id).banned is False
    (event,) = audit_rows("lift_sanction")
    assert event.reason == "Mistake." and event.rule_code == "R2"


def test_nuke_spammer_removes_all_posts_bans_and_logs(app, factory, moderator):
    spammer = factory.user()
    with screening_off(app):
        threads = [factory.thread(spammer, body=f"Spam number {n}") for n in range(2)]
        factory.reply(threads[0], spammer, body="More spam")
    item = flagged_item(app, factory, author=spammer, body="Even more spam")
    removed = moderation.nuke_spammer(spammer, actor=moderator)
    assert removed == 4
    statuses = set(db.session.scalars(select(Post.status).where(Post.author_id == spammer.id)))
    assert statuses == {PostStatus.REJECTED}
    assert all(t.status is PostStatus.REJECTED for t in threads)
    assert item.status is ReviewStatus.REJECTED and item.decision == "nuke"
    assert moderation.active_restriction(spammer).kind is SanctionKind.BAN
    assert spammer.post_count == 0
    (event,) = audit_rows("nuke_spammer")
    assert event.after == {"posts_removed": 4, "banned": True} and "Spam number 0" in (
        event.text_snapshot)
    # Nothing here was called spam by the checks or a moderator (a member's flag is not).
    assert db.session.scalar(select(func.count(TrainingExample.id))) == 0


def test_nuke_spammer_refuses_staff(app, factory, moderator):
    with pytest.raises(services.PermissionDenied):
        moderation.nuke_spammer(factory.user(role=Role.STAFF), actor=moderator)


# -- appeals -----------------------------------------------------------------------------------
def _rejected(app, factory, moderator, author):
    item = flagged_item(app, factory, author=author)
    moderation.reject(item, actor=moderator, rule="R2", message="Advertising.")
    return item


def test_appeal_once_and_only_by_the_author(app, factory, moderator):
    author = factory.user()
    item = _rejected(app, factory, moderator, author)
    with pytest.raises(services.PermissionDenied):
        moderation.appeal(actor=factory.user(), text="Not mine but unfair", item=item)
    with pytest.raises(services.ValidationError):
        moderation.appeal(actor=author, text=" ", item=item)
    row = moderation.appeal(actor=author, text="It was not an ad.", item=item)
    assert row.original_moderator_id == moderator.id and row.status is AppealStatus.PENDING
    with pytest.raises(services.Conflict):
        moderation.appeal(actor=author, text="Again", item=item)
    (event,) = audit_rows("appeal")
    assert event.actor_id == author.id and event.reason == "It was not an ad."


def test_appeal_pending_item_conflicts(app, factory):
    author = factory.user()
    item = flagged_item(app, factory, author=author)
    with pytest.raises(services.Conflict):
        moderation.appeal(actor=author, text="Why?", item=item)


def test_appeal_of_held_post_reaches_moderators_and_overturn_publishes_it(app, factory,
                                                                          other_moderator):
    author = factory.user()
    item = held_item(app, factory, author=author)
    assert item.post.status is PostStatus.HELD and item.status is ReviewStatus.PENDING
    row = moderation.appeal(actor=author, text="It is a genuine tip, not an ad.", item=item)
    assert row.original_moderator_id is None and row in queries.appeals(pending=True)
    moderation.decide_appeal(row, actor=other_moderator, overturn=True, note="Fair, it helps.")
    assert row.status is AppealStatus.OVERTURNED
    assert item.post.status is PostStatus.PUBLISHED and item.status is ReviewStatus.APPROVED
    assert item.decided_by_id == other_moderator.id and item.decision == "overturned_on_appeal"
    assert item not in queries.review_queue(queries.QueueFilter()).items
    assert "released from review and is now public" in notices(author)[-1]
    assert db.session.scalar(select(TrainingExample.label)) is False
    assert [e.after for e in audit_rows("appeal_decided")] == [{"outcome": "overturned"}]


def test_appeal_of_held_post_upheld_leaves_it_in_the_queue(app, factory, other_moderator):
    author = factory.user()
    item = held_item(app, factory, author=author)
    row = moderation.appeal(actor=author, text="Please publish it.", item=item)
    moderation.decide_appeal(row, actor=other_moderator, overturn=False, note="A moderator "
                             "will look at the links first.")
    assert row.status is AppealStatus.UPHELD
    assert item.status is ReviewStatus.PENDING and item.post.status is PostStatus.HELD
    assert "stays held until a moderator reviews it" in notices(author)[-1]


def test_appealed_hold_approved_from_the_queue_closes_the_appeal(app, factory, moderator):
    author = factory.user()
    item = held_item(app, factory, author=author)
    row = moderation.appeal(actor=author, text="Not an ad.", item=item)
    moderation.approve(item, actor=moderator)
    assert row.status is AppealStatus.OVERTURNED and row.decided_by_id == moderator.id
    assert queries.appeals(pending=True) == []
    assert item.post.status is PostStatus.PUBLISHED


def test_appealed_hold_rejected_from_the_queue_stands_against_the_rejection(
        app, factory, moderator, other_moderator):
    author = factory.user()
    item = held_item(app, factory, author=author)
    row = moderation.appeal(actor=author, text="Not an ad.", item=item)
    moderation.reject(item, actor=moderator, rule="R2", message="It is an ad.")
    assert row.status is AppealStatus.PENDING and row.original_moderator_id == moderator.id
    with pytest.raises(services.PermissionDenied, match="different moderator"):
        moderation.decide_appeal(row, actor=moderator, overturn=False, note="Mine.")
    moderation.decide_appeal(row, actor=other_moderator, overturn=True, note="It is a tip.")
    assert item.post.status is PostStatus.PUBLISHED
    assert queries.standing_of(author).violations == 0


def test_appeal_of_flag_hidden_post_overturned_dismisses_the_flags(app, factory,
                                                                   other_moderator):
    author, flagger = factory.user(), factory.user(role=Role.STAFF)
    post = published_reply(app, factory, author)
    moderation.flag_post(post, actor=flagger, reason="spam")
    item = moderation._pending_item(post)
    assert post.status is PostStatus.HELD
    row = moderation.appeal(actor=author, text="It is not spam.", item=item)
    moderation.decide_appeal(row, actor=other_moderator, overturn=True, note="Agreed.")
    assert post.status is PostStatus.PUBLISHED
    assert db.session.scalar(select(Flag.outcome)) is FlagOutcome.DISMISSED
    assert db.session.get(MemberStanding, flagger.id).flags_dismissed == 1


def test_decide_appeal_needs_a_different_moderator(app, factory, moderator, other_moderator):
    author = factory.user()
    row = moderation.appeal(actor=author, text="Unfair.",
                            item=_rejected(app, factory, moderator, author))
    with pytest.raises(services.PermissionDenied, match="different moderator"):
        moderation.decide_appeal(row, actor=moderator, overturn=True, note="Mine anyway.")
    with pytest.raises(services.ValidationError):
        moderation.decide_appeal(row, actor=other_moderator, overturn=False, note="")
    assert row.status is AppealStatus.PENDING


def test_decide_appeal_overturn_republishes_notifies_and_logs(app, factory, moderator,
                                                              other_moderator):
    author = factory.user()
    item = _rejected(app, factory, moderator, author)
    row = moderation.appeal(actor=author, text="Unfair.", item=item)
    moderation.decide_appeal(row, actor=other_moderator, overturn=True, note="You are right.")
    assert row.status is AppealStatus.OVERTURNED and row.decided_by_id == other_moderator.id
    assert item.post.status is PostStatus.PUBLISHED and item.decision == "overturned_on_appeal"
    assert "overturned" in notices(author)[-1] and "You are right." in notices(author)[-1]
    (event,) = audit_rows("appeal_decided")
    assert event.after == {"outcome": "overturned"} and event.actor_id == other_moderator.id
    with pytest.raises(services.Conflict):
        moderation.decide_appeal(row, actor=other_moderator, overturn=False, note="Changed.")


def test_decide_appeal_upheld_keeps_sanction(app, factory, moderator, other_moderator):
    member = factory.user()
    ban = moderation.sanction(member, SanctionKind.BAN, actor=moderator, rule="R2",
                              reason="Spam.")
    row = moderation.appeal(actor=member, text="Please.", sanction_row=ban)
    moderation.decide_appeal(row, actor=other_moderator, overturn=False, note="It stands.")
    assert row.status is AppealStatus.UPHELD and ban.lifted_at is None
    assert "upheld" in notices(member)[-1]


def test_sanction_counts_a_violation_lifting_keeps_it_overturning_removes_it(
        app, factory, moderator, other_moderator):
    lifted, appealed = factory.user(), factory.user()
    for member in (lifted, appealed):
        moderation.sanction(member, SanctionKind.SUSPENSION, actor=moderator, rule="R1",
                            reason="Threats.", days=7)
        assert queries.standing_of(member).violations == 1
    moderation.lift_sanction(db.session.scalar(select(Sanction).where(
        Sanction.user_id == lifted.id)), actor=moderator, reason="Served enough.")
    assert queries.standing_of(lifted).violations == 1
    row = moderation.appeal(actor=appealed, text="Not me.", sanction_row=db.session.scalar(
        select(Sanction).where(Sanction.user_id == appealed.id)))
    moderation.decide_appeal(row, actor=other_moderator, overturn=True, note="Wrong account.")
    assert queries.standing_of(appealed).violations == 0


def test_nuke_counts_one_violation(app, factory, moderator):
    spammer = factory.user()
    moderation.nuke_spammer(spammer, actor=moderator)
    assert queries.standing_of(spammer).violations == 1


def test_overturned_hide_does_not_take_away_a_violation(app, factory, moderator,
                                                        other_moderator):
    author = factory.user()
    moderation.reject(flagged_item(app, factory, author=author), actor=moderator, rule="R2",
                      message="No ads.")
    hidden = flagged_item(app, factory, author=author, reason="off_topic")
    moderation.reject(hidden, actor=moderator, rule="R5", message="New thread.", hide_only=True)
    row = moderation.appeal(actor=author, text="It is on topic.", item=hidden)
    moderation.decide_appeal(row, actor=other_moderator, overturn=True, note="It is.")
    assert queries.standing_of(author).violations == 1


def test_decide_appeal_overturned_ban_is_lifted(app, factory, moderator, other_moderator):
    member = factory.user()
    ban = moderation.sanction(member, SanctionKind.BAN, actor=moderator, rule="R2",
                              reason="Spam.")
    row = moderation.appeal(actor=member, text="Hacked account.", sanction_row=ban)
    moderation.decide_appeal(row, actor=other_moderator, overturn=True, note="Welcome back.")
    assert ban.lifted_at is not None and moderation.active_restriction(member) is None
    assert db.session.get(MemberStanding, member.id).banned is False


# -- rules, lists, private follow-ups, training ------------------------------------------------
def _edited(title: str) -> dict:
    raw = current_rules().to_dict()
    raw["rules"][4]["title"] = title
    return raw


def test_update_rules_admin_publishes_version_and_logs(app, factory):
    admin = factory.user(role=Role.ADMIN)
    row = moderation.update_rules(_edited("Keep it on topic"), actor=admin, note="Clearer.")
    assert row.version == 2 and current_rules().rule("R5").title == "Keep it on topic"
    assert [r.code for r in current_rules().rules] == [f"R{n}" for n in range(1, 8)]
    (event,) = audit_rows("rules_changed")
    assert event.before == {"version": 1} and event.after == {"version": 2}


def test_update_rules_refuses_non_admin_invalid_and_noteless(app, factory, moderator):
    admin = factory.user(role=Role.ADMIN)
    with pytest.raises(services.PermissionDenied):
        moderation.update_rules(_edited("x y z"), actor=moderator, note="n")
    with pytest.raises(services.ValidationError):
        moderation.update_rules({"rules": [{"code": "R1", "title": ""}]}, actor=admin, note="n")
    with pytest.raises(services.ValidationError):
        moderation.update_rules(_edited("Keep it on topic"), actor=admin, note=" ")
    assert db.session.scalar(select(func.count(RuleSetVersion.id))) == 0


def test_bad_domain_added_normalised_logged_and_used_by_engine(app, factory):
    admin = factory.user(role=Role.ADMIN)
    row = lists.add_bad_domain("https://www.Cheap-Watches.example/buy?x=1", actor=admin,
                               note="Watch spam")
    assert row.domain == "cheap-watches.example"
    assert "cheap-watches.example" in current_config().bad_domains
    (event,) = audit_rows("bad_domain_added")
    assert event.after == {"domain": "cheap-watches.example"} and event.actor_id == admin.id
    with pytest.raises(services.Conflict):
        lists.add_bad_domain("cheap-watches.example", actor=admin)
    lists.remove_bad_domain(row, actor=admin)
    assert db.session.scalar(select(BadDomain)) is None
    assert audit_rows("bad_domain_removed")[0].before["domain"] == "cheap-watches.example"


@pytest.mark.parametrize("raw", ["", "not a domain", "localhost", "http://", "a..b.example"])
def test_bad_domain_invalid_input_is_refused(app, factory, raw):
    with pytest.raises(services.ValidationError):
        lists.add_bad_domain(raw, actor=factory.user(role=Role.ADMIN))


def test_bad_domain_only_admins(app, factory, moderator):
    with pytest.raises(services.PermissionDenied):
        lists.add_bad_domain("spam.example", actor=moderator)


def _conversation(customer) -> PrivateConversation:
    """A follow-up as the screener opens it after removing private data (built directly)."""
    conversation = PrivateConversation(customer_id=customer.id, subject="Charged twice")
    db.session.add(conversation)
    db.session.flush()
    db.session.add(PrivateMessage(conversation_id=conversation.id, author_id=customer.id,
                                  body_source="Card 4111 1111 1111 1111",
                                  body_html="<p>Card 4111 1111 1111 1111</p>"))
    db.session.commit()
    return conversation


def test_private_message_customer_and_staff_only(app, factory):
    customer, staff = factory.user(), factory.user(role=Role.STAFF)
    conversation = _conversation(customer)
    moderation.post_private_message(conversation, actor=staff, body="We refunded you.")
    assert "Support replied" in notices(customer)[-1]
    moderation.post_private_message(conversation, actor=customer, body="Thanks!")
    with pytest.raises(services.PermissionDenied):
        moderation.post_private_message(conversation, actor=factory.user(), body="Hi")
    with pytest.raises(services.ValidationError):
        moderation.post_private_message(conversation, actor=customer, body=" ")
    assert len(queries.conversation_messages(conversation)) == 3


def _fast_training(data_dir=None, *, extra_spam=(), version=1, **_):
    """Training stand-in: the loaded model re-labelled (real training takes many seconds)."""
    current = moderation.runtime().model()
    return dataclasses.replace(current, version=version, extra_examples=len(list(extra_spam)))


def test_train_saves_next_version_and_logs(app, factory, moderator):
    moderation.approve(flagged_item(app, factory), actor=moderator)
    before = moderation.runtime().next_model_version()
    with mock.patch.object(engine, "train_models", _fast_training):
        bundle = moderation.train(actor=moderator)
    assert bundle.version == before and bundle.extra_examples == 1
    (event,) = audit_rows("model_trained")
    assert event.after["version"] == before and event.actor_id == moderator.id
    assert queries.model_info()["version"] == before


def test_train_by_customer_is_denied(app, factory):
    with pytest.raises(services.PermissionDenied):
        moderation.train(actor=factory.user())


# -- the audit log -----------------------------------------------------------------------------
def test_audit_log_is_append_only(app, factory, moderator):
    moderation.approve(flagged_item(app, factory), actor=moderator)
    row = audit_rows("approve")[0]
    row.reason = "rewritten"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, row.id))
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, row.id).reason == "Approved on review."


def test_audit_csv_has_header_and_one_line_per_row(app, factory, moderator):
    moderation.reject(flagged_item(app, factory), actor=moderator, rule="R2", message="Ad.")
    rows = audit.events()
    lines = audit.to_csv(rows).strip().splitlines()
    assert lines[0] == ",".join(audit.CSV_COLUMNS)
    assert len(lines) == 1 + len(rows)
    (reject_line,) = [line for line in lines if ",reject," in line]
    assert ",mod_one," in reject_line and ",R2,Ad.," in reject_line


# -- read side ---------------------------------------------------------------------------------
def test_transparency_counts_actions_per_rule_and_month(app, factory, moderator):
    for _ in range(2):
        moderation.reject(flagged_item(app, factory), actor=moderator, rule="R2", message="Ad.")
    moderation.sanction(factory.user(), SanctionKind.WARNING, actor=moderator, rule="R1",
                        reason="Tone.")
    report = queries.transparency()
    month = report.months[0]
    assert report.counts[(month, "R2")] == 2 and report.counts[(month, "R1")] == 1
    assert report.by_action[("reject", "R2")] == 2 and report.by_action[("sanction", "R1")] == 1
    assert report.total(month) == 3 and len(report.months) == 12
    assert ("flag", "R2") not in report.by_action  # flags alone are not enforcement


def test_dashboard_precision_misses_flags_and_appeals(app, factory, moderator, other_moderator):
    upheld, released = held_item(app, factory), held_item(app, factory)
    moderation.reject(upheld, actor=moderator, rule="R2", message="Ad.")
    moderation.approve(released, actor=moderator)
    author = factory.user()
    missed = flagged_item(app, factory, author=author)
    moderation.reject(missed, actor=moderator, rule="R2", message="Ad.")
    moderation.approve(flagged_item(app, factory), actor=moderator)
    appeal = moderation.appeal(actor=author, text="No.", item=missed)
    moderation.decide_appeal(appeal, actor=other_moderator, overturn=True, note="Ok.")
    flagged_item(app, factory)
    stats = queries.dashboard()
    assert stats.pending == 1 and stats.oldest_pending_at is not None
    assert (stats.holds_upheld, stats.holds_released, stats.precision) == (1, 1, 0.5)
    assert stats.misses == 0  # the flagged removal was overturned on appeal
    # Overturning on appeal turns the upheld flag into a dismissed one and replaces the
    # rejected post's spam label with a ham one.
    assert (stats.flags_upheld, stats.flags_dismissed) == (0, 2)
    assert stats.overturn_share == 1.0 and stats.training_examples == 4


def test_post_notice_names_rule_and_explanation(app, factory, moderator):
    author = factory.user()
    item = _rejected(app, factory, moderator, author)
    notice = queries.post_notice(item.post)
    assert notice.rule_code == "R2" and notice.rule_title == "No spam or advertising"
    assert notice.explanation == "Advertising." and notice.can_appeal
    moderation.appeal(actor=author, text="Hm.", item=item)
    assert queries.post_notice(item.post).appealed


def test_review_queue_filters_by_rule_source_age_and_category(app, factory):
    held = held_item(app, factory)
    abuse = flagged_item(app, factory, reason="abuse")
    abuse.created_at = utcnow() - timedelta(hours=2)
    db.session.commit()

    def ids(**args):
        page = queries.review_queue(queries.QueueFilter(**args))
        return {e.item.id for e in page.items}

    assert ids() == {held.id, abuse.id}
    assert ids(source="automatic") == {held.id} and ids(source="flags") == {abuse.id}
    assert ids(rule="R1") == {abuse.id} and ids(rule="R2") == {held.id}
    assert ids(age="1h") == {abuse.id}
    assert ids(category_id=held.thread.category_id) == {held.id}
    odd = MultiDict({"rule": "R99", "age": "2y", "source": "x", "category": "y"})
    assert queries.QueueFilter.from_args(odd) == queries.QueueFilter()


def test_appeal_rows_are_listed_for_moderators(app, factory, moderator):
    author = factory.user()
    moderation.appeal(actor=author, text="Hm.", item=_rejected(app, factory, moderator, author))
    (row,) = queries.appeals(pending=True)
    assert isinstance(row, Appeal) and row.user_id == author.id
    assert queries.appeals(pending=False) == []
    assert db.session.scalar(select(func.count(Sanction.id))) == 0
