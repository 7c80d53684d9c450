"""The knowledge base's tables: help articles and their revisions, old slugs, feedback, the
threads an article answers, repeated-question clusters, the anonymous search log, ask-form
sessions for deflection, and stored question embeddings. Models never commit."""
from __future__ import annotations

import enum
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models import Category, Thread, User, str_enum, utcnow


class ArticleStatus(enum.StrEnum):
    """An article's place in its life: written, checked, live, retired."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        """The words staff see."""
        return {"in_review": "In review"}.get(self.value, self.value.capitalize())


class ThreadRelation(enum.StrEnum):
    """Why a thread is tied to an article: it was a source, or was closed as its duplicate."""

    SOURCE = "source"
    DUPLICATE = "duplicate"


class ClusterStatus(enum.StrEnum):
    """Where a group of repeated questions stands with staff."""

    OPEN = "open"
    PROMOTED = "promoted"  # a draft article exists, not yet published
    DONE = "done"  # answered by a published article
    DISMISSED = "dismissed"


class Article(db.Model):
    """A help article: Markdown source and its sanitised HTML, rendered once on save."""

    __tablename__ = "kb_articles"
    __table_args__ = (sa.Index("ix_kb_articles_status_views", "status", "view_count"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    body_source: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    tags: Mapped[str] = mapped_column(sa.String(300), default="")
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("categories.id", ondelete="SET NULL"), default=None, index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[ArticleStatus] = mapped_column(
        str_enum(ArticleStatus), default=ArticleStatus.DRAFT
    )
    review_interval_days: Mapped[int] = mapped_column(default=180)
    last_reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    view_count: Mapped[int] = mapped_column(default=0)
    helpful_count: Mapped[int] = mapped_column(default=0)
    not_helpful_count: Mapped[int] = mapped_column(default=0)
    revision_count: Mapped[int] = mapped_column(default=0)

    category: Mapped[Category | None] = relationship()
    author: Mapped[User] = relationship()

    @property
    def tag_list(self) -> list[str]:
        """The tags as a list, in the order they were given."""
        return [t for t in (part.strip() for part in self.tags.split(",")) if t]

    @property
    def is_published(self) -> bool:
        """Only published articles are public."""
        return self.status is ArticleStatus.PUBLISHED

    @property
    def review_due_at(self) -> datetime | None:
        """When the article next needs a read-through (None until first published)."""
        if self.last_reviewed_at is None:
            return None
        return self.last_reviewed_at + timedelta(days=self.review_interval_days)


class ArticleRevision(db.Model):
    """One saved version of an article, oldest first; restoring copies one forward."""

    __tablename__ = "kb_article_revisions"
    __table_args__ = (
        sa.UniqueConstraint("article_id", "number", name="uq_kb_article_revisions_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column()
    editor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    body_source: Mapped[str] = mapped_column(sa.Text, default="")
    tags: Mapped[str] = mapped_column(sa.String(300), default="")
    category_id: Mapped[int | None] = mapped_column(default=None)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    editor: Mapped[User] = relationship()


class ArticleSlug(db.Model):
    """A slug an article used to have: its old URL redirects to the current one."""

    __tablename__ = "kb_article_slugs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArticleThread(db.Model):
    """A community thread tied to an article: one it was written from, or a duplicate."""

    __tablename__ = "kb_article_threads"
    __table_args__ = (
        sa.UniqueConstraint("article_id", "thread_id", name="uq_kb_article_threads_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE")
    )
    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[ThreadRelation] = mapped_column(
        str_enum(ThreadRelation), default=ThreadRelation.SOURCE
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    thread: Mapped[Thread] = relationship()


class ArticleFeedback(db.Model):
    """'Was this helpful?': one answer per reader (signed-in or by session), maybe a comment."""

    __tablename__ = "kb_article_feedback"
    __table_args__ = (
        sa.UniqueConstraint("article_id", "voter_id", name="uq_kb_article_feedback_voter"),
        sa.Index("ix_kb_article_feedback_article_created", "article_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE")
    )
    voter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    helpful: Mapped[bool] = mapped_column()
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Publisher(db.Model):
    """A staff member granted the right to publish (moderators and admins have it anyway)."""

    __tablename__ = "kb_publishers"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuestionCluster(db.Model):
    """Questions that ask the same thing, with the demand they show (kept from the last run)."""

    __tablename__ = "kb_clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[ClusterStatus] = mapped_column(
        str_enum(ClusterStatus), default=ClusterStatus.OPEN, index=True
    )
    manual: Mapped[bool] = mapped_column(default=False)  # shaped by staff (split or merged)
    suggested_title: Mapped[str] = mapped_column(sa.String(200), default="")
    central_thread_id: Mapped[int | None] = mapped_column(default=None)
    article_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="SET NULL"), default=None
    )
    size: Mapped[int] = mapped_column(default=0)
    askers: Mapped[int] = mapped_column(default=0)
    views: Mapped[int] = mapped_column(default=0)
    unresolved: Mapped[int] = mapped_column(default=0)
    failed_searches: Mapped[int] = mapped_column(default=0)
    newest_at: Mapped[datetime | None] = mapped_column(default=None)
    demand: Mapped[float] = mapped_column(sa.Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article | None] = relationship()

    @property
    def unresolved_share(self) -> float:
        """The share of its questions without an accepted answer."""
        return self.unresolved / self.size if self.size else 0.0


class ClusterThread(db.Model):
    """A thread's membership of a cluster, most central first; a thread is in one cluster."""

    __tablename__ = "kb_cluster_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_clusters.id", ondelete="CASCADE"), index=True
    )
    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), unique=True
    )
    position: Mapped[int] = mapped_column(default=0)

    thread: Mapped[Thread] = relationship()


class SearchLog(db.Model):
    """One search from the search box, without personal data: no user, no address, and only
    the day it happened; the query is normalised and obvious personal details are masked."""

    __tablename__ = "kb_search_log"
    __table_args__ = (sa.Index("ix_kb_search_log_day_key", "day", "query_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32), unique=True)
    query: Mapped[str] = mapped_column(sa.String(200))
    query_key: Mapped[str] = mapped_column(sa.String(200))
    results: Mapped[int] = mapped_column(default=0)
    clicked_type: Mapped[str | None] = mapped_column(sa.String(20), default=None)
    clicked_id: Mapped[int | None] = mapped_column(default=None)
    day: Mapped[datetime] = mapped_column(sa.Date)
    # a published help article was among the results: demand that is met, never a gap
    found_article: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class AskSession(db.Model):
    """One view of the ask form that showed suggestions, keyed by the form's client token.

    Opening a suggestion and then not posting (no post carries the token) is a deflection.
    """

    __tablename__ = "kb_ask_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    opened: Mapped[int] = mapped_column(default=0)
    opened_type: Mapped[str | None] = mapped_column(sa.String(20), default=None)
    opened_id: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class QuestionEmbedding(db.Model):
    """A question's (or article's) sentence embedding, computed once and reused."""

    __tablename__ = "kb_embeddings"

    doc_type: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    doc_id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    text_hash: Mapped[str] = mapped_column(sa.String(16))
    vector: Mapped[bytes] = mapped_column(sa.LargeBinary)


class RelatedThreads(db.Model):
    """A thread's most similar threads, scored once and kept (for KB_RELATED_MAX_AGE), so a
    thread page reads a row instead of scoring the whole question index on every view.

    Only the expensive part is kept: help articles are matched afresh on each view from the
    small article index, so a newly published answer shows at once.
    """

    __tablename__ = "kb_related"

    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    matches: Mapped[list] = mapped_column(sa.JSON)  # [[thread_id, score], ...], best first
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
