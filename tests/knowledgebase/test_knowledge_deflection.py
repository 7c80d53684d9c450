"""Duplicates closed from the thread page, "Related" after posting, and deflection on the ask
form (a suggestion opened, then no question posted)."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from forum.extensions import db
from forum.models import Notification, Thread, utcnow
from forum.services import Conflict, PermissionDenied, ValidationError
from knowledgebase import queries, services
from knowledgebase.models import ArticleThread, AskSession, ThreadRelation
from tests.conftest import login


# -- duplicates --------------------------------------------------------------------------------
def test_close_duplicate_of_thread_closes_links_and_notifies(factory, staff):
    original = factory.thread(title="How do I reset my router password?")
    repeat = factory.thread(title="Reset router password please")
    services.close_duplicate(repeat, actor=staff, target=services.resolve_target(
        f"https://example.com/t/{original.id}/how-do-i"))
    repeat = db.session.get(Thread, repeat.id)
    assert repeat.closed_at is not None and repeat.canonical_kind == "thread"
    assert repeat.canonical_url == f"/t/{original.id}"
    note = db.session.scalar(select(Notification).where(Notification.user_id == repeat.author_id))
    assert "closed as a duplicate" in note.message


def test_close_duplicate_of_article_records_link(factory, kb, staff):
    article = kb.published()
    repeat = factory.thread()
    services.close_duplicate(repeat, actor=staff, target=services.resolve_target(
        f"/help/{article.slug}"))
    link = db.session.scalar(select(ArticleThread))
    assert (link.article_id, link.thread_id, link.relation) == (
        article.id, repeat.id, ThreadRelation.DUPLICATE)
    assert db.session.get(Thread, repeat.id).canonical_kind == "article"


def test_close_duplicate_of_draft_article_rejected(factory, kb, staff):
    draft = kb.draft()
    with pytest.raises(ValidationError):
        services.close_duplicate(factory.thread(), actor=staff, target=draft)
    assert db.session.scalar(select(ArticleThread)) is None


def test_close_duplicate_customer_refused(factory, customer):
    thread, other = factory.thread(), factory.thread()
    with pytest.raises(PermissionDenied):
        services.close_duplicate(thread, actor=customer, target=other)


def test_close_duplicate_of_itself_rejected(factory, staff):
    thread = factory.thread()
    with pytest.raises(ValidationError):
        services.close_duplicate(thread, actor=staff, target=thread)


def test_close_duplicate_twice_conflict_keeps_no_article_link(factory, kb, staff):
    article = kb.published()
    thread, other = factory.thread(), factory.thread()
    services.close_duplicate(thread, actor=staff, target=other)
    with pytest.raises(Conflict):
        services.close_duplicate(db.session.get(Thread, thread.id), actor=staff,
                                 target=article)
    assert db.session.scalar(select(ArticleThread)) is None


def test_thread_page_close_form_for_staff_only_and_it_closes(client, factory, staff, customer):
    original = factory.thread(title="How do I reset my router password?")
    repeat = factory.thread(title="How do I reset the router password?")
    login(client, customer)
    assert "Close as duplicate" not in client.get(f"/t/{repeat.id}").get_data(as_text=True)
    assert client.post(f"/help/staff/threads/{repeat.id}/duplicate",
                       data={"target": str(original.id)}).status_code == 403
    client.post("/logout")
    login(client, staff)
    assert "Close as duplicate" in client.get(f"/t/{repeat.id}").get_data(as_text=True)
    response = client.post(f"/help/staff/threads/{repeat.id}/duplicate",
                           data={"target": f"#{original.id}"})
    assert response.status_code == 303
    page = client.get(f"/t/{repeat.id}").get_data(as_text=True)
    assert "Closed as a duplicate" in page and "Replies are closed" in page


# -- related -----------------------------------------------------------------------------------
def test_thread_page_lists_related_article_and_threads(client, factory, kb):
    first = factory.thread(title="How do I reset my router password?")
    second = factory.thread(title="How do I reset the router password?")
    factory.thread(title="Which TV channels are included?")
    kb.published(title="Resetting your router password")
    page = client.get(f"/t/{second.id}").get_data(as_text=True)
    related = page[page.index("<h2>Related</h2>"):]
    assert "Resetting your router password" in related
    assert first.title in related and "Which TV channels" not in related
    assert related.index("Resetting your router password") < related.index(first.title)


# -- deflection --------------------------------------------------------------------------------
def test_ask_page_has_suggestion_panel_and_script(client, customer):
    login(client, customer)
    page = client.get("/ask").get_data(as_text=True)
    assert 'id="kb-suggestions"' in page and 'data-suggest-url="/api/v1/suggest"' in page
    assert "/static/js/kb.js" in page and "<script>" not in page


def _events(client, token, *events):
    for event in events:
        response = client.post("/help/ask-events", data={"token": token, **event})
        assert response.status_code == 204


def test_deflection_opened_and_not_posted_counts(client, factory, customer):
    category = factory.category("Broadband")
    login(client, customer)
    _events(client, "a" * 32, {"event": "shown"}, {"event": "open", "type": "article", "id": "1"})
    _events(client, "b" * 32, {"event": "shown"})
    _events(client, "c" * 32, {"event": "shown"}, {"event": "open", "type": "thread", "id": "2"})
    client.post("/ask", data={"title": "How do I reset my router password?", "body": "Help",
                              "category": category.id, "client_token": "c" * 32})
    db.session.execute(update(AskSession).values(created_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    report = queries.deflection_report(days=30, settle_minutes=60)
    assert (report.shown, report.opened, report.posted_after_opening, report.deflected) == \
        (3, 2, 1, 1)
    assert report.rate == pytest.approx(1 / 3)


def test_deflection_recent_views_are_pending(client, customer):
    login(client, customer)
    _events(client, "d" * 32, {"event": "shown"}, {"event": "open", "type": "article", "id": "1"})
    report = queries.deflection_report(days=30, settle_minutes=60)
    assert (report.deflected, report.pending, report.rate) == (0, 1, None)


def test_ask_event_bad_token_rejected(client, customer):
    login(client, customer)
    response = client.post("/help/ask-events", data={"token": "x", "event": "shown"})
    assert response.status_code == 400
    assert db.session.scalar(select(AskSession)) is None


def test_ask_event_needs_sign_in(client):
    response = client.post("/help/ask-events", data={"token": "e" * 32, "event": "shown"})
    assert response.status_code == 302
