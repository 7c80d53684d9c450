"""The search seam: documents, queries, results and the protocol every backend keeps."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from forum.search.analysis import fold_query

MAX_QUERY_WORDS = 32
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def query_words(text: str) -> list[str]:
    """The words of a query, folded (forum.search.analysis) and lower-cased, first occurrence
    only: no query syntax from users."""
    words = dict.fromkeys(w.lower() for w in _WORD.findall(fold_query(text or "")))
    return list(words)[:MAX_QUERY_WORDS]


def query_terms(query: SearchQuery) -> list[tuple[str, ...]]:
    """Per query word, the words that may stand for it: itself, then its staff synonyms."""
    synonyms = dict(query.synonyms)
    return [(word, *synonyms.get(word, ())) for word in query_words(query.text)]


@dataclass(frozen=True)
class SearchDocument:
    """One searchable thing (a thread now; help articles later), as plain text."""

    doc_type: str
    doc_id: int
    title: str
    body: str
    category_id: int | None = None
    solved: bool = False
    created_at: datetime | None = None

    @property
    def key(self) -> str:
        """Unique key across document types."""
        return f"{self.doc_type}:{self.doc_id}"


@dataclass(frozen=True)
class SearchQuery:
    """What the person asked for; filters are optional."""

    text: str
    page: int = 1
    per_page: int = 10
    category_id: int | None = None
    solved: bool | None = None
    doc_types: tuple[str, ...] = ()
    match_all: bool = True
    # only these threads (a tag filter: forum.queries.tagged_thread_ids); None: no filter
    thread_ids: frozenset[int] | None = None
    # (query word, its synonyms) pairs, filled by the facade from the staff's synonym list
    synonyms: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class SearchHit:
    """One result; snippet_html and title_html are escaped text with <mark> around matched
    terms (title_html is the whole title)."""

    doc_type: str
    doc_id: int
    title: str
    snippet_html: str
    category_id: int | None
    solved: bool
    score: float
    title_html: str = ""


@dataclass
class SearchPage:
    """A page of results and the total number of matches."""

    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 10
    partial: bool = False  # True when no result held every term and partial matches are shown
    fallback: bool = False  # True when the index failed and the database answered

    @property
    def pages(self) -> int:
        """How many pages the total spans."""
        return max(1, -(-self.total // self.per_page))


DocumentLoader = Callable[[Session, list[int]], dict[int, SearchDocument | None]]


class SearchBackend(Protocol):
    """What the forum needs from a search engine."""

    def record(self, session: Session, doc_type: str, doc_id: int) -> None:
        """Note, inside the caller's transaction, that a document changed."""

    def after_commit(self, session: Session) -> None:
        """Bring the index up to date once the transaction is committed."""

    def search(self, session: Session, query: SearchQuery) -> SearchPage:
        """Run a query."""

    def reindex(self, session: Session, documents: Iterable[SearchDocument]) -> int:
        """Replace the whole index with these documents."""

    def rebuild(self, session: Session, documents: Iterable[SearchDocument]) -> int:
        """Replace an index that is missing or damaged (without reading it) with these."""

    def sync(self, session: Session) -> int:
        """Apply pending changes; returns how many were applied."""

    def pending(self, session: Session) -> int:
        """How many changes wait to be applied."""

    def analysis_version(self, session: Session) -> int | None:
        """The forum.search.analysis VERSION the index was built with (None: unknown)."""

    def stale(self, session: Session) -> bool:
        """Whether the index holds documents analysed under another folding."""
