"""Knowledge-base use cases: write, review, publish and retire articles, keep every revision,
collect feedback, close duplicates, and log searches and ask-form deflection anonymously.

Each public function is one use case and commits once (the search log writes on its own
connection, see log_search). Refusals raise forum.services' ServiceError subclasses.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from flask import current_app, url_for
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from forum import search
from forum import services as forum_services
from forum.extensions import db
from forum.models import Category, NotificationKind, PostStatus, Thread, User, utcnow
from forum.services import Conflict, NotFound, PermissionDenied, ValidationError
from knowledgebase import permissions, queries, text
from knowledgebase.models import (
    Article,
    ArticleFeedback,
    ArticleRevision,
    ArticleSlug,
    ArticleStatus,
    ArticleThread,
    AskSession,
    ClusterStatus,
    Publisher,
    QuestionCluster,
    SearchLog,
    ThreadRelation,
)
from knowledgebase.searchdocs import DOC_TYPE

TITLE_MIN, TITLE_MAX = 8, 200
SUMMARY_MAX = 500
BODY_MAX = 100_000
COMMENT_MAX = 1000
INTERVAL_MIN, INTERVAL_MAX = 7, 730
RESERVED_SLUGS = frozenset({"staff", "c", "tag", "go", "a", "ask-events", "search", "new"})
A = ArticleStatus
# target status -> the statuses it may be reached from
TRANSITIONS = {
    A.IN_REVIEW: {A.DRAFT},
    A.DRAFT: {A.IN_REVIEW, A.PUBLISHED, A.ARCHIVED},
    A.PUBLISHED: {A.DRAFT, A.IN_REVIEW, A.ARCHIVED},
    A.ARCHIVED: {A.DRAFT, A.IN_REVIEW, A.PUBLISHED},
}
ASK_EVENTS = frozenset({"shown", "open"})
DOC_TYPES = frozenset({"thread", DOC_TYPE})


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _commit(*articles: Article) -> None:
    """Record changed articles for search in the same transaction, commit, then index."""
    db.session.flush()
    for article in articles:
        search.record(db.session, DOC_TYPE, article.id)
    db.session.commit()
    if articles:
        search.after_commit(db.session)


def commit_articles(*articles: Article) -> None:
    """Commit a use case built from new_article() and other changes."""
    _commit(*articles)


def article_url(article: Article, *, external: bool = False) -> str:
    """The article's public address (its current slug)."""
    return url_for("knowledgebase.article", slug=article.slug, _external=external)


# -- checking input ----------------------------------------------------------------------------
def _check_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise ValidationError(
            f"Titles are {TITLE_MIN} to {TITLE_MAX} characters: say what the article answers.",
            field="title",
        )
    return title


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError("Please write the article's text.", field="body")
    if len(body) > BODY_MAX:
        raise ValidationError(f"Articles are at most {BODY_MAX:,} characters.", field="body")
    forum_services.check_complexity(body)
    return body


def _check_summary(summary: str) -> str:
    summary = " ".join((summary or "").split())
    if len(summary) > SUMMARY_MAX:
        raise ValidationError(f"Summaries are at most {SUMMARY_MAX} characters.",
                              field="summary")
    return summary


def _check_interval(days) -> int:
    try:
        days = int(days)
    except (TypeError, ValueError) as exc:
        raise ValidationError("The review interval is a number of days.",
                              field="review_interval_days") from exc
    if not INTERVAL_MIN <= days <= INTERVAL_MAX:
        raise ValidationError(
            f"Review articles every {INTERVAL_MIN} to {INTERVAL_MAX} days.",
            field="review_interval_days",
        )
    return days


def _check_category(category: Category | int | None) -> int | None:
    if category is None or category == "":
        return None
    category_id = category.id if isinstance(category, Category) else int(category)
    if db.session.get(Category, category_id) is None:
        raise ValidationError("That category does not exist.", field="category")
    return category_id


# -- slugs -------------------------------------------------------------------------------------
def _slug_taken(slug: str, article: Article | None) -> bool:
    mine = article.id if article is not None and article.id is not None else -1
    current = db.session.scalar(select(Article.id).where(Article.slug == slug))
    former = db.session.scalar(select(ArticleSlug.article_id).where(ArticleSlug.slug == slug))
    return (current is not None and current != mine) or (former is not None and former != mine)


def _free_slug(wanted: str, article: Article | None) -> str:
    base = text.slugify(wanted) or "article"
    if base in RESERVED_SLUGS or base.isdigit():
        base = f"{base}-article"
    slug, n = base, 2
    while _slug_taken(slug, article):
        slug, n = f"{base[:74]}-{n}", n + 1
    return slug


def _set_slug(article: Article, wanted: str) -> None:
    """Give the article a slug; once published, its old slug keeps redirecting here."""
    slug = _free_slug(wanted, article)
    if slug == article.slug:
        return
    db.session.execute(delete(ArticleSlug).where(ArticleSlug.slug == slug))  # reclaimed
    if article.slug and article.published_at is not None:
        db.session.add(ArticleSlug(slug=article.slug, article_id=article.id))
    article.slug = slug


# -- writing -----------------------------------------------------------------------------------
def create_article(
    *, actor: User, title: str, body: str, summary: str = "", category=None, tags: str = "",
    review_interval_days: int = 180, slug: str = "", sources: Iterable[Thread] = (),
    note: str = "",
) -> Article:
    """Start a draft; its first revision is saved with it."""
    article = new_article(actor=actor, title=title, body=body, summary=summary,
                          category=category, tags=tags,
                          review_interval_days=review_interval_days, slug=slug,
                          sources=sources, note=note)
    _commit(article)
    return article


def new_article(
    *, actor: User, title: str, body: str, summary: str = "", category=None, tags: str = "",
    review_interval_days: int = 180, slug: str = "", sources: Iterable[Thread] = (),
    note: str = "",
) -> Article:
    """A draft with its first revision, inside the caller's use case (no commit): cluster
    promotion adds its own changes before committing with commit_articles()."""
    _require(permissions.can_write(actor), "Only staff write help articles.")
    title, body = _check_title(title), _check_body(body)
    article = Article(
        title=title, slug="", summary=_check_summary(summary), body_source=body,
        body_html=forum_services.render_markdown(body), tags=text.clean_tags(tags),
        category_id=_check_category(category), author_id=actor.id,
        review_interval_days=_check_interval(review_interval_days),
    )
    article.slug = _free_slug(slug or title, None)
    db.session.add(article)
    db.session.flush()
    for thread in sources:
        db.session.add(ArticleThread(article_id=article.id, thread_id=thread.id))
    _add_revision(article, actor, note or "Created")
    return article


def update_article(
    article: Article, *, actor: User, title: str, body: str, summary: str = "", category=None,
    tags: str = "", review_interval_days: int | None = None, slug: str = "", note: str = "",
) -> Article:
    """Save changes as a new revision (nothing is saved when nothing changed); a rename keeps
    the old URL working and updates the threads that point here."""
    _require(permissions.can_write(actor), "Only staff edit help articles.")
    title, body = _check_title(title), _check_body(body)
    summary, tags = _check_summary(summary), text.clean_tags(tags)
    category_id = _check_category(category)
    interval = article.review_interval_days if review_interval_days is None \
        else _check_interval(review_interval_days)
    before = (article.title, article.summary, article.body_source, article.tags,
              article.category_id, article.slug, article.review_interval_days)
    article.review_interval_days = interval
    _set_slug(article, slug or (title if title != article.title else article.slug))
    if before[:5] != (title, summary, body, tags, category_id):
        article.title, article.summary, article.tags = title, summary, tags
        article.body_source, article.body_html = body, forum_services.render_markdown(body)
        article.category_id = category_id
        _add_revision(article, actor, note)
    if before != (article.title, article.summary, article.body_source, article.tags,
                  article.category_id, article.slug, article.review_interval_days):
        article.updated_at = utcnow()
        if article.is_published:
            _point_threads(article)
    _commit(article)
    return article


def _add_revision(article: Article, editor: User, note: str) -> None:
    article.revision_count += 1
    db.session.add(ArticleRevision(
        article_id=article.id, number=article.revision_count, editor_id=editor.id,
        title=article.title, summary=article.summary, body_source=article.body_source,
        tags=article.tags, category_id=article.category_id, note=(note or "").strip()[:200],
    ))


def revisions(article: Article) -> list[ArticleRevision]:
    """Every saved version, oldest first."""
    return list(db.session.scalars(
        select(ArticleRevision).where(ArticleRevision.article_id == article.id)
        .order_by(ArticleRevision.number)
    ))


def restore_revision(article: Article, number: int, *, actor: User) -> Article:
    """Bring an old version back as the newest revision (history is never rewritten)."""
    old = db.session.scalar(select(ArticleRevision).where(
        ArticleRevision.article_id == article.id, ArticleRevision.number == number))
    if old is None:
        raise NotFound("That revision does not exist.")
    return update_article(
        article, actor=actor, title=old.title, body=old.body_source, summary=old.summary,
        category=old.category_id, tags=old.tags, note=f"Restored revision {number}",
    )


# -- status ------------------------------------------------------------------------------------
def set_status(article: Article, status: ArticleStatus, *, actor: User) -> Article:
    """Move an article through draft -> in review -> published -> archived.

    Writers send drafts for review and back; only publishers put articles live or take them
    down. Publishing links the source threads ("Answered in help article ...") and marks the
    clusters it answers done.
    """
    status = ArticleStatus(status)
    if status is article.status:
        return article
    if article.status not in TRANSITIONS[status]:
        raise Conflict(f"A {article.status.label.lower()} article cannot become "
                       f"{status.label.lower()}.")
    live = {A.PUBLISHED, A.ARCHIVED}
    if status in live or article.status in live:
        _require(permissions.can_publish(actor),
                 "Only moderators, admins and staff with the publish right publish articles.")
    _require(permissions.can_write(actor), "Only staff change help articles.")
    was_published = article.is_published
    article.status, article.updated_at = status, utcnow()
    if status is A.PUBLISHED:
        _on_publish(article, actor)
    elif was_published:
        _unpoint_threads(article)
    if status is A.IN_REVIEW:
        _ask_publishers(article, actor)
    _commit(article)
    return article


def _on_publish(article: Article, actor: User) -> None:
    now = utcnow()
    if article.published_at is None:  # the first time only: a re-publish is old news
        _tell_askers(article, actor)
    article.published_at = article.published_at or now
    article.last_reviewed_at = now
    _point_threads(article)
    db.session.execute(
        update(QuestionCluster)
        .where(QuestionCluster.article_id == article.id,
               QuestionCluster.status.in_([ClusterStatus.OPEN, ClusterStatus.PROMOTED]))
        .values(status=ClusterStatus.DONE, updated_at=now)
    )


def _tell_askers(article: Article, actor: User) -> None:
    """Everyone whose question the article was written from hears of it once, with a link."""
    url = article_url(article)
    for thread in queries.source_askers(article):
        if thread.author_id != actor.id:
            forum_services.add_notice(
                thread.author_id, NotificationKind.ARTICLE, actor=actor, thread=thread, url=url,
                message=f"Your question “{thread.title}” is answered in the new help article "
                        f"“{article.title}”.")


def _ask_publishers(article: Article, actor: User) -> None:
    """Everyone who may publish hears that a writer sent an article for review."""
    url = url_for("knowledgebase.staff_article", article_id=article.id)
    for user in queries.publishing_users():
        if user.id != actor.id:
            forum_services.add_notice(
                user.id, NotificationKind.ARTICLE_REVIEW, actor=actor, url=url,
                message=f"{actor.name} sent “{article.title}” for review.")


def _linked_threads(article: Article) -> list[tuple[Thread, ThreadRelation]]:
    rows = db.session.execute(
        select(Thread, ArticleThread.relation)
        .join(ArticleThread, ArticleThread.thread_id == Thread.id)
        .where(ArticleThread.article_id == article.id)
    )
    return [(thread, relation) for thread, relation in rows]


def _point_threads(article: Article) -> None:
    """Source threads say "Answered in help article ..."; duplicates follow a rename. A source
    thread already closed, or answered by another thread, keeps what it has."""
    url = article_url(article)
    for thread, relation in _linked_threads(article):
        keeps_own = thread.closed_at is not None or thread.canonical_kind == "thread"
        if relation is ThreadRelation.DUPLICATE or not keeps_own:
            forum_services.link_canonical(thread, kind="article", url=url, title=article.title)


def _unpoint_threads(article: Article) -> None:
    """An unpublished article stops being shown as the answer on open source threads."""
    url = article_url(article)
    for thread, relation in _linked_threads(article):
        if relation is ThreadRelation.SOURCE and thread.closed_at is None \
                and thread.canonical_url == url:
            thread.canonical_kind = thread.canonical_url = thread.canonical_title = None


def mark_reviewed(article: Article, *, actor: User, interval_days: int | None = None) -> Article:
    """Someone read it through and it is still right: the review clock starts again."""
    _require(permissions.can_write(actor), "Only staff review help articles.")
    if interval_days is not None:
        article.review_interval_days = _check_interval(interval_days)
    article.last_reviewed_at = utcnow()
    _commit()
    return article


def link_thread(article: Article, thread: Thread, *, actor: User) -> None:
    """Record a community thread the article answers (its activity flags the article)."""
    _require(permissions.can_write(actor), "Only staff link threads to articles.")
    exists = db.session.scalar(select(ArticleThread.id).where(
        ArticleThread.article_id == article.id, ArticleThread.thread_id == thread.id))
    if exists is None:
        db.session.add(ArticleThread(article_id=article.id, thread_id=thread.id))
        db.session.flush()
        if article.is_published:
            _point_threads(article)
        _touch(article)
    _commit()


def unlink_thread(article: Article, thread: Thread, *, actor: User) -> None:
    """Forget a source thread (a thread closed as a duplicate stays closed)."""
    _require(permissions.can_write(actor), "Only staff unlink threads from articles.")
    if thread.canonical_kind == "article" and thread.closed_at is None and \
            thread.canonical_url == article_url(article):
        thread.canonical_kind = thread.canonical_url = thread.canonical_title = None
    db.session.execute(delete(ArticleThread).where(
        ArticleThread.article_id == article.id, ArticleThread.thread_id == thread.id))
    _touch(article)
    _commit()


def _touch(article: Article) -> None:
    """Links changed: the suggestion engine notices through updated_at."""
    article.updated_at = utcnow()


# -- publishers --------------------------------------------------------------------------------
def grant_publish(user: User, *, actor: User | None, grant: bool = True) -> None:
    """Give (or take) a staff member the publish right; actor None is the trusted CLI."""
    if actor is not None:
        _require(permissions.can_grant_publish(actor), "Only admins grant the publish right.")
    if grant and not user.is_staff_side:
        raise ValidationError("Only staff can be given the publish right.")
    db.session.execute(delete(Publisher).where(Publisher.user_id == user.id))
    if grant:
        db.session.add(Publisher(user_id=user.id))
    _commit()
    current_app.logger.info("publish right %s for %s by %s", "granted" if grant else "revoked",
                            user.username, actor.username if actor is not None else "the CLI")


# -- readers -----------------------------------------------------------------------------------
def record_view(article: Article) -> None:
    """Count a view of a published article without locking the row."""
    db.session.execute(update(Article).where(Article.id == article.id)
                       .values(view_count=Article.view_count + 1))
    _commit()


def give_feedback(article: Article, *, helpful: bool, comment: str = "",
                  voter: User | None = None, previous_id: int | None = None) -> ArticleFeedback:
    """'Was this helpful?': one answer per reader; answering again changes it."""
    if not permissions.can_give_feedback(voter, article):
        raise NotFound("That article is not published.")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError(f"Comments are at most {COMMENT_MAX} characters.",
                              field="comment")
    row = _previous_feedback(article, voter, previous_id)
    if row is None:
        row = ArticleFeedback(article_id=article.id, voter_id=voter.id if voter else None,
                              helpful=helpful, comment=comment)
        db.session.add(row)
        _count_feedback(article, helpful, +1)
    else:
        if row.helpful != helpful:
            _count_feedback(article, row.helpful, -1)
            _count_feedback(article, helpful, +1)
            row.helpful = helpful
        row.comment = comment or row.comment
        row.created_at = utcnow()
    try:
        _commit()
    except IntegrityError:  # the same reader's second click won a race: one answer stands
        db.session.rollback()
        row = _previous_feedback(article, voter, previous_id)
    return row


def _previous_feedback(article: Article, voter: User | None, previous_id: int | None):
    if voter is not None:
        return db.session.scalar(select(ArticleFeedback).where(
            ArticleFeedback.article_id == article.id, ArticleFeedback.voter_id == voter.id))
    if previous_id:
        return db.session.scalar(select(ArticleFeedback).where(
            ArticleFeedback.id == previous_id, ArticleFeedback.article_id == article.id,
            ArticleFeedback.voter_id.is_(None)))
    return None


def _count_feedback(article: Article, helpful: bool, sign: int) -> None:
    column = Article.helpful_count if helpful else Article.not_helpful_count
    db.session.execute(update(Article).where(Article.id == article.id)
                       .values({column: column + sign}))


# -- duplicates --------------------------------------------------------------------------------
_THREAD_URL = re.compile(r"/t/(\d+)")
_ARTICLE_URL = re.compile(r"/help/([a-z0-9-]+)/?(?:[?#].*)?$")


def resolve_target(ref: str) -> Thread | Article | None:
    """What a staff member pasted: a thread URL or #id, or an article URL or slug."""
    ref = (ref or "").strip()
    match = _THREAD_URL.search(ref)
    if match or ref.lstrip("#").isdigit():
        thread_id = int(match.group(1) if match else ref.lstrip("#"))
        return db.session.get(Thread, thread_id)
    match = _ARTICLE_URL.search(ref)
    slug = match.group(1) if match else ref.lower()
    return queries.article_by_slug(slug)[0] if slug else None


def close_duplicate(thread: Thread, *, actor: User, target: Thread | Article | None) -> Thread:
    """Close a thread as a duplicate of a thread or a published article; its author is told
    where the answer is (forum.services.close_as_duplicate) and the article learns the link."""
    _require(permissions.can_close_duplicate(actor),
             "Only staff and moderators close threads as duplicates.")
    if target is None:
        raise ValidationError("Paste the address of the thread or help article that answers "
                              "this question.", field="target")
    if isinstance(target, Thread):
        if target.id == thread.id:
            raise ValidationError("A thread cannot be a duplicate of itself.", field="target")
        if target.status is not PostStatus.PUBLISHED:
            raise ValidationError("That thread is not public.", field="target")
        kind, url = "thread", url_for("forum.thread", thread_id=target.id, _external=False)
    else:
        if not target.is_published:
            raise ValidationError("That article is not published yet.", field="target")
        kind, url = "article", article_url(target)
        _link_duplicate(target, thread)
    try:
        return forum_services.close_as_duplicate(thread, actor=actor, kind=kind, url=url,
                                                 title=target.title)
    except (forum_services.ServiceError, IntegrityError):
        db.session.rollback()
        raise


def _link_duplicate(article: Article, thread: Thread) -> None:
    link = db.session.scalar(select(ArticleThread).where(
        ArticleThread.article_id == article.id, ArticleThread.thread_id == thread.id))
    if link is None:
        db.session.add(ArticleThread(article_id=article.id, thread_id=thread.id,
                                     relation=ThreadRelation.DUPLICATE))
    else:
        link.relation = ThreadRelation.DUPLICATE
    _touch(article)


# -- the search log ----------------------------------------------------------------------------
def log_search(query: str, results: int, *, found_article: bool = False) -> str | None:
    """Log one search anonymously and return the token its result links carry for clicks.

    No user, no address, only the day. Written on a connection of its own so the search page
    keeps its loaded objects (a commit on the page's session would expire them).
    """
    normalised = text.normalise_query(query)
    if not normalised:
        return None
    token = secrets.token_hex(16)
    with db.engine.begin() as conn:
        conn.execute(insert(SearchLog).values(
            token=token, query=normalised, query_key=text.query_key(normalised),
            results=max(0, int(results)), day=utcnow().date(), found_article=found_article,
        ))
    return token


def record_click(token: str, doc_type: str, doc_id: int) -> bool:
    """Remember the first result opened from a logged search; False when the token is unknown."""
    if doc_type not in DOC_TYPES or not token:
        return False
    changed = db.session.execute(
        update(SearchLog)
        .where(SearchLog.token == token[:32], SearchLog.clicked_type.is_(None))
        .values(clicked_type=doc_type, clicked_id=doc_id)
    ).rowcount
    _commit()
    return bool(changed)


# -- deflection --------------------------------------------------------------------------------
def record_ask_event(token: str, event: str, *, doc_type: str | None = None,
                     doc_id: int | None = None) -> AskSession | None:
    """An ask-form view showed suggestions ('shown') or its writer opened one ('open').

    Keyed by the form's client token; whether that view ended in a post is read later from
    the posts themselves, so an abandoned form after an opened suggestion is a deflection.
    """
    token = (token or "").strip()
    if event not in ASK_EVENTS or not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", token):
        raise ValidationError("Unknown ask-form event.")
    if event == "open" and doc_type not in DOC_TYPES:
        raise ValidationError("Unknown suggestion type.")
    row = db.session.scalar(select(AskSession).where(AskSession.token == token))
    if row is None:
        row = AskSession(token=token)
        db.session.add(row)
    if event == "open":
        row.opened = (row.opened or 0) + 1
        row.opened_type, row.opened_id = doc_type, doc_id
    try:
        _commit()
    except IntegrityError:  # two events of one view raced: the other created the row
        db.session.rollback()
        return record_ask_event(token, event, doc_type=doc_type, doc_id=doc_id)
    return row
