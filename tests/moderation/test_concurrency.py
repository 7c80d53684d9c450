"""Two moderators acting on the same review item at the same moment, from two threads, each
with its own app, engine and session (as two workers would): exactly one decision is made, the
other moderator is told it was taken. Runs on SQLite and, with TEST_DATABASE_URL, PostgreSQL.

The items are members' flags on posts created with screening off, so no classifier score is
involved."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from forum import services
from forum.extensions import db
from forum.models import Post, PostStatus, Role, User
from moderation import services as moderation
from moderation.models import AuditEvent, ReviewItem, ReviewStatus

CLEAN = ("Thanks, that worked for me as well. I held the reset button for thirty seconds, "
         "waited for the lights to settle and then set the wireless name again.")
ROUNDS = 3


def _flagged_items(app, factory, count: int) -> list[int]:
    """Published replies (screening off), each flagged once: FLAGS items in the queue."""
    app.config["MODERATION_ENABLED"] = False
    try:
        thread = factory.thread(body=CLEAN)
        posts = [factory.reply(thread, body=CLEAN) for _ in range(count)]
    finally:
        app.config["MODERATION_ENABLED"] = True
    for post in posts:
        moderation.flag_post(post, actor=factory.user(), reason="spam")
    return list(db.session.scalars(select(ReviewItem.id).order_by(ReviewItem.id)))


def _race(apps, item_id: int, moderator_ids: list[int], actions) -> list[str]:
    """Run actions[n](item, actor) in thread n, released together; report won/conflict."""
    barrier = threading.Barrier(len(apps))
    results: list[str] = [""] * len(apps)

    def run(n: int) -> None:
        with apps[n].app_context():
            try:
                item = db.session.get(ReviewItem, item_id)
                actor = db.session.get(User, moderator_ids[n])
                barrier.wait(timeout=30)
                actions[n](item, actor)
                results[n] = "won"
            except services.Conflict:
                results[n] = "conflict"
            except Exception as exc:  # reported, so the assertion shows what went wrong
                results[n] = repr(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(apps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _approve(item, actor):
    moderation.approve(item, actor=actor)


def _reject(item, actor):
    moderation.reject(item, actor=actor, rule="R2", message="Advertising.")


def _claim(item, actor):
    moderation.claim(item, actor=actor)


def test_concurrent_decisions_exactly_one_moderator_wins(app, make_app, factory):
    moderators = [factory.user(f"racer{n}", role=Role.MODERATOR) for n in range(2)]
    ids = [m.id for m in moderators]
    item_ids = _flagged_items(app, factory, ROUNDS)
    workers = [make_app(MODERATION_ENABLED=True) for _ in range(2)]
    for item_id in item_ids:
        results = _race(workers, item_id, ids, [_approve, _reject])
        assert sorted(results) == ["conflict", "won"], results
        db.session.expire_all()
        item = db.session.get(ReviewItem, item_id)
        winner = results.index("won")
        assert item.decided_by_id == ids[winner]
        expected = [(ReviewStatus.APPROVED, PostStatus.PUBLISHED),
                    (ReviewStatus.REJECTED, PostStatus.REJECTED)][winner]
        assert (item.status, db.session.get(Post, item.post_id).status) == expected
        decisions = db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.target_id == item.post_id, AuditEvent.action.in_(["approve", "reject"])))
        assert decisions == 1


def test_concurrent_claims_exactly_one_moderator_holds_the_item(app, make_app, factory):
    moderators = [factory.user(f"claimer{n}", role=Role.MODERATOR) for n in range(2)]
    ids = [m.id for m in moderators]
    (item_id,) = _flagged_items(app, factory, 1)
    workers = [make_app(MODERATION_ENABLED=True) for _ in range(2)]
    results = _race(workers, item_id, ids, [_claim, _claim])
    assert sorted(results) == ["conflict", "won"], results
    db.session.expire_all()
    assert db.session.get(ReviewItem, item_id).claimed_by_id == ids[results.index("won")]
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "claim")) == 1
