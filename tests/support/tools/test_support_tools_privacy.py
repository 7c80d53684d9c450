"""Internal notes never reach customers or the signed-out: not on any page, not in search
(the index never holds them), not in the API, not in notifications. A staff member sees the
same note on the same pages, so each check can fail."""
from __future__ import annotations

import re

import pytest

from forum import search, services
from forum.extensions import db
from forum.search import SearchQuery, documents
from support.tools import services as tools
from tests.conftest import login

SECRET = "zanzibarquokka"  # a word nobody else writes


@pytest.fixture
def noted(staff, thread, factory):
    """A thread with a public reply and a staff note holding SECRET."""
    factory.reply(thread, staff, body="We are looking into it.")
    tools.add_note(thread, actor=staff, body=f"Internal: {SECRET} escalation, refund approved")
    search.sync(db.session)
    return thread


def _pages(thread, staff, customer) -> list[str]:
    return [f"/t/{thread.id}", f"/t/{thread.id}?page=1", f"/p/{thread.id}", "/", "/threads",
            f"/c/{thread.category.slug}", f"/u/{staff.username}", f"/u/{customer.username}",
            "/notifications"]


def _api_gets(client) -> list[str]:
    """Every GET of the API document that needs at most a thread or post id."""
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    return [path for path, operations in paths.items() if "get" in operations
            and set(re.findall(r"{(\w+)}", path)) <= {"thread_id", "post_id"}
            and path != "/search"]  # the search echoes its query: checked on its own


def _read(client, path: str) -> str:
    response = client.get(path, follow_redirects=True)
    text = response.get_data(as_text=True)
    response.close()
    return text


def _everything_seen(client, noted, staff, customer, headers=None) -> str:
    seen = [_read(client, page) for page in _pages(noted, staff, customer)]
    gets = _api_gets(client)
    assert {"/threads/{thread_id}", "/threads/{thread_id}/notes"} <= set(gets)
    for path in gets:
        url = path.replace("{thread_id}", str(noted.id)).replace("{post_id}", str(noted.id))
        response = client.get(url, headers=headers or {})
        seen.append(response.get_data(as_text=True))
    return "\n".join(seen)


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_note_word_nowhere_for_customer_or_anonymous(client, noted, staff, customer, who):
    headers = None
    if who == "customer":
        login(client, customer)
        headers = {"Authorization": "Bearer "
                   + services.create_api_token(customer, actor=None, name="t")[1]}

    assert SECRET not in _everything_seen(client, noted, staff, customer, headers)
    for query in (SECRET, f"refund {SECRET}"):
        page = _read(client, f"/search?q={query}")
        found = client.get("/api/v1/search", query_string={"q": query},
                           headers=headers or {}).get_json()
        assert noted.title not in page and found["total"] == 0 and found["results"] == []


def test_note_word_seen_by_staff_on_thread_page_and_notes_api(client, noted, staff, customer):
    login(client, staff)
    token = services.create_api_token(staff, actor=None, name="t")[1]
    notes = client.get(f"/api/v1/threads/{noted.id}/notes",
                       headers={"Authorization": f"Bearer {token}"})

    assert SECRET in _read(client, f"/t/{noted.id}")
    assert SECRET in notes.get_data(as_text=True)


def test_note_word_not_in_search_index_or_results_even_for_staff(noted):
    doc = documents.load(db.session, "thread", [noted.id])[noted.id]
    result = search.run(db.session, SearchQuery(text=SECRET))

    assert SECRET not in doc.body and "We are looking" in doc.body
    assert result.total == 0


def test_note_customer_api_notes_endpoints_are_403(client, noted, customer):
    headers = {"Authorization": "Bearer "
               + services.create_api_token(customer, actor=None, name="t")[1]}
    listed = client.get(f"/api/v1/threads/{noted.id}/notes", headers=headers)
    posted = client.post(f"/api/v1/threads/{noted.id}/notes", headers=headers,
                         json={"body": "let me in"})

    assert listed.status_code == 403 and posted.status_code == 403
    assert SECRET not in listed.get_data(as_text=True)


def test_note_adds_no_notification_for_the_customer(client, noted, customer):
    from sqlalchemy import select

    from forum.models import Notification

    messages = db.session.scalars(select(Notification.message).where(
        Notification.user_id == customer.id)).all()
    assert all(SECRET not in (m or "") for m in messages)
    login(client, customer)
    assert SECRET not in _read(client, "/notifications")
