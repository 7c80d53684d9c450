"""Several workers replying into one thread at the same moment, each with its own app, engine
and session (as separate worker processes would): every reply is stored, none fails, and the
post numbers run 1..n without a gap or a repeat. Runs on SQLite and, with TEST_DATABASE_URL,
PostgreSQL, where overlapping transactions pick the same number and the loser retries."""
from __future__ import annotations

import threading

from sqlalchemy import select

from forum import services
from forum.extensions import db
from forum.models import Post, Thread, User

WORKERS = 4
REPLIES_EACH = 5


def _reply_together(apps, thread_id: int, author_ids: list[int]) -> list[str]:
    """Worker n posts REPLIES_EACH replies as author n, all workers released at once."""
    barrier = threading.Barrier(len(apps))
    errors: list[str] = []

    def run(n: int) -> None:
        with apps[n].app_context():
            try:
                author = db.session.get(User, author_ids[n])
                barrier.wait(timeout=30)
                for i in range(REPLIES_EACH):
                    thread = db.session.get(Thread, thread_id)
                    services.reply(thread, author=author, body=f"Reply {i} from worker {n}.")
            except Exception as exc:  # reported, so the assertion shows what went wrong
                errors.append(repr(exc))
            finally:
                db.session.remove()

    workers = [threading.Thread(target=run, args=(n,)) for n in range(len(apps))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return errors


def test_concurrent_replies_one_thread_all_stored_with_distinct_numbers(app, make_app, factory):
    thread = factory.thread()
    author_ids = [factory.user().id for _ in range(WORKERS)]
    apps = [make_app() for _ in range(WORKERS)]
    errors = _reply_together(apps, thread.id, author_ids)
    assert errors == []
    db.session.expire_all()
    numbers = sorted(db.session.scalars(select(Post.number).where(Post.thread_id == thread.id)))
    assert numbers == list(range(1, WORKERS * REPLIES_EACH + 2))
    assert db.session.get(Thread, thread.id).reply_count == WORKERS * REPLIES_EACH
