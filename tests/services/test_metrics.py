"""Response measures: first-reply times, staff replies, solved share, the waiting queue."""
from datetime import timedelta

from forum import metrics, services
from forum.models import Role, utcnow


def test_response_report_measures_first_reply_and_staff_reply(factory):
    start = utcnow() - timedelta(hours=5)
    asker, helper = factory.user(), factory.user()
    staff = factory.user(role=Role.STAFF)
    category = factory.category()
    fast = services.create_thread(author=asker, title="Fast answered question", body="b",
                                  category=category, created_at=start)
    services.reply(fast, author=helper, body="quick", created_at=start + timedelta(minutes=10))
    slow = services.create_thread(author=asker, title="Slowly answered question", body="b",
                                  category=category, created_at=start)
    services.reply(slow, author=asker, body="bump", created_at=start + timedelta(minutes=5))
    answer = services.reply(slow, author=staff, body="sorry for the wait",
                            created_at=start + timedelta(minutes=130))
    services.accept_answer(answer, actor=asker)
    services.create_thread(author=asker, title="Nobody answered this one", body="b",
                           category=category, created_at=start)

    report = metrics.response_report(days=1, target_minutes=60)

    assert (report.asked, report.answered, report.unanswered) == (3, 2, 1)
    assert report.answered_within_target == 1
    # 10 and 130 minutes: the asker's own bump is not an answer
    assert report.median_first_reply_minutes == 70.0
    assert report.median_first_staff_reply_minutes == 130.0
    assert report.as_dict()["solved_share"] == round(1 / 3, 3)


def test_unanswered_queue_oldest_first_and_flags_overdue(factory):
    category = factory.category()
    author = factory.user()
    old = services.create_thread(author=author, title="Waiting for hours now", body="b",
                                 category=category, created_at=utcnow() - timedelta(hours=3))
    new = services.create_thread(author=author, title="Asked just a moment ago", body="b",
                                 category=category)
    answered = factory.thread(author, category=category)
    factory.reply(answered)

    queue = metrics.unanswered_queue(target_minutes=60)

    assert [w.thread.id for w in queue] == [old.id, new.id]
    assert [w.overdue for w in queue] == [True, False]
