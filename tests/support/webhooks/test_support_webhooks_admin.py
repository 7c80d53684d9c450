"""The admin pages for webhooks through the test client: admins only, the secret shown once,
bad input kept, the test-event and redeliver buttons against a live receiver, the log."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Role
from support.webhooks import services as webhooks
from support.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from tests.conftest import PASSWORD, count_queries, login

ALL_EVENTS = ["thread.created", "post.created", "thread.solved", "post.held", "post.rejected",
              "case.opened"]


def _html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin_client(app, admin):
    """A client signed in as an admin."""
    client = app.test_client()
    login(client, admin)
    return client


@pytest.fixture
def hook(hook_for, receiver):
    """A webhook on the live receiver."""
    return hook_for(receiver.url, events=["thread.created"])


def _paths(hook_id: int, delivery_id: int) -> list[tuple[str, str]]:
    return [("get", "/admin/webhooks"), ("post", "/admin/webhooks"),
            ("get", f"/admin/webhooks/{hook_id}"), ("post", f"/admin/webhooks/{hook_id}"),
            ("post", f"/admin/webhooks/{hook_id}/test"),
            ("post", f"/admin/webhooks/{hook_id}/secret"),
            ("post", f"/admin/webhooks/{hook_id}/delete"),
            ("get", f"/admin/webhooks/deliveries/{delivery_id}"),
            ("post", f"/admin/webhooks/deliveries/{delivery_id}/redeliver")]


def _one_delivery(hook) -> WebhookDelivery:
    row = WebhookDelivery(webhook_id=hook.id, uuid="00000000-0000-0000-0000-000000000001",
                          event="ping", body='{"secret-ish":"no"}', status=DeliveryStatus.FAILED)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.STAFF, Role.MODERATOR])
def test_webhook_pages_non_admin_forbidden(app, factory, hook, receiver, role):
    row = _one_delivery(hook)
    client = app.test_client()
    login(client, factory.user(role=role))
    for method, path in _paths(hook.id, row.id):
        response = getattr(client, method)(path, data={"url": "http://x", "events": ["ping"]})
        assert response.status_code == 403, (method, path)
        assert hook.secret_hint[1:] not in _html(response)
        assert receiver.url not in _html(response)
    db.session.expire_all()
    assert db.session.get(Webhook, hook.id) is not None
    assert receiver.requests == []


def test_webhook_pages_anonymous_sent_to_sign_in(app, hook):
    row = _one_delivery(hook)
    client = app.test_client()
    for method, path in _paths(hook.id, row.id):
        response = getattr(client, method)(path)
        assert response.status_code in (302, 401), (method, path)
        assert receiver_url_absent(response, hook)


def receiver_url_absent(response, hook) -> bool:
    """Nothing of the webhook leaks to a stranger."""
    return hook.url not in _html(response)


def test_admin_nav_links_to_webhooks(admin_client):
    page = _html(admin_client.get("/admin"))
    assert 'href="/admin/webhooks"' in page


def test_create_webhook_form_shows_secret_once(admin_client, receiver):
    response = admin_client.post("/admin/webhooks", data={
        "url": receiver.url, "description": "CRM", "events": ["thread.created", "case.opened"],
        "active": "y"})
    assert response.status_code == 201
    hook = db.session.scalars(select(Webhook)).one()
    assert hook.events == ["thread.created", "case.opened"] and hook.active
    assert hook.secret in _html(response)
    assert "not shown again" in _html(response)
    for path in ("/admin/webhooks", f"/admin/webhooks/{hook.id}"):
        page = _html(admin_client.get(path))
        assert hook.secret not in page
        assert hook.secret[-4:] in page  # the hint


def test_create_webhook_private_url_refused_keeps_input(app, admin_client):
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    response = admin_client.post("/admin/webhooks", data={
        "url": "http://127.0.0.1:9/internal", "description": "My CRM",
        "events": ["post.held"]})
    assert response.status_code == 400
    page = _html(response)
    assert "public addresses" in page
    assert 'value="http://127.0.0.1:9/internal"' in page
    assert 'value="My CRM"' in page
    assert re.search(r'<input checked[^>]*value="post.held"', page)
    assert db.session.scalars(select(Webhook)).all() == []


def test_create_webhook_no_events_refused(admin_client, receiver):
    response = admin_client.post("/admin/webhooks", data={"url": receiver.url})
    assert response.status_code == 400
    assert "Choose at least one event." in _html(response)


def test_edit_webhook_switch_off_and_change_events(admin_client, hook, receiver):
    response = admin_client.post(f"/admin/webhooks/{hook.id}", data={
        "url": receiver.url, "events": ["post.created", "thread.solved"]})
    assert response.status_code == 303
    db.session.expire_all()
    assert hook.active is False
    assert hook.events == ["post.created", "thread.solved"]


def test_send_test_button_delivers_ping_and_shows_outcome(admin_client, hook, receiver):
    response = admin_client.post(f"/admin/webhooks/{hook.id}/test", follow_redirects=True)
    assert response.status_code == 200
    assert "Delivered: the receiver answered 200." in _html(response)
    [got] = receiver.requests
    assert got.headers["X-Parley-Event"] == "ping"
    assert got.json["data"]["webhook_id"] == hook.id
    page = _html(admin_client.get(f"/admin/webhooks/{hook.id}"))
    assert "delivery-delivered" in page and "ping" in page


def test_send_test_button_failure_shows_next_try(admin_client, hook, receiver):
    receiver.statuses = [500]
    response = admin_client.post(f"/admin/webhooks/{hook.id}/test", follow_redirects=True)
    page = _html(response)
    assert "Not delivered: the receiver answered 500." in page
    assert "Next try at" in page
    assert "receiver broke" in page  # the truncated answer in the log


def test_redeliver_button_sends_same_body_as_new_delivery(admin_client, hook, receiver, factory):
    factory.thread(title="How do I reset the router to factory settings?")
    webhooks.deliver_due()
    [first] = db.session.scalars(select(WebhookDelivery)).all()
    response = admin_client.post(f"/admin/webhooks/deliveries/{first.id}/redeliver")
    assert response.status_code == 303
    one, two = receiver.requests
    assert one.body == two.body
    assert one.headers["X-Parley-Delivery"] != two.headers["X-Parley-Delivery"]
    assert len(db.session.scalars(select(WebhookDelivery)).all()) == 2


def test_rotate_secret_shows_new_secret_once(admin_client, hook):
    old = hook.secret
    response = admin_client.post(f"/admin/webhooks/{hook.id}/secret")
    db.session.expire_all()
    assert response.status_code == 200
    assert hook.secret != old
    assert hook.secret in _html(response)
    assert hook.secret not in _html(admin_client.get(f"/admin/webhooks/{hook.id}"))


def test_delete_webhook_removes_it_and_its_log(admin_client, hook):
    _one_delivery(hook)
    response = admin_client.post(f"/admin/webhooks/{hook.id}/delete")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(Webhook)).all() == []
    assert db.session.scalars(select(WebhookDelivery)).all() == []


def test_delivery_page_shows_body_and_answer(admin_client, hook, receiver):
    admin_client.post(f"/admin/webhooks/{hook.id}/test")
    row = db.session.scalars(select(WebhookDelivery)).one()
    page = _html(admin_client.get(f"/admin/webhooks/deliveries/{row.id}"))
    assert row.uuid in page and "HTTP 200" in page and "A test event" in page


def test_index_documents_signature_exactly(admin_client):
    page = _html(admin_client.get("/admin/webhooks"))
    assert "X-Parley-Signature" in page and "X-Parley-Timestamp" in page
    assert "&lt;X-Parley-Timestamp&gt;.&lt;body&gt;" in page
    assert "HMAC-SHA256" in page


def _log_queries(admin_client, hook, rows: int) -> int:
    for n in range(rows):
        db.session.add(WebhookDelivery(webhook_id=hook.id, uuid=f"{hook.id}-{rows}-{n}",
                                       event="ping", body="{}", status=DeliveryStatus.PENDING))
    db.session.commit()
    admin_client.get(f"/admin/webhooks/{hook.id}")  # warm: per-process header caches
    with count_queries() as statements:
        assert admin_client.get(f"/admin/webhooks/{hook.id}").status_code == 200
    return len(statements)


def test_delivery_log_query_count_does_not_grow_with_rows(admin_client, hook_for, receiver):
    few = _log_queries(admin_client, hook_for(receiver.url), 3)
    many = _log_queries(admin_client, hook_for(receiver.url), 30)
    assert few == many


def test_index_query_count_does_not_grow_with_webhooks(admin_client, hook_for, receiver):
    hook_for(receiver.url)
    admin_client.get("/admin/webhooks")  # warm: per-process header caches
    with count_queries() as few:
        admin_client.get("/admin/webhooks")
    for _ in range(5):
        hook_for(receiver.url, events=ALL_EVENTS)
    admin_client.get("/admin/webhooks")
    with count_queries() as many:
        admin_client.get("/admin/webhooks")
    assert len(few) == len(many)


def test_webhook_page_unknown_id_not_found(admin_client):
    assert admin_client.get("/admin/webhooks/999").status_code == 404
    assert admin_client.post("/admin/webhooks/deliveries/999/redeliver").status_code == 404


def test_webhook_forms_without_csrf_token_refused(make_app, receiver):
    from tests.conftest import Factory, _empty_tables

    guarded = make_app(WTF_CSRF_ENABLED=True, WEBHOOKS_ALLOW_PRIVATE=True,
                       WEBHOOKS_BACKGROUND=False)
    with guarded.app_context():
        _empty_tables()
        admin = Factory().user("csrfadmin", role=Role.ADMIN)
        hook = webhooks.create_webhook(actor=admin, url=receiver.url, events=["thread.created"])
        client = guarded.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
            re.search(r'name="csrf_token" value="([^"]+)"', page)
        client.post("/login", data={"login": "csrfadmin", "password": PASSWORD,
                                    "csrf_token": token.group(1)})
        assert client.get("/admin/webhooks").status_code == 200
        for path in ("/admin/webhooks", f"/admin/webhooks/{hook.id}/test",
                     f"/admin/webhooks/{hook.id}/delete"):
            assert client.post(path, data={"url": receiver.url}).status_code == 400, path
        assert receiver.requests == []
        db.session.remove()
