"""The thread tools in the JSON API: tags on GET /threads/{id}; staff tokens add and remove
tags and read and write notes; customers get 403 and learn nothing."""
from __future__ import annotations

from sqlalchemy import select

from forum import services
from forum.extensions import db
from forum.models import ThreadTag
from support.tools import services as tools
from support.tools.models import ThreadNote

API = "/api/v1"


def _auth(user) -> dict:
    return {"Authorization": "Bearer " + services.create_api_token(user, actor=None, name="t")[1]}


def test_get_thread_includes_tags_for_anyone(client, staff, thread):
    tools.tag_thread(thread, tools.create_tag(actor=staff, name="Billing"), actor=staff)
    data = client.get(f"{API}/threads/{thread.id}").get_json()

    assert data["tags"] == [{"slug": "billing", "name": "Billing"}]


def test_get_thread_untagged_has_empty_tags(client, thread):
    assert client.get(f"{API}/threads/{thread.id}").get_json()["tags"] == []


def test_add_tag_staff_token_201_then_200_when_already_there(client, staff, thread):
    tools.create_tag(actor=staff, name="Billing")
    headers = _auth(staff)
    first = client.post(f"{API}/threads/{thread.id}/tags", headers=headers, json={"tag": "billing"})
    again = client.post(f"{API}/threads/{thread.id}/tags", headers=headers, json={"tag": "billing"})

    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json() == {"thread_id": thread.id,
                                "tags": [{"slug": "billing", "name": "Billing"}]}


def test_add_tag_unknown_slug_is_404_with_field(client, staff, thread):
    response = client.post(f"{API}/threads/{thread.id}/tags", headers=_auth(staff),
                           json={"tag": "nope"})

    assert response.status_code == 404
    assert response.get_json()["error"] == {"code": "not_found", "field": "tag",
                                            "message": "No tag with that slug."}


def test_add_tag_missing_field_is_400(client, staff, thread):
    response = client.post(f"{API}/threads/{thread.id}/tags", headers=_auth(staff), json={})

    assert response.status_code == 400 and response.get_json()["error"]["field"] == "tag"


def test_remove_tag_staff_token_takes_it_off(client, staff, thread):
    tag = tools.create_tag(actor=staff, name="Billing")
    tools.tag_thread(thread, tag, actor=staff)
    response = client.delete(f"{API}/threads/{thread.id}/tags/billing", headers=_auth(staff))

    assert response.status_code == 200 and response.get_json()["tags"] == []
    assert db.session.scalar(select(ThreadTag.tag_id)) is None


def test_tag_endpoints_customer_token_403_and_nothing_changes(client, staff, customer, thread):
    tag = tools.create_tag(actor=staff, name="Billing")
    tools.tag_thread(thread, tag, actor=staff)
    headers = _auth(customer)
    added = client.post(f"{API}/threads/{thread.id}/tags", headers=headers, json={"tag": "billing"})
    removed = client.delete(f"{API}/threads/{thread.id}/tags/billing", headers=headers)

    assert added.status_code == removed.status_code == 403
    assert removed.get_json()["error"]["code"] == "forbidden"
    assert db.session.scalar(select(ThreadTag.tag_id)) == tag.id


def test_tag_endpoints_without_token_401(client, thread):
    assert client.post(f"{API}/threads/{thread.id}/tags", json={"tag": "x"}).status_code == 401


def test_notes_staff_token_posts_and_lists(client, staff, thread):
    headers = _auth(staff)
    created = client.post(f"{API}/threads/{thread.id}/notes", headers=headers,
                          json={"body": "Called the **customer**"})
    listed = client.get(f"{API}/threads/{thread.id}/notes", headers=headers).get_json()

    assert created.status_code == 201
    assert created.get_json()["body_html"].count("<strong>customer</strong>") == 1
    assert [n["body"] for n in listed["notes"]] == ["Called the **customer**"]
    assert listed["notes"][0]["author"]["username"] == staff.username


def test_notes_empty_body_is_400_on_body(client, staff, thread):
    response = client.post(f"{API}/threads/{thread.id}/notes", headers=_auth(staff),
                           json={"body": "  "})

    assert response.status_code == 400 and response.get_json()["error"]["field"] == "body"
    assert db.session.scalar(select(ThreadNote.id)) is None


def test_notes_customer_token_403_before_lookup(client, customer, thread):
    headers = _auth(customer)
    missing = client.get(f"{API}/threads/999999/notes", headers=headers)
    posted = client.post(f"{API}/threads/{thread.id}/notes", headers=headers, json={"body": "hi"})

    assert missing.status_code == 403 and posted.status_code == 403
    assert db.session.scalar(select(ThreadNote.id)) is None


def test_openapi_documents_tool_endpoints_and_thread_tags(client):
    document = client.get(f"{API}/openapi.json").get_json()

    assert {"/threads/{thread_id}/tags", "/threads/{thread_id}/tags/{slug}",
            "/threads/{thread_id}/notes"} <= set(document["paths"])
    thread_parts = document["components"]["schemas"]["Thread"]["allOf"][1]["properties"]
    assert "tags" in thread_parts
