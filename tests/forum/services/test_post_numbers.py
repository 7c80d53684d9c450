"""Post numbers are unique within a thread: the database refuses a second post with a taken
number, and a reply that lost the race for its number takes the next one."""
import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from forum import services
from forum.extensions import db
from forum.models import Post
from forum.services import posting


def _numbers(thread) -> list[int]:
    return list(db.session.scalars(
        select(Post.number).where(Post.thread_id == thread.id).order_by(Post.number)
    ))


def _stale_numbers(monkeypatch, *stale: int) -> list[int]:
    """Make reply's first guesses the given (taken) numbers, as if concurrent replies took
    each one between the guess and the insert; later guesses are the real ones."""
    real, calls = posting._next_number, []

    def guess(thread_id: int):
        calls.append(thread_id)
        return stale[len(calls) - 1] if len(calls) <= len(stale) else real(thread_id)

    monkeypatch.setattr(posting, "_next_number", guess)
    return calls


def test_post_numbers_same_number_twice_in_thread_refused_by_database(factory):
    thread = factory.thread()
    reply = factory.reply(thread)
    db.session.add(Post(thread_id=thread.id, number=reply.number, author_id=reply.author_id,
                        body_source="copy", body_html="<p>copy</p>"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_reply_number_taken_meanwhile_retries_with_next_number(factory, monkeypatch):
    thread = factory.thread()
    factory.reply(thread)
    calls = _stale_numbers(monkeypatch, 2)
    post = factory.reply(thread, body="The second answer, after a clash.")
    assert len(calls) == 2
    assert post.number == 3
    assert _numbers(thread) == [1, 2, 3]
    assert thread.reply_count == 2


def test_reply_number_taken_every_time_gives_up_and_stores_nothing(factory, monkeypatch):
    thread = factory.thread()
    factory.reply(thread)
    calls = _stale_numbers(monkeypatch, *[2] * services.NUMBER_ATTEMPTS)
    with pytest.raises(IntegrityError):
        factory.reply(thread, body="This one never finds a free number.")
    assert len(calls) == services.NUMBER_ATTEMPTS
    assert _numbers(thread) == [1, 2]
    assert thread.reply_count == 1


def test_reply_double_submit_past_token_check_returns_first_post(factory, monkeypatch):
    thread, author = factory.thread(), factory.user()
    first = services.reply(thread, author=author, body="Once only.", client_token="tok-9")
    real, calls = posting._existing_for_token, []

    def raced(*args):  # the first check ran before the first submit committed
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(posting, "_existing_for_token", raced)
    second = services.reply(thread, author=author, body="Once only.", client_token="tok-9")
    assert second.id == first.id
    assert db.session.scalar(select(func.count()).select_from(Post).where(
        Post.thread_id == thread.id)) == 2


def test_migration_duplicate_numbers_renumbered_before_unique_index(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'numbers.db'}")
    with app.app_context():
        upgrade(revision="4303c387aa18")  # before the unique index: races could repeat numbers
        with db.engine.begin() as conn:
            for statement in _RACED_ROWS:
                conn.execute(text(statement))
        upgrade(revision="5e7a3c9d1b20")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, thread_id, number FROM posts ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, 1, 1), (2, 1, 2), (3, 1, 3), (4, 1, 4), (5, 1, 5),
                                        (6, 2, 1), (7, 2, 2)]


_RACED_ROWS = [
    "INSERT INTO users (id, username, username_key, email, password_hash, display_name, bio, "
    "role, is_placeholder, created_at, post_count) VALUES (1, 'ann', 'ann', 'ann@example.com', "
    "'', '', '', 'customer', 0, '2025-01-01', 0)",
    "INSERT INTO categories (id, name, slug, description, position, thread_count, created_at) "
    "VALUES (1, 'Routers', 'routers', '', 1, 2, '2025-01-01')",
    *(f"INSERT INTO threads (id, title, category_id, author_id, status, reply_count, view_count, "
      f"created_at, last_activity_at) VALUES ({t}, 'A question', 1, 1, 'published', 0, 0, "
      f"'2025-01-01', '2025-01-01')" for t in (1, 2)),
    *(f"INSERT INTO posts (id, thread_id, number, author_id, body_source, body_html, status, "
      f"helpful_count, revision_count, created_at) VALUES ({pid}, {tid}, {number}, 1, 'x', "
      f"'x', 'published', 0, 1, '2025-01-01')"
      for pid, tid, number in [(1, 1, 1), (2, 1, 2), (3, 1, 2), (4, 1, 3), (5, 1, 3),
                               (6, 2, 1), (7, 2, 2)]),
]
