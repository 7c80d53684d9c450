"""Every route of the app (HTML and API, GET and POST), tried as another customer and as an
anonymous visitor, over a customer-opened case and a case a moved post started: no answer
holds a word of either case, case routes answer 403/404, nothing about the cases changes.
Search for a case's unique word finds nothing; another customer's notifications show none."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum import services as forum_services
from forum.extensions import db
from forum.models import Notification, Post, Role
from moderation.models import PrivateMessage
from support.cases import services
from tests.conftest import login

SECRETS = ("gribbleflux", "quixotrax", "zanzibarite", "vellichor")
SKIP = {"auth.logout", "auth.sign_out_everywhere", "static"}
CASE_ENDPOINTS = ("support_cases.case", "support_cases.reply", "support_cases.close",
                  "support_cases.reopen", "support_cases.summary", "cases_api.get_case",
                  "cases_api.add_message", "moderation_public.private")


@pytest.fixture
def world(app, factory):
    """An owner with a private case and a moved post, staff, and another customer."""
    staff = factory.user("agent", role=Role.STAFF)
    owner = factory.user("owner")
    other = factory.user("other")
    category = factory.category("Billing")
    opened = services.open_case(actor=owner, subject="Gribbleflux refund",
                                body="My quixotrax account details.")
    services.add_message(opened, actor=staff, body="A zanzibarite reply.")
    thread = factory.thread(author=owner, category=category, title="Delivery never came",
                            body="My order vellichor 12345 went missing.")
    factory.thread(title="Public question here", body="Everyone may read publicword.")
    moved_post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    moved = services.move_post_to_case(moved_post, actor=staff)
    note = db.session.scalar(select(Notification.id).where(Notification.user_id == owner.id))
    token = forum_services.create_api_token(other, actor=None, name="t")[1]
    return {"owner": owner, "other": other, "staff": staff, "cases": (opened.id, moved.id),
            "thread": thread.id, "post": moved_post.id, "note": note, "token": token,
            "slug": category.slug}


def _values(world, case_id) -> dict:
    return {"case_id": case_id, "conversation_id": case_id, "thread_id": world["thread"],
            "post_id": world["post"], "username": world["owner"].username,
            "user_id": world["owner"].id, "notification_id": world["note"],
            "slug": world["slug"], "filename": "css/parley.css", "token": "x", "tag": "x",
            "action": "promote"}


def _requests(app, world, case_id, first: bool):
    values = _values(world, case_id)
    for rule in app.url_map.iter_rules():
        per_case = {"case_id", "conversation_id"} & set(rule.arguments)
        if rule.endpoint in SKIP or not (first or per_case):
            continue  # routes without a case in them are tried once
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<id:{name}>", str(values.get(name, 1)))
            url = url.replace(f"<{name}>", str(values.get(name, 1)))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def _state():
    return (db.session.scalar(select(func.count(PrivateMessage.id))),
            db.session.scalar(select(func.count()).select_from(Notification)))


def _sweep(app, client, world, headers) -> list[str]:
    leaks = []
    for n, case_id in enumerate(world["cases"]):
        for endpoint, method, url in _requests(app, world, case_id, first=n == 0):
            if method == "GET":
                response = client.get(url, headers=headers)
            else:
                response = client.open(url, method=method, json={"body": "x" * 5,
                                       "subject": "Hello there"} if "/api/" in url else None,
                                       data=None if "/api/" in url else {"body": "intrusion"},
                                       headers=headers)
            text = response.get_data(as_text=True).lower()
            found = [s for s in SECRETS if s in text]
            if found:
                leaks.append(f"{method} {url} ({endpoint}) {response.status_code}: {found}")
            to_login = response.status_code == 302 and "/login" in response.headers["Location"]
            if endpoint in CASE_ENDPOINTS and not (response.status_code in (401, 403, 404)
                                                   or (to_login and not headers)):
                leaks.append(f"{method} {url} ({endpoint}) answered {response.status_code}")
    return leaks


def test_privacy_every_route_as_other_customer_shows_nothing(app, client, world):
    before = _state()
    login(client, world["other"])
    headers = {"Authorization": f"Bearer {world['token']}"}
    assert _sweep(app, client, world, headers) == []
    messages, _ = _state()
    assert messages == before[0]  # nobody wrote into the cases


def test_privacy_every_route_as_anonymous_shows_nothing(app, client, world):
    before = _state()
    assert _sweep(app, client, world, {}) == []
    assert _state()[0] == before[0]


def test_privacy_search_finds_public_word_but_no_case_word(client, world):
    assert "Public question here" in client.get("/search?q=publicword").get_data(as_text=True)
    for word in SECRETS:
        html = client.get(f"/search?q={word}").get_data(as_text=True)
        assert "Delivery never came" not in html  # (the page repeats the query itself)
        data = client.get(f"/api/v1/search?q={word}").get_json()
        assert data["results"] == []
        suggested = client.get(f"/api/v1/suggest?q={word}").get_data(as_text=True)
        assert "Delivery never came" not in suggested


def test_privacy_moved_thread_page_shows_stub_only(client, world):
    login(client, world["other"])
    html = client.get(f"/t/{world['thread']}").get_data(as_text=True)
    assert "continues privately with our support team" in html
    assert "vellichor" not in html and f"/cases/{world['cases'][1]}" not in html


def test_privacy_other_customer_notifications_hold_nothing_of_the_case(client, world):
    login(client, world["other"])
    html = client.get("/notifications").get_data(as_text=True)
    assert "Gribbleflux" not in html and "private case" not in html
    assert client.get(f"/notifications/{world['note']}").status_code == 404


def test_privacy_owner_and_staff_do_read_the_case(client, world):
    login(client, world["owner"])
    assert "quixotrax" in client.get(f"/cases/{world['cases'][0]}").get_data(as_text=True)
    client.post("/logout")
    login(client, world["staff"])
    assert "vellichor" in client.get(f"/cases/{world['cases'][1]}").get_data(as_text=True)
