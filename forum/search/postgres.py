"""The PostgreSQL backend: a tsvector per document with a GIN index, kept in the same
transaction as the change, so search is never behind the database."""
from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable

from sqlalchemy import (
    Float,
    Text,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    literal_column,
    select,
    text,
    union,
)
from sqlalchemy.dialects.postgresql import TSQUERY, insert
from sqlalchemy.orm import Session

from forum.models import SearchDocument as SearchRow
from forum.search import analysis, documents
from forum.search.base import SearchDocument, SearchHit, SearchPage, SearchQuery, query_terms
from forum.search.text import highlight, snippet, stems_of

# ts_rank_cd weights for {D, C, B, A}: a title (A) match counts five times a body (B) match;
# normalisation 1 divides by 1 + log(length), so one mention in a long thread ranks lower.
RANK_WEIGHTS = "{0.05, 0.1, 0.2, 1.0}"
RANK_NORMALISATION = 1
RANK_CANDIDATES = 500


def _vector(title, body):
    """The folded title (weight A) and body (B): "Wi-Fi" is indexed as wi-fi, wi, fi, wifi."""
    title, body = analysis.fold_document(title), analysis.fold_document(body)
    return func.setweight(func.to_tsvector("english", title), literal_column("'A'")).op("||")(
        func.setweight(func.to_tsvector("english", body), literal_column("'B'"))
    )


def _tsquery(terms: list[tuple[str, ...]], *, match_all: bool):
    """Every word (match_all) or any word, a word matching itself or any of its synonyms;
    plainto_tsquery means no operators from users."""
    if match_all and all(len(term) == 1 for term in terms):
        return func.plainto_tsquery("english", " ".join(term[0] for term in terms))
    parts = [_either(term) for term in terms]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.op("&&" if match_all else "||")(part)
    return combined


def _either(term: tuple[str, ...]):
    either = func.plainto_tsquery("english", term[0])
    for word in term[1:]:
        either = either.op("||")(func.plainto_tsquery("english", word))
    return either


class PostgresBackend:
    """Full-text search inside PostgreSQL itself."""

    def record(self, session: Session, doc_type: str, doc_id: int) -> None:
        """Upsert the document's row (and its tsvector) in the caller's transaction."""
        session.flush()
        doc = documents.load(session, doc_type, [doc_id])[doc_id]
        if doc is None:
            session.execute(
                delete(SearchRow).where(SearchRow.doc_type == doc_type, SearchRow.doc_id == doc_id)
            )
            return
        self._upsert(session, [doc])

    def _upsert(self, session: Session, docs: list[SearchDocument]) -> None:
        values = [
            {
                "doc_type": d.doc_type,
                "doc_id": d.doc_id,
                "title": d.title,
                "body": d.body,
                "category_id": d.category_id,
                "solved": d.solved,
                "created_at": d.created_at,
                "tsv": _vector(d.title, d.body),
                "analysis": analysis.VERSION,
            }
            for d in docs
        ]
        stmt = insert(SearchRow).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["doc_type", "doc_id"],
            set_={
                name: getattr(stmt.excluded, name)
                for name in ("title", "body", "category_id", "solved", "tsv", "analysis")
            },
        )
        session.execute(stmt)

    def after_commit(self, session: Session) -> None:
        """Nothing to do: the index changed with the data."""

    def sync(self, session: Session) -> int:
        """Nothing is ever pending."""
        return 0

    def pending(self, session: Session) -> int:
        """Nothing is ever pending."""
        return 0

    def analysis_version(self, session: Session) -> int | None:
        """The oldest folding any row was built under (None: no rows)."""
        return session.scalar(select(func.min(SearchRow.analysis)))

    def stale(self, session: Session) -> bool:
        """Rows folded under another analysis VERSION: `search sync` rebuilds them."""
        return session.scalar(
            select(SearchRow.doc_id).where(SearchRow.analysis != analysis.VERSION).limit(1)
        ) is not None

    def rebuild(self, session: Session, docs: Iterable[SearchDocument]) -> int:
        """The rows are tables of the database itself: rebuilding is reindexing."""
        return self.reindex(session, docs)

    def reindex(self, session: Session, docs: Iterable[SearchDocument]) -> int:
        """Rebuild every row from the database."""
        session.execute(delete(SearchRow))
        batch: list[SearchDocument] = []
        count = 0
        for doc in docs:
            batch.append(doc)
            if len(batch) == 500:
                self._upsert(session, batch)
                count += len(batch)
                batch = []
        if batch:
            self._upsert(session, batch)
            count += len(batch)
        session.commit()
        return count

    def search(self, session: Session, query: SearchQuery) -> SearchPage:
        """Title (weight A) and body (weight B) through the GIN index, ranked by ts_rank_cd
        times the document type's boost."""
        empty = SearchPage(page=query.page, per_page=query.per_page)
        terms = query_terms(query)
        tsq = _constant_tsquery(session, terms, match_all=query.match_all) if terms else None
        if tsq is None:
            return empty
        conditions = [SearchRow.tsv.op("@@")(tsq), *_filters(query)]
        types = _type_filter(query)
        kept = []
        if types is not None:
            if _rare(session, types):
                conditions.append(SearchRow.doc_type.in_(types))
            else:
                kept = types
        with _gin_only(session):
            rows = session.execute(_ranked(conditions, kept, tsq, query)).all()
            if rows or query.page == 1:
                total = rows[0].total if rows else 0
            else:  # a page past the end: the count alone
                total = session.scalar(_count(conditions, kept))
        if not rows:
            return SearchPage(total=total or 0, page=query.page, per_page=query.per_page)
        # not ts_headline, which re-parsed each whole thread: 10 ms a hit
        marked = stems_of([w for term in terms for w in term])
        hits = [
            SearchHit(
                doc_type=row.doc_type, doc_id=row.doc_id, title=row.title,
                title_html=highlight(row.title, marked),
                snippet_html=snippet(row.body, marked), category_id=row.category_id,
                solved=row.solved, score=float(row.rank),
            )
            for row in rows
        ]
        return SearchPage(hits=hits, total=total, page=query.page, per_page=query.per_page)


@contextlib.contextmanager
def _gin_only(session: Session):
    """Keep the planner on the GIN index for this search.

    For a word most threads contain it prefers a sequential scan, whose filter de-TOASTs
    every tsvector (85 ms on 10,000 threads); a bitmap scan of the GIN index answers from
    the index alone (8 ms). The setting is transaction-local and put back afterwards (after
    an error the rollback undoes it).
    """
    session.execute(text("SET LOCAL enable_seqscan = off"))
    yield
    session.execute(text("SET LOCAL enable_seqscan = on"))


def _constant_tsquery(session: Session, terms: list[tuple[str, ...]], *, match_all: bool):
    """The query as a tsquery constant, or None when only stop words were asked for.

    plainto_tsquery is STABLE, so inside the search it would be parsed again for every
    matching row (in ts_rank_cd), and as a parameter the planner could not use the lexeme
    statistics; a constant avoids both. The parsed text is remembered: a search page asks
    for the same words several times (threads, help articles, the partial-match retry).
    """
    key = (tuple(terms), match_all)
    if key in _TSQUERIES:
        value = _TSQUERIES[key]
    else:
        value = session.scalar(select(cast(_tsquery(terms, match_all=match_all), Text)))
        if len(_TSQUERIES) >= TSQUERY_CACHE_SIZE:
            _TSQUERIES.pop(next(iter(_TSQUERIES)))
        _TSQUERIES[key] = value
    return cast(literal(value), TSQUERY) if value else None


# plainto_tsquery's answer depends only on the words and the 'english' configuration.
_TSQUERIES: dict[tuple[tuple[tuple[str, ...], ...], bool], str | None] = {}
TSQUERY_CACHE_SIZE = 2048


def _matches(conditions: list, kept: list[str]):
    """Every match, found through the GIN index alone, as a materialised CTE.

    A filter on a common document type stays out of the scan (`kept`, applied to the CTE's
    rows): inside it the planner reads every row of that type through the primary key and
    tests each one's tsvector (68 ms against 20 for 10,000 threads), whatever enable_seqscan
    says. A rare type goes inside, where that same plan is the cheap one.
    """
    found = (
        select(SearchRow.doc_type, SearchRow.doc_id, SearchRow.created_at)
        .where(*conditions).cte("matches").prefix_with("MATERIALIZED")
    )
    if not kept:
        return found
    # inlined where used (a second materialised copy of thousands of rows cost 5 ms)
    return (select(found).where(found.c.doc_type.in_(kept))
            .cte("kept_matches").prefix_with("NOT MATERIALIZED"))


def _count(conditions: list, kept: list[str]):
    return select(func.count()).select_from(_matches(conditions, kept))


def _ranked(conditions: list, kept: list[str], tsq, query: SearchQuery):
    """One page of matches by rank (times the type's boost), each row carrying the total,
    in one statement."""
    matches = _matches(conditions, kept)
    candidates = _candidates(matches, max(RANK_CANDIDATES, query.page * query.per_page),
                             kept or _type_filter(query))
    rank = func.ts_rank_cd(
        literal_column(f"'{RANK_WEIGHTS}'::float4[]"), SearchRow.tsv, tsq, RANK_NORMALISATION
    )
    factor = _boost(SearchRow.doc_type)
    rank = rank if factor is None else rank * factor
    solved = and_(SearchRow.solved, SearchRow.doc_type == documents.SOLVED_BOOST_TYPE)
    rank = (rank * case((solved, literal(documents.SOLVED_BOOST, Float)),
                        else_=literal(1.0, Float))).label("rank")
    total = select(func.count()).select_from(matches).scalar_subquery().label("total")
    return (
        select(SearchRow.doc_type, SearchRow.doc_id, SearchRow.title, SearchRow.category_id,
               SearchRow.solved, SearchRow.body, rank, total)
        .join(candidates, and_(SearchRow.doc_type == candidates.c.doc_type,
                               SearchRow.doc_id == candidates.c.doc_id))
        .order_by(rank.desc(), SearchRow.doc_id.desc())
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
    )


def _candidates(matches, limit: int, types: list[str] | None):
    """The matches worth ranking: the newest `limit`, plus the newest `limit` of each boosted
    type asked for, so an older help article is never left out by many newer threads.

    Ranking reads every candidate's tsvector (de-TOASTing it), so only these are ranked: all
    matches unless very many threads match.
    """
    def newest(*where):
        return (select(matches.c.doc_type, matches.c.doc_id).where(*where)
                .order_by(matches.c.created_at.desc()).limit(limit))

    boosted = [t for t in documents.boosts() if types is None or t in types]
    if not boosted or (types is not None and set(types) <= set(boosted)):
        return newest().cte("candidates")
    return union(newest(), newest(matches.c.doc_type.in_(boosted))).cte("candidates")


def _boost(doc_type):
    """The document type's relevance factor as SQL (None when no type has one)."""
    factors = documents.boosts()
    if not factors:
        return None
    return case({t: literal(f, Float) for t, f in factors.items()}, value=doc_type,
                else_=literal(1.0, Float))


def _filters(query: SearchQuery) -> list:
    conditions = []
    if query.category_id is not None:
        conditions.append(SearchRow.category_id == query.category_id)
    if query.solved is not None:
        conditions.append(SearchRow.solved.is_(query.solved))
    if query.thread_ids is not None:
        conditions.append(and_(SearchRow.doc_type == "thread",
                               SearchRow.doc_id.in_(sorted(query.thread_ids))))
    return conditions


def _type_filter(query: SearchQuery) -> list[str] | None:
    """The document types asked for, or None when that is every type."""
    if query.doc_types and not documents.registered_types() <= set(query.doc_types):
        return sorted(set(query.doc_types))
    return None


# Document counts by type, per database, re-read every few minutes: only the plan depends
# on them (a stale count picks a slower plan, never other results).
_TYPE_COUNTS: dict[str, tuple[float, dict[str, int]]] = {}
TYPE_COUNTS_SECONDS = 300.0
RARE_SHARE = 0.1


def _rare(session: Session, types: list[str]) -> bool:
    """Whether these types hold under a tenth of the documents (see _matches)."""
    key = session.get_bind().url.render_as_string(hide_password=True)
    now = time.monotonic()
    cached = _TYPE_COUNTS.get(key)
    if cached is None or now - cached[0] > TYPE_COUNTS_SECONDS:
        counts = dict(session.execute(
            select(SearchRow.doc_type, func.count()).group_by(SearchRow.doc_type)
        ).all())
        cached = _TYPE_COUNTS[key] = (now, counts)
    counts = cached[1]
    return sum(counts.get(t, 0) for t in types) < RARE_SHARE * max(1, sum(counts.values()))
