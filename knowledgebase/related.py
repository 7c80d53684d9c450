"""Related threads kept per thread: scored once, then read from one row on every view.

Scoring a thread against the whole question index costs tens of milliseconds at 10,000
threads; a thread page must not pay that on every view. The first view (or `flask kb related`
for a bulk import) scores it and keeps the result; it is scored again once older than
KB_RELATED_MAX_AGE, so newer similar questions join the list. Kept rows hold ids only: the
page drops any thread that has since been hidden, deleted or closed.
"""
from __future__ import annotations

from datetime import timedelta

from flask import after_this_request as _after_this_request
from flask import current_app, has_request_context
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from forum.extensions import db
from forum.models import PostStatus, Thread, utcnow
from knowledgebase.models import RelatedThreads
from knowledgebase.similarity import Match


def stored(thread_id: int) -> list[Match] | None:
    """The kept list for a thread, or None when there is none or it is too old."""
    row = db.session.get(RelatedThreads, thread_id)
    if row is None or row.computed_at < utcnow() - _max_age():
        return None
    return [Match(int(other), float(score)) for other, score in row.matches]


def remember(thread_id: int, matches: list[Match]) -> None:
    """Keep a freshly scored list: after the page is rendered when serving a request (a
    commit halfway through a template would expire what it still shows), else at once for
    the caller to commit."""
    if not has_request_context():
        _write(thread_id, matches)
        return

    @_after_this_request
    def _keep(response):
        try:
            _write(thread_id, matches)
            db.session.commit()
        except SQLAlchemyError:  # e.g. another worker kept the same thread a moment ago
            db.session.rollback()
            current_app.logger.warning("related threads for %s not kept", thread_id)
        return response


def missing(*, everything: bool = False) -> list[int]:
    """Published threads with no kept list (or all of them), oldest first."""
    query = select(Thread.id).where(Thread.status == PostStatus.PUBLISHED).order_by(Thread.id)
    if not everything:
        query = query.outerjoin(RelatedThreads, RelatedThreads.thread_id == Thread.id) \
            .where(RelatedThreads.thread_id.is_(None))
    return list(db.session.scalars(query))


def _write(thread_id: int, matches: list[Match]) -> None:
    payload = [[m.id, round(float(m.score), 4)] for m in matches]
    row = db.session.get(RelatedThreads, thread_id)
    if row is None:
        db.session.add(RelatedThreads(thread_id=thread_id, matches=payload))
    else:
        row.matches, row.computed_at = payload, utcnow()


def _max_age() -> timedelta:
    return timedelta(seconds=float(current_app.config["KB_RELATED_MAX_AGE"]))
