"""The embedded search backend: a Whoosh index fed through a transactional outbox.

Whoosh allows one writer per index across processes. Requests never write the index inside
their transaction: they add a SearchOutbox row in the same commit, and after commit whoever
gets the index lock drains the outbox. A busy lock is never an error for the person posting;
their row waits for the next drain (the lock holder loops until the outbox is empty, searches
drain first, and `flask search sync` repairs).
"""
from __future__ import annotations

import contextlib
import io
import os
import threading
import time
from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from whoosh import index, writing
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import LockError

from forum.models import SearchOutbox
from forum.search import analysis, documents, fallback, scoring
from forum.search.base import SearchDocument, SearchHit, SearchPage, SearchQuery, query_terms
from forum.search.text import ANALYZER, highlight, snippet, stems_of

TITLE_BOOST = 3.0
FIELD_BOOSTS = (("title", TITLE_BOOST), ("body", 1.0))
SCHEMA = Schema(
    key=ID(unique=True, stored=True),
    doc_type=ID(stored=True),
    doc_id=STORED(),
    # phrase=False: frequencies only, no positions (no phrase queries are offered; snippets
    # find their words themselves), which makes indexing markedly cheaper
    title=TEXT(stored=True, analyzer=ANALYZER, phrase=False),
    body=TEXT(stored=True, analyzer=ANALYZER, phrase=False),
    category_id=ID(stored=True),
    solved=ID(stored=True),
)
DRAIN_BATCH = 200
SEARCH_DRAIN_TIMEOUT = 0.05  # a search waits this long for the lock, then reads what is there
WRITELOCK = f"{index._DEF_INDEX_NAME}_WRITELOCK"  # the lock every Whoosh writer takes
VERSION_FILE = "parley-analysis"  # the analysis VERSION the index was built with


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


# Segment files are written once and never changed; each process keeps the bytes of the ones
# it has read, so a new searcher after a commit reads only the new segments.
_SEGMENTS: dict[str, tuple[tuple[int, int], bytes]] = {}
_SEGMENTS_LOCK = threading.Lock()


class _ReadIntoMemory(FileStorage):
    """The index folder, read into memory instead of mmap'ed. A segment file truncated or
    rewritten under an open mapping raises SIGBUS and kills the worker; read this way the
    open searchers keep their copy and the next open of the damaged file is an exception,
    which the search facade answers from the database (forum.search.fallback). No file
    stays open either. The cost is the index's size in each process's memory; communities
    too large for that use the PostgreSQL backend (README)."""

    def __init__(self, path: str):
        super().__init__(path, supports_mmap=False)

    def open_file(self, name, **kwargs):
        path = self._fpath(name)
        with open(path, "rb") as raw:
            stat = os.fstat(raw.fileno())
            key = (stat.st_size, stat.st_mtime_ns)
            if not name.endswith(".seg"):  # tables of contents and files being assembled
                return StructFile(io.BytesIO(raw.read()), name=name, **kwargs)
            with _SEGMENTS_LOCK:
                cached = _SEGMENTS.get(path)
            if cached is not None and cached[0] == key:
                data = cached[1]
            else:
                data = raw.read()
                _remember_segment(path, key, data)
        return StructFile(io.BytesIO(data), name=name, **kwargs)


def _remember_segment(path: str, key: tuple[int, int], data: bytes) -> None:
    with _SEGMENTS_LOCK:
        for known in [p for p in _SEGMENTS if not os.path.exists(p)]:
            del _SEGMENTS[known]  # merged away or deleted: the searchers holding it keep it
        _SEGMENTS[path] = (key, data)


class WhooshBackend:
    """Search over a Whoosh index in a folder of the instance."""

    def __init__(self, index_dir: str, lock_timeout: float = 1.0):
        self.index_dir = index_dir
        self.lock_timeout = lock_timeout
        self._ix = None
        self._open_lock = threading.Lock()
        self._local = threading.local()
        self._postings = scoring.PostingsCache()
        self._vanished = False  # the folder was deleted under an open index: searches fail over

    # -- the index ---------------------------------------------------------------------------
    def _index(self):
        """The open index; reopened (or created) when the folder was wiped."""
        with self._open_lock:
            if self._ix is None or not os.path.isdir(self.index_dir):
                self._vanished = self._vanished or self._ix is not None
                self._ix = self._open_or_create()
            return self._ix

    def _open_or_create(self):
        os.makedirs(self.index_dir, exist_ok=True)
        try:
            return _ReadIntoMemory(self.index_dir).open_index()
        except index.EmptyIndexError:
            pass
        # create_in wipes the folder's index files, so only create under the writers' lock,
        # after checking again that no other process created (and filled) it meanwhile
        lock = FileStorage(self.index_dir).lock(WRITELOCK)  # what ix.lock("WRITELOCK") opens
        if not _acquire(lock, timeout=30.0):
            raise LockError("the search index stayed locked while being created")
        try:
            try:
                return _ReadIntoMemory(self.index_dir).open_index()
            except index.EmptyIndexError:
                created = _ReadIntoMemory(self.index_dir).create_index(SCHEMA)
                self._write_version()  # an empty index is current
                return created
        finally:
            lock.release()

    def _recreate(self):
        """A new empty index with today's schema, under the lock the caller holds."""
        ix = _ReadIntoMemory(self.index_dir).create_index(SCHEMA)
        with self._open_lock:
            self._ix = ix
        self._postings = scoring.PostingsCache()
        return ix

    def _write_version(self) -> None:
        path = os.path.join(self.index_dir, VERSION_FILE)
        with open(f"{path}.tmp", "w", encoding="ascii") as out:
            out.write(str(analysis.VERSION))
        os.replace(f"{path}.tmp", path)  # atomic: a reader sees the old or the new version

    def analysis_version(self, session: Session) -> int | None:
        """The folding the index was built under (1: before folding existed)."""
        self._index()
        try:
            with open(os.path.join(self.index_dir, VERSION_FILE), encoding="ascii") as found:
                return int(found.read().strip())
        except (OSError, ValueError):
            return 1

    def stale(self, session: Session) -> bool:
        """Built under another folding and holding documents: `search sync` rebuilds it."""
        if self.analysis_version(session) == analysis.VERSION:
            return False
        return self._index().doc_count() > 0

    @contextlib.contextmanager
    def _locked(self, timeout: float):
        """Hold the index's writer lock (the one every Whoosh writer takes) for a whole step.

        Yields the index, or None when the lock stayed busy for `timeout` seconds. Outbox rows
        are deleted before the lock is let go: SQLite reuses the ids of deleted rows, so a
        drainer deleting by id after releasing could delete a newer row that took an old id.
        """
        ix = self._index()
        lock = ix.lock("WRITELOCK")
        if not _acquire(lock, timeout=timeout):
            yield None
            return
        try:
            yield ix
        finally:
            lock.release()

    def _searcher(self):
        """This thread's searcher, reopened whenever a writer committed a new generation.

        Not Searcher.refresh(): Whoosh-Reloaded 2.7.5 re-adds the previous reader's segments
        to the new ones, so deleted documents and merged-away segments would come back.
        """
        ix = self._index()
        local = self._local
        searcher = getattr(local, "searcher", None)
        if searcher is not None:
            if local.ix is ix and ix.latest_generation() == searcher.reader().generation():
                return searcher
            searcher.close()
        local.ix, local.searcher, local.docsets = ix, ix.searcher(), {}
        return local.searcher

    def _docset(self, searcher, field: str, value: str) -> frozenset[int]:
        """Documents holding a term, remembered for as long as this searcher lives."""
        key = (field, value)
        docsets = self._local.docsets
        if key not in docsets:
            docsets[key] = _term_docs(searcher, self._postings, field, value)
        return docsets[key]

    def _allowed(self, searcher, query: SearchQuery) -> set[int] | None:
        """The filters as a set of document numbers (None: no filter). Whoosh would turn a
        filter query into such a set on every search; the common ones are cached instead."""
        sets = []
        if query.category_id is not None:
            sets.append(self._docset(searcher, "category_id", str(query.category_id)))
        if query.solved is not None:
            sets.append(self._docset(searcher, "solved", "1" if query.solved else "0"))
        if query.thread_ids is not None:  # a tag's threads: not cached, tags change freely
            found = (searcher.document_number(key=f"thread:{thread_id}")
                     for thread_id in query.thread_ids)
            sets.append(frozenset(docnum for docnum in found if docnum is not None))
        if query.doc_types and not set(searcher.reader().field_terms("doc_type")) <= set(
            query.doc_types
        ):  # a filter that keeps every document is skipped
            sets.append(frozenset().union(
                *(self._docset(searcher, "doc_type", t) for t in query.doc_types)
            ))
        if not sets:
            return None
        return set(sets[0]).intersection(*sets[1:])

    def _boosts(self, searcher) -> list[tuple[frozenset[int], float]]:
        """Each boosted document type's documents (cached like the filters) and factor."""
        pairs = [(self._docset(searcher, "doc_type", doc_type), factor)
                 for doc_type, factor in documents.boosts().items()]
        docsets, key = self._local.docsets, ("solved", documents.SOLVED_BOOST_TYPE)
        if key not in docsets:  # solved threads, kept for as long as the searcher lives
            docsets[key] = self._docset(searcher, "solved", "1") & self._docset(
                searcher, "doc_type", documents.SOLVED_BOOST_TYPE)
        pairs.append((docsets[key], documents.SOLVED_BOOST))
        return [(docs, factor) for docs, factor in pairs if docs]

    def close(self) -> None:
        """Close this thread's searcher (its open files)."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None

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
        """Apply outbox rows in batches while this process can get the index lock."""
        applied = 0
        while _outbox_batch(session, limit=1):
            session.rollback()  # hold no database transaction while waiting for the lock
            with self._locked(timeout) as ix:
                if ix is None:
                    return applied
                applied += self._apply_batch(session, ix)
        session.rollback()
        return applied

    def _apply_batch(self, session: Session, ix) -> int:
        """Under the lock: index one batch, commit the index, then delete those rows."""
        rows = _outbox_batch(session, limit=DRAIN_BATCH)  # again: another drainer may have won
        writer = ix.writer(_lk=False)  # _lk=False: this process already holds the lock
        try:
            self._apply(session, writer, rows)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        if rows:
            session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([r[0] for r in rows])))
        session.commit()
        return len(rows)

    def _apply(self, session: Session, writer, rows: list) -> None:
        by_type: dict[str, set[int]] = {}
        for _row_id, doc_type, doc_id in rows:
            by_type.setdefault(doc_type, set()).add(doc_id)
        for doc_type, ids in by_type.items():
            for doc_id, doc in documents.load(session, doc_type, sorted(ids)).items():
                if doc is None:
                    writer.delete_by_term("key", f"{doc_type}:{doc_id}")
                else:
                    writer.update_document(**_fields(doc))

    def reindex(self, session: Session, docs: Iterable[SearchDocument]) -> int:
        """Rebuild from scratch under the lock; pending outbox rows become redundant."""
        with self._locked(timeout=120.0) as ix:
            if ix is None:
                raise RuntimeError("the search index stayed locked for two minutes")
            max_id = session.scalar(select(func.max(SearchOutbox.id)))
            if self.analysis_version(session) != analysis.VERSION:
                ix = self._recreate()  # the old schema's analyser would index unfolded text
            return self._fill(session, ix, docs, max_id)

    def rebuild(self, session: Session, docs: Iterable[SearchDocument]) -> int:
        """A new index for one that is missing or damaged: never opens the old files, which
        may not read; takes the writers' lock by path, as creating an index does."""
        os.makedirs(self.index_dir, exist_ok=True)
        lock = FileStorage(self.index_dir).lock(WRITELOCK)
        if not _acquire(lock, timeout=120.0):
            raise LockError("the search index stayed locked for two minutes")
        try:
            max_id = session.scalar(select(func.max(SearchOutbox.id)))
            ix = self._recreate()
            self._vanished = False
            return self._fill(session, ix, docs, max_id)
        finally:
            lock.release()

    def _fill(self, session: Session, ix, docs: Iterable[SearchDocument], max_id) -> int:
        """Write every document as the only contents of ix; drop the outbox up to max_id."""
        writer = ix.writer(_lk=False, limitmb=256)
        try:
            count = 0
            for doc in docs:
                writer.add_document(**_fields(doc))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=writing.CLEAR)
        self._write_version()
        if max_id is not None:
            session.execute(delete(SearchOutbox).where(SearchOutbox.id <= max_id))
        session.commit()
        return count

    # -- reading -----------------------------------------------------------------------------
    def search(self, session: Session, query: SearchQuery) -> SearchPage:
        """Run a query: BM25F over title (weighing triple) and body, times the document type's
        boost; snippets mark the words."""
        empty = SearchPage(page=query.page, per_page=query.per_page)
        if self.pending(session):
            self._drain(session, timeout=SEARCH_DRAIN_TIMEOUT)
        terms = query_terms(query)
        words = alternatives(terms)
        if not words:
            return empty
        searcher = self._searcher()
        if self._vanished or (searcher.doc_count_all() == 0
                              and fallback.any_documents(session)):
            raise fallback.IndexMissing("the search index is empty or its folder was deleted")
        allowed = self._allowed(searcher, query)
        if allowed is not None and not allowed:
            return empty
        ranked = scoring.rank(
            searcher, self._postings, words, match_all=query.match_all, allowed=allowed,
            limit=query.page * query.per_page, boosts=self._boosts(searcher),
        )
        start = (query.page - 1) * query.per_page
        stems = stems_of([word for term in terms for word in term])
        hits = [_hit(searcher.stored_fields(docnum), score, stems)
                for score, docnum in ranked.top[start : start + query.per_page]]
        return SearchPage(hits=hits, total=ranked.total, page=query.page,
                          per_page=query.per_page)


def alternatives(terms: list[tuple[str, ...]]) -> list[list[tuple[str, str, float]]]:
    """Per query word that is not a stop word: its stem, and its synonyms' stems, in the
    title and in the body."""
    out = []
    for term in terms:
        stems = sorted({token.text for word in term for token in ANALYZER(word)})
        if stems:
            out.append([(field, stem, boost) for field, boost in FIELD_BOOSTS for stem in stems])
    return out


def _term_docs(searcher, cache: scoring.PostingsCache, field: str, text: str) -> frozenset[int]:
    """Every live document holding a term, across segments."""
    docs: set[int] = set()
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if reader.segment() is None:
            continue
        ids = set(cache.postings(reader, field, text)[0])
        if reader.has_deletions():
            ids -= reader.deleted_docs_set
        docs.update(map(offset.__add__, ids) if offset else ids)
    return frozenset(docs)


def _outbox_batch(session: Session, *, limit: int) -> list:
    return session.execute(
        select(SearchOutbox.id, SearchOutbox.doc_type, SearchOutbox.doc_id)
        .order_by(SearchOutbox.id)
        .limit(limit)
    ).all()


def _acquire(lock, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not lock.acquire(blocking=False):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _hit(fields: dict, score: float, stems: frozenset[str]) -> SearchHit:
    return SearchHit(
        doc_type=fields["doc_type"],
        doc_id=int(fields["doc_id"]),
        title=fields["title"],
        title_html=highlight(fields["title"], stems),
        snippet_html=snippet(fields["body"], stems),
        category_id=int(fields["category_id"]) if fields["category_id"] else None,
        solved=fields["solved"] == "1",
        score=score,
    )
