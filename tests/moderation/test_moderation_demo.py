"""Moderation in the demo community: `flask forum seed-demo` with screening on (as `make run`
has it) leaves one example of each outcome, made by the real posting service and engine."""
from __future__ import annotations

from sqlalchemy import select

from forum import demo as forum_demo
from forum import services as forum_services
from forum.extensions import db
from forum.models import Post, PostStatus, Thread
from moderation import demo
from moderation.models import PrivateConversation, ReviewItem, ReviewSource, ReviewStatus
from tests.conftest import login


def _seed(app) -> str:
    result = app.test_cli_runner().invoke(args=["forum", "seed-demo"])
    assert result.exit_code == 0, result.output
    return result.stdout


def _thread(title: str) -> Thread:
    return db.session.scalar(select(Thread).where(Thread.title == title))


def _last_post(thread: Thread) -> Post:
    return db.session.scalar(
        select(Post).where(Post.thread_id == thread.id).order_by(Post.number.desc()).limit(1))


def test_seed_demo_card_number_removed_and_conversation_goes_private(app):
    _seed(app)
    dan = forum_services.get_user("dan.k")
    post = _last_post(_thread(demo.PRIVATE_DATA_THREAD))

    # the conversations a post opened (the support demo adds a customer's own case too)
    conversations = db.session.scalars(select(PrivateConversation).where(
        PrivateConversation.post_id.is_not(None))).all()

    assert (post.author_id, post.status) == (dan.id, PostStatus.PUBLISHED)
    assert "4111" not in post.body_html and "[card number removed]" in post.body_html
    # the notice is shown beside the post (a flag on it), never written into its text
    assert post.details_removed and "privately" not in post.body_source
    assert [(c.customer_id, c.post_id) for c in conversations] == [(dan.id, post.id)]


def test_seed_demo_spam_reply_rejected_automatically(app):
    _seed(app)
    post = _last_post(_thread(demo.SPAM_THREAD))

    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))

    assert post.author_id == forum_services.get_user("quickcash").id
    assert post.status is PostStatus.REJECTED
    assert (item.source, item.status) == (ReviewSource.AUTOMATIC, ReviewStatus.REJECTED)


def test_seed_demo_flagged_criticism_waits_in_queue_and_stays_up(app, client):
    output = _seed(app)
    complaint = db.session.scalar(select(Post).where(
        Post.thread_id == _thread(demo.CRITICISM_THREAD).id, Post.number == 1))

    pending = db.session.scalars(
        select(ReviewItem).where(ReviewItem.status == ReviewStatus.PENDING)).all()
    login(client, forum_services.get_user("mia"), forum_demo.read_password(app.instance_path))
    queue = client.get("/moderation/queue").get_data(as_text=True)

    assert [(i.post_id, i.source) for i in pending] == [(complaint.id, ReviewSource.FLAGS)]
    assert complaint.status is PostStatus.PUBLISHED
    assert "Review queue (1)" in queue and "Your billing is a joke" in queue
    assert pending[0].scores["abuse.brand_criticism"] == 1.0
    assert 'class="score is-protective"' in queue and "protected: keep the post up" in queue
    assert "3 moderation examples" in output


def test_seed_demo_without_screening_posts_no_examples(make_app, app):
    unscreened = make_app(MODERATION_ENABLED=False)

    with unscreened.app_context():
        output = _seed(unscreened)

        assert forum_services.get_user("quickcash") is None
        assert db.session.scalar(select(ReviewItem)) is None
        assert "moderation examples" not in output
