"""Posting through the moderation screener: publish, redact, hold, reject, refuse."""
import pytest
from sqlalchemy import select

from forum import services
from forum.extensions import db
from forum.models import Notification, NotificationKind, Post, PostStatus, Role
from moderation import services as moderation
from moderation.models import (
    AuditEvent,
    PrivateConversation,
    PrivateMessage,
    ReviewItem,
    ReviewStatus,
    SanctionKind,
)


def _audit(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_screen_harsh_criticism_is_published(factory):
    thread = factory.thread(body="Your billing is a joke and I'm switching to another provider.")
    assert thread.status is PostStatus.PUBLISHED
    assert db.session.scalar(select(ReviewItem)) is None


def test_screen_card_number_redacted_and_private_followup_opened(factory):
    author = factory.user()
    thread = factory.thread(author, body="My card 4111 1111 1111 1111 was charged twice, help")
    question = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    assert thread.status is PostStatus.PUBLISHED
    assert "4111" not in question.body_source and "4111" not in question.body_html
    assert question.details_removed and "privately" not in question.body_source
    conversation = db.session.scalar(select(PrivateConversation))
    assert conversation.customer_id == author.id
    message = db.session.scalar(select(PrivateMessage))
    # Not even the private channel keeps a card in full: its kind and last four digits only.
    assert "4111 1111" not in message.body_source and "4111 1111" not in message.body_html
    assert "[card ending 1111]" in message.body_source
    event = _audit("auto_publish_redacted")[0]
    assert event.rule_code == "R4" and "4111" not in event.text_snapshot
    revisions = services.revisions(question)
    assert all("4111" not in r.body_source for r in revisions)


def test_screen_personal_attack_not_published_and_author_told(factory):
    thread = factory.thread()
    author = factory.user()
    post = services.reply(thread, author=author, body="You are a pathetic idiot, shut up.")
    assert post.status in (PostStatus.HELD, PostStatus.REJECTED)
    assert thread.reply_count == 0
    events = _audit("auto_hold") + _audit("auto_reject")
    assert events and events[0].rule_code == "R1"
    assert events[0].text_snapshot == "You are a pathetic idiot, shut up."
    notices = [n for n in db.session.scalars(select(Notification))
               if n.kind is NotificationKind.MODERATION]
    assert notices and "R1" in notices[0].message


def test_screen_rejected_then_fixed_edit_is_published(factory):
    thread = factory.thread()
    author = factory.user()
    post = services.reply(thread, author=author, body="You are a pathetic idiot, shut up.")
    assert post.status is not PostStatus.PUBLISHED
    if post.status is PostStatus.REJECTED:
        services.edit_post(post, actor=author, body="I disagree with your advice, it did not work.")
        assert post.status is PostStatus.PUBLISHED
        assert thread.reply_count == 1


def test_screen_muted_author_is_refused_with_rule(factory):
    moderator = factory.user(role=Role.MODERATOR)
    member = factory.user()
    moderation.sanction(member, SanctionKind.MUTE, actor=moderator, rule="R1",
                        reason="Repeated insults.", days=1)
    with pytest.raises(services.PermissionDenied) as err:
        factory.thread(member)
    assert "R1" in err.value.message


def test_flags_reaching_threshold_hide_post_pending_review(factory):
    thread = factory.thread()
    post = factory.reply(thread, body="Restarting the hub usually fixes that; if not, check the "
                                      "cable into the wall socket.")
    for _ in range(3):  # trust-2 members weigh 1.0 each (new accounts only 0.5)
        flagger = factory.user()
        moderation.standing(flagger).trust_level = 2
        moderation.flag_post(post, actor=flagger, reason="spam")
    assert post.status is PostStatus.HELD
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))
    assert item.status is ReviewStatus.PENDING and item.flag_weight >= 3.0
    assert _audit("flag_hide")


def test_reject_cites_rule_and_appeal_overturned_by_other_moderator(factory):
    thread = factory.thread()
    author = factory.user()
    post = factory.reply(thread, author, body="My own app does all of this better, search for it.")
    assert post.status is PostStatus.PUBLISHED
    first, second = factory.user(role=Role.MODERATOR), factory.user(role=Role.MODERATOR)
    moderation.flag_post(post, actor=factory.user(), reason="spam")
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))
    moderation.reject(item, actor=first, rule="R2", message="Advertising is not allowed.")
    assert post.status is PostStatus.REJECTED
    appeal = moderation.appeal(actor=author, text="It was a joke", item=item)
    with pytest.raises(services.PermissionDenied):
        moderation.decide_appeal(appeal, actor=first, overturn=True, note="x")
    moderation.decide_appeal(appeal, actor=second, overturn=True, note="Fair enough.")
    assert post.status is PostStatus.PUBLISHED
    with pytest.raises(services.Conflict):
        moderation.appeal(actor=author, text="again", item=item)
