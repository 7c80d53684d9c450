"""Private cases in the JSON API: a member's list, staff filters, opening a case, reading and
writing in one; other members get 404s; errors are JSON with codes."""
from __future__ import annotations

import pytest

from forum import services as forum_services
from forum.models import Role
from support.cases import services

API = "/api/v1"


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {forum_services.create_api_token(user, actor=None)[1]}"}


@pytest.fixture
def people(factory):
    return {"staff": factory.user("agent", role=Role.STAFF), "owner": factory.user("owner"),
            "other": factory.user("other")}


def test_api_create_case_returns_201_with_location(client, people):
    response = client.post(f"{API}/cases", json={"subject": "Billing issue",
                                                 "body": "Charged **twice**."},
                           headers=_auth(people["owner"]))
    assert response.status_code == 201
    data = response.get_json()
    assert response.headers["Location"] == data["url"]
    assert data["state"] == "open" and data["origin"] == "customer"
    assert "<strong>twice</strong>" in data["messages"][0]["body_html"]


@pytest.mark.parametrize(("payload", "field"), [({"body": "Hi"}, "subject"),
                                                ({"subject": "Billing"}, "body"),
                                                ({"subject": "ab", "body": "Hi"}, "subject"),
                                                ({"subject": "Billing", "body": "   "}, "body")])
def test_api_create_case_bad_input_is_400_naming_field(client, people, payload, field):
    response = client.post(f"{API}/cases", json=payload, headers=_auth(people["owner"]))
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


def test_api_create_case_without_token_is_401(client):
    response = client.post(f"{API}/cases", json={"subject": "Billing", "body": "Hi"})
    assert response.status_code == 401 and response.get_json()["error"]["code"]


def test_api_list_cases_shows_own_only_for_customer(client, people):
    mine = services.open_case(actor=people["owner"], subject="Mine", body="One.")
    services.open_case(actor=people["other"], subject="Theirs", body="Two.")
    data = client.get(f"{API}/cases", headers=_auth(people["owner"])).get_json()
    assert [c["id"] for c in data["results"]] == [mine.id] and data["total"] == 1


def test_api_list_cases_staff_filters_state_and_mine(client, people):
    first = services.open_case(actor=people["owner"], subject="First", body="One.")
    second = services.open_case(actor=people["other"], subject="Second", body="Two.")
    services.add_message(second, actor=people["staff"], body="Taking it.")
    services.close_case(first, actor=people["owner"])
    headers = _auth(people["staff"])

    def ids(query):
        return [c["id"] for c in client.get(f"{API}/cases?{query}", headers=headers)
                .get_json()["results"]]
    assert ids("state=all") == [second.id, first.id]
    assert ids("state=closed") == [first.id]
    assert ids("mine=true") == [second.id]
    assert client.get(f"{API}/cases?state=bogus", headers=headers).status_code == 400


def test_api_get_case_marks_read_and_reports_unread(client, people):
    case = services.open_case(actor=people["owner"], subject="Refund", body="One.")
    services.add_message(case, actor=people["staff"], body="Done.")
    headers = _auth(people["owner"])
    listed = client.get(f"{API}/cases", headers=headers).get_json()["results"][0]
    assert listed["unread"] == 1 and listed["message_count"] == 2
    data = client.get(f"{API}/cases/{case.id}", headers=headers).get_json()
    assert [m["body_html"] for m in data["messages"]][1] == "<p>Done.</p>"
    assert client.get(f"{API}/cases", headers=headers).get_json()["results"][0]["unread"] == 0


def test_api_other_customer_gets_404_for_case_and_messages(client, people):
    case = services.open_case(actor=people["owner"], subject="Refund", body="Secretword.")
    headers = _auth(people["other"])
    response = client.get(f"{API}/cases/{case.id}", headers=headers)
    assert response.status_code == 404 and "Secretword" not in response.get_data(as_text=True)
    response = client.post(f"{API}/cases/{case.id}/messages", json={"body": "Hi"},
                           headers=headers)
    assert response.status_code == 404


def test_api_add_message_to_closed_case_is_409(client, people):
    case = services.open_case(actor=people["owner"], subject="Refund", body="One.")
    headers = _auth(people["staff"])
    assert client.post(f"{API}/cases/{case.id}/messages", json={"body": "Hello"},
                       headers=headers).status_code == 201
    services.close_case(case, actor=people["owner"])
    response = client.post(f"{API}/cases/{case.id}/messages", json={"body": "Again"},
                           headers=headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"


def test_api_openapi_documents_case_paths(client):
    paths = client.get(f"{API}/openapi.json").get_json()["paths"]
    assert set(paths["/cases"]) == {"get", "post"}
    assert "get" in paths["/cases/{case_id}"] and "post" in paths["/cases/{case_id}/messages"]
