"""Deliveries to a real receiver on 127.0.0.1: signatures, each event's payload, retries with
back-off, switched-off endpoints, the SSRF guard, the CLI and the background thread."""
from __future__ import annotations

import hashlib
import hmac
import time
from datetime import timedelta
from unittest import mock

import pytest
from sqlalchemy import select

from forum import services as forum_services
from forum.extensions import db
from forum.models import PostStatus, Role, utcnow
from moderation import engine
from moderation import services as moderation
from moderation.models import ReviewItem
from support.webhooks import addresses, emit, signing, transport, worker
from support.webhooks import services as webhooks
from support.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent

QUESTION = "How do I reset the router to factory settings?"


def _rows() -> list[WebhookDelivery]:
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _deliver(now=None):
    run = webhooks.deliver_due(now=now)
    db.session.expire_all()
    return run


def _hold_everything(submission, author, **_):
    hit = engine.RuleHit("R2", "spam.classifier", 0.8, engine.Action.HOLD, "Advertising.")
    return engine.Verdict(action=engine.Action.HOLD, hits=(hit,), scores={"spam.classifier": 0.8},
                          title=submission.title, body=submission.body,
                          explanation="Held for review under R2: it looks like advertising.")


def _held_reply(app, factory, thread, body="Visit my shop for great deals on cables."):
    app.config["MODERATION_ENABLED"] = True
    try:
        with mock.patch.object(engine, "screen", _hold_everything):
            return forum_services.reply(thread, author=factory.user(), body=body)
    finally:
        app.config["MODERATION_ENABLED"] = False


# -- signature -----------------------------------------------------------------------------------
def test_signature_delivery_matches_hmac_of_timestamp_and_body(receiver, hook_for, factory):
    hook = hook_for(receiver.url)
    factory.thread(title=QUESTION)
    assert _deliver().delivered == 1
    [got] = receiver.requests
    timestamp = got.headers["X-Parley-Timestamp"]
    expected = hmac.new(hook.secret.encode(), timestamp.encode() + b"." + got.body,
                        hashlib.sha256).hexdigest()
    assert got.headers["X-Parley-Signature"] == f"sha256={expected}"
    assert signing.verify(hook.secret, got.body, timestamp, got.headers["X-Parley-Signature"])
    assert abs(int(timestamp) - time.time()) < 3600
    assert got.headers["X-Parley-Delivery"] == _rows()[0].uuid


def test_signature_verify_tampered_body_or_old_timestamp_refused(receiver, hook_for, factory):
    hook = hook_for(receiver.url)
    factory.thread(title=QUESTION)
    _deliver()
    [got] = receiver.requests
    timestamp, header = got.headers["X-Parley-Timestamp"], got.headers["X-Parley-Signature"]
    assert not signing.verify(hook.secret, got.body + b" ", timestamp, header)
    assert not signing.verify("whsec_other", got.body, timestamp, header)
    assert not signing.verify(hook.secret, got.body, timestamp, header,
                              now=int(timestamp) + signing.TOLERANCE_SECONDS + 1)


# -- events and payloads -------------------------------------------------------------------------
def test_thread_created_published_question_sends_public_payload(app, receiver, hook_for,
                                                                 factory):
    hook_for(receiver.url, events=["thread.created", "post.created"])
    author = factory.user("asker")
    thread = factory.thread(author, title=QUESTION, body="It keeps dropping the connection.")
    _deliver()
    [got] = receiver.requests  # the opening post is part of thread.created, not post.created
    assert got.headers["X-Parley-Event"] == "thread.created"
    body = got.json
    assert set(body) == {"id", "event", "created_at", "data"}
    assert body["event"] == "thread.created"
    data = body["data"]
    assert data["thread"]["id"] == thread.id
    assert data["thread"]["title"] == QUESTION
    assert data["thread"]["author"]["username"] == "asker"
    assert "email" not in data["thread"]["author"]
    slug = "how-do-i-reset-the-router-to-factory-settings"
    assert data["thread"]["url"] == f"{app.config['BASE_URL']}/t/{thread.id}/{slug}"
    assert data["post"]["number"] == 1
    assert data["post"]["body"] == "It keeps dropping the connection."


def test_post_created_reply_sends_post_and_thread(receiver, hook_for, factory):
    thread = factory.thread(title=QUESTION)
    hook_for(receiver.url, events=["post.created"])
    post = factory.reply(thread, factory.user("helper"), body="Hold the reset button.")
    _deliver()
    [got] = receiver.requests
    assert got.headers["X-Parley-Event"] == "post.created"
    data = got.json["data"]
    assert data["post"]["id"] == post.id
    assert data["post"]["number"] == 2
    assert data["post"]["body"] == "Hold the reset button."
    assert data["post"]["author"]["username"] == "helper"
    assert data["post"]["url"].endswith(f"/p/{post.id}")
    assert data["thread"]["id"] == thread.id


def test_thread_solved_accepted_answer_sends_answer(receiver, hook_for, factory):
    author = factory.user()
    thread = factory.thread(author, title=QUESTION)
    answer = factory.reply(thread, body="Hold the reset button.")
    hook_for(receiver.url, events=["thread.solved"])
    forum_services.accept_answer(answer, actor=author)
    _deliver()
    [got] = receiver.requests
    assert got.headers["X-Parley-Event"] == "thread.solved"
    assert got.json["data"]["thread"]["id"] == thread.id
    assert got.json["data"]["thread"]["solved"] is True
    assert got.json["data"]["answer"]["id"] == answer.id


def test_post_held_by_screening_sends_rule_status_and_text(app, receiver, hook_for, factory):
    thread = factory.thread(title=QUESTION)
    hook_for(receiver.url, events=["post.held", "post.created"])
    post = _held_reply(app, factory, thread)
    assert post.status is PostStatus.HELD
    _deliver()
    [got] = receiver.requests  # held: no post.created
    assert got.headers["X-Parley-Event"] == "post.held"
    data = got.json["data"]
    assert data["post"]["id"] == post.id
    assert data["status"] == "held"
    assert data["rule"] == "R2" and data["rules"] == ["R2"]
    assert data["text"] == "Visit my shop for great deals on cables."
    assert data["source"] == "screening"
    assert "body" not in data["post"]


def test_post_rejected_by_moderator_sends_rule_and_moderator(app, receiver, hook_for, factory):
    thread = factory.thread(title=QUESTION)
    post = _held_reply(app, factory, thread)
    hook_for(receiver.url, events=["post.rejected"])
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))
    mod = factory.user("moddy", role=Role.MODERATOR)
    moderation.reject(item, actor=mod, rule="R2", message="No advertising, please.")
    _deliver()
    [got] = receiver.requests
    assert got.headers["X-Parley-Event"] == "post.rejected"
    data = got.json["data"]
    assert data["post"]["id"] == post.id
    assert data["status"] == "rejected"
    assert data["rule"] == "R2"
    assert data["reason"] == "No advertising, please."
    assert data["moderator"]["username"] == "moddy"
    assert data["source"] == "moderator"


def test_post_created_held_reply_approved_sends_event(app, receiver, hook_for, factory):
    thread = factory.thread(title=QUESTION)
    post = _held_reply(app, factory, thread, body="A perfectly fine answer after all.")
    hook_for(receiver.url, events=["post.created"])
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))
    moderation.approve(item, actor=factory.user(role=Role.MODERATOR))
    _deliver()
    [got] = receiver.requests
    assert got.json["data"]["post"]["id"] == post.id


def test_emit_case_opened_commits_with_caller_rollback_sends_nothing(receiver, hook_for):
    hook_for(receiver.url, events=["case.opened"])
    emit("case.opened", {"case": {"id": 7, "subject": "Billing"}})
    db.session.rollback()
    assert _rows() == []
    emit(WebhookEvent.CASE_OPENED, {"case": {"id": 8, "subject": "Billing"}})
    db.session.commit()
    _deliver()
    [got] = receiver.requests
    assert got.headers["X-Parley-Event"] == "case.opened"
    assert got.json["data"] == {"case": {"id": 8, "subject": "Billing"}}


def test_emit_unknown_event_refused(hook_for, receiver):
    hook_for(receiver.url, events=["case.opened"])
    with pytest.raises(ValueError):
        emit("case.exploded", {})


def test_emit_event_not_subscribed_sends_nothing(receiver, hook_for, factory):
    hook_for(receiver.url, events=["thread.solved"])
    factory.thread(title=QUESTION)
    assert _rows() == []
    assert _deliver().total == 0
    assert receiver.requests == []


def test_disabled_webhook_sends_nothing(receiver, hook_for, factory):
    hook_for(receiver.url, active=False)
    factory.thread(title=QUESTION)
    _deliver()
    assert _rows() == []
    assert receiver.requests == []


def test_disabled_webhook_pending_retries_wait_until_enabled(admin, receiver, hook_for,
                                                             factory):
    hook = hook_for(receiver.url)
    receiver.statuses = [500]
    factory.thread(title=QUESTION)
    now = utcnow()
    _deliver(now)
    webhooks.update_webhook(hook, actor=admin, url=hook.url, events=hook.events, active=False)
    later = now + timedelta(hours=1)
    assert _deliver(later).total == 0
    assert len(receiver.requests) == 1
    webhooks.update_webhook(hook, actor=admin, url=hook.url, events=hook.events, active=True)
    assert _deliver(later).delivered == 1


# -- retries -------------------------------------------------------------------------------------
def test_retry_500_then_200_delivered_on_second_attempt(receiver, hook_for, factory):
    hook_for(receiver.url)
    receiver.statuses = [500]
    factory.thread(title=QUESTION)
    now = utcnow()
    assert _deliver(now).retrying == 1
    [row] = _rows()
    assert (row.status, row.attempts, row.response_status) == (DeliveryStatus.PENDING, 1, 500)
    assert row.next_attempt_at == now + timedelta(minutes=1)
    assert len(row.response_body) == 2000  # the answer is kept, truncated
    assert _deliver(now + timedelta(seconds=59)).total == 0  # not due yet
    assert _deliver(now + timedelta(minutes=1)).delivered == 1
    [row] = _rows()
    assert (row.status, row.attempts, row.response_status) == (DeliveryStatus.DELIVERED, 2, 200)
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["X-Parley-Delivery"] == second.headers["X-Parley-Delivery"]


def test_backoff_schedule_failing_receiver_gives_up_after_six_attempts(receiver, hook_for,
                                                                       factory):
    hook_for(receiver.url)
    receiver.statuses = [503] * 10
    factory.thread(title=QUESTION)
    now, waits = utcnow(), []
    for _ in range(10):
        if _deliver(now).total == 0:
            break
        [row] = _rows()
        if row.next_attempt_at is None:
            break
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                     timedelta(hours=2), timedelta(hours=12)]
    [row] = _rows()
    assert (row.status, row.attempts, row.next_attempt_at) == (DeliveryStatus.FAILED, 6, None)
    assert len(receiver.requests) == 6
    assert _deliver(now + timedelta(days=2)).total == 0


def test_retry_connection_refused_recorded_and_rescheduled(hook_for, factory):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    hook_for(f"http://127.0.0.1:{port}/hook")
    factory.thread(title=QUESTION)
    now = utcnow()
    assert _deliver(now).retrying == 1
    [row] = _rows()
    assert row.response_status is None
    assert "ConnectionError" in row.error
    assert row.next_attempt_at == now + timedelta(minutes=1)


def test_claim_second_worker_loses_the_row(receiver, hook_for, factory):
    hook_for(receiver.url)
    factory.thread(title=QUESTION)
    [row] = _rows()
    now = utcnow()
    assert webhooks.claim(row.id, now) is True
    assert webhooks.claim(row.id, now) is False
    assert _deliver(now).total == 0  # leased to the first worker
    assert _deliver(now + webhooks.LEASE + timedelta(seconds=1)).delivered == 1  # lease lapsed


# -- where deliveries may go ---------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/hook",
    "http://192.168.0.10/hook", "http://169.254.169.254/latest/meta-data",
    "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook", "http://0.0.0.0/hook",
])
def test_private_address_refused_without_setting(app, admin, url):
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    with pytest.raises(forum_services.ValidationError) as caught:
        webhooks.create_webhook(actor=admin, url=url, events=["thread.created"])
    assert caught.value.field == "url"
    assert "public addresses" in caught.value.message


@pytest.mark.parametrize("url", ["ftp://example.com/x", "javascript:alert(1)", "example.com",
                                 "http://user:pw@example.com/x", "http:///nohost"])
def test_create_webhook_not_http_url_refused(admin, url):
    with pytest.raises(forum_services.ValidationError):
        webhooks.create_webhook(actor=admin, url=url, events=["thread.created"])


def test_public_address_allowed_without_setting(app, admin):
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    hook = webhooks.create_webhook(actor=admin, url="https://93.184.215.14/hook",
                                   events=["thread.created"])
    assert hook.url == "https://93.184.215.14/hook"


def test_private_address_checked_again_at_delivery(app, receiver, hook_for, factory):
    hook_for(receiver.url)
    factory.thread(title=QUESTION)
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    _deliver()
    [row] = _rows()
    assert row.status is DeliveryStatus.FAILED
    assert "public addresses" in row.error
    assert receiver.requests == []


def test_create_webhook_non_admin_refused(factory, receiver):
    staff = factory.user(role=Role.STAFF)
    with pytest.raises(forum_services.PermissionDenied):
        webhooks.create_webhook(actor=staff, url=receiver.url, events=["thread.created"])


# -- who drains the outbox -----------------------------------------------------------------------
def test_cli_deliver_sends_due_deliveries(app, receiver, hook_for, factory):
    hook_for(receiver.url)
    factory.thread(title=QUESTION)
    result = app.test_cli_runner().invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0, result.output
    assert "1 delivered, 0 to retry, 0 failed" in result.output
    assert len(receiver.requests) == 1


def test_background_worker_delivers_after_commit(make_app, receiver):
    background = make_app(WEBHOOKS_ALLOW_PRIVATE=True, WEBHOOKS_BACKGROUND=True,
                          WEBHOOKS_POLL_SECONDS=60.0)
    try:
        with background.app_context():
            from tests.conftest import Factory, _empty_tables

            _empty_tables()
            build = Factory()
            admin = build.user("bgadmin", role=Role.ADMIN)
            webhooks.create_webhook(actor=admin, url=receiver.url, events=["thread.created"])
            build.thread(title=QUESTION)
            [got] = receiver.wait_for(1)
            assert got.json["data"]["thread"]["title"] == QUESTION
    finally:
        worker.worker(background).stop()


# -- the checked address is the one connected to -------------------------------------------------
def test_transport_pinned_address_connects_there_keeping_host_name(receiver):
    port = receiver.server.server_address[1]
    outcome = transport.post(url=f"http://hooks.example.test:{port}/hook", body=b"{}",
                             secret="s", event="ping", delivery="d", timeout=5.0,
                             pin="127.0.0.1")
    assert outcome.ok, outcome
    [got] = receiver.requests
    assert got.headers["Host"] == f"hooks.example.test:{port}"


def _fake_dns(monkeypatch, answers: list[list[str]]):
    """addresses.resolve answers from a script (one list per lookup), like a DNS server
    that re-points a name between lookups."""
    lookups = []

    def resolve(host, port):
        lookups.append(host)
        return answers[min(len(lookups), len(answers)) - 1]

    monkeypatch.setattr(addresses, "resolve", resolve)
    return lookups


def test_attempt_connects_to_address_it_checked(monkeypatch, receiver, hook_for, factory):
    lookups = _fake_dns(monkeypatch, [["127.0.0.1"]])
    port = receiver.server.server_address[1]
    hook_for(f"http://hooks.example.test:{port}/hook")  # a name no real DNS answers
    factory.thread(title=QUESTION)
    assert _deliver().delivered == 1
    assert lookups == ["hooks.example.test", "hooks.example.test"]  # saved, then delivered
    assert receiver.requests[0].headers["Host"] == f"hooks.example.test:{port}"


def test_attempt_name_repointed_to_loopback_refused(app, monkeypatch, receiver, hook_for,
                                                    factory):
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    _fake_dns(monkeypatch, [["93.184.215.14"], ["127.0.0.1"]])
    port = receiver.server.server_address[1]
    hook_for(f"http://hooks.example.test:{port}/hook")
    factory.thread(title=QUESTION)
    _deliver()
    [row] = _rows()
    assert row.status is DeliveryStatus.FAILED and "127.0.0.1" in row.error
    assert receiver.requests == []


def test_attempt_lookup_failure_retried_not_failed(monkeypatch, receiver, hook_for, factory):
    hook_for(receiver.url)
    factory.thread(title=QUESTION)

    def no_answer(host, port):
        raise addresses.LookupFailed(f"The host {host} could not be found.")

    monkeypatch.setattr(addresses, "resolve", no_answer)
    now = utcnow()
    _deliver(now)
    [row] = _rows()
    assert row.status is DeliveryStatus.PENDING and "could not be found" in row.error
    assert row.next_attempt_at == now + timedelta(minutes=1)


def test_case_opened_customer_case_sends_case_and_customer(receiver, hook_for, factory):
    from support.cases import services as cases

    customer = factory.user("casey")
    hook_for(receiver.url, events=["case.opened"])
    case = cases.open_case(actor=customer, subject="Refund for a double charge",
                           body="I was charged twice in March.")
    _deliver()
    [got] = receiver.requests
    assert got.headers["X-Parley-Event"] == "case.opened"
    data = got.json["data"]
    assert data["case"]["id"] == case.id and data["case"]["origin"] == "customer"
    assert data["case"]["url"].endswith(f"/cases/{case.id}")
    assert data["customer"]["username"] == "casey"
    assert "charged twice" not in got.body.decode()  # the messages stay in Parley


def test_case_opened_staff_moving_a_post_sends_event(receiver, hook_for, factory):
    from support.cases import services as cases

    thread = factory.thread(title=QUESTION)
    post = factory.reply(thread, factory.user("poster"), body="My account number is below.")
    hook_for(receiver.url, events=["case.opened"])
    cases.move_post_to_case(post, actor=factory.user("agent", role=Role.STAFF))
    _deliver()
    [got] = receiver.requests
    assert got.json["data"]["case"]["origin"] == "moved_post"
    assert got.json["data"]["customer"]["username"] == "poster"
