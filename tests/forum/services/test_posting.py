"""Service tests for asking, replying, editing, accepting and voting."""
import pytest

from forum import services
from forum.models import NotificationKind, PostStatus, Role
from forum.queries import unread_count


def test_create_thread_valid_input_publishes_question_with_revision(factory):
    author = factory.user("alice")
    thread = factory.thread(author, title="How do I reset my router?", body="It **blinks**.")
    assert thread.status is PostStatus.PUBLISHED
    question = services.revisions(thread.accepted_post or _question(thread))
    assert question[0].title == "How do I reset my router?"
    assert author.post_count == 1


def _question(thread):
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Post

    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


def test_create_thread_same_client_token_twice_returns_first_thread(factory):
    author, category = factory.user(), factory.category()
    kwargs = dict(author=author, title="Double clicked question?", body="x" * 20,
                  category=category, client_token="tok-1")
    first = services.create_thread(**kwargs)
    second = services.create_thread(**kwargs)
    assert first.id == second.id


def test_create_thread_short_title_raises_with_field(factory):
    with pytest.raises(services.ValidationError) as err:
        factory.thread(title="Help")
    assert err.value.field == "title"


def test_reply_mention_notifies_mentioned_user_once(factory):
    bob = factory.user("bob")
    thread = factory.thread()
    factory.reply(thread, body="Ask @bob, he knows.")
    assert unread_count(bob) == 1
    assert bob.id in {n.user_id for n in _notifications(NotificationKind.MENTION)}


def _notifications(kind):
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Notification

    return list(db.session.scalars(select(Notification).where(Notification.kind == kind)))


def test_reply_notifies_thread_author_as_follower(factory):
    asker = factory.user()
    thread = factory.thread(asker)
    factory.reply(thread)
    assert unread_count(asker) == 1


def test_reply_notification_dated_like_the_reply(factory):
    from datetime import timedelta

    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Notification, utcnow

    asker = factory.user()
    thread = factory.thread(asker)
    three_days_ago = utcnow() - timedelta(days=3)
    services.reply(thread, author=factory.user(), body="Try the reset pin @" + asker.username,
                   created_at=three_days_ago)

    notes = db.session.scalars(select(Notification).where(Notification.user_id == asker.id))

    assert [(n.kind, n.created_at) for n in notes] == [(NotificationKind.MENTION, three_days_ago)]


def _notification_parameters(factory, followers: int) -> tuple[int, int]:
    """(notifications made, parameters sent to insert them) for one reply."""
    import re

    from sqlalchemy import event, func, select

    from forum.extensions import db
    from forum.models import Notification

    thread = factory.thread()
    for _ in range(followers):
        services.follow(thread, actor=factory.user())
    sent: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if re.match(r"\s*INSERT INTO notifications", statement):
            many = not isinstance(parameters, dict) and parameters and isinstance(
                parameters[0], (tuple, list, dict))  # SQLite batches: a flat tuple
            rows = parameters if many else [parameters]
            sent.append(sum(len(row) for row in rows))

    before = db.session.scalar(select(func.count()).select_from(Notification))
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        factory.reply(thread)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    made = db.session.scalar(select(func.count()).select_from(Notification)) - before
    return made, sum(sent)


def test_reply_notifies_many_followers_with_the_same_work_as_few(factory):
    few, many = _notification_parameters(factory, 3), _notification_parameters(factory, 30)

    assert (few[0], many[0]) == (4, 31)  # the followers and the asker
    assert few[1] == many[1]


def test_accept_answer_by_other_customer_is_denied(factory):
    thread = factory.thread()
    post = factory.reply(thread)
    with pytest.raises(services.PermissionDenied):
        services.accept_answer(post, actor=factory.user())


def test_accept_answer_by_staff_marks_solved_and_notifies(factory):
    thread = factory.thread()
    helper = factory.user()
    post = factory.reply(thread, helper)
    staff = factory.user(role=Role.STAFF)
    services.accept_answer(post, actor=staff)
    assert thread.solved
    assert unread_count(helper) == 1


def test_vote_helpful_twice_counts_once_and_self_vote_refused(factory):
    thread = factory.thread()
    author = factory.user()
    post = factory.reply(thread, author)
    voter = factory.user()
    services.vote_helpful(post, actor=voter)
    services.vote_helpful(post, actor=voter)
    assert post.helpful_count == 1
    with pytest.raises(services.PermissionDenied):
        services.vote_helpful(post, actor=author)


def test_edit_post_keeps_every_revision(factory):
    author = factory.user()
    thread = factory.thread(author, body="first version")
    question = _question(thread)
    services.edit_post(question, actor=author, body="second version",
                       title="A better title for this")
    revs = services.revisions(question)
    assert [r.body_source for r in revs] == ["first version", "second version"]
    assert thread.title == "A better title for this"


def test_delete_post_by_author_is_soft(factory):
    thread = factory.thread()
    author = factory.user()
    post = factory.reply(thread, author)
    services.delete_post(post, actor=author)
    assert post.status is PostStatus.DELETED
    assert thread.reply_count == 0
    assert post.body_source  # kept for moderators and history


def test_close_as_duplicate_blocks_replies_and_tells_author(factory, client):
    asker = factory.user()
    thread = factory.thread(asker, title="How do I change my wifi password?")
    canonical = factory.thread(title="Changing the wifi password on the hub")
    staff = factory.user(role=Role.STAFF)
    services.close_as_duplicate(thread, actor=staff, kind="thread",
                                url=f"/t/{canonical.id}", title=canonical.title)
    assert thread.closed_at is not None
    with pytest.raises(services.PermissionDenied):
        services.reply(thread, author=factory.user(), body="me too")
    assert unread_count(asker) == 1
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Closed as a duplicate" in page and f'href="/t/{canonical.id}"' in page


def test_close_as_duplicate_by_customer_is_denied(factory):
    thread = factory.thread()
    with pytest.raises(services.PermissionDenied):
        services.close_as_duplicate(thread, actor=factory.user(), kind="thread", url="/t/1",
                                    title="x")
