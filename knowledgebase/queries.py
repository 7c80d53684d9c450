"""Read side of the knowledge base: help-centre pages, staff lists and reports. Each function
runs a fixed number of statements, whatever the number of rows."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import Category, Post, PostStatus, Role, Thread, User, utcnow
from forum.queries import Page
from knowledgebase.models import (
    Article,
    ArticleFeedback,
    ArticleSlug,
    ArticleStatus,
    ArticleThread,
    AskSession,
    ClusterStatus,
    ClusterThread,
    Publisher,
    QuestionCluster,
    SearchLog,
    ThreadRelation,
)

NOT_HELPFUL_SHARE = 0.3
STAFF_ROLES = (Role.STAFF, Role.MODERATOR, Role.ADMIN)


# -- articles ----------------------------------------------------------------------------------
def get_article(article_id: int) -> Article | None:
    """An article with its author and category."""
    return db.session.scalar(
        select(Article).where(Article.id == article_id)
        .options(joinedload(Article.author), joinedload(Article.category))
    )


def article_by_slug(slug: str) -> tuple[Article | None, bool]:
    """The article a /help/<slug> URL names, and whether the slug is a former one."""
    slug = (slug or "").strip().lower()[:80]
    article = db.session.scalar(
        select(Article).where(Article.slug == slug)
        .options(joinedload(Article.author), joinedload(Article.category))
    )
    if article is not None:
        return article, False
    former = db.session.scalar(select(ArticleSlug.article_id).where(ArticleSlug.slug == slug))
    return (get_article(former), True) if former is not None else (None, False)


@dataclass
class HelpSection:
    """A category of the help centre with its published articles."""

    category: Category | None
    articles: list[Article]


def help_sections() -> list[HelpSection]:
    """Published articles grouped by category in the categories' order (uncategorised last)."""
    articles = list(db.session.scalars(
        select(Article).where(Article.status == ArticleStatus.PUBLISHED)
        .order_by(Article.view_count.desc(), Article.title)
    ))
    by_category: dict[int | None, list[Article]] = defaultdict(list)
    for article in articles:
        by_category[article.category_id].append(article)
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.id))
    sections = [HelpSection(c, by_category[c.id]) for c in categories if by_category.get(c.id)]
    if by_category.get(None):
        sections.append(HelpSection(None, by_category[None]))
    return sections


def most_viewed(limit: int = 5) -> list[Article]:
    """The published articles people read most."""
    return list(db.session.scalars(
        select(Article).where(Article.status == ArticleStatus.PUBLISHED)
        .order_by(Article.view_count.desc(), Article.id.desc()).limit(limit)
    ))


def category_articles(category: Category) -> list[Article]:
    """A category's published articles, most read first."""
    return list(db.session.scalars(
        select(Article)
        .where(Article.status == ArticleStatus.PUBLISHED, Article.category_id == category.id)
        .order_by(Article.view_count.desc(), Article.title)
    ))


def published_articles(*, page: int = 1, per_page: int = 10) -> Page:
    """Published articles, most read first (the API's listing without a query)."""
    condition = Article.status == ArticleStatus.PUBLISHED
    total = db.session.scalar(select(func.count(Article.id)).where(condition)) or 0
    items = list(db.session.scalars(
        select(Article).where(condition).options(joinedload(Article.category))
        .order_by(Article.view_count.desc(), Article.id.desc())
        .limit(per_page).offset((max(1, page) - 1) * per_page)
    ))
    return Page(items=items, page=max(1, page), per_page=per_page, total=total)


def articles_by_ids(ids: list[int]) -> list[Article]:
    """Articles by id (any state), with their category, in one query."""
    if not ids:
        return []
    return list(db.session.scalars(
        select(Article).where(Article.id.in_(ids)).options(joinedload(Article.category))
    ))


def tagged_articles(tag: str) -> list[Article]:
    """Published articles carrying a tag."""
    tag = tag.strip().lower()
    candidates = db.session.scalars(
        select(Article).where(Article.status == ArticleStatus.PUBLISHED,
                              Article.tags.contains(tag))
        .order_by(Article.view_count.desc(), Article.title)
    )
    return [a for a in candidates if tag in a.tag_list]


def source_threads(article: Article) -> list[Thread]:
    """The public community threads the article was written from."""
    return list(db.session.scalars(
        select(Thread).join(ArticleThread, ArticleThread.thread_id == Thread.id)
        .where(ArticleThread.article_id == article.id,
               ArticleThread.relation == ThreadRelation.SOURCE,
               Thread.status == PostStatus.PUBLISHED)
        .order_by(Thread.created_at)
    ))


def linked_threads(article: Article) -> list[tuple[Thread, ThreadRelation]]:
    """Every thread tied to the article (sources and duplicates), for staff."""
    rows = db.session.execute(
        select(Thread, ArticleThread.relation)
        .join(ArticleThread, ArticleThread.thread_id == Thread.id)
        .where(ArticleThread.article_id == article.id).order_by(Thread.id)
    )
    return [(thread, relation) for thread, relation in rows]


def staff_articles(*, status: ArticleStatus | None = None, q: str = "", page: int = 1,
                   per_page: int = 30) -> Page:
    """Articles for the staff list, newest change first, filtered by state and title."""
    conditions = []
    if status is not None:
        conditions.append(Article.status == status)
    if q.strip():
        escaped = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(func.lower(Article.title).like(f"%{escaped}%", escape="\\"))
    total = db.session.scalar(select(func.count(Article.id)).where(*conditions)) or 0
    items = list(db.session.scalars(
        select(Article).where(*conditions).options(joinedload(Article.author))
        .order_by(Article.updated_at.desc(), Article.id.desc())
        .limit(per_page).offset((max(1, page) - 1) * per_page)
    ))
    return Page(items=items, page=max(1, page), per_page=per_page, total=total)


def sent_for_review(*, limit: int = 100) -> list[Article]:
    """Articles writers sent for review, longest-waiting first, for the publishers' queue."""
    return list(db.session.scalars(
        select(Article).where(Article.status == ArticleStatus.IN_REVIEW)
        .options(joinedload(Article.author), joinedload(Article.category))
        .order_by(Article.updated_at, Article.id).limit(limit)
    ))


def count_articles() -> dict[ArticleStatus, int]:
    """How many articles are in each state."""
    rows = db.session.execute(select(Article.status, func.count(Article.id))
                              .group_by(Article.status))
    counts = dict.fromkeys(ArticleStatus, 0)
    counts.update({ArticleStatus(status): n for status, n in rows})
    return counts


def feedback_comments(article: Article, limit: int = 50) -> list[ArticleFeedback]:
    """Readers' comments on an article, newest first."""
    return list(db.session.scalars(
        select(ArticleFeedback)
        .where(ArticleFeedback.article_id == article.id, ArticleFeedback.comment != "")
        .order_by(ArticleFeedback.created_at.desc()).limit(limit)
    ))


def reader_feedback(article: Article, user: User | None, feedback_id: int | None
                    ) -> bool | None:
    """What a reader answered to 'Was this helpful?' (by account, else by their session)."""
    if user is not None:
        row = db.session.scalar(select(ArticleFeedback.helpful).where(
            ArticleFeedback.article_id == article.id, ArticleFeedback.voter_id == user.id))
        return row
    if not feedback_id:
        return None
    return db.session.scalar(select(ArticleFeedback.helpful).where(
        ArticleFeedback.id == feedback_id, ArticleFeedback.article_id == article.id))


def publishers() -> list[User]:
    """Staff given the publish right."""
    return list(db.session.scalars(
        select(User).join(Publisher, Publisher.user_id == User.id).order_by(User.username_key)
    ))


def publishing_users() -> list[User]:
    """Everyone permissions.can_publish lets publish: moderators, admins, granted staff."""
    granted = select(Publisher.user_id)
    return list(db.session.scalars(
        select(User).where(
            User.is_placeholder.is_(False),
            User.role.in_([Role.MODERATOR, Role.ADMIN])
            | ((User.role == Role.STAFF) & User.id.in_(granted)),
        ).order_by(User.username_key)
    ))


def publisher_ids(user_ids: list[int]) -> set[int]:
    """Which of these people hold a publish-right grant, in one query (the People page)."""
    if not user_ids:
        return set()
    return set(db.session.scalars(
        select(Publisher.user_id).where(Publisher.user_id.in_(user_ids))))


def source_askers(article: Article) -> list[Thread]:
    """One public source thread per real asker (their first), for telling them of the article."""
    threads = db.session.scalars(
        select(Thread).join(ArticleThread, ArticleThread.thread_id == Thread.id)
        .join(User, User.id == Thread.author_id)
        .where(ArticleThread.article_id == article.id,
               ArticleThread.relation == ThreadRelation.SOURCE,
               Thread.status == PostStatus.PUBLISHED, User.is_placeholder.is_(False))
        .order_by(Thread.created_at, Thread.id)
    )
    first: dict[int, Thread] = {}
    for thread in threads:
        first.setdefault(thread.author_id, thread)
    return list(first.values())


# -- freshness ---------------------------------------------------------------------------------
@dataclass
class ReviewItem:
    """A published article that needs a read-through, and why."""

    article: Article
    reasons: list[str] = field(default_factory=list)


def review_queue(*, not_helpful_threshold: int = 3, now: datetime | None = None
                 ) -> list[ReviewItem]:
    """Published articles past their review interval, whose source threads moved since the
    last review, or whose 'not helpful' answers piled up since then; oldest review first."""
    now = now or utcnow()
    articles = list(db.session.scalars(
        select(Article).where(Article.status == ArticleStatus.PUBLISHED)
        .order_by(Article.last_reviewed_at)
    ))
    active = _source_activity(now)
    votes = _votes_since_review()
    items = []
    for article in articles:
        item = ReviewItem(article, _reasons(article, active, votes, not_helpful_threshold, now))
        if item.reasons:
            items.append(item)
    return items


def _reasons(article: Article, active: dict, votes: dict, threshold: int,
             now: datetime) -> list[str]:
    reasons = []
    due = article.review_due_at
    if due is None or due <= now:
        days = article.review_interval_days
        reasons.append(f"Review due: last reviewed more than {days} days ago"
                       if due else "Never reviewed")
    if active.get(article.id):
        n = active[article.id]
        reasons.append(f"{n} source thread{'s' if n != 1 else ''} had new activity since the "
                       "last review")
    no, total = votes.get(article.id, (0, 0))
    if no >= threshold and no >= NOT_HELPFUL_SHARE * total:
        reasons.append(f"{no} of {total} readers said it was not helpful since the last review")
    return reasons


def _source_activity(now: datetime) -> dict[int, int]:
    """Per article: source threads active after the article's last review."""
    rows = db.session.execute(
        select(ArticleThread.article_id, func.count(Thread.id))
        .join(Thread, Thread.id == ArticleThread.thread_id)
        .join(Article, Article.id == ArticleThread.article_id)
        .where(Article.status == ArticleStatus.PUBLISHED,
               ArticleThread.relation == ThreadRelation.SOURCE,
               Thread.last_activity_at > func.coalesce(Article.last_reviewed_at, now))
        .group_by(ArticleThread.article_id)
    )
    return dict(rows.all())


def _votes_since_review() -> dict[int, tuple[int, int]]:
    """Per article: (not helpful, all) feedback since the last review."""
    rows = db.session.execute(
        select(ArticleFeedback.article_id,
               func.sum(case((ArticleFeedback.helpful.is_(False), 1), else_=0)),
               func.count(ArticleFeedback.id))
        .join(Article, Article.id == ArticleFeedback.article_id)
        .where(Article.status == ArticleStatus.PUBLISHED,
               or_(Article.last_reviewed_at.is_(None),
                   ArticleFeedback.created_at > Article.last_reviewed_at))
        .group_by(ArticleFeedback.article_id)
    )
    return {article_id: (int(no or 0), int(total)) for article_id, no, total in rows}


# -- search gaps -------------------------------------------------------------------------------
@dataclass(frozen=True)
class SearchGap:
    """Searches that found nothing, or that nobody clicked, grouped by normalised words."""

    query: str
    searches: int
    no_results: int
    no_clicks: int
    last_day: object

    @property
    def failed(self) -> int:
        """Searches that did not lead anywhere."""
        return self.no_results + self.no_clicks


def search_gaps(*, days: int = 30, limit: int = 50) -> list[SearchGap]:
    """Demand without an answer: failed searches by frequency, most failed first. A search
    that found a published help article is answered demand, never a gap."""
    since = (utcnow() - timedelta(days=days)).date()
    no_results = func.sum(case((SearchLog.results == 0, 1), else_=0))
    no_clicks = func.sum(case(((SearchLog.results > 0) & SearchLog.clicked_type.is_(None), 1),
                              else_=0))
    rows = db.session.execute(
        select(func.min(SearchLog.query), func.count(SearchLog.id), no_results, no_clicks,
               func.max(SearchLog.day))
        .where(SearchLog.day >= since, SearchLog.found_article.is_(False))
        .group_by(SearchLog.query_key)
        .having((no_results + no_clicks) > 0)
        .order_by((no_results + no_clicks).desc(), func.count(SearchLog.id).desc(),
                  func.min(SearchLog.query))
        .limit(limit)
    )
    return [SearchGap(q, int(n), int(nr or 0), int(nc or 0), day) for q, n, nr, nc, day in rows]


def search_totals(*, days: int = 30) -> dict[str, int]:
    """Searches in the window, and how many found nothing or were not clicked."""
    since = (utcnow() - timedelta(days=days)).date()
    total, no_results, clicked = db.session.execute(
        select(func.count(SearchLog.id),
               func.sum(case((SearchLog.results == 0, 1), else_=0)),
               func.sum(case((SearchLog.clicked_type.is_not(None), 1), else_=0)))
        .where(SearchLog.day >= since)
    ).one()
    return {"searches": int(total or 0), "no_results": int(no_results or 0),
            "clicked": int(clicked or 0)}


def failed_queries(*, days: int = 90, limit: int = 5000) -> list[tuple[str, int]]:
    """Distinct failed queries (no results or no click) with how often each failed."""
    since = (utcnow() - timedelta(days=days)).date()
    failed = (SearchLog.results == 0) | SearchLog.clicked_type.is_(None)
    rows = db.session.execute(
        select(func.min(SearchLog.query), func.count(SearchLog.id))
        .where(SearchLog.day >= since, failed, SearchLog.found_article.is_(False))
        .group_by(SearchLog.query_key)
        .order_by(func.count(SearchLog.id).desc()).limit(limit)
    )
    return [(q, int(n)) for q, n in rows]


# -- deflection --------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeflectionReport:
    """Ask-form views that showed suggestions, and how they ended."""

    shown: int
    opened: int
    posted_after_opening: int
    deflected: int
    pending: int

    @property
    def settled_shown(self) -> int:
        """Views old enough to know whether a question followed."""
        return self.shown - self.pending

    @property
    def rate(self) -> float | None:
        """Deflected views over settled views that showed suggestions."""
        return self.deflected / self.settled_shown if self.settled_shown else None


def deflection_report(*, days: int = 30, settle_minutes: int = 60,
                      now: datetime | None = None) -> DeflectionReport:
    """Deflection = a suggestion was opened and no question was posted from that form view
    (views younger than settle_minutes may still post and are counted as pending)."""
    now = now or utcnow()
    since = now - timedelta(days=days)
    sessions = db.session.execute(
        select(AskSession.token, AskSession.opened, AskSession.created_at)
        .where(AskSession.created_at >= since)
    ).all()
    posted = set(db.session.scalars(
        select(Post.client_token).join(Thread, Thread.id == Post.thread_id)
        .where(Thread.created_at >= since, Post.number == 1, Post.client_token.is_not(None))
    ))
    settle = now - timedelta(minutes=settle_minutes)
    opened = [s for s in sessions if s.opened]
    after = [s for s in opened if s.token in posted]
    open_not_posted = [s for s in opened if s.token not in posted]
    pending = [s for s in sessions if s.created_at > settle and s.token not in posted]
    return DeflectionReport(
        shown=len(sessions), opened=len(opened), posted_after_opening=len(after),
        deflected=sum(1 for s in open_not_posted if s.created_at <= settle),
        pending=len(pending),
    )


# -- clusters ----------------------------------------------------------------------------------
@dataclass
class BestAnswer:
    """The reply worth quoting from a thread, and why it was chosen."""

    post: Post
    reason: str


@dataclass
class ClusterRow:
    """A cluster with its threads (most central first) and each thread's best answer."""

    cluster: QuestionCluster
    threads: list[Thread]
    answers: dict[int, BestAnswer]


def clusters(status: ClusterStatus = ClusterStatus.OPEN, *, limit: int = 50
             ) -> list[ClusterRow]:
    """Clusters in a state, biggest demand first, with threads and best answers."""
    found = list(db.session.scalars(
        select(QuestionCluster).where(QuestionCluster.status == status)
        .order_by(QuestionCluster.demand.desc(), QuestionCluster.newest_at.desc(),
                  QuestionCluster.id).limit(limit)
    ))
    return _rows(found)


def cluster_row(cluster_id: int) -> ClusterRow | None:
    """One cluster for its staff page."""
    cluster = db.session.get(QuestionCluster, cluster_id)
    return _rows([cluster])[0] if cluster is not None else None


def _rows(found: list[QuestionCluster]) -> list[ClusterRow]:
    members = db.session.execute(
        select(ClusterThread.cluster_id, Thread)
        .join(Thread, Thread.id == ClusterThread.thread_id)
        .where(ClusterThread.cluster_id.in_([c.id for c in found]))
        .options(joinedload(Thread.author))
        .order_by(ClusterThread.cluster_id, ClusterThread.position, Thread.id)
    )
    by_cluster: dict[int, list[Thread]] = defaultdict(list)
    for cluster_id, thread in members:
        by_cluster[cluster_id].append(thread)
    answers = best_answers([t for ts in by_cluster.values() for t in ts])
    return [ClusterRow(c, by_cluster[c.id], {t.id: answers[t.id] for t in by_cluster[c.id]
                                              if t.id in answers}) for c in found]


def best_answers(threads: list[Thread]) -> dict[int, BestAnswer]:
    """Per thread: the accepted answer, else the most helpful staff answer, else the most
    helpful reply that anyone found helpful."""
    if not threads:
        return {}
    accepted = {t.accepted_post_id for t in threads if t.accepted_post_id}
    posts = db.session.scalars(
        select(Post).join(User, User.id == Post.author_id)
        .where(Post.thread_id.in_([t.id for t in threads]), Post.number > 1,
               Post.status == PostStatus.PUBLISHED,
               Post.id.in_(accepted) | User.role.in_(STAFF_ROLES) | (Post.helpful_count > 0))
        .options(joinedload(Post.author))
        .order_by(Post.thread_id, Post.helpful_count.desc(), Post.number)
    )
    out: dict[int, BestAnswer] = {}
    for post in posts:
        candidate = _answer_kind(post, accepted)
        current = out.get(post.thread_id)
        if current is None or _RANK[candidate] < _RANK[current.reason]:
            out[post.thread_id] = BestAnswer(post, candidate)
    return out


_RANK = {"Accepted answer": 0, "Support team answer": 1, "Most helpful reply": 2}


def _answer_kind(post: Post, accepted: set[int]) -> str:
    if post.id in accepted:
        return "Accepted answer"
    if post.author.is_staff_side:
        return "Support team answer"
    return "Most helpful reply"


def cluster_counts() -> dict[ClusterStatus, int]:
    """How many clusters are in each state."""
    rows = db.session.execute(select(QuestionCluster.status, func.count(QuestionCluster.id))
                              .group_by(QuestionCluster.status))
    counts = dict.fromkeys(ClusterStatus, 0)
    counts.update({ClusterStatus(status): n for status, n in rows})
    return counts
