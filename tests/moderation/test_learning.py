"""What the classifiers learn from moderators: spam and abuse, one example per text and author,
the latest decision winning, and a nuke that teaches only what was called spam."""
from __future__ import annotations

import contextlib
from pathlib import Path
from unittest import mock

import pytest
from sqlalchemy import select

from forum import services
from forum.extensions import db
from forum.models import Role
from moderation import engine
from moderation import services as moderation
from moderation.models import AuditEvent, Sanction, TrainingExample, TrainingTask
from tests.moderation.test_services import (
    _fast_training,
    flagged_item,
    screening_off,
)

TIP = ("Tip for anyone with the dropping Wi-Fi: turn off band steering in the router's "
       "advanced settings, it fixed it for me straight away.")
PILLS = "Cheap pills, no prescription needed, order today at pills.example"


@pytest.fixture
def moderator(factory):
    """A moderator."""
    return factory.user("mod_one", role=Role.MODERATOR)


@pytest.fixture
def other_moderator(factory):
    """A second moderator."""
    return factory.user("mod_two", role=Role.MODERATOR)


@contextlib.contextmanager
def engine_holds_under(rule: str, check: str):
    """A stand-in engine that holds every submission under one rule (no classifier)."""
    def screen(submission, author, **_):
        hit = engine.RuleHit(rule, check, 0.9, engine.Action.HOLD, "Held.")
        return engine.Verdict(action=engine.Action.HOLD, hits=(hit,), scores={check: 0.9},
                              title=submission.title, body=submission.body,
                              explanation=f"Held for review under {rule}.")
    with mock.patch.object(engine, "screen", screen):
        yield


def _held(app, factory, author, body, rule="R2", check="spam.classifier"):
    with screening_off(app):
        thread = factory.thread(body="How do I keep my connection stable overnight?")
    with engine_holds_under(rule, check):
        post = services.reply(thread, author=author, body=body)
    return db.session.scalar(select(moderation.ReviewItem).where(
        moderation.ReviewItem.post_id == post.id))


def _examples(task=None) -> list[TrainingExample]:
    stmt = select(TrainingExample).order_by(TrainingExample.id)
    if task is not None:
        stmt = stmt.where(TrainingExample.task == task)
    return list(db.session.scalars(stmt))


# -- nuke ----------------------------------------------------------------------------------------
def test_nuke_spammer_flood_of_genuine_tip_teaches_nothing(app, factory, moderator):
    flooder = factory.user()
    with screening_off(app):
        thread = factory.thread(body="Wi-Fi keeps dropping every evening, any ideas?")
        for _ in range(7):
            factory.reply(thread, flooder, body=TIP)
    assert moderation.nuke_spammer(flooder, actor=moderator) == 7
    assert _examples() == []


def test_nuke_spammer_labels_only_what_was_called_spam_once_per_text(app, factory, moderator):
    spammer = factory.user()
    first, _second = (_held(app, factory, spammer, PILLS) for _ in range(2))
    with screening_off(app):
        factory.reply(first.thread, spammer, body=TIP)
    moderation.nuke_spammer(spammer, actor=moderator)
    (example,) = _examples()
    assert (example.task, example.label, example.rule) == (TrainingTask.SPAM, True, "R2")
    assert example.text == PILLS and example.author_id == spammer.id
    assert example.decided_by_id == moderator.id


def test_nuke_spammer_scam_account_cites_r3(app, factory, moderator):
    scammer = factory.user()
    _held(app, factory, scammer, "Message me on WhatsApp +44 7700 900123 for help, small fee",
          rule="R3", check="spam.scam")
    moderation.nuke_spammer(scammer, actor=moderator)
    ban = db.session.scalar(select(Sanction).where(Sanction.user_id == scammer.id))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "nuke_spammer"))
    assert ban.rule_code == "R3" and event.rule_code == "R3"
    assert [e.rule for e in _examples()] == ["R3"]


# -- decisions ---------------------------------------------------------------------------------
def test_reject_under_r1_teaches_abuse_not_spam(app, factory, moderator):
    item = flagged_item(app, factory, reason="abuse", body="You are a liar and a fraud.")
    moderation.reject(item, actor=moderator, rule="R1", message="No personal attacks.")
    (example,) = _examples()
    assert (example.task, example.label, example.rule) == (TrainingTask.ABUSE, True, "R1")
    assert example.author_id == item.author_id and example.decided_by_id == moderator.id


def test_approve_held_for_abuse_teaches_abuse_ham(app, factory, moderator):
    item = _held(app, factory, factory.user(), "This update is a disaster, roll it back.",
                 rule="R1", check="abuse.classifier")
    moderation.approve(item, actor=moderator)
    (example,) = _examples()
    assert (example.task, example.label, example.rule) == (TrainingTask.ABUSE, False, "R1")


def test_decisions_on_one_text_and_author_keep_one_example_latest_wins(app, factory, moderator):
    author = factory.user()
    first = flagged_item(app, factory, author=author, body=PILLS)
    moderation.reject(first, actor=moderator, rule="R2", message="Advertising.")
    second = flagged_item(app, factory, author=author, body="  cheap PILLS, no prescription "
                                                            "needed, order today at pills.example")
    moderation.approve(second, actor=moderator)
    (example,) = _examples()
    assert example.label is False and example.review_item_id == second.id


def test_decisions_on_one_text_by_two_authors_are_two_examples(app, factory, moderator):
    for _ in range(2):
        item = flagged_item(app, factory, body=PILLS)
        moderation.reject(item, actor=moderator, rule="R2", message="Advertising.")
    assert len({e.author_id for e in _examples(TrainingTask.SPAM)}) == 2


def test_decide_appeal_overturn_relabels_the_text(app, factory, moderator, other_moderator):
    author = factory.user()
    item = flagged_item(app, factory, author=author, body=TIP)
    moderation.reject(item, actor=moderator, rule="R2", message="Advertising.")
    row = moderation.appeal(actor=author, text="It is a tip.", item=item)
    moderation.decide_appeal(row, actor=other_moderator, overturn=True, note="It is.")
    (example,) = _examples()
    assert example.label is False and example.decided_by_id == other_moderator.id


# -- training ----------------------------------------------------------------------------------
def test_train_passes_spam_and_abuse_decisions_and_data_dir(app, factory, moderator, tmp_path):
    app.config["MODERATION_DATA_DIR"] = str(tmp_path)
    moderation.reject(flagged_item(app, factory, body=PILLS), actor=moderator, rule="R2",
                      message="Advertising.")
    moderation.reject(flagged_item(app, factory, reason="abuse", body="You are an idiot."),
                      actor=moderator, rule="R1", message="No insults.")
    calls = []

    def train_models(data_dir=None, **kwargs):
        calls.append((data_dir, kwargs))
        return _fast_training(data_dir, **kwargs)

    with mock.patch.object(engine, "train_models", train_models):
        moderation.train(actor=moderator)
    ((data_dir, kwargs),) = calls
    assert Path(data_dir) == tmp_path
    assert kwargs["extra_spam"] == [(PILLS, 1)]
    assert kwargs["extra_abuse"] == [("You are an idiot.", 1)]
