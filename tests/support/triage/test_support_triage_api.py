"""Triage API: the staff inbox and assigning a thread, for staff tokens only."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from forum import services as forum_services
from forum.extensions import db
from forum.models import Role
from support.triage import services
from support.triage.models import Assignment, AssignmentEvent


def _headers(user) -> dict:
    token = forum_services.create_api_token(user, actor=None, name="tests")[1]
    return {"Authorization": f"Bearer {token}"}


def test_api_inbox_staff_gets_rows_in_priority_order_with_reasons(client, ask, staff):
    calm = ask(minutes_ago=5, title="How do I change my avatar?")
    late = ask(minutes_ago=90, title="Where is the router manual?")
    body = client.get("/api/v1/staff/inbox", headers=_headers(staff)).get_json()
    assert [r["thread"]["id"] for r in body["results"]] == [late.id, calm.id]
    first = body["results"][0]
    assert first["overdue"] is True and first["target"] == "first_response"
    assert "past first response target by 30 min" in first["reasons"]
    assert first["first_response"]["minutes_left"] == pytest.approx(-30, abs=0.2)
    assert body["total"] == 2 and body["pages"] == 1


def test_api_inbox_filters_mine_assignee_overdue(client, ask, staff, factory):
    other = factory.user("olga", role=Role.STAFF)
    late, mine = ask(minutes_ago=90), ask()
    services.take(mine, actor=staff)
    headers = _headers(staff)

    def ids(query):
        body = client.get(f"/api/v1/staff/inbox?{query}", headers=headers).get_json()
        return [r["thread"]["id"] for r in body["results"]]

    assert ids("mine=true") == [mine.id]
    assert ids("assignee=none") == [late.id]
    assert ids("assignee=sam_staff") == [mine.id]
    assert ids("assignee=olga") == [] and other.id
    assert ids("overdue=true") == [late.id]


@pytest.mark.parametrize("query, field", [("overdue=maybe", "overdue"), ("page=0", "page"),
                                          ("assignee=nobody_here", "assignee"),
                                          ("category=abc", "category")])
def test_api_inbox_bad_argument_is_400_naming_field(client, staff, query, field):
    response = client.get(f"/api/v1/staff/inbox?{query}", headers=_headers(staff))
    assert response.status_code == 400 and response.get_json()["error"]["field"] == field


def test_api_inbox_customer_token_forbidden_anonymous_unauthorized(client, ask, customer):
    ask()
    response = client.get("/api/v1/staff/inbox", headers=_headers(customer))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/staff/inbox").status_code == 401


def test_api_assign_by_username_then_null_unassigns(client, ask, staff, factory):
    boss = factory.user("boss", role=Role.ADMIN)
    thread = ask()
    headers = _headers(boss)
    response = client.post(f"/api/v1/threads/{thread.id}/assign",
                           json={"assignee": "sam_staff"}, headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {"thread_id": thread.id, "assignee": {
        "id": staff.id, "username": "sam_staff", "display_name": "Sam Support"}}
    assert db.session.get(Assignment, thread.id).assignee_id == staff.id
    response = client.post(f"/api/v1/threads/{thread.id}/assign", json={"assignee": None},
                           headers=headers)
    assert response.get_json()["assignee"] is None
    assert db.session.get(Assignment, thread.id) is None
    assert len(db.session.scalars(select(AssignmentEvent)).all()) == 2


@pytest.mark.parametrize("payload, status, code", [
    ({}, 400, "missing_field"), ({"assignee": 5}, 400, "invalid"),
    ({"assignee": "nobody_here"}, 400, "invalid"), ({"assignee": "cat_customer"}, 400, None),
])
def test_api_assign_bad_body_refused(client, ask, staff, customer, payload, status, code):
    thread = ask()
    response = client.post(f"/api/v1/threads/{thread.id}/assign", json=payload,
                           headers=_headers(staff))
    assert response.status_code == status
    assert code is None or response.get_json()["error"]["code"] == code
    assert db.session.scalar(select(Assignment)) is None


# One token per test: the tests' app context outlives requests, and with it the API's
# once-a-request token lookup (flask.g).
def test_api_assign_customer_token_forbidden(client, ask, customer, staff):
    thread = ask()
    response = client.post(f"/api/v1/threads/{thread.id}/assign",
                           json={"assignee": "sam_staff"}, headers=_headers(customer))
    assert response.status_code == 403
    assert db.session.scalar(select(Assignment)) is None


def test_api_assign_missing_thread_404(client, staff):
    missing = client.post("/api/v1/threads/999999/assign", json={"assignee": None},
                          headers=_headers(staff))
    assert missing.status_code == 404


def test_api_thread_document_never_shows_assignee(client, ask, staff, customer):
    thread = ask(author=customer)
    services.take(thread, actor=staff)
    body = client.get(f"/api/v1/threads/{thread.id}", headers=_headers(customer)).get_data(
        as_text=True)
    assert "assignee" not in body and "sam_staff" not in body


def test_api_openapi_documents_triage_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert paths["/staff/inbox"]["get"]["operationId"] == "staffInbox"
    assert paths["/threads/{thread_id}/assign"]["post"]["operationId"] == "assignThread"
