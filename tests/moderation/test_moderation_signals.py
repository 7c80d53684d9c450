"""Moderation tells listeners (webhooks) of held and rejected posts once the decision has
committed: automatic holds, holds by members' flags and moderators' rejections."""
from __future__ import annotations

import contextlib

from flask import current_app

from forum.models import PostStatus, Role
from moderation import services as moderation
from moderation import signals
from tests.moderation.test_views import flagged_item, held_item


@contextlib.contextmanager
def listening(signal):
    """Collect what a signal is sent with."""
    heard: list[dict] = []

    def receiver(sender, **kwargs):
        heard.append({"sender": sender, **kwargs})

    signal.connect(receiver)
    try:
        yield heard
    finally:
        signal.disconnect(receiver)


def test_post_held_automatic_hold_sent_with_rule_and_text(app, factory):
    with listening(signals.post_held) as heard:
        item = held_item(app, factory, body="Visit my shop for great deals on cables.")
    [event] = heard
    assert event["post"].id == item.post_id and event["post"].status is PostStatus.HELD
    assert event["rules"] == ("R2",)
    assert event["text"] == "Visit my shop for great deals on cables."
    assert (event["source"], event["actor"], event["edit"]) == ("screening", None, False)
    assert event["sender"] is current_app._get_current_object()


def test_post_held_text_masks_card_numbers(app, factory):
    with listening(signals.post_held) as heard:
        held_item(app, factory, body="My card 4111 1111 1111 1111 was charged twice.")
    [event] = heard
    assert "4111 1111 1111 1111" not in event["text"]


def test_post_held_flags_reaching_threshold_sent(app, factory):
    app.config["FLAG_HIDE_THRESHOLD"] = 0.1
    with listening(signals.post_held) as heard:
        item = flagged_item(app, factory, reason="spam")
    [event] = heard
    assert event["post"].id == item.post_id
    assert event["source"] == "flags"


def test_post_rejected_moderator_decision_sent_with_rule_and_actor(app, factory):
    item = held_item(app, factory)
    mod = factory.user(role=Role.MODERATOR)
    with listening(signals.post_rejected) as rejected, listening(signals.post_held) as held:
        moderation.reject(item, actor=mod, rule="R2", message="No advertising, please.")
    assert held == []
    [event] = rejected
    assert event["post"].id == item.post_id and event["post"].status is PostStatus.REJECTED
    assert event["rules"] == ("R2",)
    assert event["reason"] == "No advertising, please."
    assert (event["source"], event["actor"].id) == ("moderator", mod.id)


def test_post_held_published_reply_sends_nothing(app, factory):
    with listening(signals.post_held) as held, listening(signals.post_rejected) as rejected:
        thread = factory.thread(body="How do I keep my connection stable overnight?")
        factory.reply(thread, body="Thanks, that worked for me as well after a restart.")
    assert held == [] and rejected == []
