"""The embedded search backend: a Whoosh index fed through a transactional outbox.

Whoosh allows one writer per index across processes. Requests never write the index inside
their transaction: they add a SearchOutbox row in the same commit, and after commit whoever
gets the index lock drains the outbox. A busy lock is never an error for the person posting;
their row waits for the next drain (the lock holder loops until the outbox is empty, searches
drain first, and `flask search sync` repairs).
"""
from __future__ import annotations

import html
import os
import re
import threading
from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from whoosh import highlight, index, writing
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.index import LockError
from whoosh.qparser import AndGroup, MultifieldParser, OrGroup
from whoosh.query import And, Or, Term

from forum.models import SearchOutbox
from forum.search import documents
from forum.search.base import SearchDocument, SearchHit, SearchPage, SearchQuery

SCHEMA = Schema(
    key=ID(unique=True, stored=True),
    doc_type=ID(stored=True),
    doc_id=NUMERIC(stored=True, numtype=int, bits=64),
    title=TEXT(stored=True, analyzer=StemmingAnalyzer(), field_boost=2.0),
    body=TEXT(stored=True, analyzer=StemmingAnalyzer()),
    category_id=ID(stored=True),
    solved=ID(stored=True),
)
DRAIN_BATCH = 200
_WORD = re.compile(r"\w+", re.UNICODE)
SNIPPET_CHARS = 220


def _fields(doc: SearchDocument) -> dict:
    return {
        "key": doc.key,
        "doc_type": doc.doc_type,
        "doc_id": doc.doc_id,
        "title": doc.title,
        "body": doc.body,
        "category_id": str(doc.category_id or ""),
        "solved": "1" if doc.solved else "0",
    }


class WhooshBackend:
    """Search over a Whoosh index in a folder of the instance."""

    def __init__(self, index_dir: str, lock_timeout: float = 1.0):
        self.index_dir = index_dir
        self.lock_timeout = lock_timeout
        self._ix = None
        self._open_lock = threading.Lock()
        self._local = threading.local()

    # -- the index ---------------------------------------------------------------------------
    def _index(self):
        with self._open_lock:
            if self._ix is None:
                os.makedirs(self.index_dir, exist_ok=True)
                try:
                    self._ix = index.open_dir(self.index_dir)
                except index.EmptyIndexError:
                    self._ix = self._create()
            return self._ix

    def _create(self):
        try:
            return index.create_in(self.index_dir, SCHEMA)
        except LockError:  # another process is creating it right now
            return index.open_dir(self.index_dir)

    def _writer(self, timeout: float):
        try:
            return self._index().writer(timeout=timeout, delay=0.02)
        except LockError:
            return None

    def _searcher(self):
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._local.searcher = self._index().searcher()
        else:
            searcher = self._local.searcher = searcher.refresh()
        return searcher

    # -- writing -----------------------------------------------------------------------------
    def record(self, session: Session, doc_type: str, doc_id: int) -> None:
        """Add an outbox row to the caller's transaction."""
        session.add(SearchOutbox(doc_type=doc_type, doc_id=doc_id))

    def after_commit(self, session: Session) -> None:
        """Drain the outbox now if the index lock can be had within lock_timeout."""
        self._drain(session, self.lock_timeout)

    def sync(self, session: Session) -> int:
        """Drain everything pending, waiting for the lock as long as it takes."""
        return self._drain(session, timeout=60.0)

    def pending(self, session: Session) -> int:
        """Outbox rows not yet applied."""
        return session.scalar(select(func.count()).select_from(SearchOutbox)) or 0

    def _drain(self, session: Session, timeout: float) -> int:
        applied = 0
        while True:
            rows = session.execute(
                select(SearchOutbox).order_by(SearchOutbox.id).limit(DRAIN_BATCH)
            ).scalars().all()
            if not rows:
                session.commit()
                return applied
            session.rollback()
            writer = self._writer(timeout)
            if writer is None:
                return applied
            rows = session.execute(  # again, under the lock: another drainer may have won
                select(SearchOutbox).order_by(SearchOutbox.id).limit(DRAIN_BATCH)
            ).scalars().all()
            self._apply(session, writer, rows)
            writer.commit()
            session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([r.id for r in rows])))
            session.commit()
            applied += len(rows)

    def _apply(self, session: Session, writer, rows: list[SearchOutbox]) -> None:
        by_type: dict[str, set[int]] = {}
        for row in rows:
            by_type.setdefault(row.doc_type, set()).add(row.doc_id)
        for doc_type, ids in by_type.items():
            for doc_id, doc in documents.load(session, doc_type, sorted(ids)).items():
                if doc is None:
                    writer.delete_by_term("key", f"{doc_type}:{doc_id}")
                else:
                    writer.update_document(**_fields(doc))

    def reindex(self, session: Session, docs: Iterable[SearchDocument]) -> int:
        """Rebuild from scratch under the lock; pending outbox rows become redundant."""
        writer = self._writer(timeout=120.0)
        if writer is None:
            raise RuntimeError("the search index stayed locked for two minutes")
        max_id = session.scalar(select(func.max(SearchOutbox.id)))
        count = 0
        for doc in docs:
            writer.add_document(**_fields(doc))
            count += 1
        writer.commit(mergetype=writing.CLEAR)
        if max_id is not None:
            session.execute(delete(SearchOutbox).where(SearchOutbox.id <= max_id))
        session.commit()
        return count

    # -- reading -----------------------------------------------------------------------------
    def search(self, session: Session, query: SearchQuery) -> SearchPage:
        """Run a query: title matches weigh double; snippets highlight the matched terms."""
        if self.pending(session):
            self._drain(session, timeout=0.05)
        group = AndGroup if query.match_all else OrGroup
        parser = MultifieldParser(["title", "body"], schema=SCHEMA, group=group)
        words = [w.lower() for w in _WORD.findall(query.text)]  # no query syntax from users
        if not words:
            return SearchPage(page=query.page, per_page=query.per_page)
        parsed = parser.parse(" ".join(words))
        searcher = self._searcher()
        page = searcher.search_page(
            parsed, query.page, pagelen=query.per_page, filter=_filter(query)
        )
        formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
        page.results.formatter = formatter
        page.results.fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)
        hits = [_hit(h, page.results) for h in page]
        return SearchPage(hits=hits, total=page.total, page=query.page, per_page=query.per_page)


def _filter(query: SearchQuery):
    terms = []
    if query.category_id is not None:
        terms.append(Term("category_id", str(query.category_id)))
    if query.solved is not None:
        terms.append(Term("solved", "1" if query.solved else "0"))
    if query.doc_types:
        terms.append(Or([Term("doc_type", t) for t in query.doc_types]))
    return And(terms) if terms else None


def _hit(hit, results) -> SearchHit:
    snippet = hit.highlights("body", top=2)
    if not snippet:
        snippet = html.escape(hit["body"][:SNIPPET_CHARS], quote=False)
    return SearchHit(
        doc_type=hit["doc_type"],
        doc_id=int(hit["doc_id"]),
        title=hit["title"],
        snippet_html=snippet,
        category_id=int(hit["category_id"]) if hit["category_id"] else None,
        solved=hit["solved"] == "1",
        score=float(hit.score or 0.0),
    )
