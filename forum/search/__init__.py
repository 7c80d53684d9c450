"""Search: one facade over the configured backend (Whoosh embedded, PostgreSQL at scale).

Services call record() before their commit and after_commit() after it; views call run().
"""
from __future__ import annotations

from dataclasses import replace

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from forum.search import documents, fallback, fusion, synonyms
from forum.search.base import SearchBackend, SearchHit, SearchPage, SearchQuery, query_words

__all__ = ["SearchHit", "SearchPage", "SearchQuery", "backend", "expand_query", "make_backend",
           "run", "sync"]

MAX_QUERY_CHARS = 200
MAX_PAGE = 100
MAX_PER_PAGE = 50


def make_backend(config: dict, dialect: str) -> SearchBackend:
    """Pick the backend: 'auto' means PostgreSQL's own search on PostgreSQL, else Whoosh."""
    choice = config.get("SEARCH_BACKEND", "auto")
    if choice == "auto":
        choice = "postgres" if dialect == "postgresql" else "whoosh"
    if choice == "postgres":
        from forum.search.postgres import PostgresBackend

        return PostgresBackend()
    from forum.search.whoosh import WhooshBackend

    return WhooshBackend(
        config["SEARCH_INDEX_DIR"], lock_timeout=float(config.get("SEARCH_LOCK_TIMEOUT", 1.0))
    )


def backend() -> SearchBackend:
    """The running app's backend."""
    return current_app.extensions["parley.search"]


def record(session: Session, doc_type: str, doc_id: int) -> None:
    """Note a changed document inside the current transaction."""
    backend().record(session, doc_type, doc_id)


def after_commit(session: Session) -> None:
    """Let the backend catch up once the change is committed; never raises to the user."""
    try:
        backend().after_commit(session)
    except Exception:  # the outbox keeps the change; sync or the next drain applies it
        current_app.logger.exception("search index update deferred")
        session.rollback()


def clean_query(text: str) -> str:
    """Trim a query to something worth running: printable, bounded, stripped."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in (text or ""))
    return " ".join(cleaned.split())[:MAX_QUERY_CHARS]


def bounded(query: SearchQuery) -> SearchQuery:
    """The query with its text cleaned and its page and page size kept in range."""
    return replace(
        query,
        text=clean_query(query.text),
        page=min(max(1, int(query.page)), MAX_PAGE),
        per_page=min(max(1, int(query.per_page)), MAX_PER_PAGE),
    )


def run(session: Session, query: SearchQuery) -> SearchPage:
    """Search with every term required; if nothing matches them all, show partial matches.

    Any text is safe here: junk, query syntax or a huge paste gives an empty page, not an error.
    """
    query = bounded(query)
    if not query_words(query.text):
        return SearchPage(page=query.page, per_page=query.per_page)
    query = replace(query, synonyms=synonyms.for_query(session, query.text))
    provider = current_app.extensions.get(fusion.EXTENSION)
    if provider is None or query.page * query.per_page > fusion.DEPTH:
        return _lexical(session, query)
    lexical = _lexical(session, replace(query, page=1, per_page=fusion.DEPTH))
    return fusion.fuse(session, query, lexical, _neighbours(provider, query))


def _lexical(session: Session, query: SearchQuery) -> SearchPage:
    result = _guarded(session, query)
    if result.total == 0 and query.match_all and len(query_words(query.text)) > 1:
        result = _guarded(session, replace(query, match_all=False))
        result.partial = result.total > 0
    return result


def _guarded(session: Session, query: SearchQuery) -> SearchPage:
    """The backend's answer, or the database's while the index is missing, damaged or being
    rebuilt (forum.search.fallback). Database errors are not index faults: they propagate."""
    app = current_app._get_current_object()
    if fallback.state(app).active:
        return fallback.search(session, query)
    try:
        return backend().search(session, query)
    except SQLAlchemyError:
        raise
    except Exception as exc:  # a deleted, truncated or corrupted index
        fallback.report(app, exc, _rebuild_index)
        return fallback.search(session, query)


def _rebuild_index(app) -> None:
    """A fresh index from the database, in an app context of its own (a background thread)."""
    from forum.extensions import db

    with app.app_context():
        try:
            backend().rebuild(db.session, documents.all_documents(db.session))
        finally:
            db.session.remove()


def _neighbours(provider, query: SearchQuery) -> list[tuple[str, int, float]]:
    """The vector side of the ranking; lexical alone if the provider fails (logged)."""
    try:
        return provider(query.text, limit=fusion.DEPTH, doc_types=query.doc_types)
    except Exception:  # a broken or warming vector index must not break search
        current_app.logger.exception("vector search failed; lexical results only")
        return []


def reindex(session: Session) -> int:
    """Rebuild the whole index from the database."""
    return backend().reindex(session, documents.all_documents(session))


def sync(session: Session) -> tuple[int, int | None]:
    """Bring the index up to date: apply pending changes, and rebuild it when it was built
    under another folding (forum.search.analysis.VERSION). Returns (changes applied,
    documents reindexed or None)."""
    applied = backend().sync(session)
    if backend().stale(session):
        return applied, reindex(session)
    return applied, None


def expand_query(session: Session, text: str) -> str:
    """The text with the staff synonyms of its words added, for plain-text matchers."""
    return synonyms.expand_query(session, text)
