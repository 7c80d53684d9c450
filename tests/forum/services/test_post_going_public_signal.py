"""forum.signals.post_going_public: sent once when a post goes public, inside the use case."""
from __future__ import annotations

from sqlalchemy import func, select

from forum import services, signals
from forum.extensions import db
from forum.models import Notification, NotificationKind


def test_post_published_sent_for_question_and_reply_with_app_as_sender(app, factory):
    seen = []

    def receiver(sender, post, **_):
        seen.append((sender, post.number, post.thread.title))

    signals.post_going_public.connect(receiver, app)
    try:
        thread = factory.thread(title="Router keeps dropping at night")
        factory.reply(thread)
    finally:
        signals.post_going_public.disconnect(receiver, app)
    assert seen == [(app, 1, "Router keeps dropping at night"),
                    (app, 2, "Router keeps dropping at night")]


def test_post_published_not_sent_again_for_client_token_replay(app, factory):
    seen = []
    author, category = factory.user(), factory.category()

    def receiver(sender, post, **_):
        seen.append(post.id)

    signals.post_going_public.connect(receiver, app)
    try:
        for _ in range(2):
            services.create_thread(author=author, title="Same question sent twice",
                                   body="Double click.", category=category,
                                   client_token="abc123")
    finally:
        signals.post_going_public.disconnect(receiver, app)
    assert len(seen) == 1


def test_post_published_receiver_rows_commit_with_the_use_case(app, factory):
    def receiver(sender, post, **_):
        db.session.add(Notification(user_id=post.author_id, kind=NotificationKind.ASSIGNED,
                                    message="from a receiver"))

    signals.post_going_public.connect(receiver, app)
    try:
        factory.thread()
    finally:
        signals.post_going_public.disconnect(receiver, app)
    db.session.rollback()  # only what was committed remains
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.message == "from a receiver")) == 1
