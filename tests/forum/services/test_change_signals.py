"""The forum's change signals: sent once the use case has committed, dropped when it rolls
back, never turning a listener's failure into an error for the person posting."""
from __future__ import annotations

import contextlib
from unittest import mock

from sqlalchemy import select, text

from forum import services, signals
from forum.extensions import db
from forum.models import Post, PostStatus
from forum.screening import PublishEverything, Screening

QUESTION = "How do I reset the router to factory settings?"


@contextlib.contextmanager
def listening(signal):
    """Collect what a signal is sent with."""
    heard: list[dict] = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    signal.connect(receiver)
    try:
        yield heard
    finally:
        signal.disconnect(receiver)


class HoldEverything(PublishEverything):
    """A screener that holds every submission."""

    def screen(self, request):
        """Hold."""
        return Screening(status=PostStatus.HELD, rules=("R2",), explanation="Held.")


def _committed_threads() -> int:
    with db.engine.connect() as other:  # another connection sees only what was committed
        return other.execute(text("SELECT count(*) FROM threads")).scalar()


def test_thread_published_new_question_sent_after_commit(factory):
    counts = []

    def count(_sender, **_kwargs):
        counts.append(_committed_threads())

    signals.thread_published.connect(count)
    try:
        with listening(signals.thread_published) as heard:
            thread = factory.thread(title=QUESTION)
    finally:
        signals.thread_published.disconnect(count)
    assert [h["thread"].id for h in heard] == [thread.id]
    assert counts == [1]  # the thread was already committed when the listener ran


def test_post_published_question_and_reply_each_sent_once(factory):
    with listening(signals.post_published) as heard:
        thread = factory.thread(title=QUESTION)
        reply = factory.reply(thread)
    opening = db.session.scalar(select(Post.id).where(Post.thread_id == thread.id,
                                                      Post.number == 1))
    assert [(h["post"].id, h["post"].number) for h in heard] == [(opening, 1), (reply.id, 2)]


def test_thread_solved_accepted_answer_sent_with_thread_and_post(factory):
    author = factory.user()
    thread = factory.thread(author, title=QUESTION)
    answer = factory.reply(thread)
    with listening(signals.thread_solved) as heard:
        services.accept_answer(answer, actor=author)
        services.accept_answer(answer, actor=author)  # already accepted: nothing new
    assert [(h["thread"].id, h["post"].id) for h in heard] == [(thread.id, answer.id)]


def test_thread_published_held_question_not_sent(app, factory):
    app.extensions["parley.screener"] = HoldEverything()
    try:
        with listening(signals.thread_published) as threads, \
                listening(signals.post_published) as posts:
            thread = factory.thread(title=QUESTION)
    finally:
        del app.extensions["parley.screener"]
    assert thread.status is PostStatus.HELD
    assert threads == [] and posts == []


def test_thread_published_held_question_approved_later_sent(app, factory):
    app.extensions["parley.screener"] = HoldEverything()
    try:
        thread = factory.thread(title=QUESTION)
    finally:
        del app.extensions["parley.screener"]
    question = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    with listening(signals.thread_published) as heard:
        services.set_visibility(question, PostStatus.PUBLISHED)
        services.commit_changes(thread)
    assert [h["thread"].id for h in heard] == [thread.id]


def test_send_after_commit_rolled_back_use_case_drops_signal(factory):
    thread = factory.thread(title=QUESTION)
    with listening(signals.thread_solved) as heard:
        signals.send_after_commit(signals.thread_solved, thread=thread, post=None)
        db.session.rollback()
        services.commit_changes()
    assert heard == []


def test_send_pending_failing_receiver_logged_not_raised(factory, monkeypatch):
    def broken(_sender, **_kwargs):
        raise RuntimeError("listener bug")

    logged = mock.Mock()
    monkeypatch.setattr(signals, "log", logged)  # alembic's fileConfig disables loggers
    signals.thread_published.connect(broken)
    try:
        thread = factory.thread(title=QUESTION)
    finally:
        signals.thread_published.disconnect(broken)
    assert thread.id is not None and _committed_threads() == 1
    logged.exception.assert_called_once_with("a receiver of %s failed", "parley.thread-published")
