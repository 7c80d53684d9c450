"""Help articles as documents of the forum's one search index (both backends).

Only published articles are searchable. The title is repeated at the head of the body and the
summary follows it, so a relevant article outweighs a thread that merely mentions the words
(the backends weight the title field themselves; this adds the article's own emphasis). On top
of that the type is registered with ARTICLE_BOOST, so in the one merged ranking an article
comes first unless a thread matches the question clearly better.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from forum import rendering
from forum.search import documents
from forum.search.base import SearchDocument
from knowledgebase.models import Article, ArticleStatus

DOC_TYPE = "article"
# An article's text relevance (BM25F in Whoosh, ts_rank_cd in PostgreSQL) is multiplied by this
# in the merged ranking: a relevant article comes above threads scoring up to twice as high,
# never above a thread scoring more than that (forum.search.documents.boosts). A weak match
# (the words only in passing, or only one of them) scores far below that, so it stays below.
# ts_rank_cd spreads scores wider than BM25F (it rewards adjacent words and grows with every
# repetition), so on PostgreSQL a thread repeating "router reset" often can still come first.
ARTICLE_BOOST = 2.0


def load_articles(session: Session, ids: list[int]) -> dict[int, SearchDocument | None]:
    """Article documents for these ids; None for drafts, archived or deleted ones."""
    out: dict[int, SearchDocument | None] = dict.fromkeys(ids)
    rows = session.execute(
        select(Article).where(Article.id.in_(ids), Article.status == ArticleStatus.PUBLISHED)
    ).scalars()
    for article in rows:
        out[article.id] = SearchDocument(
            doc_type=DOC_TYPE,
            doc_id=article.id,
            title=article.title,
            body=_body(article),
            category_id=article.category_id,
            solved=True,  # an article is an answer: "solved only" keeps it
            created_at=article.published_at or article.created_at,
        )
    return out


def _body(article: Article) -> str:
    parts = [article.title, article.summary, " ".join(article.tag_list),
             rendering.html_to_text(article.body_html)]
    return "\n".join(p for p in parts if p)


def article_ids(session: Session):
    """Ids of every published article, for a full reindex."""
    return session.execute(
        select(Article.id).where(Article.status == ArticleStatus.PUBLISHED).order_by(Article.id)
    ).scalars()


def register() -> None:
    """Add articles to the search index's document types."""
    documents.register(DOC_TYPE, load_articles, article_ids, boost=ARTICLE_BOOST)
