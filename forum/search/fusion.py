"""Hybrid ranking: the lexical backend's results fused with question-vector neighbours.

BM25 (Whoosh) or PostgreSQL full text finds the words a customer typed; vectors find the same
question in other words ("hub keeps rebooting" / "router restarts itself"). Neither alone is
enough, so the first page of every search is a reciprocal rank fusion (Cormack et al. 2009) of
both rankings: each document scores the sum of weight / (RRF_K + rank) over the rankings that
hold it. RRF needs no common scale between BM25 scores and cosines, which is why it is the usual
choice (Elasticsearch, OpenSearch, Vespa).

The vectors come from a provider the knowledge base registers in app.extensions[EXTENSION]
(forum never imports it): provider(text, limit=, doc_types=) -> [(doc_type, doc_id, score)],
best first. Without a provider, search is lexical as before.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from forum.search import documents
from forum.search.base import SearchDocument, SearchHit, SearchPage, SearchQuery, query_terms
from forum.search.text import highlight, snippet, stems_of

EXTENSION = "parley.search.vectors"
DEPTH = 50  # results of each ranking fused; pages past this are lexical alone
RRF_K = 60  # the constant of the original paper; larger flattens the rank curve
LEXICAL_WEIGHT = 1.0
VECTOR_WEIGHT = 1.0  # 1.5 measured the same on the forum queries' valid split (bench/README.md)

Provider = Callable[..., list[tuple[str, int, float]]]


@dataclass(frozen=True)
class Weights:
    """How much each ranking counts, and the RRF constant."""

    lexical: float = LEXICAL_WEIGHT
    vector: float = VECTOR_WEIGHT
    k: int = RRF_K


def reciprocal_rank(rankings: list[tuple[list[str], float]], *, k: int = RRF_K) -> dict[str, float]:
    """RRF score of every key over (ranked keys, weight) pairs; a key absent from a ranking
    gets nothing from it."""
    scores: dict[str, float] = {}
    for keys, weight in rankings:
        for rank, key in enumerate(keys, start=1):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    return scores


def fuse(session: Session, query: SearchQuery, lexical: SearchPage,
         neighbours: list[tuple[str, int, float]], weights: Weights | None = None) -> SearchPage:
    """One page of the fused ranking of lexical hits (the first DEPTH) and vector neighbours.

    A neighbour the lexical backend did not return is loaded from the database, so a hidden or
    deleted document never shows, and kept only if it passes the query's filters.
    """
    weights = weights or Weights(LEXICAL_WEIGHT, VECTOR_WEIGHT, RRF_K)
    hits = {_key(h.doc_type, h.doc_id): h for h in lexical.hits}
    extra = _load_extra(session, query, [n for n in neighbours if _key(n[0], n[1]) not in hits])
    known = {**hits, **extra}
    vector_keys = _preferred(neighbours, known)
    scores = reciprocal_rank([(list(hits), weights.lexical), (vector_keys, weights.vector)],
                             k=weights.k)
    position = {key: i for i, key in enumerate(hits)}  # ties keep the lexical order
    position.update((key, DEPTH + i) for i, key in enumerate(vector_keys) if key in extra)
    hits.update(extra)
    order = sorted(hits, key=lambda key: (-scores[key], not hits[key].solved, position[key]))
    start = (query.page - 1) * query.per_page
    page = [_scored(hits[key], scores[key]) for key in order[start : start + query.per_page]]
    return SearchPage(hits=page, total=lexical.total + len(extra), page=query.page,
                      per_page=query.per_page, partial=lexical.partial and not extra,
                      fallback=lexical.fallback)


def _preferred(neighbours: list[tuple[str, int, float]], known: dict[str, SearchHit]
               ) -> list[str]:
    """The neighbours that may be shown, ranked by cosine times the same preferences the
    lexical side applies (a help article's type boost, solved threads), so fusion keeps
    them first among equally relevant results."""
    boosts = documents.boosts()
    scored = []
    for doc_type, doc_id, score in neighbours:
        key = _key(doc_type, doc_id)
        if key in known:
            solved = documents.SOLVED_BOOST if known[key].solved \
                and doc_type == documents.SOLVED_BOOST_TYPE else 1.0
            scored.append((-score * boosts.get(doc_type, 1.0) * solved, len(scored), key))
    return [key for _score, _n, key in sorted(scored)]


def _key(doc_type: str, doc_id: int) -> str:
    return f"{doc_type}:{doc_id}"


def _scored(hit: SearchHit, score: float) -> SearchHit:
    return SearchHit(doc_type=hit.doc_type, doc_id=hit.doc_id, title=hit.title,
                     snippet_html=hit.snippet_html, category_id=hit.category_id,
                     solved=hit.solved, score=round(score, 6), title_html=hit.title_html)


def _load_extra(session: Session, query: SearchQuery,
                neighbours: list[tuple[str, int, float]]) -> dict[str, SearchHit]:
    """Hits for the neighbours the lexical ranking lacked, filtered as the query asks."""
    by_type: dict[str, list[int]] = {}
    for doc_type, doc_id, _score in neighbours:
        if doc_type in documents.registered_types():
            by_type.setdefault(doc_type, []).append(doc_id)
    stems = stems_of([word for term in query_terms(query) for word in term])
    out = {}
    for doc_type, ids in by_type.items():
        for doc in documents.load(session, doc_type, ids).values():
            if doc is not None and passes(doc, query):
                out[_key(doc.doc_type, doc.doc_id)] = hit_of(doc, stems)
    return out


def passes(doc: SearchDocument, query: SearchQuery) -> bool:
    """Whether a document meets the query's filters (type, category, tag, solved)."""
    if query.doc_types and doc.doc_type not in query.doc_types:
        return False
    if query.category_id is not None and doc.category_id != query.category_id:
        return False
    if query.thread_ids is not None and not (
            doc.doc_type == "thread" and doc.doc_id in query.thread_ids):
        return False
    return query.solved is None or doc.solved == query.solved


def hit_of(doc: SearchDocument, stems: frozenset[str]) -> SearchHit:
    """A result for a document loaded from the database, its matched words marked."""
    return SearchHit(doc_type=doc.doc_type, doc_id=doc.doc_id, title=doc.title,
                     title_html=highlight(doc.title, stems), snippet_html=snippet(doc.body, stems),
                     category_id=doc.category_id, solved=doc.solved, score=0.0)
