"""A too-complex body is a 400 that keeps the author's text, on every form and the API."""
from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from forum import services
from forum.extensions import db
from forum.models import Post, Role, Thread
from knowledgebase.models import Article
from moderation.models import PrivateConversation
from tests.conftest import login

BRACKETS = "[" * 15_000 + "x" + "]" * 15_000
TABLE = "|a|b|\n|-|-|\n" + "|x|y|\n" * 2_000
LIST = "- " * 10_000 + "x"


@pytest.fixture
def alice(factory):
    return factory.user("alice")


def _conversation(factory, customer) -> PrivateConversation:
    """A private follow-up of the customer's own question."""
    thread = factory.thread(customer)
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    conversation = PrivateConversation(customer_id=customer.id, thread_id=thread.id,
                                       post_id=post.id, subject="Help")
    db.session.add(conversation)
    db.session.commit()
    return conversation


@pytest.mark.parametrize("body", [BRACKETS, TABLE, LIST])
def test_ask_form_too_complex_body_gives_400_and_keeps_text(client, factory, alice, body):
    category = factory.category("Accounts")
    login(client, alice)
    response = client.post("/ask", data={"title": "Why is this page slow?", "body": body,
                                          "category": category.id, "client_token": "t1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "at most" in page and html.escape(body[:200], quote=False) in page
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 0


def test_reply_and_edit_forms_too_complex_body_give_400(client, factory, alice):
    thread = factory.thread(alice)
    login(client, alice)
    reply = client.post(f"/t/{thread.id}/reply", data={"body": TABLE, "client_token": "r1"})
    assert reply.status_code == 400 and "table rows" in reply.get_data(as_text=True)
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    edit = client.post(f"/p/{post.id}/edit", data={"body": LIST, "title": thread.title})
    assert edit.status_code == 400 and "nested too deeply" in edit.get_data(as_text=True)
    assert LIST[:100] in edit.get_data(as_text=True)


def test_api_too_complex_body_gives_json_400(client, factory, alice):
    category = factory.category("Accounts")
    token = services.create_api_token(alice, actor=None, name="tests")[1]
    response = client.post("/api/v1/threads", headers={"Authorization": f"Bearer {token}"},
                           json={"title": "Why is this slow?", "body": BRACKETS,
                                 "category": category.id})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "too_complex" and error["field"] == "body"
    assert "square brackets" in error["message"]


def test_private_message_and_help_article_refuse_too_complex_text(app, factory, alice):
    from knowledgebase import services as kb
    from moderation import services as moderation
    conversation = _conversation(factory, alice)
    with pytest.raises(services.TooComplex, match="table rows"):
        moderation.post_private_message(conversation, actor=alice, body=TABLE)
    with pytest.raises(services.ValidationError, match="at most"):
        moderation.post_private_message(conversation, actor=alice, body="x" * 50_001)
    staff = factory.user("sam", role=Role.STAFF)
    with pytest.raises(services.TooComplex, match="square brackets"):
        kb.create_article(actor=staff, title="Slow article", body=BRACKETS)


def test_help_article_editor_form_too_complex_body_gives_400_and_keeps_text(client, factory):
    writer = factory.user("writer", role=Role.STAFF)
    login(client, writer)
    response = client.post("/help/staff/articles/new", data={
        "title": "Paying your bill by card", "review_interval_days": "180", "body": TABLE})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "table rows" in page and "|x|y|" in page and "Paying your bill by card" in page
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0


def test_private_conversation_form_too_complex_message_gives_400_and_keeps_text(
        client, factory, alice):
    conversation = _conversation(factory, alice)
    login(client, alice)
    nested = "- " * 5_000 + "x"  # within the form's 20,000 characters
    response = client.post(f"/private/{conversation.id}", data={"body": nested})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "nested too deeply" in page and "- - - - x" in page
