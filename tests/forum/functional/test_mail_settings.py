"""E-mail choices through the pages: the settings checkboxes (CSRF-guarded) and the one-click
unsubscribe link of every notification mail (RFC 8058: a POST with no sign-in works)."""
from __future__ import annotations

import re

from sqlalchemy import select

from forum import services
from forum.extensions import db
from forum.models import MailOptOut, NotificationKind, Role
from tests.conftest import PASSWORD, login


def _html(response) -> str:
    return response.get_data(as_text=True)


def _opted_out(user) -> set[str]:
    db.session.expire_all()
    return {str(k) for k in db.session.scalars(
        select(MailOptOut.kind).where(MailOptOut.user_id == user.id))}


def _reply_mail(factory, smtp, follower):
    thread = factory.thread(factory.user(), title="Printer offline after the update")
    services.follow(thread, actor=follower)
    factory.reply(thread, factory.user(), body="Reinstall the driver from the support page.")
    return [m for m in smtp.wait_for(1) if m["To"] == follower.email]


def _unsubscribe_path(app, msg) -> str:
    url = re.search(r"<([^>]+)>", msg["List-Unsubscribe"]).group(1)
    return url[len(app.config["BASE_URL"].rstrip("/")):]


def test_mail_settings_customer_sees_customer_kinds_all_ticked(client, factory):
    login(client, factory.user("bob"))
    page = _html(client.get("/settings"))
    assert "Replies in threads I follow" in page and "Someone mentions me" in page
    assert "assigned to me" not in page  # staff's kinds are for staff
    assert len(re.findall(r'<input checked[^>]*name="wanted"|<input[^>]*name="wanted"[^>]*'
                          r'checked', page)) == 5


def test_mail_settings_staff_also_sees_workspace_kinds(client, factory):
    login(client, factory.user("agent", role=Role.STAFF))
    page = _html(client.get("/settings"))
    assert "A thread is assigned to me" in page and "response target" in page


def test_mail_settings_unticking_reply_stops_reply_mail(app, client, factory, smtp):
    bob = factory.user("bob")
    login(client, bob)
    kept = [str(NotificationKind.MENTION), str(NotificationKind.ACCEPTED)]
    response = client.post("/settings/mail", data={"wanted": kept})
    assert response.status_code == 303 and response.location.endswith("/settings#mail")
    assert _opted_out(bob) == {"reply", "case_reply", "case_opened"}
    assert _reply_mail(factory, smtp, bob) == []
    page = _html(client.get("/settings"))
    assert re.search(r'<input[^>]*value="reply"', page).group(0).count("checked") == 0


def test_mail_settings_unknown_kind_refused_with_message(client, factory):
    bob = factory.user("bob")
    login(client, bob)
    response = client.post("/settings/mail", data={"wanted": ["reply", "assigned"]})
    assert response.status_code == 400 and "not a valid choice" in _html(response)
    assert _opted_out(bob) == set()


def test_mail_settings_post_without_csrf_token_refused(make_app, factory):
    bob = factory.user("bob")
    guarded = make_app(WTF_CSRF_ENABLED=True)
    with guarded.app_context():
        client = guarded.test_client()
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                          _html(client.get("/login"))).group(1)
        client.post("/login", data={"login": "bob", "password": PASSWORD, "csrf_token": token})
        assert client.post("/settings/mail", data={"wanted": []}).status_code == 400
        assert _opted_out(bob) == set()


def test_mail_unsubscribe_get_asks_and_changes_nothing(app, factory, smtp):
    bob = factory.user("bob")
    (msg,) = _reply_mail(factory, smtp, bob)
    page = app.test_client().get(_unsubscribe_path(app, msg))
    assert page.status_code == 200 and "Stop these e-mails?" in _html(page)
    assert "bob@example.com" not in _html(page)
    assert _opted_out(bob) == set()


def test_mail_unsubscribe_one_click_post_without_login_or_csrf_works(make_app, factory, smtp):
    bob = factory.user("bob")
    (msg,) = _reply_mail(factory, smtp, bob)
    guarded = make_app(WTF_CSRF_ENABLED=True)
    with guarded.app_context():
        path = _unsubscribe_path(guarded, msg)
        response = guarded.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200 and "You are unsubscribed" in _html(response)
        assert _opted_out(bob) == {"reply"}
        again = guarded.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
        assert again.status_code == 200 and _opted_out(bob) == {"reply"}


def test_mail_unsubscribe_forged_or_altered_token_refused(app, client, factory, smtp):
    bob = factory.user("bob")
    (msg,) = _reply_mail(factory, smtp, bob)
    path = _unsubscribe_path(app, msg)
    for bad in ("/mail/unsubscribe/not-a-token", path[:-2] + ("AA" if path[-2:] != "AA"
                                                               else "BB")):
        response = client.post(bad)
        assert response.status_code == 400 and "not valid" in _html(response)
    assert _opted_out(bob) == set()
