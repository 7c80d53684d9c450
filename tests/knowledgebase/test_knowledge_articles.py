"""Service tests: the article lifecycle, revisions and restore, slugs, feedback, freshness."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import search
from forum import services as forum_services
from forum.extensions import db
from forum.models import Thread, utcnow
from forum.search import SearchQuery
from forum.services import Conflict, PermissionDenied, ValidationError
from knowledgebase import queries, services
from knowledgebase.models import (
    Article,
    ArticleFeedback,
    ArticleSlug,
    ArticleStatus,
    ArticleThread,
    ThreadRelation,
)


def test_create_article_customer_refused(factory, customer):
    with pytest.raises(PermissionDenied):
        services.create_article(actor=customer, title="How to reset your router",
                                body="Text.")


def test_create_article_draft_has_first_revision_and_sanitised_html(kb, staff):
    article = kb.draft(body="Hold **reset**.\n\n<script>alert(1)</script>",
                       tags="WiFi, wifi, Router")
    assert article.status is ArticleStatus.DRAFT
    assert article.slug == "how-to-reset-your-router"
    assert "<strong>reset</strong>" in article.body_html
    assert "<script>" not in article.body_html
    assert article.tags == "wifi, router"
    assert [r.number for r in services.revisions(article)] == [1]
    assert services.revisions(article)[0].editor_id == staff.id


def test_create_article_short_title_rejected_with_field(kb):
    with pytest.raises(ValidationError) as caught:
        kb.draft(title="Router")
    assert caught.value.field == "title"


def test_update_article_unchanged_adds_no_revision(kb, staff):
    article = kb.draft()
    services.update_article(article, actor=staff, title=article.title, body=article.body_source)
    assert article.revision_count == 1


def test_update_article_changed_adds_revision_with_note(kb, staff):
    article = kb.draft()
    services.update_article(article, actor=staff, title=article.title, body="New text.",
                            note="Clearer steps")
    revs = services.revisions(article)
    assert [r.number for r in revs] == [1, 2]
    assert revs[-1].body_source == "New text." and revs[-1].note == "Clearer steps"


def test_restore_revision_copies_old_version_forward(kb, staff):
    article = kb.draft(body="First version.")
    services.update_article(article, actor=staff, title="How to reset the router quickly",
                            body="Second version.")
    services.restore_revision(article, 1, actor=staff)
    revs = services.revisions(article)
    assert [r.number for r in revs] == [1, 2, 3]
    assert article.body_source == "First version."
    assert article.title == "How to reset your router"
    assert revs[-1].note == "Restored revision 1"


def test_restore_revision_unknown_number_not_found(kb, staff):
    article = kb.draft()
    with pytest.raises(forum_services.NotFound):
        services.restore_revision(article, 7, actor=staff)


def test_set_status_staff_sends_for_review_but_cannot_publish(kb, staff):
    article = kb.draft()
    services.set_status(article, ArticleStatus.IN_REVIEW, actor=staff)
    assert article.status is ArticleStatus.IN_REVIEW
    with pytest.raises(PermissionDenied):
        services.set_status(article, ArticleStatus.PUBLISHED, actor=staff)


def test_set_status_staff_with_publish_right_publishes(kb, staff):
    services.grant_publish(staff, actor=None)
    article = kb.draft()
    services.set_status(article, ArticleStatus.PUBLISHED, actor=staff)
    assert article.status is ArticleStatus.PUBLISHED
    assert article.published_at is not None and article.last_reviewed_at is not None


def test_set_status_published_to_in_review_conflict(kb, moderator):
    article = kb.published()
    with pytest.raises(Conflict):
        services.set_status(article, ArticleStatus.IN_REVIEW, actor=moderator)


def test_grant_publish_customer_refused(customer):
    with pytest.raises(ValidationError):
        services.grant_publish(customer, actor=None)


def test_publish_links_source_threads_as_answered(factory, kb, staff, moderator):
    thread = factory.thread(title="Router keeps dropping the connection?")
    article = kb.draft(sources=[thread])
    assert db.session.get(Thread, thread.id).canonical_url is None
    services.set_status(article, ArticleStatus.PUBLISHED, actor=moderator)
    thread = db.session.get(Thread, thread.id)
    assert thread.canonical_kind == "article"
    assert thread.canonical_url == "/help/how-to-reset-your-router"
    assert thread.canonical_title == article.title
    assert thread.closed_at is None


def test_archive_unlinks_open_source_threads(factory, kb, moderator):
    thread = factory.thread()
    article = kb.draft(sources=[thread])
    services.set_status(article, ArticleStatus.PUBLISHED, actor=moderator)
    services.set_status(article, ArticleStatus.ARCHIVED, actor=moderator)
    assert db.session.get(Thread, thread.id).canonical_url is None
    assert search.run(db.session, SearchQuery("reset router", doc_types=("article",))).total == 0


def test_rename_published_article_keeps_old_slug_redirecting(kb, staff):
    article = kb.published()
    services.update_article(article, actor=staff, title="Resetting your broadband router",
                            body=article.body_source)
    assert article.slug == "resetting-your-broadband-router"
    found, former = queries.article_by_slug("how-to-reset-your-router")
    assert found.id == article.id and former is True


def test_rename_published_article_updates_linked_threads(factory, kb, staff):
    thread = factory.thread()
    article = kb.published(sources=[thread])
    services.update_article(article, actor=staff, title="Resetting your broadband router",
                            body=article.body_source)
    thread = db.session.get(Thread, thread.id)
    assert thread.canonical_url == "/help/resetting-your-broadband-router"
    assert thread.canonical_title == "Resetting your broadband router"


def test_rename_draft_leaves_no_redirect(kb, staff):
    article = kb.draft()
    services.update_article(article, actor=staff, title="Resetting your broadband router",
                            body=article.body_source)
    assert db.session.scalar(select(ArticleSlug)) is None


def test_rename_back_to_old_slug_reclaims_it(kb, staff):
    article = kb.published()
    services.update_article(article, actor=staff, title="Resetting your broadband router",
                            body=article.body_source)
    services.update_article(article, actor=staff, title="How to reset your router",
                            body=article.body_source)
    assert article.slug == "how-to-reset-your-router"
    slugs = set(db.session.scalars(select(ArticleSlug.slug)))
    assert slugs == {"resetting-your-broadband-router"}


def test_slug_clash_and_reserved_words_get_suffixes(kb):
    first = kb.draft()
    second = kb.draft()
    reserved = kb.draft(slug="staff")
    assert first.slug == "how-to-reset-your-router"
    assert second.slug == "how-to-reset-your-router-2"
    assert reserved.slug == "staff-article"


def test_give_feedback_changing_answer_moves_counts(kb, customer):
    article = kb.published()
    services.give_feedback(article, helpful=True, voter=customer)
    services.give_feedback(article, helpful=False, comment="Step 2 is missing", voter=customer)
    article = db.session.get(Article, article.id)
    assert (article.helpful_count, article.not_helpful_count) == (0, 1)
    rows = list(db.session.scalars(select(ArticleFeedback)))
    assert len(rows) == 1 and rows[0].comment == "Step 2 is missing"


def test_give_feedback_anonymous_readers_each_count(kb):
    article = kb.published()
    first = services.give_feedback(article, helpful=True)
    services.give_feedback(article, helpful=False)
    services.give_feedback(article, helpful=False, previous_id=first.id)
    article = db.session.get(Article, article.id)
    assert (article.helpful_count, article.not_helpful_count) == (0, 2)


def test_give_feedback_draft_not_found(kb, customer):
    with pytest.raises(forum_services.NotFound):
        services.give_feedback(kb.draft(), helpful=True, voter=customer)


def test_review_queue_flags_overdue_article(kb):
    article = kb.published(review_interval_days=30)
    assert queries.review_queue() == []
    later = utcnow() + timedelta(days=31)
    items = queries.review_queue(now=later)
    assert [i.article.id for i in items] == [article.id]
    assert "Review due" in items[0].reasons[0]


def test_review_queue_flags_source_thread_activity(factory, kb):
    thread = factory.thread()
    article = kb.published(sources=[thread])
    assert queries.review_queue() == []
    factory.reply(db.session.get(Thread, thread.id))
    items = queries.review_queue(now=utcnow())
    assert items and items[0].article.id == article.id
    assert "new activity" in items[0].reasons[0]


def test_review_queue_flags_piling_not_helpful_votes(factory, kb, staff):
    article = kb.published()
    for n in range(3):
        services.give_feedback(article, helpful=False, voter=factory.user(f"reader{n}"))
    reasons = queries.review_queue()[0].reasons
    assert reasons == ["3 of 3 readers said it was not helpful since the last review"]
    services.mark_reviewed(db.session.get(Article, article.id), actor=staff)
    assert queries.review_queue() == []


def test_link_thread_then_unlink_clears_answered_note(factory, kb, staff):
    thread = factory.thread()
    article = kb.published()
    services.link_thread(article, thread, actor=staff)
    assert db.session.get(Thread, thread.id).canonical_kind == "article"
    services.unlink_thread(article, db.session.get(Thread, thread.id), actor=staff)
    assert db.session.get(Thread, thread.id).canonical_url is None
    assert db.session.scalar(select(ArticleThread)) is None


def test_search_finds_published_articles_only(kb):
    kb.draft(title="Changing your billing address")
    published = kb.published()
    hits = search.run(db.session, SearchQuery("reset router", doc_types=("article",))).hits
    assert [(h.doc_type, h.doc_id) for h in hits] == [("article", published.id)]
    assert search.run(db.session, SearchQuery("billing address",
                                               doc_types=("article",))).total == 0


def test_source_relation_default_is_source(factory, kb):
    thread = factory.thread()
    article = kb.draft(sources=[thread])
    link = db.session.scalar(select(ArticleThread).where(ArticleThread.article_id == article.id))
    assert link.relation is ThreadRelation.SOURCE
