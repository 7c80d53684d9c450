"""When the search index is missing or damaged: answer from the database, rebuild behind.

A deleted index folder used to give a 500 on the first search and an empty page on every
later one until someone ran `flask search reindex`; damaged segments gave a 500 on every
search. Now the facade (forum.search.run) catches the fault, answers the same query with a
plain database match (every word in the title or a published post, LIKE), tells staff on the
search page, and rebuilds the index once in a background thread. Database errors are not
index faults and still propagate (the app answers those with a 503).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, case, exists, or_, select
from sqlalchemy.orm import Session

from forum.models import Post, PostStatus, Thread
from forum.search import documents
from forum.search.base import SearchPage, SearchQuery, query_terms, query_words
from forum.search.fusion import hit_of, passes
from forum.search.text import stems_of

EXTENSION = "parley.search.fault"
MAX_MATCHES = 200  # the fallback is a stopgap: the first 200 matches, newest first

log = logging.getLogger(__name__)


class IndexMissing(RuntimeError):
    """The index holds nothing while the database holds searchable documents."""


@dataclass
class FaultState:
    """One app's view of its index: when it failed, why, and whether a rebuild runs."""

    since: datetime | None = None
    error: str = ""
    rebuilding: bool = False
    rebuilds: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    thread: threading.Thread | None = None

    @property
    def active(self) -> bool:
        """True while searches are answered by the fallback."""
        return self.since is not None


def state(app) -> FaultState:
    """The app's fault state (created on first use)."""
    return app.extensions.setdefault(EXTENSION, FaultState())


def report(app, exc: BaseException, rebuild) -> None:
    """Note an index fault and start one rebuild (rebuild(app) does the work)."""
    fault = state(app)
    with fault.lock:
        if fault.since is None:
            fault.since, fault.error = datetime.now(UTC), f"{type(exc).__name__}: {exc}"
        if fault.rebuilding:
            return
        fault.rebuilding = True
    log.error("search index fault (%s); answering from the database and rebuilding",
              fault.error)
    if app.config.get("SEARCH_REBUILD_IN_BACKGROUND", True):
        fault.thread = threading.Thread(target=_rebuild, args=(app, rebuild), daemon=True,
                                        name="search-rebuild")
        fault.thread.start()
    else:
        _rebuild(app, rebuild)


def _rebuild(app, rebuild) -> None:
    fault = state(app)
    try:
        rebuild(app)
        with fault.lock:
            fault.since, fault.error = None, ""
            fault.rebuilds += 1
        log.warning("search index rebuilt after a fault")
    except Exception:  # the next search reports again and retries
        log.exception("search index rebuild failed")
    finally:
        with fault.lock:
            fault.rebuilding = False


def any_documents(session: Session) -> bool:
    """Whether the database holds at least one searchable thread."""
    found = session.scalar(select(Thread.id).where(Thread.status == PostStatus.PUBLISHED)
                           .limit(1))
    return found is not None


def search(session: Session, query: SearchQuery) -> SearchPage:
    """The query answered from the database: threads holding every word (or any word when
    match_all is off), solved first, then newest; the page says it came from the fallback."""
    empty = SearchPage(page=query.page, per_page=query.per_page, fallback=True)
    terms = query_terms(query)
    if not terms or (query.doc_types and "thread" not in query.doc_types):
        return empty
    ids = _matching_threads(session, query, terms)
    docs = documents.load(session, "thread", ids)
    stems = stems_of([word for term in terms for word in term])
    hits = [hit_of(doc, stems) for doc in (docs[i] for i in ids)
            if doc is not None and passes(doc, query)]
    start = (query.page - 1) * query.per_page
    return SearchPage(hits=hits[start:start + query.per_page], total=len(hits),
                      page=query.page, per_page=query.per_page, fallback=True)


def _matching_threads(session: Session, query: SearchQuery, terms) -> list[int]:
    conditions = [or_(*(_holds(word) for word in term)) for term in terms]
    where = and_(*conditions) if query.match_all else or_(*conditions)
    stmt = select(Thread.id).where(Thread.status == PostStatus.PUBLISHED, where)
    if query.category_id is not None:
        stmt = stmt.where(Thread.category_id == query.category_id)
    if query.thread_ids is not None:
        stmt = stmt.where(Thread.id.in_(sorted(query.thread_ids)))
    if query.solved is not None:
        solved = Thread.accepted_post_id.is_not(None)
        stmt = stmt.where(solved if query.solved else Thread.accepted_post_id.is_(None))
    unsolved_last = case((Thread.accepted_post_id.is_(None), 1), else_=0)
    stmt = stmt.order_by(unsolved_last, Thread.id.desc()).limit(MAX_MATCHES)
    return list(session.scalars(stmt))


def _holds(word: str):
    pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    in_post = exists(select(Post.id).where(
        Post.thread_id == Thread.id, Post.status == PostStatus.PUBLISHED,
        Post.body_html.ilike(pattern, escape="\\")))
    return or_(Thread.title.ilike(pattern, escape="\\"), in_post)


__all__ = ["IndexMissing", "FaultState", "any_documents", "query_words", "report", "search",
           "state"]
