"""Service tests for the JSON Lines importer: good lines kept, bad lines reported, counters,
rendering, revisions, placeholders and search all as if the posts had been typed."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from forum import importing, search, services
from forum.extensions import db
from forum.models import (
    Category,
    Notification,
    Post,
    PostRevision,
    Role,
    Subscription,
    Thread,
    User,
)
from forum.search import SearchQuery
from tests.conftest import PASSWORD


def line(**fields) -> str:
    """One JSON Lines record."""
    return json.dumps(fields)


def question(n: int = 1, **extra) -> str:
    """A valid question line."""
    return line(title=f"How do I reset router number {n}?", body=f"Question body {n}.", **extra)


def _threads() -> list[Thread]:
    return list(db.session.scalars(select(Thread).order_by(Thread.id)))


def _posts(thread: Thread) -> list[Post]:
    return list(db.session.scalars(
        select(Post).where(Post.thread_id == thread.id).order_by(Post.number)
    ))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# -- good lines --------------------------------------------------------------------------------
def test_import_lines_good_lines_creates_threads_replies_and_revisions(app):
    report = importing.import_lines([
        question(1, replies=[{"body": "Try **unplugging** it."}, {"body": "Worked, thanks."}]),
        question(2),
    ])
    assert (report.threads, report.replies, report.errors) == (2, 2, [])
    first, second = _threads()
    posts = _posts(first)
    assert [p.number for p in posts] == [1, 2, 3]
    assert "<strong>unplugging</strong>" in posts[1].body_html
    assert first.reply_count == 2 and second.reply_count == 0
    assert _count(PostRevision) == 4
    question_revision = db.session.scalar(
        select(PostRevision).where(PostRevision.post_id == posts[0].id)
    )
    assert question_revision.title == first.title


def test_import_lines_missing_author_uses_imported_placeholder(app):
    importing.import_lines([question(1), question(2, replies=[{"body": "Me too."}])])
    users = list(db.session.scalars(select(User)))
    assert [u.username for u in users] == ["imported"]
    placeholder = users[0]
    assert placeholder.is_placeholder and placeholder.password_hash == ""
    assert placeholder.post_count == 3
    assert services.authenticate("imported", "") is None


def test_import_lines_unknown_author_creates_sanitised_placeholder(app):
    importing.import_lines([question(1, author="José García!")])
    user = services.get_user("Jose_Garcia")
    assert user is not None and user.is_placeholder
    assert user.display_name == "José García!"
    assert _threads()[0].author_id == user.id
    assert services.authenticate(user.username, PASSWORD) is None


def test_import_lines_existing_author_keeps_real_user_and_follows(factory):
    alice = factory.user("alice")
    importing.import_lines([question(1, author="Alice", replies=[{"body": "Anyone?"}])])
    db.session.refresh(alice)
    assert alice.post_count == 1
    thread = _threads()[0]
    assert thread.author_id == alice.id
    follows = db.session.scalars(select(Subscription.user_id).where(
        Subscription.thread_id == thread.id)).all()
    assert follows == [alice.id]  # placeholders follow nothing


@pytest.mark.parametrize(("name", "expected"), [
    ("bob", "bob"),
    ("Bob Smith", "Bob_Smith"),
    ("..dots-first", "dots-first"),
    ("jo", "jo_"),
    ("x" * 40, "x" * 32),
    ("Zoë", "Zoe"),
])
def test_placeholder_username_invalid_characters_give_valid_username(name, expected):
    assert importing.placeholder_username(name) == expected
    assert services.USERNAME_RE.match(expected)


def test_placeholder_username_no_latin_letters_gives_stable_hashed_name():
    first = importing.placeholder_username("李雷")
    assert first.startswith("imported_") and services.USERNAME_RE.match(first)
    assert importing.placeholder_username("李雷") == first
    assert importing.placeholder_username("韩梅梅") != first


def test_import_lines_missing_category_created_and_default_is_general(app):
    importing.import_lines([question(1, category="Billing & plans"), question(2)])
    names = set(db.session.scalars(select(Category.name)))
    assert names == {"Billing & plans", "General"}
    counts = dict(db.session.execute(select(Category.name, Category.thread_count)).all())
    assert counts == {"Billing & plans": 1, "General": 1}


def test_import_lines_existing_category_matched_without_case(factory):
    billing = factory.category("Billing")
    importing.import_lines([question(1, category="billing")])
    assert _count(Category) == 1
    assert _threads()[0].category_id == billing.id


def test_import_lines_accepted_reply_marks_thread_solved(app):
    importing.import_lines([question(1, replies=[
        {"body": "Wrong guess."}, {"body": "The right answer.", "accepted": True},
    ])])
    thread = _threads()[0]
    assert thread.solved
    assert thread.accepted_post.body_source == "The right answer."


def test_import_lines_staff_reply_sets_first_staff_reply_time(factory):
    factory.user("sam", role=Role.STAFF)
    importing.import_lines([question(1, created_at="2023-01-01T09:00:00Z", replies=[
        {"body": "Customer guess.", "created_at": "2023-01-01T10:00:00Z"},
        {"body": "Staff answer.", "author": "sam", "created_at": "2023-01-01T11:30:00Z"},
    ])])
    assert _threads()[0].first_staff_reply_at == datetime(2023, 1, 1, 11, 30)


def test_import_lines_created_at_preserved_as_naive_utc(app):
    importing.import_lines([question(1, created_at="2021-03-04T05:06:07Z", replies=[
        {"body": "Later.", "created_at": "2021-03-05T12:00:00+02:00"},
        {"body": "No date keeps its place."},
    ])])
    thread = _threads()[0]
    posts = _posts(thread)
    assert thread.created_at == posts[0].created_at == datetime(2021, 3, 4, 5, 6, 7)
    assert posts[1].created_at == datetime(2021, 3, 5, 10, 0)
    assert posts[2].created_at == posts[1].created_at
    assert thread.last_activity_at == datetime(2021, 3, 5, 10, 0)


def test_import_lines_mention_links_without_notifying(factory):
    factory.user("bob")
    importing.import_lines([question(1, replies=[{"body": "Ask @bob about it."}])])
    reply = _posts(_threads()[0])[1]
    assert 'class="mention"' in reply.body_html
    assert _count(Notification) == 0


def test_import_lines_threads_found_by_search(app):
    importing.import_lines([
        line(title="Voicemail greeting will not change", body="I recorded a zanzibar greeting."),
        question(2, replies=[{"body": "Mention the quokka setting."}]),
    ])
    search.backend().sync(db.session)
    found = search.run(db.session, SearchQuery(text="zanzibar"))
    assert [h.title for h in found.hits] == ["Voicemail greeting will not change"]
    assert search.run(db.session, SearchQuery(text="quokka")).total == 1


# -- bad lines ---------------------------------------------------------------------------------
def test_import_lines_bad_json_on_line_3_reported_and_rest_kept(app):
    report = importing.import_lines([question(1), question(2), '{"title": "broken', question(4)])
    assert report.threads == 3
    assert [n for n, _ in report.errors] == [3]
    assert report.errors[0][1].startswith("invalid JSON")


@pytest.mark.parametrize(("text", "reason"), [
    ('["a list"]', "not a JSON object"),
    (line(body="No title here."), "title is missing"),
    (line(title=42, body="Numbers are not titles."), "title must be a string"),
    (line(title="Short", body="Too short a title."), "title: Please make the title"),
    (line(title="A perfectly good title"), "body is missing"),
    (line(title="A perfectly good title", body="   "), "body is missing"),
    (question(1, created_at="yesterday"), "created_at is not an ISO-8601 date"),
    (question(1, replies="none"), "replies must be a list"),
    (question(1, replies=[{"author": "x"}]), "reply 1 body is missing"),
    (question(1, replies=[{"body": "ok", "accepted": "yes"}]), "reply 1: accepted must be"),
    (question(1, replies=[{"body": "ok", "created_at": "31/12/2020"}]), "reply 1 created_at"),
    (question(1, category="X"), "category: Category names are 2 to 64 characters."),
])
def test_import_lines_invalid_line_reported_with_reason_and_skipped(app, text, reason):
    report = importing.import_lines([question(0), text])
    assert report.threads == 1
    assert len(report.errors) == 1
    number, message = report.errors[0]
    assert number == 2 and message.startswith(reason), message


def test_import_lines_bom_blank_and_invalid_utf8_lines_handled(app):
    with_bom = b"\xef\xbb\xbf" + question(1).encode()
    report = importing.import_lines([with_bom, b"\n", b"\xff\xfe{}\n", question(4)])
    assert report.threads == 2
    assert report.errors == [(3, "not valid UTF-8")]


def test_import_lines_database_refusal_keeps_every_other_line(app, monkeypatch):
    real_finish = importing._finish

    def failing_finish(plan):
        if plan.record.line == 2:
            raise OperationalError("INSERT", {}, Exception("disk trouble"))
        real_finish(plan)

    monkeypatch.setattr(importing, "_finish", failing_finish)
    report = importing.import_lines([question(n, author=f"person{n}") for n in range(1, 5)])
    assert report.threads == 3
    assert report.errors == [(2, "could not be saved (OperationalError)")]
    assert len(_threads()) == 3
    assert services.get_user("person3") is not None and services.get_user("person2") is None


def test_import_lines_small_batches_keep_counters_right(app):
    lines = [question(n, category="Billing", replies=[{"body": "Reply."}]) for n in range(7)]
    report = importing.import_lines(lines, batch_size=3)
    assert (report.threads, report.replies) == (7, 7)
    category = db.session.scalar(select(Category))
    assert category.thread_count == 7
    assert services.get_user("imported").post_count == 14


def test_import_file_unreadable_path_raises_oserror(app, tmp_path):
    with pytest.raises(OSError):
        importing.import_file(tmp_path / "missing.jsonl")


def test_parse_datetime_without_zone_taken_as_utc():
    assert importing.parse_datetime("2020-02-02T10:00:00") == datetime(2020, 2, 2, 10, 0)
    assert importing.parse_datetime("2020-02-02") == datetime(2020, 2, 2)
    assert importing.parse_datetime(None) is None
