"""The mail queue against a real SMTP server on 127.0.0.1: what arrives, for whom, and that
nothing is lost or sent twice when SMTP is down or two workers drain at once."""
from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from forum import mail_queue, services
from forum.config import ConfigError
from forum.extensions import db
from forum.models import (
    MailOptOut,
    MailOutbox,
    MailStatus,
    NotificationKind,
    PostStatus,
    Role,
    utcnow,
)
from tests.conftest import count_queries
from tests.forum.conftest import SMTPServer, free_port, point_mail_at


def _rows(**where):
    stmt = select(MailOutbox).order_by(MailOutbox.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(MailOutbox, key) == value)
    db.session.expire_all()
    return db.session.scalars(stmt).all()


def _followed_thread(factory, *followers, title="Router drops Wi-Fi every evening"):
    author = factory.user()
    thread = factory.thread(author, title=title)
    services.unfollow(thread, actor=author)  # the asker follows their own thread: not here
    for person in followers:
        services.follow(thread, actor=person)
    return author, thread


def test_mail_reply_to_follower_arrives_with_subject_link_and_unsubscribe(app, factory, smtp):
    bob = factory.user("bob")
    _author, thread = _followed_thread(factory, bob)
    carol = factory.user("carol", display_name="Carol")
    post = factory.reply(thread, carol, body="Try turning off band steering in the app.")
    (msg,) = smtp.wait_for(1)
    assert msg["To"] == "bob@example.com"
    assert msg["Subject"] == 'New reply in "Router drops Wi-Fi every evening"'
    body = msg.get_content()
    assert "Carol replied in" in body and "Try turning off band steering" in body
    assert f"{app.config['BASE_URL']}/p/{post.id}" in body or f"/posts/{post.id}" in body
    assert "because you follow this thread" in body
    unsubscribe = re.search(r"<(http[^>]+/mail/unsubscribe/[^>]+)>", msg["List-Unsubscribe"])
    assert unsubscribe and unsubscribe.group(1) in body
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [row.status for row in _rows()] == [MailStatus.SENT]


def test_mail_reply_link_uses_base_url_and_opens_the_post(app, factory, smtp):
    bob = factory.user("bob")
    _author, thread = _followed_thread(factory, bob)
    post = factory.reply(thread, factory.user("carol"))
    body = smtp.wait_for(1)[0].get_content()
    link = re.search(r"Open it: (\S+)", body).group(1)
    base = app.config["BASE_URL"].rstrip("/")
    assert link.startswith(base)
    response = app.test_client().get(link[len(base):])
    assert response.status_code in (301, 302, 303) and str(thread.id) in response.location
    assert str(post.id) in link


def test_mail_author_of_reply_gets_no_mail_about_it(app, factory, smtp):
    bob = factory.user("bob")
    _author, thread = _followed_thread(factory, bob)
    factory.reply(thread, bob, body="Answering my own followed thread.")
    assert _rows() == []  # asker does not follow; bob wrote it
    assert smtp.messages == []


def test_mail_opted_out_kind_not_queued_other_kinds_still_sent(app, factory, smtp):
    bob = factory.user("bob")
    _author, thread = _followed_thread(factory, bob)
    services.set_mail_opt_outs(bob, actor=bob, off={NotificationKind.REPLY})
    factory.reply(thread, factory.user("carol"), body="A reply bob opted out of.")
    assert _rows() == []
    factory.reply(thread, factory.user("dave"), body="Hello @bob, does this help?")
    to_bob = [m for m in smtp.wait_for(2) if m["To"] == "bob@example.com"]
    assert [m["Subject"] for m in to_bob] == [
        'dave mentioned you in "Router drops Wi-Fi every evening"']


def test_mail_opt_out_after_queueing_skips_the_mail(app, factory, smtp, monkeypatch):
    bob = factory.user("bob")
    _author, thread = _followed_thread(factory, bob)
    monkeypatch.setattr(mail_queue, "kick", lambda app: None)  # queued, not yet sent
    factory.reply(thread, factory.user("carol"))
    db.session.add(MailOptOut(user_id=bob.id, kind=NotificationKind.REPLY))
    db.session.commit()
    totals = mail_queue.drain(app)
    assert totals["skipped"] == 1 and smtp.messages == []


def test_mail_followers_queued_with_constant_queries(app, factory, monkeypatch):
    monkeypatch.setattr(mail_queue, "kick", lambda app: None)

    def queries_for_reply(followers: int) -> int:
        people = [factory.user() for _ in range(followers)]
        _author, thread = _followed_thread(factory, *people, title=f"Thread of {followers}")
        replier = factory.user()
        with count_queries() as statements:
            factory.reply(thread, replier)
        return len(statements)

    few, many = queries_for_reply(1), queries_for_reply(12)
    assert many == few
    assert len(_rows()) == 13


def test_mail_smtp_down_retried_later_not_lost(app, factory, monkeypatch):
    port = free_port()
    point_mail_at(app, port)  # nothing listens there yet
    bob = factory.user("bob")
    _author, thread = _followed_thread(factory, bob)
    factory.reply(thread, factory.user("carol"))  # sent after commit: refused
    (row,) = _rows()
    assert row.status is MailStatus.PENDING and row.attempts == 1
    assert row.next_attempt_at > utcnow() and "Connection" in row.last_error
    assert mail_queue.drain(app).total() == 0  # not due yet: the back-off holds
    server = SMTPServer(port).start()
    try:
        later = utcnow() + timedelta(seconds=app.config["MAIL_RETRY_SECONDS"] + 1)
        monkeypatch.setattr(mail_queue, "utcnow", lambda: later)
        assert mail_queue.drain(app)["sent"] == 1
        (msg,) = server.wait_for(1)
        assert msg["To"] == "bob@example.com"
        assert mail_queue.drain(app).total() == 0  # sent once, never again
    finally:
        server.stop()
    assert len(server.messages) == 1 and _rows()[0].status is MailStatus.SENT


def test_mail_retry_back_off_doubles_then_marks_failed_and_keeps_row(app, factory,
                                                                      monkeypatch):
    point_mail_at(app, free_port())
    app.config.update(MAIL_MAX_ATTEMPTS=3, MAIL_RETRY_SECONDS=10, MAIL_RETRY_MAX_SECONDS=15)
    monkeypatch.setattr(mail_queue, "kick", lambda app: None)
    bob = factory.user("bob")
    _author, thread = _followed_thread(factory, bob)
    factory.reply(thread, factory.user("carol"))
    now = utcnow()
    waits = []
    for step in range(3):
        clock = now + timedelta(seconds=100 * step)
        monkeypatch.setattr(mail_queue, "utcnow", lambda clock=clock: clock)
        mail_queue.drain(app)
        (row,) = _rows()
        waits.append(round((row.next_attempt_at - clock).total_seconds()))
    assert waits[:2] == [10, 15]  # doubled, then capped
    assert row.status is MailStatus.FAILED and row.attempts == 3


def test_mail_claims_by_two_workers_are_disjoint(app, factory, monkeypatch):
    from sqlalchemy.orm import Session

    monkeypatch.setattr(mail_queue, "kick", lambda app: None)
    for n in range(5):
        services.request_password_reset(factory.user(f"person{n}").email, reset_url=lambda t: t)
    with Session(db.engine) as one, Session(db.engine) as two:
        first = {row.id for row in mail_queue.claim(one, 3)}
        second = {row.id for row in mail_queue.claim(two, 10)}
        third = mail_queue.claim(one, 10)
    assert len(first) == 3 and len(second) == 2 and not first & second and third == []


def test_mail_two_workers_draining_at_once_send_each_message_once(app, factory, smtp,
                                                                  monkeypatch):
    monkeypatch.setattr(mail_queue, "kick", lambda app: None)
    users = [factory.user(f"member{n}") for n in range(40)]
    for user in users:
        services.request_password_reset(user.email, reset_url=lambda t: t)
    monkeypatch.setattr(mail_queue, "BATCH", 3)  # many small claims, interleaved
    errors = []

    def worker():
        try:
            mail_queue.drain(app)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    received = sorted(to for _from, tos in smtp.wait_for(40) and smtp.envelopes for to in tos)
    assert received == sorted(u.email for u in users)
    assert db.session.scalar(select(func.count()).where(
        MailOutbox.status == MailStatus.SENT)) == 40


def test_mail_stale_claim_of_dead_worker_is_taken_over(app, factory, smtp, monkeypatch):
    from sqlalchemy.orm import Session

    monkeypatch.setattr(mail_queue, "kick", lambda app: None)
    services.request_password_reset(factory.user("bob").email, reset_url=lambda t: t)
    with Session(db.engine) as dead:
        (claimed,) = mail_queue.claim(dead, 10)  # a worker took it, then died
    assert mail_queue.drain(app).total() == 0
    later = utcnow() + timedelta(seconds=app.config["MAIL_CLAIM_SECONDS"] + 1)
    monkeypatch.setattr(mail_queue, "utcnow", lambda: later)
    assert mail_queue.drain(app)["sent"] == 1
    assert smtp.wait_for(1)[0]["To"] == "bob@example.com"
    assert _rows()[0].attempts == 2 and claimed.id == _rows()[0].id


def test_mail_post_held_before_sending_is_not_mailed(app, factory, smtp, monkeypatch):
    bob = factory.user("bob")
    _author, thread = _followed_thread(factory, bob)
    monkeypatch.setattr(mail_queue, "kick", lambda app: None)
    post = factory.reply(thread, factory.user("carol"), body="Call +1 555 0100 for my number")
    db.session.execute(update(type(post)).where(type(post).id == post.id)
                       .values(status=PostStatus.HELD))
    db.session.commit()
    assert mail_queue.drain(app)["skipped"] == 1
    assert smtp.messages == []


def test_mail_to_each_follower_names_only_them(app, factory, smtp):
    bob, dora = factory.user("bob"), factory.user("dora")
    author, thread = _followed_thread(factory, bob, dora)
    carol = factory.user("carol")
    factory.reply(thread, carol, body="Public reply text.")
    messages = smtp.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["bob@example.com", "dora@example.com"]
    for msg, (_sender, tos) in zip(messages, smtp.envelopes, strict=True):
        assert tos == [msg["To"]] and msg["Cc"] is None and msg["Bcc"] is None
        others = {"bob@example.com", "dora@example.com", carol.email, author.email} - {
            msg["To"]}
        raw = msg.as_string()
        assert not any(address in raw for address in others)


def test_mail_staff_notice_and_case_reply_mailed_to_their_person(app, factory, smtp):
    agent = factory.user("agent", role=Role.STAFF)
    customer = factory.user("cust")
    thread = factory.thread(customer, title="My order never arrived")
    services.add_notice(agent.id, NotificationKind.ASSIGNED, actor=None,
                        message="Sam assigned this thread to you.", url=f"/t/{thread.id}",
                        thread=thread)
    services.add_notice(customer.id, NotificationKind.CASE_REPLY, actor=agent,
                        message="Support replied in your private case.", url="/cases/7")
    db.session.commit()
    messages = {m["To"]: m for m in smtp.wait_for(2)}
    assigned = messages["agent@example.com"]
    assert assigned["Subject"] == 'Assigned to you: "My order never arrived"'
    assert "Sam assigned this thread to you." in assigned.get_content()
    assert f"{app.config['BASE_URL']}/t/{thread.id}" in assigned.get_content()
    case = messages["cust@example.com"]
    assert "/cases/7" in case.get_content() and case["List-Unsubscribe"]
    # a notice about no thread is its own subject, not 'New message in your case "Parley"'
    assert case["Subject"] == "Support replied in your private case."


def test_mail_moderation_notice_is_not_mailed(app, factory, smtp):
    bob = factory.user("bob")
    services.add_notice(bob.id, NotificationKind.MODERATION, actor=None, message="Held.",
                        url="/rules")
    db.session.commit()
    assert _rows() == [] and smtp.messages == []


def test_mail_password_reset_queued_then_sent_over_smtp(app, factory, smtp):
    factory.user("bob")
    services.request_password_reset("bob@example.com",
                                    reset_url=lambda token: f"http://x/reset/{token}")
    (msg,) = smtp.wait_for(1)
    assert msg["Subject"] == "Reset your Parley password" and "/reset/" in msg.get_content()
    assert _rows()[0].kind == "password_reset" and _rows()[0].status is MailStatus.SENT


def test_mail_background_thread_sends_after_commit(app, factory, smtp):
    app.config["MAIL_SEND_IN_BACKGROUND"] = True
    factory.user("bob")
    try:
        services.request_password_reset("bob@example.com", reset_url=lambda token: token)
        (msg,) = smtp.wait_for(1)
        worker = mail_queue.sender(app).thread
    finally:
        mail_queue.sender(app).stop()
    assert msg["To"] == "bob@example.com"
    assert worker is not None and worker is not threading.current_thread()
    assert _rows()[0].status is MailStatus.SENT


def test_mail_accepted_answer_mailed_to_answer_author(app, factory, smtp):
    asker, helper = factory.user("asker"), factory.user("helper")
    thread = factory.thread(asker, title="Which cable for the soundbar")
    services.unfollow(thread, actor=asker)
    answer = factory.reply(thread, helper, body="The optical one, it is in the box.")
    services.unfollow(thread, actor=helper)
    services.accept_answer(answer, actor=asker)
    (msg,) = [m for m in smtp.wait_for(1) if "accepted" in m["Subject"]]
    assert msg["To"] == "helper@example.com"
    assert msg["Subject"] == 'Your answer in "Which cable for the soundbar" was accepted'
    assert "because you wrote the answer" in msg.get_content()


def test_mail_command_sends_due_mail_and_retries_failed(app, factory, smtp, monkeypatch):
    monkeypatch.setattr(mail_queue, "kick", lambda app: None)
    services.request_password_reset(factory.user("bob").email, reset_url=lambda t: t)
    services.request_password_reset(factory.user("dora").email, reset_url=lambda t: t)
    db.session.execute(update(MailOutbox).where(MailOutbox.id == _rows()[0].id)
                       .values(status=MailStatus.FAILED))
    db.session.commit()
    runner = app.test_cli_runner()
    assert "1 pending" in runner.invoke(args=["mail", "status"]).output
    assert "1 sent" in runner.invoke(args=["mail", "send"]).output
    assert "1 sent" in runner.invoke(args=["mail", "send", "--retry-failed"]).output
    assert sorted(m["To"] for m in smtp.wait_for(2)) == ["bob@example.com", "dora@example.com"]
    assert "2 sent" in runner.invoke(args=["mail", "status"]).output


def test_mail_older_smtp_host_setting_still_selects_smtp(make_app, monkeypatch):
    monkeypatch.setenv("PARLEY_SMTP_HOST", "mail.example.net")
    monkeypatch.setenv("PARLEY_SMTP_PORT", "2525")
    app = make_app()
    assert app.config["MAIL_SERVER"] == "mail.example.net"
    assert app.config["MAIL_PORT"] == 2525 and app.config["MAIL_BACKEND"] == "smtp"


def test_mail_without_server_writes_outbox_folder(app, factory):
    bob = factory.user("bob")
    thread = factory.thread(factory.user(), title="Outbox folder in development")
    services.follow(thread, actor=bob)
    factory.reply(thread, factory.user())
    files = list(Path(app.config["OUTBOX_DIR"]).glob("*bob@example.com.eml"))
    assert len(files) == 1 and b"Outbox folder in development" in files[0].read_bytes()


def test_mail_notice_caused_by_its_own_reader_not_mailed(app, factory, smtp):
    agent = factory.user("agent", role=Role.STAFF)
    thread = factory.thread(factory.user(), title="Took this one myself")
    services.add_notice(agent.id, NotificationKind.ASSIGNED, actor=agent,
                        message="You took this thread.", url=f"/t/{thread.id}", thread=thread)
    db.session.commit()
    assert _rows() == [] and smtp.messages == []


def test_mail_settings_that_cannot_work_refused_at_start(make_app):
    with pytest.raises(ConfigError, match="MAIL_USE_TLS and MAIL_USE_SSL"):
        make_app(MAIL_SERVER="smtp.example.net", MAIL_USE_TLS=True, MAIL_USE_SSL=True)
    with pytest.raises(ConfigError, match="MAIL_BACKEND 'carrier_pigeon'"):
        make_app(MAIL_BACKEND="carrier_pigeon")
