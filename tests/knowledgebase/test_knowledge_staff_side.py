"""Functional tests for the staff side of the knowledge base: questions a help article
answers stop waiting, askers hear about the article, publishers review what writers send, and
admins grant the publish right from the People page."""
from datetime import timedelta

from forum import metrics
from forum import services as forum_services
from forum.models import utcnow
from tests.conftest import login


def _html(response) -> str:
    return response.get_data(as_text=True)


def _old_question(factory, title: str = "Router keeps dropping at night", author=None):
    return forum_services.create_thread(
        author=author or factory.user(), title=title, body="Since Monday.",
        category=factory.category(), created_at=utcnow() - timedelta(hours=2))


# -- answered by a help article: no longer waiting ---------------------------------------------
def test_waiting_lists_article_answered_question_left_out(client, factory, kb, staff,
                                                          monkeypatch):
    monkeypatch.setattr(metrics, "_OVERDUE", {})
    thread = _old_question(factory)
    kb.published(sources=[thread])
    login(client, staff)
    page = _html(client.get(f"/t/{thread.id}"))
    assert thread.title not in _html(client.get("/staff/"))
    assert thread.title not in _html(client.get("/threads?tab=unanswered"))
    assert metrics.overdue_count() == 0
    assert "<dd>Waiting for an answer</dd>" not in page
    assert "<dd>Answered in a help article</dd>" in page
