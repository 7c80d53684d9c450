"""The PostgreSQL backend: a tsvector per document with a GIN index, kept in the same
transaction as the change, so search is never behind the database."""
from __future__ import annotations

import html
import re
from collections.abc import Iterable

from sqlalchemy import delete, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from forum.models import SearchDocument as SearchRow
from forum.search import documents
from forum.search.base import SearchDocument, SearchHit, SearchPage, SearchQuery

START, STOP = "\x01", "\x02"
HEADLINE_OPTIONS = f"StartSel={START}, StopSel={STOP}, MaxFragments=2, MaxWords=30, MinWords=12"
_WORD = re.compile(r"\w+", re.UNICODE)


def _vector(title, body):
    return func.setweight(func.to_tsvector("english", title), literal_column("'A'")).op("||")(
        func.setweight(func.to_tsvector("english", body), literal_column("'B'"))
    )


def _snippet(headline: str) -> str:
    escaped = html.escape(headline, quote=False)
    return escaped.replace(START, "<mark>").replace(STOP, "</mark>")


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
            }
            for d in docs
        ]
        stmt = insert(SearchRow).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["doc_type", "doc_id"],
            set_={
                name: getattr(stmt.excluded, name)
                for name in ("title", "body", "category_id", "solved", "tsv")
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
        """websearch_to_tsquery over title (weight A) and body (weight B), ranked by ts_rank_cd."""
        words = _WORD.findall(query.text)
        if not words:
            return SearchPage(page=query.page, per_page=query.per_page)
        joiner = " " if query.match_all else " or "
        tsq = func.websearch_to_tsquery("english", joiner.join(words))
        conditions = [SearchRow.tsv.op("@@")(tsq)]
        if query.category_id is not None:
            conditions.append(SearchRow.category_id == query.category_id)
        if query.solved is not None:
            conditions.append(SearchRow.solved.is_(query.solved))
        if query.doc_types:
            conditions.append(SearchRow.doc_type.in_(query.doc_types))
        total = session.scalar(select(func.count()).select_from(SearchRow).where(*conditions))
        rank = func.ts_rank_cd(SearchRow.tsv, tsq).label("rank")
        headline = func.ts_headline("english", SearchRow.body, tsq, HEADLINE_OPTIONS)
        rows = session.execute(
            select(SearchRow, rank, headline.label("headline"))
            .where(*conditions)
            .order_by(rank.desc(), SearchRow.doc_id.desc())
            .limit(query.per_page)
            .offset((query.page - 1) * query.per_page)
        ).all()
        hits = [
            SearchHit(
                doc_type=row.doc_type,
                doc_id=row.doc_id,
                title=row.title,
                snippet_html=_snippet(headline_text),
                category_id=row.category_id,
                solved=row.solved,
                score=float(rank_value),
            )
            for row, rank_value, headline_text in rows
        ]
        return SearchPage(hits=hits, total=total or 0, page=query.page, per_page=query.per_page)
