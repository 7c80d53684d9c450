"""The figures insights takes from moderation, the knowledge base and customers' posts, over
exactly the chosen window."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from forum.extensions import db
from forum.models import Role, utcnow
from knowledgebase.models import AskSession, SearchLog
from moderation.models import AuditEvent, ReviewItem, ReviewSource, ReviewStatus
from support.insights import queries
from support.insights.window import Window

UTC_ZONE = ZoneInfo("UTC")
WINDOW = Window(date(2026, 3, 2), date(2026, 3, 15), UTC_ZONE)
IN, OUT = datetime(2026, 3, 5, 12, 0), datetime(2026, 3, 20, 12, 0)


def _posted(factory, author, when: datetime, body: str, thread=None):
    post = factory.reply(thread, author, body=body) if thread else None
    if post is None:
        thread = factory.thread(author, body=body)
        from sqlalchemy import select

        from forum.models import Post
        post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    post.created_at = when
    db.session.commit()
    return thread


def test_tone_trend_counts_customer_posts_per_week(factory):
    customer, staff = factory.user(), factory.user(role=Role.STAFF)
    thread = _posted(factory, customer, datetime(2026, 3, 3, 9), "I want a refund now")
    _posted(factory, customer, datetime(2026, 3, 4, 9), "Thanks, that helped", thread)
    _posted(factory, customer, datetime(2026, 3, 10, 9), "Third time it broke", thread)
    _posted(factory, staff, datetime(2026, 3, 10, 10), "Sorry about the outage", thread)
    _posted(factory, customer, datetime(2026, 3, 20, 9), "Unacceptable", thread)  # after
    trend = queries.tone_trend(WINDOW)
    assert [(w["posts"], w["negative"], w["negative_share"]) for w in trend] == \
        [(2, 1, 0.5), (1, 1, 1.0)]


def _audit(action: str, rule: str | None, when: datetime) -> None:
    db.session.add(AuditEvent(action=action, target_type="post", rule_code=rule,
                              created_at=when))


def _item(thread, source, status, decision, when) -> None:
    db.session.add(ReviewItem(post_id=thread.id, thread_id=thread.id,
                              author_id=thread.author_id, source=source, status=status,
                              decision=decision, decided_at=when))


def test_moderation_figures_per_rule_and_precision_in_window(factory):
    for action, rule, when in [("auto_hold", "R1", IN), ("auto_hold", "R1", IN),
                               ("reject", "R2", IN), ("hide", "R1", OUT),
                               ("approve", "R3", IN), ("auto_hold", None, IN)]:
        _audit(action, rule, when)
    thread = factory.thread()
    auto, flags = ReviewSource.AUTOMATIC, ReviewSource.FLAGS
    for source, status, decision, when in [
        (auto, ReviewStatus.REJECTED, "reject", IN), (auto, ReviewStatus.APPROVED, "approve", IN),
        (auto, ReviewStatus.REJECTED, "hide", IN), (auto, ReviewStatus.REJECTED, "reject", OUT),
        (flags, ReviewStatus.REJECTED, "reject", IN), (auto, ReviewStatus.PENDING, None, None),
    ]:
        _item(thread, source, status, decision, when)
    db.session.commit()
    found = queries.moderation_figures(WINDOW)
    assert found["actions_per_rule"] == [
        {"rule": "R1", "total": 2, "by_action": {"auto_hold": 2}},
        {"rule": "R2", "total": 1, "by_action": {"reject": 1}},
    ]
    assert (found["holds_upheld"], found["holds_released"], found["hold_precision"]) == \
        (2, 1, 0.667)


def test_deflection_between_counts_only_views_in_window(factory):
    customer = factory.user()
    rows = [("s1", 1, datetime(2026, 3, 3)), ("s2", 1, datetime(2026, 3, 4)),
            ("s3", 0, datetime(2026, 3, 5)), ("s4", 1, datetime(2026, 3, 17)),
            ("s5", 1, datetime(2026, 2, 25))]
    for token, opened, when in rows:
        db.session.add(AskSession(token=token, opened=opened, created_at=when))
    thread = _posted(factory, customer, datetime(2026, 3, 4, 1), "Asked after reading")
    thread.created_at = datetime(2026, 3, 4, 1)
    from sqlalchemy import select

    from forum.models import Post
    db.session.scalar(select(Post).where(Post.thread_id == thread.id)).client_token = "s2"
    db.session.commit()
    start, end = WINDOW.bounds
    found = queries.deflection_between(start, end, now=datetime(2026, 3, 20, 12))
    assert found == {"shown": 3, "opened": 2, "deflected": 1, "pending": 0,
                     "deflection_rate": 0.333}


def test_search_figures_totals_only_days_in_window(app):
    today = utcnow().date()
    window = Window(today - timedelta(days=10), today - timedelta(days=5), UTC_ZONE)
    for n, (days_ago, results, clicked) in enumerate(
            [(12, 0, None), (8, 0, None), (6, 3, "article"), (2, 0, None)]):
        db.session.add(SearchLog(token=f"t{n}", query="router reset", query_key="router reset",
                                 results=results, clicked_type=clicked,
                                 day=today - timedelta(days=days_ago), found_article=False))
    db.session.commit()
    found = queries.search_figures(window, today=today)
    assert (found["searches"], found["no_results"], found["clicked"]) == (2, 1, 1)
    assert found["gaps"][0]["query"] == "router reset"
