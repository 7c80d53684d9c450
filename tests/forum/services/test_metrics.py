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


def _answered_after(factory, minutes: list[int]) -> None:
    asker, helper, category = factory.user(), factory.user(), factory.category()
    start = utcnow() - timedelta(days=3)
    for n, wait in enumerate(minutes):
        thread = services.create_thread(author=asker, title=f"Question number {n} here",
                                        body="b", category=category, created_at=start)
        services.reply(thread, author=helper, body="an answer",
                       created_at=start + timedelta(minutes=wait))


def test_typical_first_answer_is_the_measured_median(factory, monkeypatch):
    monkeypatch.setattr(metrics, "_TYPICAL", {})
    _answered_after(factory, [30, 90, 120, 150, 600])

    assert metrics.typical_first_answer_minutes() == 120.0


def test_typical_first_answer_none_with_too_few_answers(factory, monkeypatch):
    monkeypatch.setattr(metrics, "_TYPICAL", {})
    _answered_after(factory, [30, 90, 120, 150])

    assert metrics.typical_first_answer_minutes() is None


def test_typical_first_answer_kept_for_a_while_then_measured_again(factory, monkeypatch):
    monkeypatch.setattr(metrics, "_TYPICAL", {})
    now = utcnow()
    _answered_after(factory, [30, 90, 120, 150, 600])
    first = metrics.typical_first_answer_minutes(now=now)
    _answered_after(factory, [1000, 1000, 1000, 1000, 1000, 1000])

    kept = metrics.typical_first_answer_minutes(now=now + timedelta(seconds=60))
    later = metrics.typical_first_answer_minutes(now=now + timedelta(seconds=301))

    assert (first, kept, later) == (120.0, 120.0, 1000.0)


def test_duration_words_round_like_a_person():
    assert [metrics.duration_words(m) for m in (0.2, 12, 59.4, 60, 90, 47 * 60, 49 * 60)] == [
        "1 minute", "12 minutes", "59 minutes", "1 hour", "2 hours", "47 hours", "2 days"]
