"""Thread views counted in memory per process and written in batches."""
from __future__ import annotations

import atexit
import threading
import time
from collections import Counter

from flask import current_app
from sqlalchemy import bindparam, update
from sqlalchemy.exc import SQLAlchemyError

from forum.extensions import db
from forum.models import (
    Thread,
)
from forum.services.transaction import commit

VIEW_FLUSH_VIEWS = 100  # write buffered views once this many have gathered in a process...
VIEW_FLUSH_SECONDS = 10.0  # ...or once the oldest of them is this old (checked on each view)


class ViewBuffer:
    """One process's views not yet written: thread id -> count, safe across request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: Counter[int] = Counter()
        self._total = 0
        self._since = 0.0

    def add(self, counts: dict[int, int]) -> None:
        """Count views (or put back views a failed flush could not write)."""
        with self._lock:
            if not self._total:
                self._since = time.monotonic()
            self._pending.update(counts)
            self._total += sum(counts.values())

    def due(self, max_views: int, max_seconds: float) -> bool:
        """Whether enough views, or old enough ones, are waiting to be written."""
        with self._lock:
            return self._total >= max_views or (
                self._total > 0 and time.monotonic() - self._since >= max_seconds
            )

    def pending(self, thread_id: int) -> int:
        """Views of one thread counted here and not yet written."""
        with self._lock:
            return self._pending.get(thread_id, 0)

    def take(self) -> dict[int, int]:
        """Everything waiting, leaving the buffer empty."""
        with self._lock:
            taken, self._pending, self._total = dict(self._pending), Counter(), 0
        return taken


_VIEW_BUFFER_LOCK = threading.Lock()


def _view_buffer() -> ViewBuffer:
    """The app's buffer, made on first use. Views still in it are written when the process
    exits normally; a test app's die with it (its database belongs to the next test)."""
    app = current_app._get_current_object()
    with _VIEW_BUFFER_LOCK:
        buffer = app.extensions.get("parley.view_buffer")
        if buffer is None:
            buffer = app.extensions["parley.view_buffer"] = ViewBuffer()
            if not app.testing:
                atexit.register(_flush_views_at_exit, app)
    return buffer


def record_view(thread: Thread) -> None:
    """Count a page view in memory; the counts reach the database in batches (flush_views).

    Writing each view cost every thread page an UPDATE and a commit (a disk sync) of its own.
    Views now gather per process and are written VIEW_FLUSH_VIEWS at a time, or once the
    oldest has waited VIEW_FLUSH_SECONDS (both app settings), and at a normal exit. The price:
    a process that is killed outright (SIGKILL, crash, power cut) loses at most those unwritten
    views, and the count shown lags behind by as many. Tests call flush_views() to write them.
    """
    buffer = _view_buffer()
    buffer.add({thread.id: 1})
    config = current_app.config
    if buffer.due(config.get("VIEW_FLUSH_VIEWS", VIEW_FLUSH_VIEWS),
                  config.get("VIEW_FLUSH_SECONDS", VIEW_FLUSH_SECONDS)):
        try:
            flush_views()
            return
        except SQLAlchemyError:  # a view count never fails the page; the views wait
            current_app.logger.warning("thread views kept for the next flush", exc_info=True)
    # End the page's read-only transaction with a COMMIT (it writes nothing) rather than the
    # ROLLBACK of the app teardown: psycopg forgets its prepared statements on every rollback,
    # and PostgreSQL then plans each of the page's queries afresh on the next view.
    db.session.commit()


def views_shown(thread: Thread) -> int:
    """A thread's view count as pages show it: the written count plus the views this process
    has counted but not yet written (else a quiet community's pages say "0 views" for a while
    after being read)."""
    buffer = current_app.extensions.get("parley.view_buffer")
    return thread.view_count + (buffer.pending(thread.id) if buffer is not None else 0)


def flush_views() -> int:
    """Write the buffered views in one commit (one UPDATE per thread); returns how many."""
    buffer = _view_buffer()
    counts = buffer.take()
    if not counts:
        return 0
    table = Thread.__table__
    stmt = (update(table).where(table.c.id == bindparam("thread_id"))
            .values(view_count=table.c.view_count + bindparam("views")))
    # thread id order, so two processes flushing at once take their row locks in one order
    rows = [{"thread_id": tid, "views": n} for tid, n in sorted(counts.items())]
    try:
        db.session.execute(stmt, rows)
        commit()
    except Exception:
        db.session.rollback()
        buffer.add(counts)  # not lost: the next flush tries again
        raise
    return sum(counts.values())


def _flush_views_at_exit(app) -> None:
    """Write what is left when the process ends; a failure is logged, never raised."""
    try:
        with app.app_context():
            flush_views()
            db.session.remove()
    except Exception:  # noqa: BLE001 (the interpreter is going away; say so and move on)
        app.logger.exception("buffered thread views could not be written at exit")
